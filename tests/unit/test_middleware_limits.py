"""Request body limits: by Content-Length, while streaming, per route and for uploads."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import anyio
import attrs
import pytest

from resourceful import App, HTTPResource, Middleware, Mount, PlainTextResponse, Route, Router
from resourceful._bodylimit import DEFAULT_BODY, Unset
from resourceful.middleware.base import BaseHTTPMiddleware, CallNext
from resourceful.middleware.body_limit import RequestBodyLimitMiddleware
from resourceful.middleware.limits import (
    MAX_BODY_SIZE_SCOPE_KEY,
    BodyLimitMiddleware,
    BodyTooLarge,
)
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from tests.conftest import TestClientFactory, no_receive, no_send


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
    assert response.text == "Content Too Large"
    # A route that never reads the body is refused as its response starts.
    response = client.post("/ignore", content=b"x" * 1000)
    assert (response.status_code, response.text) == (413, "Content Too Large")
    assert client.post("/ignore", content=b"x" * 100).text == "not read"


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


def post_app(*, app_limit: int | Unset | None = DEFAULT_BODY, **route_options: Any) -> App:
    return App(
        routes=[
            Route("/", echo_size, methods=["POST"], **route_options),
            Route("/ignore", ignores_body, methods=["POST"], **route_options),
        ],
        max_body_size=app_limit,
    )


@pytest.mark.parametrize(
    ("app_limit", "route_limit", "size", "status"),
    [(5, 10, 8, 200), (5, 10, 11, 413), (10, 5, 6, 413), (10, 5, 5, 200)],
    ids=["looser-ok", "looser-over", "stricter-over", "stricter-ok"],
)
def test_a_route_limit_replaces_the_apps(
    test_client_factory: TestClientFactory, app_limit: int, route_limit: int, size: int, status: int
) -> None:
    client = test_client_factory(post_app(app_limit=app_limit, max_body_size=route_limit))

    assert client.post("/", content=b"x" * size).status_code == status
    assert client.post("/ignore", content=b"x" * size).status_code == status


def test_mounts_and_routers_take_a_limit(test_client_factory: TestClientFactory) -> None:
    inner = Router([Route("/", echo_size, methods=["POST"])], max_body_size=5)
    app = App(
        routes=[
            Mount("/uploads", routes=[Route("/", echo_size, methods=["POST"])], max_body_size=10),
            Mount("/strict", app=inner),
        ],
        max_body_size=3,
    )
    client = test_client_factory(app)

    assert client.post("/uploads/", content=b"x" * 8).text == "8"
    assert client.post("/uploads/", content=b"x" * 11).status_code == 413
    assert client.post("/strict/", content=b"x" * 5).text == "5"
    assert client.post("/strict/", content=b"x" * 6).status_code == 413
    assert test_client_factory(inner).post("/", content=b"x" * 6).status_code == 413


def test_an_apps_default_limit_keeps_a_stricter_outer_one(
    test_client_factory: TestClientFactory,
) -> None:
    """The app inside sets no limit of its own: the middleware's 5 bytes hold, not 1 MiB."""
    app = RequestBodyLimitMiddleware(post_app(), max_body_size=5)
    client = test_client_factory(app)

    assert client.post("/", content=b"x" * 5).text == "5"
    response = client.post("/", content=b"x" * 6)
    assert (response.status_code, response.text) == (413, "Content Too Large")
    explicit = RequestBodyLimitMiddleware(post_app(app_limit=10), max_body_size=5)
    assert test_client_factory(explicit).post("/", content=b"x" * 8).text == "8"


def test_the_route_limit_holds_behind_a_middleware_that_copies_the_scope(
    test_client_factory: TestClientFactory,
) -> None:
    class CopyScope:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await self.app(dict(scope), receive, send)

    app = post_app(app_limit=5, max_body_size=10)
    app.add_middleware(CopyScope)

    assert test_client_factory(app).post("/", content=b"x" * 8).text == "8"


def test_a_stricter_route_refuses_a_body_a_middleware_already_read(
    test_client_factory: TestClientFactory,
) -> None:
    async def read_first(request: Request, call_next: CallNext) -> Response:
        await request.body()
        return await call_next(request)

    app = post_app(app_limit=10, max_body_size=5)
    app.add_middleware(BaseHTTPMiddleware, dispatch=read_first)

    # Sent: 6 bytes; the middleware read them under the app's 10, the route allows 5.
    assert test_client_factory(app).post("/", content=b"x" * 6).status_code == 413


def test_a_middleware_reading_the_raw_body_is_limited_too(
    test_client_factory: TestClientFactory,
) -> None:
    class ReadRaw:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await receive()
            raise AssertionError("read past the limit")  # pragma: no cover (test fails)

    app = post_app(app_limit=5)
    app.add_middleware(ReadRaw)

    assert test_client_factory(app).post("/", content=b"x" * 6).status_code == 413


def test_app_body_limit_covers_uploads_when_given(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(post_app(app_limit=512))

    response = client.post("/", files={"f": ("a.txt", b"x" * 1024)})

    assert response.status_code == 413


async def test_past_the_limit_after_the_response_started_is_raised() -> None:
    """Sent: 5 bytes, then 1 more after the app had started responding."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"12345", "more_body": True},
        {"type": "http.request", "body": b"6", "more_body": False},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await receive()
        await receive()

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    with pytest.raises(BodyTooLarge) as caught:
        await BodyLimitMiddleware(app, max_body_size=5)(scope, receive, send)
    assert (caught.value.status_code, caught.value.limit) == (413, 5)
    assert [message["status"] for message in sent] == [200]


async def test_the_limit_in_force_is_in_the_scope() -> None:
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope[MAX_BODY_SIZE_SCOPE_KEY])

    scope: Scope = {"type": "http", "headers": [], MAX_BODY_SIZE_SCOPE_KEY: 10}
    await BodyLimitMiddleware(app, max_body_size=5)(scope, no_receive, no_send)
    assert seen == [5]
    assert scope == {"type": "http", "headers": [], MAX_BODY_SIZE_SCOPE_KEY: 10}
    del scope[MAX_BODY_SIZE_SCOPE_KEY]
    await BodyLimitMiddleware(BodyLimitMiddleware(app), max_body_size=7)(scope, no_receive, no_send)
    assert seen == [5, 7]
    assert scope == {"type": "http", "headers": []}


def test_an_unread_body_is_refused_as_the_response_starts(
    test_client_factory: TestClientFactory,
) -> None:
    """Sent: 6 bytes declared and sent to an endpoint that never reads them, 5 allowed."""
    router = Router([Route("/ignore", ignores_body, methods=["POST"])])
    client = test_client_factory(RequestBodyLimitMiddleware(router, max_body_size=5))

    response = client.post("/ignore", content=b"x" * 6)

    assert (response.status_code, response.text) == (413, "Content Too Large")
    assert client.post("/ignore", content=b"x" * 5).text == "not read"


def test_the_upload_default_reads_well_in_a_signature() -> None:
    signature = str(inspect.signature(BodyLimitMiddleware))
    assert "max_body_size: 'int | Unset | None' = <1 MiB>" in signature
    assert "max_upload_size: 'int | Unset | None' = <max_body_size if given, else 100 MiB>" in (
        signature
    )


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        App(max_body_size=-1)
    with pytest.raises(ValueError, match="0 or more"):
        BodyLimitMiddleware(post_app(), max_upload_size=-5)


async def streams(request: Request) -> Response:
    from resourceful.responses import StreamingResponse

    async def lines() -> Any:
        for number in range(3):
            await anyio.sleep(0.01)
            yield f"{number}\n"

    return StreamingResponse(lines())


@pytest.mark.parametrize("limits", ["app", "middleware"])
async def test_unread_body_past_the_limit_does_not_break_a_streamed_response(
    limits: str, anyio_backend: str
) -> None:
    # The client sent, without a Content-Length, a 100 KiB body that the endpoint never
    # reads, to a streaming response served under ASGI 2.3 (whose disconnect watcher reads the
    # body). Found by the fuzz suite: the limit's 413 came after the response began, an error.
    routes = [Route("/", streams)]
    if limits == "app":
        app: ASGIApp = App(routes=routes, max_body_size=1024)
    else:
        app = App(routes=routes, middleware=[Middleware(BodyLimitMiddleware, max_body_size=1024)])
    chunks = [b"x" * 10_240] * 10
    sent: list[Message] = []

    async def receive() -> Message:
        # Nothing is read past the limit (a read past the last chunk fails the test).
        return {"type": "http.request", "body": chunks.pop(), "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "method": "GET",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [],
        "root_path": "",
    }
    with anyio.fail_after(5):
        await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"0\n1\n2\n"
