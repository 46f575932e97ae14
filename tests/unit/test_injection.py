"""Function endpoints of an App get their parameters injected by type."""

from __future__ import annotations

import datetime
import enum
import functools
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from typing import Any

import anyio
import attrs
import pytest

from resourceful.applications import App
from resourceful.background import BackgroundTasks
from resourceful.datastructures import URL
from resourceful.di import DependencyError, Provider
from resourceful.exceptions import HTTPException
from resourceful.requests import HTTPConnection, Request
from resourceful.resources import responds
from resourceful.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from resourceful.routing import Host, Mount, Route, Router, WebSocketRoute
from resourceful.types import Message
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

events: list[str] = []


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


class Config:
    def __init__(self) -> None:
        self.greeting = "hello"


class Db:
    def __init__(self, name: str) -> None:
        self.name = name


async def open_db(config: Config) -> AsyncIterator[Db]:
    events.append("db opened")
    try:
        yield Db(config.greeting)
    except Exception as exc:
        events.append(f"db rollback: {type(exc).__name__}")
        raise
    finally:
        events.append("db closed")


class Store:
    def __init__(self, db: Db, request: Request) -> None:
        self.db = db
        self.request = request


@attrs.frozen
class Note:
    id: int
    text: str


def make_app(*routes: Any, **kwargs: Any) -> App:
    providers = [Provider(Config, scope="app"), open_db, Store, *kwargs.pop("providers", [])]
    return App(routes=list(routes), providers=providers, **kwargs)


class RecordSend:
    """ASGI middleware that records when the response body has gone out."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def sender(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("response sent")

        await self.app(scope, receive, sender)


def test_providers_and_builtins_are_injected(test_client_factory: TestClientFactory) -> None:
    async def show(  # type: ignore[no-untyped-def]
        request,
        store: Store,
        db: Db,
        app: App,
        connection: HTTPConnection,
        note_id: int,
        tag: str = "none",
    ) -> dict[str, Any]:
        return {
            "same_db": store.db is db,
            "same_request": store.request is request is connection,
            "app": app is request.app,
            "note_id": note_id,
            "tag": tag,
            "db": db.name,
        }

    client = test_client_factory(make_app(Route("/notes/{note_id:int}", show)))
    assert client.get("/notes/3").json() == {
        "same_db": True,
        "same_request": True,
        "app": True,
        "note_id": 3,
        "tag": "none",
        "db": "hello",
    }


def test_teardown_runs_after_the_response_is_sent(test_client_factory: TestClientFactory) -> None:
    from resourceful.middleware import Middleware

    async def read(db: Db) -> str:
        events.append("handler")
        return db.name

    app = make_app(Route("/", read), middleware=[Middleware(RecordSend)])
    assert test_client_factory(app).get("/").json() == "hello"
    assert events == ["db opened", "handler", "response sent", "db closed"]


def test_handler_error_reaches_generators_and_handlers(
    test_client_factory: TestClientFactory,
) -> None:
    async def fail(db: Db) -> str:
        raise HTTPException(409, "conflict")

    async def crash(db: Db) -> str:
        raise RuntimeError("bug")

    client = test_client_factory(
        make_app(Route("/fail", fail), Route("/crash", crash)), raise_server_exceptions=False
    )
    response = client.get("/fail")
    assert (response.status_code, response.text) == (409, "conflict")
    assert events == ["db opened", "db rollback: HTTPException", "db closed"]
    events.clear()
    assert client.get("/crash").status_code == 500
    assert events == ["db opened", "db rollback: RuntimeError", "db closed"]


async def test_teardown_runs_when_the_client_disconnects() -> None:
    async def endless(db: Db) -> Response:
        async def chunks() -> AsyncIterator[str]:
            while True:
                yield "x"
                await anyio.sleep(0.001)

        return StreamingResponse(chunks())

    app = make_app(Route("/", endless))
    disconnect = anyio.Event()
    sent: list[Message] = []

    async def receive() -> Message:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) > 3:
            disconnect.set()

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    with anyio.fail_after(5):
        await app(scope, receive, send)
    assert events == ["db opened", "db closed"]


async def test_teardown_runs_when_the_request_is_cancelled() -> None:
    started = anyio.Event()

    async def slow(db: Db) -> None:
        started.set()
        await anyio.sleep_forever()

    app = make_app(Route("/", slow))
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    with sender, receiver:
        async with anyio.create_task_group() as group:
            group.start_soon(app, scope, receiver.receive, sender.send)
            await started.wait()
            group.cancel_scope.cancel()
    # Cancellation is not an Exception: the provider's finally block runs, its except does not.
    assert events == ["db opened", "db closed"]


def test_background_tasks_run_after_the_response_before_teardown(
    test_client_factory: TestClientFactory,
) -> None:
    from resourceful.middleware import Middleware

    async def create(tasks: BackgroundTasks, db: Db) -> None:
        tasks.add_task(events.append, f"mail sent with {db.name}")

    app = make_app(Route("/", create, methods=["POST"]), middleware=[Middleware(RecordSend)])
    response = test_client_factory(app).post("/")
    assert response.status_code == 204
    assert events == ["db opened", "response sent", "mail sent with hello", "db closed"]


def test_return_values_become_responses(test_client_factory: TestClientFactory) -> None:
    async def note() -> Note:
        return Note(1, "milk")

    async def notes() -> list[Note]:
        return [Note(1, "a"), Note(2, "b")]

    def sync_count(request: Request) -> int:  # sync: runs in a worker thread
        return threading.get_ident()

    async def nothing(request: Request) -> None:
        return None

    async def plain(request: Request) -> Response:
        return PlainTextResponse("as is", status_code=202)

    app = make_app(
        Route("/note", note),
        Route("/notes", notes),
        Route("/count", sync_count),
        Route("/nothing", nothing),
        Route("/plain", plain),
    )
    client = test_client_factory(app)
    assert client.get("/note").json() == {"id": 1, "text": "milk"}
    assert client.get("/notes").json() == [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]
    assert client.get("/count").json() != threading.get_ident()
    empty = client.get("/nothing")
    assert (empty.status_code, empty.content) == (204, b"")
    as_is = client.get("/plain")
    assert (as_is.status_code, as_is.text) == (202, "as is")


@pytest.mark.parametrize("status", [200, 201, 204])
@pytest.mark.parametrize("headers", [None, {"X-Made": "here"}])
def test_a_returned_value_has_the_headers_a_json_response_would(
    test_client_factory: TestClientFactory, status: int, headers: dict[str, str] | None
) -> None:
    @responds(status, headers)
    async def note() -> Note:
        return Note(1, "milk")

    response = test_client_factory(make_app(Route("/note", note))).get("/note")
    expected = JSONResponse({"id": 1, "text": "milk"}, status, headers)
    assert response.status_code == status
    assert response.headers.raw == expected.raw_headers
    assert response.content == expected.body


class Color(enum.Enum):
    RED = "red"


class Opaque:
    """A class neither JSON nor the converter knows."""


def test_returned_values_mix_json_and_converted_types(
    test_client_factory: TestClientFactory,
) -> None:
    key = uuid.UUID(int=1)

    async def mixed() -> dict[str, Any]:
        when = datetime.date(2026, 11, 25)
        return {"note": Note(1, "milk"), "on": when, "tags": ("a", "b"), "color": Color.RED}

    async def uuid_keys() -> dict[uuid.UUID, int]:
        return {key: 1}  # JSON cannot write these keys: the converter turns them into text

    async def not_a_number() -> dict[str, float]:
        return {"ratio": float("nan")}

    async def opaque() -> dict[str, Any]:
        return {"thing": Opaque()}

    app = make_app(
        Route("/mixed", mixed),
        Route("/uuid-keys", uuid_keys),
        Route("/nan", not_a_number),
        Route("/opaque", opaque),
    )
    client = test_client_factory(app)
    assert client.get("/mixed").json() == {
        "note": {"id": 1, "text": "milk"},
        "on": "2026-11-25",
        "tags": ["a", "b"],
        "color": "red",
    }
    assert client.get("/uuid-keys").json() == {str(key): 1}
    with pytest.raises(ValueError, match="JSON compliant"):
        client.get("/nan")
    with pytest.raises(TypeError, match="not JSON serializable"):
        client.get("/opaque")


def test_request_only_endpoint_keeps_working(test_client_factory: TestClientFactory) -> None:
    async def home(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse(str(request.url))

    def sync_home(request: Request) -> Response:
        return PlainTextResponse("sync")

    async def keyword_home(*, request: Request, **extra: Any) -> Response:
        return PlainTextResponse(f"keyword {sorted(extra)}")

    routes = [Route("/", home), Route("/sync", sync_home), Route("/keyword", keyword_home)]
    client = test_client_factory(App(routes=routes))
    assert client.get("/").text == "http://testserver/"
    assert client.get("/sync").text == "sync"
    assert client.get("/keyword").text == "keyword []"


def test_websocket_endpoints_get_injection_for_the_whole_connection(
    test_client_factory: TestClientFactory,
) -> None:
    async def chat(websocket: WebSocket, db: Db, store: Store, room: str) -> None:
        await websocket.accept()
        async for message in websocket.iter_text():
            same = store.db is db
            await websocket.send_text(f"{room}:{message}:{db.name}:{same}")
        events.append("chat ended")

    async def plain(websocket):  # type: ignore[no-untyped-def]
        await websocket.accept()
        await websocket.send_text("plain")
        await websocket.close()

    client = test_client_factory(
        make_app(
            WebSocketRoute("/chat/{room}", chat),
            WebSocketRoute("/plain", plain),
            providers=[Provider(StoreForSocket, provides=Store)],
        )
    )
    with client.websocket_connect("/chat/lobby") as session:
        session.send_text("hi")
        assert session.receive_text() == "lobby:hi:hello:True"
        session.send_text("again")
        assert session.receive_text() == "lobby:again:hello:True"
        assert events == ["db opened"]
    assert events == ["db opened", "chat ended", "db closed"]
    with client.websocket_connect("/plain") as session:
        assert session.receive_text() == "plain"


class StoreForSocket:
    def __init__(self, db: Db, connection: HTTPConnection) -> None:
        self.db = db
        self.connection = connection


def test_websocket_error_is_thrown_into_generators(test_client_factory: TestClientFactory) -> None:
    async def broken(websocket: WebSocket, db: Db) -> None:
        await websocket.accept()
        raise ValueError("bad frame")

    client = test_client_factory(make_app(WebSocketRoute("/ws", broken)))

    def talk() -> None:
        with client.websocket_connect("/ws") as session:
            session.receive_text()

    with pytest.raises(ValueError, match="bad frame"):
        talk()
    assert events == ["db opened", "db rollback: ValueError", "db closed"]


def test_mount_and_host_parameters_are_injected_by_name(
    test_client_factory: TestClientFactory,
) -> None:
    async def repo(org: str, repo: str, db: Db) -> dict[str, str]:
        return {"org": org, "repo": repo, "db": db.name}

    async def tenant_home(tenant: str) -> str:
        return tenant

    app = make_app(
        Mount("/orgs/{org}", routes=[Route("/repos/{repo}", repo)]),
        Host("{tenant}.example.org", Router([Route("/", tenant_home)])),
    )
    client = test_client_factory(app)
    assert client.get("/orgs/acme/repos/web").json() == {
        "org": "acme",
        "repo": "web",
        "db": "hello",
    }
    assert test_client_factory(app, base_url="http://blue.example.org").get("/").json() == "blue"


def test_app_scoped_providers_live_from_startup_to_shutdown(
    test_client_factory: TestClientFactory,
) -> None:
    async def pool() -> AsyncIterator[Config]:
        events.append("pool up")
        yield Config()
        events.append("pool down")

    async def read(config: Config) -> str:
        return config.greeting

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, str]]:
        events.append("user startup")
        yield {"from": "lifespan"}
        events.append("user shutdown")

    app = App(
        routes=[Route("/", read)],
        providers=[Provider(pool, scope="app", provides=Config)],
        lifespan=lifespan,
    )
    with test_client_factory(app) as client:
        assert events == ["pool up", "user startup"]
        assert client.get("/").json() == "hello"
    assert events == ["pool up", "user startup", "user shutdown", "pool down"]


def test_override_swaps_a_provider_for_a_test(test_client_factory: TestClientFactory) -> None:
    async def read(db: Db) -> str:
        return db.name

    app = make_app(Route("/", read))
    client = test_client_factory(app)
    with app.container.override(Db, Db("fake")):
        assert client.get("/").json() == "fake"
    assert client.get("/").json() == "hello"


def test_add_provider(test_client_factory: TestClientFactory) -> None:
    def make_url() -> URL:
        return URL("https://example.org")

    async def read(url: URL) -> str:
        return str(url)

    app = App(routes=[Route("/", read)])
    app.add_provider(make_url, scope="app")
    with test_client_factory(app) as client:
        assert client.get("/").json() == "https://example.org"
    with pytest.raises(RuntimeError, match="Cannot add providers after the application"):
        app.add_provider(Config)


class Unregistered:
    pass


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (
            Route("/", lambda thing: None),
            "parameter 'thing' has no type annotation",
        ),
    ],
)
def test_unannotated_parameters_are_an_error(
    test_client_factory: TestClientFactory, route: Route, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        test_client_factory(App(routes=[route])).get("/")


async def needs_unregistered(
    thing: Unregistered,
) -> None: ...  # never called: the app does not start


async def http_wants_websocket(
    websocket: WebSocket,
) -> None: ...  # never called: the app does not start


async def socket_wants_request(
    websocket: WebSocket, request: Request
) -> None: ...  # never called: the app does not start


def test_unresolvable_parameters_fail_at_startup(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/", needs_unregistered)])
    with ExitStack() as stack, pytest.raises(DependencyError) as info:
        stack.enter_context(test_client_factory(app))
    message = str(info.value)
    assert "needs_unregistered: cannot inject the parameter 'thing' (Unregistered)" in message
    assert "Hint: register a provider for Unregistered" in message
    with pytest.raises(DependencyError, match="a WebSocket only exists in websocket endpoints"):
        test_client_factory(App(routes=[Route("/", http_wants_websocket)])).get("/")
    with pytest.raises(DependencyError, match="a Request only exists in HTTP endpoints"):
        test_client_factory(App(routes=[WebSocketRoute("/", socket_wants_request)])).get("/")


async def socket_with_store(
    websocket: WebSocket, store: Store
) -> None: ...  # never called: the app does not start


def test_providers_needing_the_other_connection_fail_at_startup(
    test_client_factory: TestClientFactory,
) -> None:
    app = make_app(WebSocketRoute("/", socket_with_store))
    with pytest.raises(DependencyError) as info:
        test_client_factory(app).get("/")
    assert "socket_with_store: Store needs a Request, which websocket endpoints do not have" in str(
        info.value
    )
    assert info.value.path == ("socket_with_store", "store: Store", "Store", "request: Request")
    deeper = make_app(WebSocketRoute("/", socket_with_audit), providers=[Audit])
    with pytest.raises(DependencyError) as info:
        test_client_factory(deeper).get("/")
    assert info.value.path == (
        "socket_with_audit",
        "audit: Audit",
        "Audit",
        "store: Store",
        "Store",
        "request: Request",
    )


@attrs.define
class Audit:
    config: Config
    store: Store


async def socket_with_audit(
    websocket: WebSocket, audit: Audit
) -> None: ...  # never called: the app does not start


def test_variadic_parameters_are_left_alone(test_client_factory: TestClientFactory) -> None:
    async def flexible(request: Request, *args: Any, **kwargs: Any) -> int:
        return len(args) + len(kwargs)

    assert test_client_factory(App(routes=[Route("/", flexible)])).get("/").json() == 0


def test_an_endpoint_taking_only_args_gets_the_connection(
    test_client_factory: TestClientFactory,
) -> None:
    # The usual shape of a decorator's wrapper that copies nothing from what it wraps.
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        request = args[0]
        return PlainTextResponse(f"{type(request).__name__} {len(args)} {sorted(kwargs)}")

    def sync_wrapper(*args: Any) -> Response:
        return PlainTextResponse(f"sync {args[0].url.path}")

    async def socket(*args: Any) -> None:
        websocket = args[0]
        await websocket.accept()
        await websocket.send_text(type(websocket).__name__)
        await websocket.close()

    app = App(
        routes=[Route("/", wrapper), Route("/sync", sync_wrapper), WebSocketRoute("/ws", socket)]
    )
    client = test_client_factory(app)
    assert client.get("/").text == "Request 1 []"
    assert client.get("/sync").text == "sync /sync"
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "WebSocket"


def test_a_plain_function_websocket_endpoint_is_called_and_the_client_turned_away(
    test_client_factory: TestClientFactory,
) -> None:
    # A plain function cannot accept (that needs await): it runs, returns, and the
    # connection ends unaccepted; with only the websocket, and with a query parameter too.
    seen: list[tuple[str, str]] = []

    def alone(websocket: WebSocket) -> None:
        seen.append((type(websocket).__name__, "-"))

    def with_reason(websocket: WebSocket, reason: str) -> None:
        seen.append((type(websocket).__name__, reason))

    app = App(routes=[WebSocketRoute("/alone", alone), WebSocketRoute("/reason", with_reason)])
    client = test_client_factory(app)
    for url in ("/alone", "/reason?reason=busy"):
        with ExitStack() as stack, pytest.raises(WebSocketDisconnect):
            stack.enter_context(client.websocket_connect(url))  # the endpoint did not accept
    assert seen == [("WebSocket", "-"), ("WebSocket", "busy")]


def test_provider_errors_fail_at_startup(test_client_factory: TestClientFactory) -> None:
    async def read(store: Store) -> None: ...  # never called: the app does not start

    app = App(routes=[Route("/", read)], providers=[Store])
    with pytest.raises(DependencyError, match="No provider for Db, needed by Store"):
        test_client_factory(app).get("/")


def test_override_through_the_test_client(test_client_factory: TestClientFactory) -> None:
    async def read(db: Db) -> str:
        return db.name

    client = test_client_factory(make_app(Route("/", read)))
    with client.override(Db, Db("from the client")):
        assert client.get("/").json() == "from the client"
    assert client.get("/").json() == "hello"
    plain = test_client_factory(Router([Route("/", read)]))
    with pytest.raises(TypeError, match="override\\(\\) needs an App"):
        plain.override(Db, Db("x"))


async def greet(request: Request, greeting: str, name: str = "you") -> Response:
    return PlainTextResponse(f"{greeting}, {name}")


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


def make_greeter(greeting: str) -> Greeter:
    return Greeter(greeting)


async def use_greeter(greeter: Greeter) -> str:
    return greeter.greeting


def test_what_a_partial_binds_is_not_injected(test_client_factory: TestClientFactory) -> None:
    """Sent: ?greeting=forged, which must not replace what the partial bound."""
    app = App(
        routes=[
            Route("/greet", functools.partial(greet, greeting="hello")),
            Route("/greeter", use_greeter),
        ],
        providers=[Provider(functools.partial(make_greeter, greeting="hi"), provides=Greeter)],
    )
    client = test_client_factory(app)

    assert client.get("/greet?greeting=forged&name=ann").text == "hello, ann"
    assert client.get("/greeter").json() == "hi"


async def greet_socket(websocket: WebSocket, greeting: str) -> None:
    await websocket.accept()
    await websocket.send_text(greeting)
    await websocket.close()


def passing_greeting(websocket: WebSocket) -> Any:
    """A decorator's plain wrapper that hands back the endpoint's coroutine."""
    return greet_socket(websocket, greeting="hello")


def test_a_websocket_wrapper_returning_the_coroutine_is_awaited(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[WebSocketRoute("/ws", passing_greeting)])

    with test_client_factory(app).websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "hello"


def does_nothing(websocket: WebSocket) -> None:
    return None


def test_a_plain_websocket_function_that_returns_nothing_ends_the_connection(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[WebSocketRoute("/ws", does_nothing)])

    with pytest.raises(WebSocketDisconnect), test_client_factory(app).websocket_connect("/ws"):
        pass  # pragma: no cover (the connection never opens)
