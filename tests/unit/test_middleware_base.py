"""BaseHTTPMiddleware: dispatch around call_next, with streaming, bodies and errors."""

from __future__ import annotations

import contextvars
import gc
import sys
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from resourceful import App, Middleware, PlainTextResponse, Route, WebSocketRoute
from resourceful.background import BackgroundTask
from resourceful.middleware.base import KEEP_BODY_SIZE, BaseHTTPMiddleware, CallNext
from resourceful.requests import Request
from resourceful.responses import FileResponse, Response, StreamingResponse
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory, serve

if sys.version_info < (3, 11):  # pragma: python<3.11 (the built-in exists from 3.11 on)
    from exceptiongroup import ExceptionGroup

current_user: contextvars.ContextVar[str] = contextvars.ContextVar("current_user", default="")
events: list[str] = []


class Timing(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        current_user.set(request.headers.get("x-user", "nobody"))
        if request.method == "POST":
            events.append(f"middleware read {len(await request.body())} bytes")
        response = await call_next(request)
        response.headers["x-timed"] = "yes"
        return response


async def echo(request: Request) -> Response:
    body = await request.body()
    return PlainTextResponse(f"{current_user.get()} sent {body.decode()}")


async def stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[str]:
        for number in range(3):
            yield f"part {number};"

    return StreamingResponse(chunks())


async def with_task(request: Request) -> Response:
    return PlainTextResponse("done", background=BackgroundTask(events.append, "task ran"))


async def broken(request: Request) -> Response:
    raise ValueError("endpoint failed")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("socket")
    await websocket.close()


def base_app(*middleware: Middleware) -> App:
    return App(
        routes=[
            Route("/echo", echo, methods=["GET", "POST"]),
            Route("/stream", stream),
            Route("/task", with_task),
            Route("/broken", broken),
            WebSocketRoute("/ws", socket),
        ],
        middleware=list(middleware) or [Middleware(Timing)],
    )


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


def test_dispatch_wraps_the_endpoint(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(base_app())
    response = client.get("/echo", headers={"x-user": "ann"})
    assert response.text == "ann sent ", "a context variable set before call_next is seen"
    assert response.headers["x-timed"] == "yes"


def test_body_read_by_the_middleware_reaches_the_endpoint(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(base_app())
    assert client.post("/echo", content=b"hello").text == "nobody sent hello"
    assert events == ["middleware read 5 bytes"]


def test_streaming_and_background_tasks(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(base_app())
    streamed = client.get("/stream")
    assert streamed.text == "part 0;part 1;part 2;"
    assert "content-length" not in streamed.headers
    assert client.get("/task").text == "done"
    assert events == ["task ran"]


def test_errors_reach_the_middleware_and_the_handlers(
    test_client_factory: TestClientFactory,
) -> None:
    async def catching(request: Request, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except ValueError as exc:
            return PlainTextResponse(f"caught {exc}", status_code=500)

    client = test_client_factory(base_app(Middleware(BaseHTTPMiddleware, dispatch=catching)))
    assert client.get("/broken").text == "caught endpoint failed"
    with pytest.raises(ValueError, match="endpoint failed"):
        test_client_factory(base_app()).get("/broken")


def test_websockets_pass_through(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(base_app()) as client, client.websocket_connect("/ws") as session:
        assert session.receive_text() == "socket"


async def call(app: object, scope: Scope, messages: list[Message]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await anyio.sleep(0.01)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[operator]
    return sent


def http_scope(path: str = "/") -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


async def test_an_app_without_a_response_is_an_error() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    middleware = BaseHTTPMiddleware(silent, dispatch=passthrough)
    with pytest.raises(RuntimeError, match="returned without sending a response"):
        await call(middleware, http_scope(), [])


async def test_failure_after_the_response_started_is_raised() -> None:
    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise OSError("stream broke")

    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    with pytest.raises(OSError, match="stream broke"):
        await call(BaseHTTPMiddleware(half, dispatch=passthrough), http_scope(), [])


async def test_messages_after_the_body_do_not_block_the_app() -> None:
    finished: list[bool] = []

    async def chatty(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.debug", "info": {}})
        await send({"type": "http.response.body", "body": b"all"})
        await send({"type": "http.response.trailers", "headers": []})
        finished.append(True)

    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    with anyio.fail_after(5):
        sent = await call(BaseHTTPMiddleware(chatty, dispatch=passthrough), http_scope(), [])
    assert finished == [True]
    assert sent[0]["headers"] == [(b"x-a", b"1")]
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"all"


async def test_client_disconnect_reaches_a_streaming_endpoint() -> None:
    produced: list[int] = []

    async def endless(request: Request) -> Response:
        async def chunks() -> AsyncIterator[str]:
            number = 0
            while True:
                produced.append(number)
                number += 1
                yield "x"
                await anyio.sleep(0.001)

        return StreamingResponse(chunks())

    app = base_app()
    app.add_route("/endless", endless)
    with anyio.fail_after(5):
        await call(app, http_scope("/endless"), [{"type": "http.request", "body": b""}])
    assert 0 < len(produced) < 1000


async def test_a_response_the_dispatch_drops_does_not_hang_the_request() -> None:
    async def replace(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced")

    app = base_app(Middleware(BaseHTTPMiddleware, dispatch=replace))
    with anyio.fail_after(5):
        sent = await serve(app, http_scope("/task"))
    assert sent[-1]["body"] == b"replaced"
    assert events == ["task ran"], "the dropped response's app ran to its end"


async def test_an_app_whose_response_was_abandoned_midway_is_told_the_client_left() -> None:
    told: list[str] = []

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        async with anyio.create_task_group() as group:

            async def stop_on_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                told.append("disconnect")
                group.cancel_scope.cancel()

            group.start_soon(stop_on_disconnect)
            while True:
                await send({"type": "http.response.body", "body": b"chunk", "more_body": True})
                await anyio.lowlevel.checkpoint()

    async def first_chunk_only(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        iterator = response.body_iterator  # type: ignore[attr-defined]
        first = await iterator.__anext__()
        await iterator.aclose()
        return PlainTextResponse(b"first: " + first)

    with anyio.fail_after(5):
        sent = await serve(BaseHTTPMiddleware(endless, dispatch=first_chunk_only), http_scope())
    assert sent[-1]["body"] == b"first: chunk"
    assert told == ["disconnect"]


def test_the_middleware_reads_the_body_the_endpoint_read(
    test_client_factory: TestClientFactory,
) -> None:
    async def after(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-body"] = (await request.body()).decode()
        return response

    client = test_client_factory(base_app(Middleware(BaseHTTPMiddleware, dispatch=after)))
    response = client.post("/echo", content=b"hello")
    assert (response.text, response.headers["x-body"]) == (" sent hello", "hello")


async def test_a_body_the_middleware_read_is_replayed_to_a_raw_app() -> None:
    async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        await PlainTextResponse(message["body"])(scope, receive, send)

    async def reads_first(request: Request, call_next: CallNext) -> Response:
        await request.body()
        return await call_next(request)

    with anyio.fail_after(5):
        sent = await serve(BaseHTTPMiddleware(raw_echo, dispatch=reads_first), http_scope(), b"hi")
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b"hi"


def recording_body(seen: list[bytes]) -> ASGIApp:
    """An app that reads the request body into ``seen`` and responds to 200."""

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await Request(scope, receive).body())
        await Response()(scope, receive, send)

    return endpoint


async def test_an_app_behind_a_middleware_that_rewrites_the_body_reads_the_rewrite() -> None:
    seen: list[bytes] = []

    endpoint = recording_body(seen)

    def doubling(app: ASGIApp) -> ASGIApp:
        async def doubled(scope: Scope, receive: Receive, send: Send) -> None:
            async def doubled_receive() -> Message:
                message = await receive()
                return {**message, "body": message.get("body", b"") * 2}

            await app(scope, doubled_receive, send)

        return doubled

    async def reads_first(request: Request, call_next: CallNext) -> Response:
        seen.append(await request.body())
        return await call_next(request)

    app = BaseHTTPMiddleware(doubling(endpoint), dispatch=reads_first)
    with anyio.fail_after(5):
        await serve(app, http_scope(), b"foo ")
    assert seen == [b"foo ", b"foo foo "]


async def test_a_body_the_middleware_streamed_away_is_empty_for_the_app() -> None:
    seen: list[bytes] = []

    endpoint = recording_body(seen)

    async def streams_first(request: Request, call_next: CallNext) -> Response:
        seen.append(b"".join([chunk async for chunk in request.stream()]))
        return await call_next(request)

    app = BaseHTTPMiddleware(endpoint, dispatch=streams_first)
    with anyio.fail_after(5):
        await serve(app, http_scope(), b"gone")
    assert seen == [b"gone", b""]


async def test_the_middleware_reads_a_chunked_body_the_app_read_before() -> None:
    seen: list[bytes] = []

    endpoint = recording_body(seen)

    async def reads_after(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        seen.append(await request.body())
        return response

    messages: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c"},
    ]
    with anyio.fail_after(5):
        await call(BaseHTTPMiddleware(endpoint, dispatch=reads_after), http_scope(), messages)
    assert seen == [b"abc", b"abc"]


async def test_what_the_app_sends_before_its_start_passes_through() -> None:
    hint = {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload"]}
    debug = {"type": "http.response.debug", "info": {"template": "t", "context": {}}}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(hint)
        await send(debug)
        await PlainTextResponse("page")(scope, receive, send)

    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    with anyio.fail_after(5):
        sent = await serve(BaseHTTPMiddleware(app, dispatch=passthrough), http_scope())
    assert [message["type"] for message in sent[:3]] == [
        "http.response.early_hint",
        "http.response.debug",
        "http.response.start",
    ]


def test_a_background_task_error_behind_the_middleware_is_not_lost(
    test_client_factory: TestClientFactory,
) -> None:
    async def fail_later() -> None:
        await anyio.sleep(0.05)  # after the middleware has sent the whole response
        raise ValueError("the task failed")

    async def with_failing_task(request: Request) -> Response:
        return PlainTextResponse("response", background=BackgroundTask(fail_later))

    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    app = App(
        routes=[Route("/", with_failing_task)],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=passthrough)],
    )
    with pytest.raises(ValueError, match="the task failed"):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (200, "response")


def test_dispatch_must_be_given_or_overridden(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(base_app(Middleware(BaseHTTPMiddleware)))
    with pytest.raises(NotImplementedError):
        client.get("/echo")


async def passthrough(request: Request, call_next: CallNext) -> Response:
    return await call_next(request)


def once(*messages: Message) -> Receive:
    """A client channel that gives ``messages`` and then fails the test if read again."""
    remaining = list(messages)

    async def receive() -> Message:
        assert remaining, "read again after the client left: this would wait forever"
        return remaining.pop(0)

    return receive


async def test_a_disconnect_is_remembered_for_the_app_and_the_dispatch() -> None:
    """Sent: one http.disconnect, which the app polls for twice and the dispatch asks about."""
    told: list[bool] = []

    async def polls_twice(scope: Scope, receive: Receive, send: Send) -> None:
        for _ in range(2):
            assert (await receive())["type"] == "http.disconnect"
        await Response(b"gone")(scope, receive, send)

    async def asks_after(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        told.append(await request.is_disconnected())
        return response

    sent: list[Message] = []
    with anyio.fail_after(5):
        app = BaseHTTPMiddleware(polls_twice, dispatch=asks_after)
        await app(http_scope(), once({"type": "http.disconnect"}), no_wait_send(sent))
    assert told == [True]
    assert sent[0]["status"] == 200


def no_wait_send(sent: list[Message]) -> Send:
    async def send(message: Message) -> None:
        sent.append(message)

    return send


async def test_the_app_reads_on_where_the_dispatch_stopped_streaming() -> None:
    """Sent: the body in three chunks; the dispatch takes the first, the app the second."""
    seen: list[bytes] = []

    async def reads_one(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((await receive())["body"])
        await Response()(scope, receive, send)

    async def streams_around(request: Request, call_next: CallNext) -> Response:
        response: Response | None = None
        async for chunk in request.stream():
            seen.append(chunk)
            if response is None:
                response = await call_next(request)
        assert response is not None
        return response

    chunks = [
        {"type": "http.request", "body": b"1", "more_body": True},
        {"type": "http.request", "body": b"2", "more_body": True},
        {"type": "http.request", "body": b"3", "more_body": False},
    ]
    sent: list[Message] = []
    with anyio.fail_after(5):
        await BaseHTTPMiddleware(reads_one, dispatch=streams_around)(
            http_scope(), once(*chunks), no_wait_send(sent)
        )
    assert seen == [b"1", b"2", b"3", b""]
    assert sent[0]["status"] == 200


async def test_a_large_body_the_app_read_is_not_kept_for_the_dispatch() -> None:
    """Sent: 2 MiB in two chunks, read by the app; the dispatch then asks for it."""
    seen: list[bytes] = []
    half = b"x" * KEEP_BODY_SIZE
    errors: list[str] = []

    async def reads_after(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        with pytest.raises(RuntimeError, match="Stream consumed") as caught:
            await request.body()
        errors.append(str(caught.value))
        return response

    chunks = [
        {"type": "http.request", "body": half, "more_body": True},
        {"type": "http.request", "body": half, "more_body": False},
    ]
    with anyio.fail_after(5):
        await BaseHTTPMiddleware(recording_body(seen), dispatch=reads_after)(
            http_scope(), once(*chunks), no_wait_send([])
        )
    assert seen == [half + half]
    assert len(errors) == 1


async def test_background_tasks_run_after_the_response_is_sent() -> None:
    order: list[str] = []

    async def task() -> None:
        order.append("background")

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("hello", background=BackgroundTask(task))

    async def slow_send(message: Message) -> None:
        await anyio.sleep(0.01)
        order.append(message["type"])

    app = App(
        routes=[Route("/", endpoint)],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=passthrough)],
    )
    with anyio.fail_after(5):
        await app(http_scope(), once(), slow_send)
    assert order == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
        "background",
    ]


async def test_a_background_task_set_by_the_dispatch_runs() -> None:
    order: list[str] = []

    async def adds_task(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.background = BackgroundTask(order.append, "dispatch task")
        return response

    app = BaseHTTPMiddleware(PlainTextResponse("hi"), dispatch=adds_task)
    with anyio.fail_after(5):
        await app(http_scope(), once(), no_wait_send([]))
    assert order == ["dispatch task"]


async def test_a_file_the_server_sends_passes_through(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text("<file>")
    scope = {**http_scope(), "extensions": {"http.response.pathsend": {}}}
    sent: list[Message] = []

    with anyio.fail_after(5):
        await BaseHTTPMiddleware(FileResponse(path), dispatch=passthrough)(
            scope, once(), no_wait_send(sent)
        )
    assert [message["type"] for message in sent] == [
        "http.response.start",
        "http.response.pathsend",
    ]
    assert sent[1]["path"] == str(path)


def test_early_hints_of_the_dispatch_and_the_app_go_out_in_order() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Request(scope, receive, send).send_early_hints("</app.css>; rel=preload")
        await PlainTextResponse("page")(scope, receive, send)

    async def hints(request: Request, call_next: CallNext) -> Response:
        await request.send_early_hints("</first.css>; rel=preload")
        return await call_next(request)

    scope = {**http_scope(), "extensions": {"http.response.early_hint": {}}}
    anyio.run(BaseHTTPMiddleware(app, dispatch=hints), scope, once(), no_wait_send(sent))
    assert [message.get("links") for message in sent[:2]] == [
        [b"</first.css>; rel=preload"],
        [b"</app.css>; rel=preload"],
    ]
    assert sent[2]["type"] == "http.response.start"


def test_errors_keep_their_context_and_groups_stay_whole(
    test_client_factory: TestClientFactory,
) -> None:
    async def with_context(request: Request) -> Response:
        try:
            raise KeyError("inner")
        except KeyError:
            if request.query_params:
                raise ValueError("outer") from None
            raise ValueError("outer")  # noqa: B904 (the context is what is tested)

    async def group(request: Request) -> Response:
        raise ExceptionGroup("mine", [ValueError("one")])

    app = App(
        routes=[Route("/context", with_context), Route("/group", group)],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=passthrough)],
    )
    client = test_client_factory(app)

    with pytest.raises(ValueError, match="outer") as caught:
        client.get("/context")
    assert isinstance(caught.value.__cause__, KeyError)
    with pytest.raises(ValueError, match="outer") as caught:
        client.get("/context?from=none")
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    with pytest.raises(ExceptionGroup, match="mine") as grouped:
        client.get("/group")
    assert [str(error) for error in grouped.value.exceptions] == ["one"]


async def test_an_app_that_listens_after_its_response_is_told_the_client_left() -> None:
    heard: list[str] = []

    async def listens_after(scope: Scope, receive: Receive, send: Send) -> None:
        await Response(b"done")(scope, receive, send)
        heard.append((await receive())["type"])

    with anyio.fail_after(5):
        await BaseHTTPMiddleware(listens_after, dispatch=passthrough)(
            http_scope(), once(), no_wait_send([])
        )
    assert heard == ["http.disconnect"]


def test_a_dispatch_that_fails_after_call_next_leaves_no_stream_open(
    test_client_factory: TestClientFactory,
) -> None:
    async def fails_after(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        raise LookupError("dispatch failed")

    client = test_client_factory(base_app(Middleware(BaseHTTPMiddleware, dispatch=fails_after)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(LookupError, match="dispatch failed"):
            client.get("/task")
        gc.collect()
    assert [str(warning.message) for warning in caught] == []
