"""Fixtures shared by every test: both anyio backends, and a test client bound to one."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Literal

import pytest


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
