"""The README's example application, served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest

from tests.integration.conftest import uvicorn_server


def test_home_page_is_html(example_server: str) -> None:
    response = httpx.get(example_server + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Hello from resourceful</h1>" in response.text


def test_api_answers_json(example_server: str) -> None:
    response = httpx.get(example_server + "/api/hello", params={"name": "Zoë"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Hello, Zoë!"}


def test_unknown_path_is_404(example_server: str) -> None:
    response = httpx.get(example_server + "/nowhere")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_a_server_that_cannot_start_is_reported() -> None:
    with ExitStack() as stack, pytest.raises(RuntimeError, match="did not start") as info:
        stack.enter_context(uvicorn_server("hello:missing"))
    assert 'Attribute "missing" not found' in str(info.value)
