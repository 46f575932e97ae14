"""ETagMiddleware: strong tags hashed from whole bodies, and the 304s and 412s they allow."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from resourceful import App, Middleware, Route, WebSocketRoute
from resourceful.caching import CacheControl
from resourceful.middleware.etags import ETagMiddleware
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, StreamingResponse
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory, no_receive

POLICY = CacheControl(private=True, no_cache=True)


async def notes(request: Request) -> dict[str, list[str]]:
    return {"notes": ["one", request.query_params.get("more", "two")]}


async def tagged(request: Request) -> PlainTextResponse:
    return PlainTextResponse("mine", headers={"etag": '"own"'})


async def missing(request: Request) -> PlainTextResponse:
    return PlainTextResponse("no such page", status_code=404)


async def streamed(request: Request) -> StreamingResponse:
    async def parts() -> AsyncIterator[bytes]:
        yield b"one"
        yield b"two"

    return StreamingResponse(parts())


async def expiring(request: Request) -> PlainTextResponse:
    headers = {"expires": "Thu, 01 Jan 2099 00:00:00 GMT", "x-served-by": "a"}
    return PlainTextResponse("later", headers=headers)


def client_of(test_client_factory: TestClientFactory) -> Any:
    routes = [
        Route("/notes", notes, methods=["GET", "POST"]),
        Route("/tagged", tagged),
        Route("/missing", missing),
        Route("/streamed", streamed),
        Route("/expiring", expiring),
    ]
    app = App(routes=routes, middleware=[Middleware(ETagMiddleware)], cache_control=POLICY)
    return test_client_factory(app)


def test_a_whole_body_gets_a_strong_tag_and_a_current_copy_a_304(
    test_client_factory: TestClientFactory,
) -> None:
    client = client_of(test_client_factory)
    first = client.get("/notes")
    tag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag), "strong, a hash of the body"
    assert client.get("/notes").headers["etag"] == tag, "the same body, the same tag"
    assert client.get("/notes?more=three").headers["etag"] != tag
    assert client.head("/notes").headers["etag"] == tag, "a HEAD's tag is its GET's"
    # The client sent the tag it holds (among others), then a stale one.
    again = client.get("/notes", headers={"if-none-match": f'"old", {tag}'})
    assert (again.status_code, again.content) == (304, b"")
    assert (again.headers["etag"], again.headers["cache-control"]) == (tag, str(POLICY))
    assert "content-type" not in again.headers
    assert "content-length" not in again.headers
    stale = client.get("/notes", headers={"if-none-match": '"old"'})
    assert (stale.status_code, stale.json()) == (200, {"notes": ["one", "two"]})


def test_a_304_keeps_what_a_304_carries_only(test_client_factory: TestClientFactory) -> None:
    client = client_of(test_client_factory)
    tag = client.get("/expiring").headers["etag"]
    again = client.get("/expiring", headers={"if-none-match": tag})
    assert again.status_code == 304
    assert again.headers["expires"] == "Thu, 01 Jan 2099 00:00:00 GMT"
    assert "x-served-by" not in again.headers


def test_an_if_match_naming_another_body_is_a_412(test_client_factory: TestClientFactory) -> None:
    client = client_of(test_client_factory)
    tag = client.get("/notes").headers["etag"]
    assert client.get("/notes", headers={"if-match": tag}).status_code == 200
    # The client sent the tag of a representation this is not.
    refused = client.get("/notes", headers={"if-match": '"other"'})
    assert (refused.status_code, refused.headers["content-type"]) == (
        412,
        "application/problem+json",
    )
    assert json.loads(refused.content)["title"] == "Precondition Failed"


def test_what_it_leaves_alone(test_client_factory: TestClientFactory) -> None:
    client = client_of(test_client_factory)
    assert client.get("/tagged").headers["etag"] == '"own"'
    assert client.get("/tagged", headers={"if-none-match": '"own"'}).status_code == 200
    assert "etag" not in client.get("/missing").headers
    assert "etag" not in client.post("/notes").headers
    streamed = client.get("/streamed")
    assert (streamed.text, "etag" in streamed.headers) == ("onetwo", False)


async def run(method: str, messages: list[Message]) -> list[Message]:
    """What ``ETagMiddleware`` sends for an app that sends ``messages``."""

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "headers": [], "path": "/"}
    await ETagMiddleware(inner)(scope, no_receive, send)
    return sent


START = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]}


async def test_a_head_without_its_body_or_a_file_sent_by_path_passes_untouched() -> None:
    empty = {"type": "http.response.body", "body": b""}
    assert await run("HEAD", [START, empty]) == [START, empty]
    by_path = {"type": "http.response.pathsend", "path": "/tmp/x"}
    assert await run("GET", [START, by_path]) == [START, by_path]
    # An extension's message before the start (what a template response tells a test
    # client) changes nothing.
    debug = {"type": "http.response.debug", "info": {}}
    body = {"type": "http.response.body", "body": b"hello"}
    sent = await run("GET", [debug, START, body])
    assert (sent[0], sent[2]) == (debug, body)
    assert dict(sent[1]["headers"])[b"etag"].startswith(b'"')


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


def test_websockets_and_the_lifespan_pass_untouched(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[WebSocketRoute("/echo", echo)], middleware=[Middleware(ETagMiddleware)])
    with test_client_factory(app) as client, client.websocket_connect("/echo") as websocket:
        websocket.send_text("hello")
        assert websocket.receive_text() == "hello"
