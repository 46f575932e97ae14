"""Request body limits: by Content-Length, while streaming, per route and for uploads."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import attrs

from resourceful import App, HTTPResource, Middleware, PlainTextResponse, Route
from resourceful.middleware.limits import BodyLimitMiddleware
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory


async def echo_size(request: Request) -> Response:
    body = await request.body()
    return PlainTextResponse(str(len(body)))


async def ignores_body(request: Request) -> Response:
    return PlainTextResponse("not read")


@attrs.frozen
class Note:
    text: str


async def create(note: Note) -> int:
    return len(note.text)


class Big(HTTPResource):
    middleware = (Middleware(BodyLimitMiddleware, max_body_size=10_000),)

    async def post(self, request: Request) -> Response:
        return PlainTextResponse(str(len(await request.body())))


def limits_app(max_body_size: int | None = 1024, max_upload_size: int | None = 100_000) -> App:
    return App(
        routes=[
            Route("/echo", echo_size, methods=["POST"]),
            Route("/ignore", ignores_body, methods=["POST"]),
            Route("/notes", create, methods=["POST"]),
            Route(
                "/small",
                echo_size,
                methods=["POST"],
                middleware=[Middleware(BodyLimitMiddleware, max_body_size=10)],
            ),
            Route("/big", Big),
        ],
        max_body_size=max_body_size,
        max_upload_size=max_upload_size,
    )


def test_bodies_within_the_limit_are_read(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(limits_app(max_body_size=100))
    assert client.post("/echo", content=b"x" * 100).text == "100"


def test_declared_oversized_body_is_413_without_reading_it(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(limits_app(max_body_size=100))
    # The client declared and sent 101 bytes where 100 are allowed.
    response = client.post("/echo", content=b"x" * 101)
    assert response.status_code == 413
    assert response.text == "The request body is larger than the limit of 100 bytes."
    # A route that never reads the body is not refused.
    assert client.post("/ignore", content=b"x" * 1000).text == "not read"


def test_streamed_body_is_counted(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(limits_app(max_body_size=100))

    def chunks() -> Iterator[bytes]:
        yield b"x" * 60
        yield b"x" * 60

    # The client streamed 120 bytes without a Content-Length.
    assert client.post("/echo", content=chunks()).status_code == 413


async def test_lying_content_length_is_caught_while_streaming() -> None:
    app = limits_app(max_body_size=100)
    sent: list[Message] = []
    messages: list[Message] = [
        {"type": "http.request", "body": b"x" * 80, "more_body": True},
        {"type": "http.request", "body": b"x" * 80, "more_body": False},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    # The client declared 10 bytes but sent 160.
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "query_string": b"",
        "headers": [(b"content-length", b"10")],
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert messages == [], "reading stopped at the limit"


async def test_the_first_of_repeated_declarations_counts() -> None:
    app = limits_app(max_body_size=100, max_upload_size=1000)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"x" * 50}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/echo", "query_string": b""}
    # The client declared 500 bytes, then 5, and typed the body as urlencoded, then as an
    # upload: the first of each decides, so the 100-byte limit refuses it unread.
    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", b"500"),
        (b"content-type", b"multipart/form-data; boundary=x"),
        (b"content-length", b"5"),
    ]
    await app({**scope, "headers": headers}, receive, send)
    assert sent[0]["status"] == 413
    # The client declared 5 bytes, then 500, and sent 50: the first declaration passes.
    sent.clear()
    headers = [(b"content-length", b"5"), (b"content-length", b"500")]
    await app({**scope, "headers": headers}, receive, send)
    assert (sent[0]["status"], sent[1]["body"]) == (200, b"50")


def test_typed_bodies_get_413_too(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(limits_app(max_body_size=20))
    assert client.post("/notes", json={"text": "short"}).json() == 5
    assert client.post("/notes", json={"text": "x" * 50}).status_code == 413


def test_routes_and_resources_set_their_own_limits(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(limits_app(max_body_size=100))
    assert client.post("/small", content=b"x" * 11).status_code == 413
    assert client.post("/big", content=b"x" * 5000).text == "5000"
    assert client.post("/big", content=b"x" * 10_001).status_code == 413


def test_uploads_have_their_own_limit(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(limits_app(max_body_size=100, max_upload_size=2000))
    assert client.post("/echo", files={"f": ("a.txt", b"x" * 500)}).status_code == 200
    assert client.post("/echo", files={"f": ("a.txt", b"x" * 3000)}).status_code == 413


def test_limits_can_be_turned_off(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(limits_app(max_body_size=None, max_upload_size=None))
    assert client.post("/echo", content=b"x" * 2_000_000).text == "2000000"
    only_uploads = test_client_factory(limits_app(max_body_size=None, max_upload_size=10))
    assert only_uploads.post("/echo", content=b"x" * 2_000_000).text == "2000000"


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await BodyLimitMiddleware(inner)({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan"]
