"""Fixtures shared by every test: both anyio backends, and a test client bound to one."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from typing import Any, Literal

import anyio
import pytest
from hypothesis import settings

from resourceful.types import ASGIApp, Message, Scope

# HYPOTHESIS_PROFILE=deep (tox -e fuzz) runs every property test with many more examples.
settings.register_profile("deep", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every async test, and every test client, on asyncio and on trio."""
    backend: str = request.param
    return backend


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        if inspect.iscoroutinefunction(function):
            item.add_marker(pytest.mark.anyio)


TestClientFactory = Callable[..., Any]


@pytest.fixture
def test_client_factory(anyio_backend: str) -> TestClientFactory:
    """``TestClient`` with the backend of this test run already chosen."""
    from resourceful.testclient import TestClient

    backend: Literal["asyncio", "trio"] = "trio" if anyio_backend == "trio" else "asyncio"
    return functools.partial(TestClient, backend=backend)


async def serve(app: ASGIApp, scope: Scope, body: bytes = b"") -> list[Message]:
    """Call ``app`` as a server would and return what it sent: the request body, then nothing
    until the response is complete, then ``http.disconnect``."""
    sent: list[Message] = []
    complete = anyio.Event()
    body_given = False

    async def receive() -> Message:
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    await app(scope, receive, send)
    return sent


async def no_receive() -> Message:
    """A receive channel for an app that must not read: reading fails the test."""
    raise AssertionError(
        "the app read from a channel it must not use"
    )  # pragma: no cover (reached only by a failing test)


async def no_send(message: Message) -> None:
    """A send channel for an app that must not response: sending fails the test."""
    raise AssertionError(
        "the app sent on a channel it must not use"
    )  # pragma: no cover (reached only by a failing test)
