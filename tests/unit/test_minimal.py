"""The package with its hard dependencies only: it imports, and optional features say which
extra to install. This module runs in the ``minimal`` tox env, and in every other env with
the optional packages hidden."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncGenerator

import pytest

import resourceful


def test_every_public_name_exists_and_is_documented() -> None:
    for name in resourceful.__all__:
        obj = getattr(resourceful, name)
        assert obj.__doc__, f"{name} has no docstring"


def test_version_is_a_string() -> None:
    assert isinstance(resourceful.__version__, str)


def test_test_client_without_httpx_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    monkeypatch.setitem(sys.modules, "httpx2", None)
    monkeypatch.delitem(sys.modules, "resourceful.testclient", raising=False)
    with pytest.raises(ImportError, match=r"resourceful-asgi\[testclient\]"):
        importlib.import_module("resourceful.testclient")


async def test_multipart_without_python_multipart_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from resourceful.datastructures import Headers
    from resourceful.formparsers import MultiPartParser

    async def stream() -> AsyncGenerator[bytes, None]:
        yield b""

    monkeypatch.setitem(sys.modules, "python_multipart", None)
    headers = Headers({"content-type": "multipart/form-data; boundary=x"})
    body = stream()
    with pytest.raises(ImportError, match=r"resourceful-asgi\[forms\]"):
        await MultiPartParser(headers, body).parse()
    assert [chunk async for chunk in body] == [b""], "the body was left unread"


async def test_the_memory_broadcast_needs_no_extra() -> None:
    from resourceful.broadcast import Broadcast

    async with Broadcast() as broadcast, broadcast.subscribe("news") as news:
        await broadcast.publish("news", "hard dependencies only")
        assert (await anext(news)).message == "hard dependencies only"
