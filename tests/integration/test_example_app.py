"""The README's example application, served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import httpx


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
