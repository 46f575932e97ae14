"""GZipMiddleware: whole and streamed bodies, exclusions, and what the client accepts."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator

import anyio
import pytest

from resourceful import App, Middleware, PlainTextResponse, Route, WebSocketRoute
from resourceful.middleware.gzip import GZipMiddleware, accepts_gzip
from resourceful.requests import Request
from resourceful.responses import Response, StreamingResponse
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory, no_receive, no_send, serve

BIG = "resourceful " * 200


async def big(request: Request) -> Response:
    return PlainTextResponse(BIG)


async def small(request: Request) -> Response:
    return PlainTextResponse("tiny")


async def streamed(request: Request) -> Response:
    async def chunks() -> AsyncIterator[str]:
        for number in range(5):
            yield f"chunk {number} " * 50

    return StreamingResponse(chunks(), media_type="text/plain")


async def encoded(request: Request) -> Response:
    return Response(gzip.compress(BIG.encode()), headers={"content-encoding": "gzip"})


async def events(request: Request) -> Response:
    return StreamingResponse(iter(["data: x\n\n" * 100]), media_type="text/event-stream")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def gzip_app(**options: int) -> App:
    return App(
        routes=[
            Route("/big", big),
            Route("/small", small),
            Route("/stream", streamed),
            Route("/encoded", encoded),
            Route("/events", events),
            WebSocketRoute("/ws", socket),
        ],
        middleware=[Middleware(GZipMiddleware, **options)],
    )


def test_large_bodies_are_gzipped(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(gzip_app())
    response = client.get("/big", headers={"accept-encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(BIG)
    assert response.text == BIG  # httpx decompresses


def test_small_bodies_and_other_clients_are_left_alone(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(gzip_app())
    tiny = client.get("/small", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in tiny.headers
    assert "vary" not in tiny.headers, "a body too small to compress never varies"
    # The client does not accept gzip.
    plain = client.get("/big", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    assert plain.text == BIG
    head = client.head("/big", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in head.headers


@pytest.mark.parametrize(
    ("accept_encoding", "accepted"),
    [
        ("gzip", True),
        ("GZip", True),
        ("x-gzip", True),
        ("br, gzip;q=0.5", True),
        ("*", True),
        ("identity, *;q=0.1", True),
        ("gzip;q=high", True),  # an unreadable weight: gzip was named
        ("gzip;level=1", True),
        ("gzip;q=0", False),  # named, and refused
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),  # the named coding wins over the wildcard
        ("deflate, br", False),
        ("", False),
    ],
)
def test_accept_encoding_weights_are_respected(accept_encoding: str, accepted: bool) -> None:
    assert accepts_gzip(accept_encoding) is accepted


def test_a_client_that_refuses_gzip_gets_none(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(gzip_app())
    # The client sent gzip with a weight of 0: not acceptable.
    response = client.get("/big", headers={"accept-encoding": "gzip;q=0, br"})
    assert "content-encoding" not in response.headers
    assert response.text == BIG


def test_streams_are_compressed_chunk_by_chunk(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(gzip_app(minimum_size=10))
    response = client.get("/stream", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert response.text == "".join(f"chunk {n} " * 50 for n in range(5))


async def test_each_streamed_chunk_can_be_decoded_on_arrival() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/stream",
        "headers": [(b"accept-encoding", b"gzip")],
        "query_string": b"",
    }
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await gzip_app(minimum_size=10)(scope, receiver.receive, send)
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    first = decoder.decompress(bodies[0])
    assert first.startswith(b"chunk 0"), "the first chunk is readable before the stream ends"


def test_encoded_and_event_streams_pass_unchanged(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(gzip_app(minimum_size=1))
    already = client.get("/encoded", headers={"accept-encoding": "gzip"})
    assert already.text == BIG
    assert "vary" not in already.headers
    sse = client.get("/events", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in sse.headers
    assert sse.text.startswith("data: x")
    with client.websocket_connect("/ws"):
        pass


async def test_extra_body_messages_after_the_end_pass_through() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 1000})
        await send({"type": "http.response.body", "body": b"late"})
        await send({"type": "http.response.trailers", "headers": []})

    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await GZipMiddleware(app)(scope, receiver.receive, send)
    assert [m["type"] for m in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
        "http.response.trailers",
    ]
    assert gzip.decompress(sent[1]["body"]) == b"x" * 1000
    assert sent[2]["body"] == b"late"


@pytest.mark.parametrize("level", [1, 9])
def test_compress_level(test_client_factory: TestClientFactory, level: int) -> None:
    client = test_client_factory(gzip_app(compresslevel=level))
    assert client.get("/big", headers={"accept-encoding": "gzip"}).text == BIG


def raw_app(*messages: Message) -> GZipMiddleware:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    return GZipMiddleware(app, thread_minimum_size=1000)


def start(content_type: str = "text/plain", status: int = 200, **extra: object) -> Message:
    headers = [(b"content-type", content_type.encode())]
    return {"type": "http.response.start", "status": status, "headers": headers, **extra}


def body(text: bytes = b"x" * 4000, more: bool = False) -> Message:
    return {"type": "http.response.body", "body": text, "more_body": more}


@pytest.mark.parametrize(
    ("content_type", "compressed"),
    [
        ("image/png", False),
        ("video/mp4", False),
        ("audio/ogg; codecs=opus", False),
        ("application/grpc+proto", False),
        ("Application/ZIP", False),
        ("text/html; charset=utf-8", True),
        ("application/json", True),
    ],
)
def test_media_that_is_compressed_already_passes(
    test_client_factory: TestClientFactory, content_type: str, compressed: bool
) -> None:
    client = test_client_factory(raw_app(start(content_type), body()))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert ("content-encoding" in response.headers) is compressed
    assert response.content == b"x" * 4000


def test_the_excluded_types_can_be_chosen(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start(Request(scope).query_params["type"]))
        await send(body())

    middleware = GZipMiddleware(app, exclude_content_types=("Text/CSV; charset=utf-8",))
    assert middleware.exclude_content_types == ("text/csv",)
    client = test_client_factory(middleware)
    gzip_only = {"accept-encoding": "gzip"}
    assert "content-encoding" not in client.get("/?type=text/csv", headers=gzip_only).headers
    assert client.get("/?type=image/png", headers=gzip_only).headers["content-encoding"] == "gzip"


def test_partial_content_passes_unchanged(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(raw_app(start(status=206), body()))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert (response.status_code, "content-encoding" in response.headers) == (206, False)


@pytest.mark.parametrize("accept_encoding", ["gzip", "identity"])
@pytest.mark.parametrize("more", [True, False])
def test_trailers_follow_a_compressed_body(
    test_client_factory: TestClientFactory, accept_encoding: str, more: bool
) -> None:
    trailers = {"type": "http.response.trailers", "headers": [(b"grpc-status", b"0")]}
    messages = [start(trailers=True), body(more=more)]
    if more:
        messages.append(body(b""))
    client = test_client_factory(raw_app(*messages, trailers))
    response = client.get("/", headers={"accept-encoding": accept_encoding})
    assert response.content == b"x" * 4000
    assert response.headers.get("content-encoding") == (
        "gzip" if accept_encoding == "gzip" else None
    )
    if accept_encoding == "gzip":
        assert "content-length" not in response.headers, "trailers follow: no length known"
    assert response.extensions["http.response.trailers"] == [(b"grpc-status", b"0")]


async def test_early_hints_and_files_sent_by_the_server_pass() -> None:
    hint = {"type": "http.response.early_hint", "links": ["</style.css>; rel=preload"]}
    pathsend = {"type": "http.response.pathsend", "path": "/tmp/file"}
    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    sent = await serve(raw_app(hint, start(), pathsend), scope)
    assert [message["type"] for message in sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.pathsend",
    ]
    assert "content-encoding" not in dict(sent[1]["headers"])


async def test_a_message_out_of_order_is_left_to_the_server() -> None:
    pathsend = {"type": "http.response.pathsend", "path": "/tmp/file"}
    scope = {"type": "http", "method": "GET", "headers": [(b"accept-encoding", b"gzip")]}
    # The app streams a body, then asks the server to send a file as well.
    sent = await serve(raw_app(start(), body(more=True), pathsend), scope)
    assert [message["type"] for message in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.pathsend",
    ]


def test_large_chunks_are_compressed_in_a_worker_thread(
    test_client_factory: TestClientFactory,
) -> None:
    # thread_minimum_size is 1000 bytes in raw_app: every chunk here is compressed off the loop.
    client = test_client_factory(raw_app(start(), body(more=True), body(b"y" * 2000)))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == b"x" * 4000 + b"y" * 2000


def test_every_vary_header_is_kept(test_client_factory: TestClientFactory) -> None:
    begin = start()
    begin["headers"] += [(b"vary", b"Accept-Language"), (b"vary", b"Cookie")]
    client = test_client_factory(raw_app(begin, body()))
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["vary"] == "Accept-Language, Cookie, Accept-Encoding"


async def test_other_connections_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await GZipMiddleware(app)({"type": "lifespan"}, no_receive, no_send)
    assert seen == ["lifespan"]


async def tagged(request: Request) -> Response:
    return PlainTextResponse(BIG, headers={"etag": request.query_params["tag"]})


def test_a_compressed_body_keeps_a_weak_tag_only(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/tagged", tagged)], middleware=[Middleware(GZipMiddleware)])
    client = test_client_factory(app)
    gzip_please = {"accept-encoding": "gzip"}
    # The strong tag names the uncompressed bytes: the compressed ones get it weak.
    compressed = client.get("/tagged", params={"tag": '"v1"'}, headers=gzip_please)
    assert (compressed.headers["content-encoding"], compressed.headers["etag"]) == (
        "gzip",
        'W/"v1"',
    )
    weak = client.get("/tagged", params={"tag": 'W/"v1"'}, headers=gzip_please)
    assert weak.headers["etag"] == 'W/"v1"'
    plain = client.get("/tagged", params={"tag": '"v1"'}, headers={"accept-encoding": "identity"})
    assert plain.headers["etag"] == '"v1"'
