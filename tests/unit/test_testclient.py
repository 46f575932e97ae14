from __future__ import annotations

import gc
import importlib.util
import threading
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import pytest

from resourceful import App, Route, testclient
from resourceful._testhttp import HTTPExchange
from resourceful.background import BackgroundTask
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory


def lifespan_app(
    events: list[str],
    *,
    fail_startup: bool = False,
    fail_shutdown: bool = False,
) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            if fail_startup:
                await send({"type": "lifespan.startup.failed", "message": "no database"})
                return
            scope["state"]["greeting"] = "hello"
            events.append("startup")
            await send({"type": "lifespan.startup.complete"})
            await receive()
            events.append("shutdown")
            if fail_shutdown:
                await send({"type": "lifespan.shutdown.failed", "message": "stuck"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
            return
        request = Request(scope, receive)
        events.append(f"request {threading.get_ident()}")
        await PlainTextResponse(request.state.greeting)(scope, receive, send)

    return app


def test_with_block_runs_the_lifespan_and_shares_state(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []
    with test_client_factory(lifespan_app(events)) as client:
        assert events == ["startup"]
        assert client.get("/").text == "hello"
        assert client.get("/").text == "hello"
    assert events[0] == "startup"
    assert events[-1] == "shutdown"
    loop_threads = {event for event in events if event.startswith("request")}
    assert len(loop_threads) == 1, "every request of the block runs in the same event loop"


def test_failed_startup_raises_with_the_message(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(lifespan_app([], fail_startup=True))
    with ExitStack() as stack, pytest.raises(RuntimeError, match="startup failed: no database"):
        stack.enter_context(client)


def test_failed_shutdown_raises_with_the_message(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(lifespan_app([], fail_shutdown=True))
    with pytest.raises(RuntimeError, match="lifespan shutdown failed: stuck"), client:
        pass


def test_app_without_lifespan_support(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        await PlainTextResponse("ok")(scope, receive, send)

    with test_client_factory(app) as client:
        assert client.get("/").text == "ok"


def test_lifespan_error_is_raised(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ValueError("lifespan exploded")

    with ExitStack() as stack, pytest.raises(ValueError, match="lifespan exploded"):
        stack.enter_context(test_client_factory(app))


def test_lifespan_context_manager_style(test_client_factory: TestClientFactory) -> None:
    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        yield

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async with lifespan():
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
        await send({"type": "lifespan.shutdown.complete"})

    with test_client_factory(app):
        pass


def test_server_errors_are_raised_or_get_a_500(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        test_client_factory(app).get("/")
    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500


def test_error_after_the_response_started_keeps_the_response(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("late")

    response = test_client_factory(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 200
    assert response.content == b"partial"


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([], "did not receive any response"),
        ([{"type": "http.response.body", "body": b""}], "'http.response.body' before the start"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.start", "status": 200},
            ],
            "'http.response.start' twice",
        ),
        ([{"type": "http.response.trailers"}], "without declaring trailers"),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.trailers"},
            ],
            "before body completed",
        ),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body"},
                {"type": "http.response.body"},
            ],
            "after body completed",
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "trailers": True},
                {"type": "http.response.body"},
                {"type": "http.response.trailers"},
                {"type": "http.response.trailers"},
            ],
            "after response completed",
        ),
    ],
)
def test_apps_that_break_the_protocol_fail_the_test(
    test_client_factory: TestClientFactory, messages: list[Message], error: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(AssertionError, match=error):
        test_client_factory(app).get("/")


def test_a_streamed_response_arrives_chunk_by_chunk(test_client_factory: TestClientFactory) -> None:
    sent: list[int] = []
    release = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
        await anyio.to_thread.run_sync(release.wait)  # the client has the headers by now
        for number in range(3):
            await send({"type": "http.response.body", "body": b"%d" % number, "more_body": True})
            sent.append(number)
        await send({"type": "http.response.body", "body": b""})

    with test_client_factory(app).stream("GET", "/") as response:
        assert (response.status_code, response.headers["x-a"]) == (200, "1")
        release.set()
        chunks = response.iter_bytes()
        assert next(chunks) == b"0"
        time.sleep(0.05)
        assert sent == [0], "the app waits for the client to read (back-pressure)"
        assert next(chunks) == b"1"
        assert b"".join(chunks) == b"2"
    assert sent == [0, 1, 2]


def test_closing_an_unfinished_response_cancels_the_app(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"x", "more_body": True})
        except anyio.get_cancelled_exc_class():
            events.append("cancelled")
            raise

    client = test_client_factory(app)
    with client.stream("GET", "/") as response:
        assert next(response.iter_bytes()) == b"x"
    assert events == ["cancelled"]
    response = client.send(client.build_request("GET", "/"), stream=True)
    chunks = response.iter_bytes()
    assert next(chunks) == b"x"
    client.close()  # the client goes before the response was read
    assert events == ["cancelled", "cancelled"]
    response.close()  # closing it again changes nothing
    assert list(chunks) == []


def test_closing_a_complete_response_waits_for_the_app_to_end(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []
    read = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"all"})
        await anyio.to_thread.run_sync(read.wait)  # work after the response, like a task's
        events.append("finished")

    with test_client_factory(app).stream("GET", "/") as response:
        chunks = response.iter_bytes()
        assert next(chunks) == b"all"
        assert events == []
        read.set()
    assert events == ["finished"]


def test_after_its_response_a_request_sees_the_client_gone(
    test_client_factory: TestClientFactory,
) -> None:
    seen: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await request.body()
        seen.append(await request.is_disconnected())
        await PlainTextResponse("ok")(scope, receive, send)
        seen.append(await request.is_disconnected())

    assert test_client_factory(app).post("/", content=b"x").text == "ok"
    assert seen == [False, True]


def test_trailers_and_debug_messages_reach_the_response(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert "http.response.trailers" in scope["extensions"]
        await send({"type": "http.response.debug", "info": {"template": "t", "context": {}}})
        await send({"type": "http.response.start", "status": 200, "trailers": True})
        await send({"type": "http.response.body", "body": b"data"})
        await send(
            {"type": "http.response.trailers", "headers": [(b"a", b"1")], "more_trailers": True}
        )
        await send({"type": "http.response.trailers", "headers": [(b"b", b"2")]})

    response = test_client_factory(app).get("/")
    assert response.content == b"data"
    assert response.extensions["http.response.trailers"] == [(b"a", b"1"), (b"b", b"2")]
    assert response.extensions["http.response.debug"] == {"template": "t", "context": {}}
    assert (response.template, response.context) == ("t", {})


def test_the_client_works_again_after_its_block(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    client = test_client_factory(lifespan_app(events))
    with client:
        assert client.get("/").text == "hello"
    assert events[0::2] == ["startup", "shutdown"]
    with client:
        assert client.get("/").text == "hello"
    assert [event.split()[0] for event in events] == ["startup", "request", "shutdown"] * 2


def test_receive_after_the_body_waits_for_the_response_then_disconnects(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        await PlainTextResponse(first["body"].decode())(scope, receive, send)
        assert (await receive())["type"] == "http.disconnect"

    assert test_client_factory(app).post("/", content=b"data").text == "data"


def test_cookies_persist_and_redirects_are_followed(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response: Response
        if request.url.path == "/login":
            response = RedirectResponse("/me")
            response.set_cookie("user", "alice")
        else:
            response = JSONResponse({"user": request.cookies.get("user")})
        await response(scope, receive, send)

    client = test_client_factory(app)
    response = client.get("/login")
    assert response.json() == {"user": "alice"}
    assert client.get("/me").json() == {"user": "alice"}
    no_follow = test_client_factory(app, follow_redirects=False).get("/login")
    assert no_follow.status_code == 307


def test_options_reach_the_scope(test_client_factory: TestClientFactory) -> None:
    scopes: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        await Response()(scope, receive, send)

    client = test_client_factory(
        app,
        base_url="https://example.org:8443",
        root_path="/prefix",
        client=("10.0.0.1", 1234),
        headers={"X-Default": "1"},
        cookies={"c": "v"},
    )
    client.get("/prefix/a%20b?x=1")
    scope = scopes[0]
    assert scope["scheme"] == "https"
    assert scope["server"] == ("example.org", 8443)
    assert scope["path"] == "/prefix/a b"
    assert scope["raw_path"] == b"/prefix/a%20b"
    assert scope["root_path"] == "/prefix"
    assert scope["query_string"] == b"x=1"
    assert scope["client"] == ("10.0.0.1", 1234)
    headers = dict(scope["headers"])
    assert headers[b"host"] == b"example.org:8443"
    assert headers[b"x-default"] == b"1"
    assert headers[b"cookie"] == b"c=v"
    assert headers[b"user-agent"] == b"testclient"


def test_head_request_drops_the_body(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(PlainTextResponse("body")).head("/")
    assert response.headers["content-length"] == "4"
    assert response.content == b""


def test_debug_extension_exposes_template_and_context(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert "http.response.debug" in scope["extensions"]
        info = {"template": "page.html", "context": {"a": 1}}
        await send({"type": "http.response.debug", "info": info})
        await send({"type": "http.response.unknown-extension"})
        await PlainTextResponse("page")(scope, receive, send)

    response = test_client_factory(app).get("/")
    assert response.template == "page.html"
    assert response.context == {"a": 1}


def test_backend_choice_is_used(test_client_factory: TestClientFactory, anyio_backend: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        backend = "trio" if _running_trio() else "asyncio"
        await PlainTextResponse(backend)(scope, receive, send)

    assert test_client_factory(app).get("/").text == anyio_backend


def _running_trio() -> bool:
    import sniffio

    return sniffio.current_async_library() == "trio"


def test_prefers_httpx2_when_installed() -> None:
    expected = "httpx2" if importlib.util.find_spec("httpx2") else "httpx"
    assert testclient.__dict__["httpx"].__name__ == expected


def failing_websocket_app(message: str) -> Any:
    """A websocket app that accepts, waits for one message, then raises ValueError(message)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.receive_text()
        raise ValueError(message)

    return app


def test_websocket_app_error_is_raised(test_client_factory: TestClientFactory) -> None:
    def talk() -> None:
        with test_client_factory(failing_websocket_app("handler failed")).websocket_connect(
            "/"
        ) as ws:
            ws.send_text("go")
            ws.receive_text()

    with pytest.raises(ValueError, match="handler failed"):
        talk()


def test_leaving_the_client_with_an_error_stops_what_is_left_running(
    test_client_factory: TestClientFactory,
) -> None:
    # What a test that failed (or timed out) mid-request leaves behind in the client's
    # event loop: a task that would never end by itself.
    release = threading.Event()
    outcome: list[BaseException] = []

    async def stuck() -> None:
        await anyio.to_thread.run_sync(release.wait, abandon_on_cancel=True)

    def leave_with_an_error() -> None:
        try:
            with test_client_factory(lifespan_app([])) as client:
                assert client.portal is not None
                client.portal.start_task_soon(stuck)
                raise KeyError("the test failed here")
        except BaseException as exc:
            outcome.append(exc)

    leaving = threading.Thread(target=leave_with_an_error)
    leaving.start()
    leaving.join(5)
    hung = leaving.is_alive()
    release.set()  # lets a hung client end, so that a failure here cannot hang the suite
    leaving.join()
    assert not hung, "leaving the client waited for a task that never ends"
    assert [type(exc) for exc in outcome] == [KeyError]


def test_websocket_error_left_unread_is_raised_on_exit(
    test_client_factory: TestClientFactory,
) -> None:
    def send_and_leave() -> None:
        with test_client_factory(failing_websocket_app("late failure")).websocket_connect(
            "/"
        ) as ws:
            ws.send_text("go")

    with pytest.raises(ValueError, match="late failure"):
        send_and_leave()


def test_websocket_app_returning_without_close(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()

    client = test_client_factory(app)
    with client.websocket_connect("/") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert info.value.code == 1006


def test_websocket_urls_and_schemes(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_text(f"{scope['scheme']} {scope['path']}")
        await websocket.close()

    client = test_client_factory(app)
    with client.websocket_connect("/plain") as ws:
        assert ws.receive_text() == "ws /plain"
    with client.websocket_connect("wss://testserver/secure") as ws:
        assert ws.receive_text() == "wss /secure"
    secure_client = test_client_factory(app, base_url="https://testserver/api")
    with secure_client.websocket_connect("feed") as ws:
        assert ws.receive_text() == "wss /api/feed"


def test_websocket_carries_the_clients_cookies(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_json(websocket.cookies)
        await websocket.close()

    client = test_client_factory(app, cookies={"session": "abc"})
    with client.websocket_connect("/") as ws:
        assert ws.receive_json() == {"session": "abc"}


def test_websocket_connect_takes_an_httpx_requests_arguments(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        await websocket.send_json(
            {
                "query": str(websocket.query_params),
                "authorization": websocket.headers.get("authorization"),
                "extra": websocket.headers.get("x-extra"),
            }
        )
        await websocket.close()

    client = test_client_factory(app)
    with client.websocket_connect(
        "/?a=1",
        params={"b": "2"},
        auth=("ann", "pw"),
        headers={"x-extra": "yes"},
    ) as ws:
        assert ws.receive_json() == {
            "query": "b=2",
            "authorization": "Basic YW5uOnB3",
            "extra": "yes",
        }


def test_http_request_for_a_websocket_points_to_websocket_connect(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(PlainTextResponse("unused"))
    with pytest.raises(RuntimeError, match="websocket_connect"):
        client.get("/", headers={"Upgrade": "websocket"})
    with pytest.raises(RuntimeError, match="websocket_connect"):
        client.get("ws://testserver/")


def test_an_asgi2_app_is_served(test_client_factory: TestClientFactory) -> None:
    def app(scope: Scope) -> Any:
        async def instance(receive: Receive, send: Send) -> None:
            await PlainTextResponse(f"asgi2 {scope['path']}")(scope, receive, send)

        return instance

    assert test_client_factory(app).get("/here").text == "asgi2 /here"


def test_port_zero_in_the_base_url_is_kept(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"server": scope["server"]})(scope, receive, send)

    client = test_client_factory(app, base_url="http://[::1]:0")

    assert client.get("/").json() == {"server": ["::1", 0]}


def test_debug_information_without_a_template_sets_no_template(
    test_client_factory: TestClientFactory,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.debug", "info": {"blocks": ["nav"]}})
        await send({"type": "http.response.body", "body": b"page"})

    response = test_client_factory(app).get("/")

    assert response.extensions["http.response.debug"] == {"blocks": ["nav"]}
    assert not hasattr(response, "template")


def test_a_timeout_is_warned_about(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(PlainTextResponse("ok"))

    with pytest.warns(DeprecationWarning, match="'timeout' argument with the TestClient"):
        client.get("/", timeout=1)


@pytest.mark.parametrize("leave", ["with", "close"])
def test_leaving_the_client_stops_apps_of_unclosed_responses(
    test_client_factory: TestClientFactory, leave: str
) -> None:
    stopped = threading.Event()

    async def forever() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            stopped.set()

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("hello", background=BackgroundTask(forever))

    client = test_client_factory(App(routes=[Route("/", endpoint)]))
    with ExitStack() as stack:
        if leave == "with":
            stack.enter_context(client)
        else:
            stack.callback(client.close)
        response = client.send(client.build_request("GET", "/"), stream=True)
        chunks = response.iter_raw()  # kept: closing it would wait for the background task
        assert next(chunks) == b"hello"
    assert stopped.is_set()


def test_leaving_a_websocket_stops_an_app_that_does_not_listen(
    test_client_factory: TestClientFactory,
) -> None:
    stopped = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        try:
            await anyio.sleep_forever()
        finally:
            stopped.set()

    with test_client_factory(app).websocket_connect("/"):
        pass
    assert stopped.is_set()


class TestFailure(BaseException):
    """Stands for pytest's own failure exceptions, which are no Exception."""

    __test__ = False


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_app_raising_what_is_no_exception_fails_the_test_cleanly(
    test_client_factory: TestClientFactory, when: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if when == "after":
            await send({"type": "http.response.start", "status": 200})
        raise TestFailure("failed in the app")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TestFailure, match="failed in the app"):
            test_client_factory(app).get("/")
        gc.collect()
    assert [str(warning.message) for warning in caught] == []


async def test_an_exchange_cancelled_from_outside_records_no_failure() -> None:
    """The event loop shutting down cancels the app: that is no failure of the app's."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep_forever()

    exchange = HTTPExchange(app, {"type": "http", "method": "GET"}, b"")
    await exchange.open()
    async with anyio.create_task_group() as group:
        group.start_soon(exchange.run)
        await anyio.sleep(0.01)
        group.cancel_scope.cancel()
    exchange.chunks_in.close()
    assert exchange.failure is None
    assert exchange.started.is_set()
