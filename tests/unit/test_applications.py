from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, nullcontext
from typing import Any

import pytest

from resourceful.applications import App
from resourceful.background import BackgroundTask
from resourceful.di import DependencyError
from resourceful.exceptions import HTTPException, WebSocketException
from resourceful.middleware import Middleware
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.routing import BaseRoute, Host, Match, Mount, Route, Router, WebSocketRoute
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory, no_receive


async def homepage(request: Request) -> Response:
    return PlainTextResponse("home")


class Tag:
    """Pure ASGI middleware that appends its name to an ``x-trail`` response header."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("trail", []).append(self.name)

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-trail", self.name.encode())]
            await send(message)

        await self.app(scope, receive, sender)


def test_routes_and_decorators(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/", homepage)])

    @app.route("/items/{id:int}", methods=["GET", "PUT"], name="item")
    async def item(request: Request) -> Response:
        return JSONResponse({"id": request.path_params["id"], "method": request.method})

    @app.websocket_route("/ws", name="socket")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app.add_route("/added", homepage, name="added")
    app.add_websocket_route("/ws2", socket, name="socket2")
    app.mount("/sub", Router([Route("/", homepage, name="index")]), name="sub")
    app.host("api.example.org", PlainTextResponse("api"), name="api")
    client = test_client_factory(app)
    assert client.get("/").text == "home"
    assert client.put("/items/3").json() == {"id": 3, "method": "PUT"}
    assert client.get("/added").text == "home"
    assert client.get("/sub/").text == "home"
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hi"
    assert app.url_path_for("item", id=9) == "/items/9"
    assert app.url_path_for("sub:index") == "/sub/"
    assert app.url_path_for("socket2") == "/ws2"
    assert len(app.routes) == 7
    assert item.__name__ == "item"


def test_user_middleware_runs_in_the_order_given(test_client_factory: TestClientFactory) -> None:
    async def trail(request: Request) -> Response:
        return JSONResponse(request.scope["trail"])

    app = App(
        routes=[Route("/", trail)],
        middleware=[Middleware(Tag, "first"), Middleware(Tag, name="second")],
    )
    app.add_middleware(Tag, "added")
    response = test_client_factory(app).get("/")
    assert response.json() == ["added", "first", "second"]
    assert response.headers.get_list("x-trail") == ["second", "first", "added"]


def test_stack_is_built_once_and_frozen(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/", homepage)])
    client = test_client_factory(app)
    client.get("/")
    stack = app.middleware_stack
    client.get("/")
    assert app.middleware_stack is stack
    with pytest.raises(RuntimeError, match="Cannot add middleware after the application"):
        app.add_middleware(Tag, "late")
    with pytest.raises(RuntimeError, match="Cannot add exception handlers after"):
        app.add_exception_handler(404, lambda request, exc: PlainTextResponse("late"))
    app.debug = True
    assert app.middleware_stack is None
    assert app.debug


def test_state_and_app_in_scope(test_client_factory: TestClientFactory) -> None:
    async def info(request: Request) -> Response:
        return PlainTextResponse(request.app.state.name)

    app = App(routes=[Route("/", info)])
    app.state.name = "notes"
    assert test_client_factory(app).get("/").text == "notes"


def test_http_exception_default_response(test_client_factory: TestClientFactory) -> None:
    async def fail(request: Request) -> Response:
        status = int(request.query_params["status"])
        raise HTTPException(status, headers={"X-Reason": "test"})

    client = test_client_factory(App(routes=[Route("/", fail)]))
    response = client.get("/?status=403")
    assert (response.status_code, response.text) == (403, "Forbidden")
    assert response.headers["x-reason"] == "test"
    not_modified = client.get("/?status=304")
    assert (not_modified.status_code, not_modified.content) == (304, b"")
    assert client.get("/?status=204").content == b""
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.text) == (404, "Not Found")


class NotFoundError(LookupError):
    pass


class MissingNoteError(NotFoundError):
    pass


def test_handlers_by_status_and_by_most_specific_class(
    test_client_factory: TestClientFactory,
) -> None:
    async def raiser(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind == "note":
            raise MissingNoteError("note 7")
        if kind == "lookup":
            raise KeyError("k")
        raise HTTPException(404, "gone")

    async def not_found(request: Request, exc: HTTPException) -> Response:
        return JSONResponse({"status": exc.status_code, "detail": exc.detail}, status_code=404)

    def lookup_failed(request: Request, exc: LookupError) -> Response:  # sync handler
        return PlainTextResponse(f"lookup: {exc}", status_code=410)

    app = App(routes=[Route("/{kind}", raiser)], exception_handlers={404: not_found})

    @app.exception_handler(NotFoundError)
    async def not_found_error(request: Request, exc: NotFoundError) -> Response:
        return PlainTextResponse(f"not found: {exc}", status_code=404)

    app.add_exception_handler(LookupError, lookup_failed)
    client = test_client_factory(app)
    assert client.get("/note").text == "not found: note 7"
    assert client.get("/lookup").text == "lookup: 'k'"
    assert client.get("/other").json() == {"status": 404, "detail": "gone"}
    assert client.get("/a/b").json() == {"status": 404, "detail": "Not Found"}


def test_method_not_allowed_goes_through_the_handlers(
    test_client_factory: TestClientFactory,
) -> None:
    async def handler(request: Request, exc: HTTPException) -> Response:
        allow = (exc.headers or {})["Allow"]
        return PlainTextResponse(f"use {allow}", status_code=405, headers=exc.headers)

    app = App(routes=[Route("/", homepage)], exception_handlers={405: handler})
    response = test_client_factory(app).post("/")
    assert response.text == "use GET, HEAD"
    assert response.headers["allow"] == "GET, HEAD"


def test_websocket_exception_closes_with_code_and_reason(
    test_client_factory: TestClientFactory,
) -> None:
    async def guarded(websocket: WebSocket) -> None:
        raise WebSocketException(1008, "no token")

    async def after_accept(websocket: WebSocket) -> None:
        await websocket.accept()
        raise WebSocketException(4001, "bye")

    app = App(routes=[WebSocketRoute("/ws", guarded), WebSocketRoute("/ws2", after_accept)])
    client = test_client_factory(app)
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/ws"))
    assert (info.value.code, info.value.reason) == (1008, "no token")
    with client.websocket_connect("/ws2") as session, pytest.raises(WebSocketDisconnect) as info:
        session.receive_text()
    assert (info.value.code, info.value.reason) == (4001, "bye")
    # No websocket route: closed before accept.
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect):
        stack.enter_context(client.websocket_connect("/none"))


def test_error_after_the_response_started_is_reraised(
    test_client_factory: TestClientFactory,
) -> None:
    class Half:
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise HTTPException(400)

    app = App(routes=[Route("/", Half())])
    with pytest.raises(
        RuntimeError, match="handled exception, but response already started"
    ) as info:
        test_client_factory(app).get("/")
    assert isinstance(info.value.__cause__, HTTPException)
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 200, "the error did not get a second response"


def test_a_handled_exception_lets_its_traceback_go(test_client_factory: TestClientFactory) -> None:
    shared = HTTPException(401)

    async def refuse(request: Request) -> Response:
        raise shared

    app = App(routes=[Route("/", refuse)])
    assert test_client_factory(app).get("/").status_code == 401
    assert shared.__traceback__ is None, "the request's frames are not kept alive by it"


def test_unhandled_error_is_a_plain_500_that_leaks_nothing(
    test_client_factory: TestClientFactory,
) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("database password is hunter2")

    app = App(routes=[Route("/", broken)])
    with pytest.raises(RuntimeError, match="hunter2"):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert "hunter2" not in response.text


@pytest.mark.parametrize("key", [500, Exception])
def test_custom_500_handler(test_client_factory: TestClientFactory, key: Any) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    def handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "sorry"}, status_code=500)

    app = App(routes=[Route("/", broken)], exception_handlers={key: handler})
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.json() == {"error": "sorry"}


def test_async_500_handler(test_client_factory: TestClientFactory) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"async {type(exc).__name__}", status_code=500)

    app = App(routes=[Route("/", broken)], exception_handlers={500: handler})
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.text == "async RuntimeError"


def test_debug_traceback_page(test_client_factory: TestClientFactory) -> None:
    async def broken(request: Request) -> Response:
        marker = "<script>alert('x')</script>"
        raise ValueError(marker)

    client = test_client_factory(
        App(debug=True, routes=[Route("/", broken)]), raise_server_exceptions=False
    )
    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 500
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "ValueError: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert "<script>" not in page.text
    assert "in broken" in page.text
    assert "marker = &quot;&lt;script&gt;" in page.text, "source lines are shown, escaped"
    text = client.get("/", headers={"Accept": "*/*"})
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert "Traceback (most recent call last)" in text.text
    assert "ValueError: <script>alert('x')</script>" in text.text


def test_debug_page_for_code_without_source(test_client_factory: TestClientFactory) -> None:
    namespace: dict[str, Any] = {}
    exec(  # source that linecache cannot find
        compile("async def broken(request):\n    raise KeyError('gone')\n", "<generated>", "exec"),
        namespace,
    )
    app = App(debug=True, routes=[Route("/", namespace["broken"])])
    page = test_client_factory(app, raise_server_exceptions=False).get(
        "/", headers={"Accept": "text/html"}
    )
    assert "&lt;generated&gt;, line 2, in broken" in page.text


def test_lifespan_state_becomes_request_state(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append(f"startup {type(app).__name__}")
        yield {"db": "connection"}
        events.append("shutdown")

    async def read(request: Request) -> Response:
        return PlainTextResponse(request.state.db)

    with test_client_factory(App(routes=[Route("/", read)], lifespan=lifespan)) as client:
        assert client.get("/").text == "connection"
    assert events == ["startup App", "shutdown"]


def test_a_generator_function_is_a_lifespan_too(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def async_lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append("async startup")
        yield {"db": "async"}
        events.append("async shutdown")

    def sync_lifespan(app: App) -> Iterator[dict[str, Any]]:
        events.append("sync startup")
        yield {"db": "sync"}
        events.append("sync shutdown")

    async def read(request: Request) -> Response:
        return PlainTextResponse(request.state.db)

    for lifespan, name in [(async_lifespan, "async"), (sync_lifespan, "sync")]:
        app = App(routes=[Route("/", read)], lifespan=lifespan)  # type: ignore[arg-type]
        with test_client_factory(app) as client:
            assert client.get("/").text == name
        assert events[-2:] == [f"{name} startup", f"{name} shutdown"]
    router = Router([Route("/", read)], lifespan=sync_lifespan)  # type: ignore[arg-type]
    with test_client_factory(router) as client:
        assert client.get("/").text == "sync"


def test_startup_and_shutdown_hooks(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def open_pool() -> None:
        events.append("open")

    def warm_cache() -> None:
        events.append("warm")

    def close_pool() -> None:
        events.append("close")

    app = App(on_startup=[open_pool, warm_cache], on_shutdown=[close_pool])
    with test_client_factory(app):
        assert events == ["open", "warm"]
    assert events == ["open", "warm", "close"]


def test_lifespan_and_hooks_together_is_an_error() -> None:
    with pytest.raises(TypeError, match="either lifespan= or on_startup=/on_shutdown="):
        App(lifespan=lambda app: nullcontext(), on_startup=[print])


def test_startup_failure_is_reported_with_the_message(
    test_client_factory: TestClientFactory,
) -> None:
    def fail() -> None:
        raise ConnectionError("database unreachable")

    client = test_client_factory(App(on_startup=[fail]))
    with ExitStack() as stack, pytest.raises(ConnectionError, match="database unreachable"):
        stack.enter_context(client)


def test_shutdown_failure_is_reported(test_client_factory: TestClientFactory) -> None:
    def fail() -> None:
        raise OSError("disk full")

    client = test_client_factory(App(on_shutdown=[fail]))
    with pytest.raises(OSError, match="disk full"), client:
        pass


def test_shutdown_runs_after_a_failed_request(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def broken(request: Request) -> Response:
        raise RuntimeError("request failed")

    app = App(routes=[Route("/", broken)], on_shutdown=[lambda: events.append("shutdown")])
    with test_client_factory(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500
    assert events == ["shutdown"]


async def test_lifespan_state_needs_server_support() -> None:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[dict[str, str]]:
        yield {"a": "b"}

    messages = [{"type": "lifespan.startup"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(RuntimeError, match='does not support "state"'):
        await Router(lifespan=lifespan)({"type": "lifespan"}, receive, send)
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert 'RuntimeError: The server does not support "state"' in sent[0]["message"]


def test_mounted_app_errors_use_the_apps_handlers(test_client_factory: TestClientFactory) -> None:
    async def teapot(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse("short and stout", status_code=418)

    api = Router([Route("/ok", homepage)])
    app = App(routes=[Mount("/api", api)], exception_handlers={404: teapot})
    client = test_client_factory(app)
    assert client.get("/api/ok").text == "home"
    assert client.get("/api/missing").text == "short and stout"


class Greeter:
    """A service only the mounted app provides."""

    def greet(self) -> str:
        return "hello from inside"


async def greeting(request: Request, greeter: Greeter) -> PlainTextResponse:
    return PlainTextResponse(greeter.greet())


def test_a_mounted_app_serves_with_its_own_providers(
    test_client_factory: TestClientFactory,
) -> None:
    # The outer app knows nothing of Greeter: it must leave the inner app's planning to it.
    inner = App(routes=[Route("/greeting", greeting)], providers=[Greeter])
    app = App(routes=[Mount("/inner", inner), Host("api.example.org", inner)])
    client = test_client_factory(app)
    assert client.get("/inner/greeting").text == "hello from inside"
    assert client.get("http://api.example.org/greeting").text == "hello from inside"


def test_a_mounted_app_is_checked_when_the_outer_app_starts() -> None:
    # What the inner app cannot inject fails the outer app's start, not a first request.
    inner = App(routes=[Route("/greeting", greeting)])
    app = App(routes=[Mount("/inner", inner)])
    with pytest.raises(DependencyError, match="cannot inject the parameter 'greeter'"):
        app.build_middleware_stack()


class TeapotError(Exception):
    pass


class FaultyHandlerError(Exception):
    pass


@pytest.mark.parametrize("middleware", [[], [Middleware(Tag, "between")]], ids=["fused", "stacked"])
def test_errors_get_the_same_response_with_or_without_middleware_between(
    test_client_factory: TestClientFactory, middleware: list[Middleware]
) -> None:
    # Without user middleware the App runs its three fixed layers as one; the responses to
    # every kind of failure must be the same as when they are stacked.
    async def handled(request: Request) -> Response:
        raise TeapotError

    async def faulty(request: Request) -> Response:
        raise FaultyHandlerError

    async def unhandled(request: Request) -> Response:
        raise RuntimeError("boom")

    async def echo(request: Request) -> Response:
        return Response(await request.body())

    async def teapot(request: Request, exc: TeapotError) -> Response:
        return PlainTextResponse("teapot", status_code=418)

    async def half_response(request: Request, exc: FaultyHandlerError) -> Response:
        async def half(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 202, "headers": []})
            raise RuntimeError("the handler failed half way")

        return half  # type: ignore[return-value]

    def broken_handler(request: Request, exc: RuntimeError) -> Response:
        raise LookupError("the handler itself failed")

    app = App(
        routes=[
            Route("/handled", handled),
            Route("/faulty", faulty),
            Route("/unhandled", unhandled),
            Route("/echo", echo, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={
            TeapotError: teapot,
            FaultyHandlerError: half_response,
            RuntimeError: broken_handler,
        },
        max_body_size=8,
    )
    client = test_client_factory(app, raise_server_exceptions=False)
    assert (client.get("/handled").status_code, client.get("/handled").text) == (418, "teapot")
    failed = client.get("/unhandled")
    assert (failed.status_code, failed.text) == (500, "Internal Server Error")
    started = client.get("/faulty")
    assert started.status_code == 202, "a handler's started response is not sent again"
    sent = "x" * 9  # one byte over the limit
    assert client.post("/echo", content=sent).status_code == 413
    assert client.post("/echo", content="x" * 8).text == "x" * 8
    with pytest.raises(LookupError):
        test_client_factory(app).get("/unhandled")


class Refuse:
    """Pure ASGI middleware that refuses every request (HTTP only: the tests run no lifespan),
    before or after starting to respond."""

    def __init__(self, app: ASGIApp, after_start: bool = False) -> None:
        self.app = app
        self.after_start = after_start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise HTTPException(429, "slow down", headers={"Retry-After": "1"})


def test_http_exceptions_raised_by_middleware_keep_their_status(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[Route("/", homepage)], middleware=[Middleware(Refuse)])
    response = test_client_factory(app).get("/")
    assert (response.status_code, response.text) == (429, "slow down")
    assert response.headers["retry-after"] == "1"
    started = App(routes=[Route("/", homepage)], middleware=[Middleware(Refuse, after_start=True)])
    with pytest.raises(HTTPException):
        test_client_factory(started).get("/")


async def post(app: ASGIApp, path: str, messages: list[Message]) -> list[Message]:
    """Send ``messages`` as the request's body; what the app sent back."""
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": []}
    await app(scope, receive, send)
    return sent


async def test_a_client_leaving_mid_body_ends_the_request_quietly() -> None:
    closed: list[str] = []

    async def journal() -> AsyncIterator[list[str]]:
        try:
            yield []
        finally:
            closed.append("journal closed")

    async def upload(request: Request, entries: list[str]) -> Response:
        return PlainTextResponse(str(len(await request.body())))

    part: Message = {"type": "http.request", "body": b"part", "more_body": True}
    for middleware in ([], [Middleware(Tag, "between")]):
        app = App(
            routes=[Route("/upload", upload, methods=["POST"])],
            middleware=middleware,
            providers=[journal],
        )
        whole = await post(app, "/upload", [part, {"type": "http.request", "body": b"!"}])
        assert whole[-1]["body"] == b"5"
        # The client sent part of its body, then went away: nothing is sent, nothing raised.
        assert await post(app, "/upload", [part, {"type": "http.disconnect"}]) == []
    assert closed == ["journal closed"] * 4, "teardown ran every time"


class LeavingServer:
    """An ASGI 2.4 server's send whose client leaves once the response has started: sending
    the body raises OSError. It is a bound method, a function or a callable object."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client has gone")
        self.sent.append(message)

    def as_function(self) -> Send:
        async def send(message: Message) -> None:
            await self.send(message)

        return send

    async def __call__(self, message: Message) -> None:
        await self.send(message)


class Broken:
    """An ASGI app that fails after starting its response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise OSError("disk full")


@pytest.mark.parametrize("send_kind", ["method", "function", "object"])
@pytest.mark.parametrize("mounted", [False, True])
@pytest.mark.parametrize("with_middleware", [False, True])
async def test_a_client_gone_under_asgi_2_4_ends_the_request_quietly(
    anyio_backend: str, send_kind: str, mounted: bool, with_middleware: bool
) -> None:
    # Sent: a GET whose response the server cannot deliver, as the client left after the
    # headers. Nothing went wrong on the app's side: nothing is raised to the server, and no
    # error handler hears of it, even of an app mounted in another; an OSError the endpoint
    # raises itself after starting its response still is, to both.
    reported: list[str] = []

    def report(request: Request, exc: Exception) -> Response:
        reported.append(str(exc))
        return PlainTextResponse("never sent", status_code=500)

    middleware = [Middleware(Passthrough)] if with_middleware else []
    app = App(
        routes=[Route("/", homepage), Route("/broken", Broken())],
        exception_handlers={Exception: report},
        middleware=middleware,
    )
    if mounted:
        app = App(routes=[Mount("/inner", app)], exception_handlers={Exception: report})
    prefix = "/inner" if mounted else ""
    server = LeavingServer()
    sends: dict[str, Send] = {
        "method": server.send,
        "function": server.as_function(),
        "object": server,
    }
    send = sends[send_kind]

    def scope(path: str) -> Scope:
        return {"type": "http", "method": "GET", "path": f"{prefix}{path}", "headers": []}

    await app(scope("/"), no_receive, send)

    assert [message["status"] for message in server.sent] == [200]
    assert reported == []
    with pytest.raises(OSError, match="disk full"):
        await app(scope("/broken"), no_receive, send)
    assert reported == ["disk full"] * (2 if mounted else 1)


@pytest.mark.parametrize("with_middleware", [False, True])
def test_the_error_handler_hears_of_a_background_task_failure(
    test_client_factory: TestClientFactory, with_middleware: bool
) -> None:
    """The response had gone out when the task failed: the handler is told, the response stays."""
    reported: list[str] = []

    def report(request: Request, exc: Exception) -> Response:
        reported.append(str(exc))
        return PlainTextResponse("never sent", status_code=500)

    def failing_task() -> None:
        raise RuntimeError("task failed")

    async def endpoint(request: Request) -> Response:
        return Response(status_code=204, background=BackgroundTask(failing_task))

    middleware = [Middleware(Passthrough)] if with_middleware else []
    app = App(
        routes=[Route("/", endpoint)], exception_handlers={Exception: report}, middleware=middleware
    )

    response = test_client_factory(app, raise_server_exceptions=False).get("/")

    assert response.status_code == 204
    assert reported == ["task failed"]


class Passthrough:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def test_a_route_to_a_plain_asgi_app_is_served(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[Route("/raw", PlainTextResponse("raw")), Route("/also", PlainTextResponse("a"))]
    )

    assert test_client_factory(app).get("/raw").text == "raw"


def test_a_route_of_its_own_kind_is_served(test_client_factory: TestClientFactory) -> None:
    class Everything(BaseRoute):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            return Match.FULL, {}

        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            await PlainTextResponse("caught")(scope, receive, send)

    app = App(routes=[Everything(), Route("/never", PlainTextResponse("never"))])

    assert test_client_factory(app).get("/anything").text == "caught"
