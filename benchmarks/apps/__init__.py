"""The scenarios' apps, one module per framework, and what they share.

Each module has ``apps()``, mapping a scenario name to a function that builds that app;
it raises ImportError when its framework is not installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from resourceful.types import ASGIApp, Receive, Scope, Send

Builder = Callable[[], Any]  # each framework types its app its own way

#: The frameworks, resourceful first, by the module holding their apps.
FRAMEWORKS = {
    "resourceful": "benchmarks.apps.ours",
    "raw": "benchmarks.apps.raw",
    "starlette": "benchmarks.apps.peer_starlette",
    "fastapi": "benchmarks.apps.peer_fastapi",
    "litestar": "benchmarks.apps.peer_litestar",
    "blacksheep": "benchmarks.apps.peer_blacksheep",
    "strawberry": "benchmarks.apps.peer_strawberry",
    "ariadne": "benchmarks.apps.peer_ariadne",
}


def load(framework: str) -> dict[str, Builder]:
    """The builders of ``framework``'s apps by scenario; empty if it is not installed."""
    try:
        module = importlib.import_module(FRAMEWORKS[framework])
        builders: dict[str, Builder] = module.apps()
    except ImportError:
        return {}
    return builders


class PassThrough:
    """The middleware scenario's ASGI middleware that does nothing but call the next app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Database:
    """The DI scenario's app-scoped service: made once, shared by every request."""

    def __init__(self) -> None:
        self.visits = {"alice": 3}


class Profiles:
    """The DI scenario's request-scoped service, made per request on the app's Database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> dict[str, Any]:
        return {"name": name, "visits": self.db.visits[name]}


ALLOWED_HOSTS = ["bench", "127.0.0.1"]
ALLOWED_ORIGINS = ["http://example.org"]
