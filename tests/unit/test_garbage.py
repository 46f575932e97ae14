"""Serving a request leaves no reference cycles: everything it made is freed as it ends.

A cycle per request (the scope holding an object that holds the scope, or that holds the
server's receive and send, which hold the scope) leaves every request's objects to the
garbage collector, which then runs every few hundred requests.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from typing import Annotated, Any

import attrs
import pytest

from resourceful import (
    App,
    Form,
    HTTPResource,
    Middleware,
    Provider,
    Request,
    Route,
    Router,
    responds,
)
from resourceful.middleware.cors import CORSMiddleware
from resourceful.middleware.limits import BodyLimitMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Message


@attrs.define
class Item:
    name: str
    price: float


class Items(HTTPResource):
    @responds(201)
    async def post(self, item: Item) -> Item:
        return item


class Counter:
    def __init__(self) -> None:
        self.count = 0


def unit_of_work() -> Iterator[Counter]:
    yield Counter()


async def plaintext(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def user(id: int, counter: Counter, verbose: bool = False) -> dict[str, Any]:
    counter.count += 1  # from a provider with a teardown
    return {"id": id, "verbose": verbose}


@attrs.define
class Login:
    username: str


async def login(form: Annotated[Login, Form()]) -> dict[str, str]:
    return {"username": form.username}


def make_app(middleware: tuple[Middleware, ...], limited: bool) -> App:
    limits: dict[str, Any] = {} if limited else {"max_body_size": None, "max_upload_size": None}
    return App(
        routes=[
            Route("/plaintext", plaintext),
            Route("/users/{id:int}", user),
            Route("/items", Items),
            Route("/login", login, methods=["POST"]),
        ],
        providers=[Provider(unit_of_work)],
        middleware=list(middleware),
        **limits,
    )


REQUESTS = [
    ("GET", "/plaintext", b"", b"", 200),
    ("GET", "/users/42", b"verbose=true", b"", 200),
    ("POST", "/items", b"", json.dumps({"name": "a", "price": 1.5}).encode(), 201),
    ("POST", "/login", b"", b"username=alice", 200),
]


class Exchange:
    """One request as a server holds it: its receive and send are bound methods of an
    object that holds the scope (as uvicorn's and hypercorn's are), so anything the app
    leaves in the scope that keeps them closes a cycle."""

    def __init__(self, scope: dict[str, Any], body: bytes) -> None:
        self.scope = scope
        self.body = body
        self.status = 0

    async def receive(self) -> Message:
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]


async def serve(app: ASGIApp, method: str, path: str, query: bytes, body: bytes) -> int:
    content_type = b"application/x-www-form-urlencoded" if path == "/login" else b"application/json"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [
            (b"host", b"testserver"),
            (b"origin", b"https://a.example"),
            (b"content-type", content_type),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    exchange = Exchange(scope, body)
    await app(scope, exchange.receive, exchange.send)
    return exchange.status


async def assert_no_cycles(
    app: ASGIApp, requests: list[tuple[str, str, bytes, bytes, int]]
) -> None:
    for request in requests:  # warm up: plans, caches and the like are made once
        assert await serve(app, *request[:4]) == request[4]
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            for method, path, query, body, status in requests:
                assert await serve(app, method, path, query, body) == status
        found = gc.collect()  # what only the collector could free
    finally:
        gc.enable()
    assert found == 0, f"{found} objects in reference cycles after {20 * len(requests)} requests"


@pytest.mark.parametrize(
    "middleware",
    [
        (),
        (
            Middleware(CORSMiddleware, allow_origins=["https://a.example"]),
            Middleware(TrustedHostMiddleware, allowed_hosts=["testserver"]),
        ),
    ],
    ids=["no middleware", "cors and hosts"],
)
@pytest.mark.parametrize("limited", [True, False], ids=["body limits", "no body limits"])
async def test_requests_leave_no_cycles(
    anyio_backend: str, middleware: tuple[Middleware, ...], limited: bool
) -> None:
    await assert_no_cycles(make_app(middleware, limited), REQUESTS)


async def echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(await request.body())


async def test_a_body_limit_alone_leaves_no_cycles(anyio_backend: str) -> None:
    # Without an App: the limit middleware counts, and the endpoint reads the body through
    # its counter.
    app = BodyLimitMiddleware(Router([Route("/echo", echo, methods=["POST"])]), max_body_size=10)
    await assert_no_cycles(app, [("POST", "/echo", b"", b"hello", 200)])
