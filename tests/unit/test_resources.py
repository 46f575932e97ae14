from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import ExitStack
from typing import Annotated, Any

import attrs
import cattrs
import pytest

from resourceful import App, Header, Query, Route, Router, WebSocketRoute
from resourceful.background import BackgroundTasks
from resourceful.di import DependencyError, Provider
from resourceful.middleware import Middleware
from resourceful.requests import Request
from resourceful.resources import (
    HTTPEndpoint,
    HTTPResource,
    WebSocketEndpoint,
    WebSocketResource,
    responds,
)
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

events: list[str] = []


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


@attrs.frozen
class Note:
    id: int
    title: str


@attrs.frozen
class NoteIn:
    title: str


class NoteStore:
    def __init__(self) -> None:
        self.notes: dict[int, Note] = {1: Note(1, "milk")}

    def add(self, title: str) -> Note:
        note = Note(len(self.notes) + 1, title)
        self.notes[note.id] = note
        return note


class Session:
    def __init__(self, user: str) -> None:
        self.user = user


async def open_session() -> AsyncIterator[Session]:
    events.append("session opened")
    try:
        yield Session("ann")
    finally:
        events.append("session closed")


class Notes(HTTPResource):
    async def get(self, store: NoteStore, limit: Annotated[int, Query()] = 10) -> list[Note]:
        return list(store.notes.values())[:limit]

    @responds(201, headers={"X-Created": "yes"})
    async def post(self, note: NoteIn, store: NoteStore, session: Session) -> Note:
        return store.add(f"{note.title} by {session.user}")


class NoteResource(HTTPResource):
    async def get(self, note_id: int, store: NoteStore) -> Note:
        return store.notes[note_id]

    def delete(self, note_id: int, store: NoteStore) -> None:  # sync: a worker thread
        events.append(f"deleted in thread {threading.get_ident() != MAIN_THREAD}")
        del store.notes[note_id]


MAIN_THREAD = threading.get_ident()


def notes_app(**kwargs: Any) -> App:
    return App(
        routes=[
            Route("/notes", Notes),
            Route("/notes/{note_id:int}", NoteResource),
            *kwargs.pop("routes", []),
        ],
        providers=[Provider(NoteStore, scope="app"), open_session, *kwargs.pop("providers", [])],
        **kwargs,
    )


def test_verbs_are_methods_with_injected_parameters(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(notes_app())
    assert client.get("/notes").json() == [{"id": 1, "title": "milk"}]
    created = client.post("/notes", json={"title": "tea"})
    assert created.status_code == 201
    assert created.headers["x-created"] == "yes"
    assert created.json() == {"id": 2, "title": "tea by ann"}
    assert events == ["session opened", "session closed"]
    assert client.get("/notes?limit=1").json() == [{"id": 1, "title": "milk"}]
    assert client.get("/notes/2").json() == {"id": 2, "title": "tea by ann"}
    deleted = client.delete("/notes/2")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert "deleted in thread True" in events


def test_head_options_and_405(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(notes_app())
    head = client.head("/notes/1")
    assert (head.status_code, head.content) == (200, b"")
    options = client.options("/notes/1")
    assert options.status_code == 204
    assert options.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    # The client used a verb the resource does not implement.
    wrong = client.put("/notes/1")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    assert client.patch("/notes").headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_bad_input_reaches_a_handler_as_4xx(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(notes_app())
    # The client sent a title that is a number, and a limit that is a word.
    assert client.post("/notes", json={"title": 5}).status_code == 422
    assert client.get("/notes?limit=all").status_code == 422


class Guarded(HTTPResource):
    """A base that checks a header before every handler and stamps every response."""

    async def before(self, token: Annotated[str | None, Header("x-token")]) -> Response | None:
        if token != "secret":
            return PlainTextResponse("no entry", status_code=401)
        events.append("allowed")
        return None

    async def after(self, response: Response) -> Response:
        response.headers["x-guarded"] = "1"
        return response


class Secret(Guarded):
    async def get(self) -> str:
        return "the secret"


class LessSecret(Secret):
    async def before(  # overrides the inherited hook
        self, token: Annotated[str | None, Header("x-token")]
    ) -> Response | None:
        return None


def test_hooks_run_around_handlers_and_are_inherited(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[Route("/secret", Secret), Route("/less", LessSecret)])
    client = test_client_factory(app)
    refused = client.get("/secret")
    assert (refused.status_code, refused.text) == (401, "no entry")
    assert refused.headers["x-guarded"] == "1"
    allowed = client.get("/secret", headers={"X-Token": "secret"})
    assert allowed.json() == "the secret"
    assert events == ["allowed"]
    assert client.get("/less").json() == "the secret"


class Stamp:
    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app = app
        self.value = value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", self.value)]
            await send(message)

        await self.app(scope, receive, sender)


class Stamped(HTTPResource):
    middleware = (Middleware(Stamp, "base"),)

    async def get(self) -> str:
        return "stamped"


class Restamped(Stamped):
    middleware = (Middleware(Stamp, "child"),)


class InheritsStamp(Stamped):
    pass


def test_class_middleware_is_inherited_and_overridable(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[Route("/a", Stamped), Route("/b", Restamped), Route("/c", InheritsStamp)])
    client = test_client_factory(app)
    assert client.get("/a").headers["x-stamp"] == "base"
    assert client.get("/b").headers["x-stamp"] == "child"
    assert client.get("/c").headers["x-stamp"] == "base"


class AbstractBase(HTTPResource):
    pass


def test_an_abstract_base_is_not_routable(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(TypeError, match="AbstractBase defines no handler"):
        test_client_factory(App(routes=[Route("/", AbstractBase)])).get("/")


class Chat(WebSocketResource):
    encoding = "json"

    async def on_connect(self, websocket: WebSocket, session: Session) -> None:
        events.append(f"connect {session.user}")
        await websocket.accept()

    async def on_receive(self, websocket: WebSocket, data: Any, session: Session) -> None:
        await websocket.send_json({"echo": data, "user": session.user})

    async def on_disconnect(self, close_code: int) -> None:
        events.append(f"disconnect {close_code}")


def test_websocket_resource(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(notes_app(routes=[WebSocketRoute("/chat", Chat)]))
    with client.websocket_connect("/chat") as session:
        session.send_json({"hi": 1})
        assert session.receive_json() == {"echo": {"hi": 1}, "user": "ann"}
        session.send_json([2])
        assert session.receive_json() == {"echo": [2], "user": "ann"}
        assert events == ["session opened", "connect ann"]
    assert events == ["session opened", "connect ann", "disconnect 1000", "session closed"]


def test_bad_frame_for_the_encoding_closes_with_1003(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(notes_app(routes=[WebSocketRoute("/chat", Chat)]))
    # The client sent text that is not JSON, Python's NaN, or an array nested 50,000 deep
    # (too deep to decode: found by the fuzz suite, it was a 1011 with a RecursionError).
    # The same for a number too large for a float (1e999: it was echoed back, and failed).
    for sent in ("{not json", '{"ratio": NaN}', "[" * 50_000 + "]" * 50_000, "[1e999]"):
        with client.websocket_connect("/chat") as session:
            session.send_text(sent)
            with pytest.raises(WebSocketDisconnect) as info:
                session.receive_json()
            assert (info.value.code, info.value.reason) == (1003, "expected JSON")
        assert events[-2:] == ["disconnect 1003", "session closed"]


class TextEcho(WebSocketResource):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(data.upper())


class BytesEcho(WebSocketResource):
    encoding = "bytes"

    async def on_receive(self, websocket: WebSocket, data: bytes) -> None:
        await websocket.send_bytes(data[::-1])


class RawEcho(WebSocketResource):
    async def on_receive(self, websocket: WebSocket, data: Message) -> None:
        await websocket.send_json(sorted(data))


class Silent(WebSocketResource):
    pass


class Refuser(WebSocketResource):
    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.close(code=4003)


class Waiting(WebSocketResource):
    async def on_receive(self, websocket: WebSocket, data: Message) -> None:
        await websocket.receive_text()  # the client leaves while this waits

    async def on_disconnect(self, close_code: int) -> None:
        events.append(f"disconnect {close_code}")


class Failing(WebSocketResource):
    async def on_receive(self, data: Any) -> None:
        raise ValueError("handler failed")

    async def on_disconnect(self, close_code: int) -> None:
        events.append(f"disconnect {close_code}")


def test_websocket_encodings(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[
            WebSocketRoute("/text", TextEcho),
            WebSocketRoute("/bytes", BytesEcho),
            WebSocketRoute("/raw", RawEcho),
            WebSocketRoute("/silent", Silent),
        ]
    )
    client = test_client_factory(app)
    with client.websocket_connect("/text") as session:
        session.send_text("hi")
        assert session.receive_text() == "HI"
        # The client sent a binary frame to a text resource.
        session.send_bytes(b"x")
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert (info.value.code, info.value.reason) == (1003, "expected a text frame")
    with client.websocket_connect("/bytes") as session:
        session.send_bytes(b"abc")
        assert session.receive_bytes() == b"cba"
        session.send_text("text")
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_bytes()
        assert info.value.reason == "expected a binary frame"
    with client.websocket_connect("/raw") as session:
        session.send_text("x")
        assert session.receive_json() == ["text", "type"]
    with client.websocket_connect("/silent") as session:
        session.send_text("ignored")


def test_refused_and_failing_websocket_resources(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        App(routes=[WebSocketRoute("/refuse", Refuser), WebSocketRoute("/fail", Failing)])
    )
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/refuse"))
    assert info.value.code == 4003

    def talk() -> None:
        with client.websocket_connect("/fail") as session:
            session.send_text("boom")
            session.receive_text()

    with pytest.raises(ValueError, match="handler failed"):
        talk()
    assert events == ["disconnect 1011"]
    waiting = test_client_factory(App(routes=[WebSocketRoute("/wait", Waiting)]))
    with waiting.websocket_connect("/wait") as session:
        session.send_text("first")
        session.close(code=4001)
    assert events[-1] == "disconnect 4001"


class LegacyEndpoint(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse(f"legacy {request.path_params.get('name', '')}")


class LegacySocket(WebSocketEndpoint):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(f"legacy {data}")


def test_resources_work_in_a_plain_router(test_client_factory: TestClientFactory) -> None:
    router = Router(
        [
            Route("/legacy/{name}", LegacyEndpoint),
            WebSocketRoute("/socket", LegacySocket),
            Route("/notes", Notes),
        ]
    )
    client = test_client_factory(router)
    assert client.get("/legacy/x").text == "legacy x"
    assert client.get("/legacy/x").text == "legacy x"
    assert client.post("/legacy/x").status_code == 405
    with client.websocket_connect("/socket") as session:
        session.send_text("hi")
        assert session.receive_text() == "legacy hi"
    # Without an App there are no providers: the notes resource cannot be planned.
    with pytest.raises(DependencyError, match="cannot inject the parameter 'store'"):
        client.get("/notes")


class Search(HTTPResource):
    async def query(self, request: Request) -> str:
        return f"searched {(await request.body()).decode()}"


class StarletteShaped(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        return PlainTextResponse(f"{self.receive is not None} {self.send is not None}")


def test_query_is_a_verb_and_starlettes_endpoint_leaves_options_alone(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(
        App(routes=[Route("/search", Search), Route("/shaped", StarletteShaped)])
    )
    assert client.request("QUERY", "/search", content=b"cats").json() == "searched cats"
    assert client.options("/search").headers["allow"] == "OPTIONS, QUERY"
    assert client.post("/shaped").text == "True True"
    # The client asked for OPTIONS, which a Starlette-style endpoint does not response.
    refused = client.options("/shaped")
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST")
    assert client.head("/shaped").headers["allow"] == "POST"


class Frames(WebSocketEndpoint):
    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_json({"type": type(data).__name__, "data": str(data)})


class JSONFrames(WebSocketEndpoint):
    encoding = "json"

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        await websocket.send_json(data)


class TextFrames(WebSocketEndpoint):
    encoding = "text"


class ByteFrames(WebSocketEndpoint):
    encoding = "bytes"

    async def on_receive(self, websocket: WebSocket, data: bytes) -> None:
        await websocket.send_bytes(data)


def test_starlettes_websocket_endpoint_decodes_as_starlette_does(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(
        App(
            routes=[
                WebSocketRoute("/any", Frames),
                WebSocketRoute("/json", JSONFrames),
                WebSocketRoute("/text", TextFrames),
                WebSocketRoute("/bytes", ByteFrames),
            ]
        )
    )
    with client.websocket_connect("/any") as session:
        session.send_text("hi")
        assert session.receive_json() == {"type": "str", "data": "hi"}
        session.send_bytes(b"hi")
        assert session.receive_json() == {"type": "bytes", "data": "b'hi'"}
    with client.websocket_connect("/json") as session:
        session.send_bytes(b'{"a": 1}')
        assert session.receive_json() == {"a": 1}
    with client.websocket_connect("/bytes") as session:
        session.send_bytes(b"raw")
        assert session.receive_bytes() == b"raw"
    # The client sent frames that do not fit the encoding: closed with 1003, and an error.
    frames: list[tuple[str, str | bytes]] = [
        ("/json", "{not json"),
        ("/json", b"\xff"),
        ("/text", b"bytes"),
        ("/bytes", "text"),
    ]
    for path, frame in frames:
        codes: list[int] = []

        def talk(path: str = path, frame: str | bytes = frame, codes: list[int] = codes) -> None:
            with client.websocket_connect(path) as session:
                if isinstance(frame, str):
                    session.send_text(frame)
                else:
                    session.send_bytes(frame)
                with pytest.raises(WebSocketDisconnect) as info:
                    session.receive_text()
                codes.append(info.value.code)

        with pytest.raises(RuntimeError, match="Expected|Malformed"):
            talk()
        assert codes == [1003]


async def test_decode_can_be_called_alone() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    endpoint = TextFrames(scope, receive=None, send=send)  # type: ignore[arg-type]
    websocket = WebSocket(endpoint.scope, endpoint.receive, endpoint.send)
    assert await endpoint.decode(websocket, {"type": "websocket.receive", "text": "t"}) == "t"
    with pytest.raises(RuntimeError, match="Expected text websocket messages, but got bytes"):
        await endpoint.decode(websocket, {"type": "websocket.receive", "bytes": b"b"})
    assert sent == [{"type": "websocket.close", "code": 1003, "reason": ""}]


def test_resources_must_match_their_route_kind(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(
        TypeError, match="Chat cannot be served by a Route: route it with WebSocketRoute"
    ):
        test_client_factory(App(routes=[Route("/", Chat)])).get("/")
    with pytest.raises(
        TypeError, match="Notes cannot be served by a WebSocketRoute: route it with Route"
    ):
        test_client_factory(App(routes=[WebSocketRoute("/", Notes)])).get("/")


class WithTasks(HTTPResource):
    async def post(self, tasks: BackgroundTasks) -> None:
        tasks.add_task(events.append, "task ran")


class Rooms(WebSocketResource):
    async def on_connect(self, websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        await websocket.send_text(room)
        await websocket.close()


def test_background_tasks_and_path_parameters(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/tasks", WithTasks), WebSocketRoute("/rooms/{room}", Rooms)])
    client = test_client_factory(app)
    assert client.post("/tasks").status_code == 204
    assert events == ["task ran"]
    with client.websocket_connect("/rooms/lobby") as session:
        assert session.receive_text() == "lobby"


class FailingHandler(HTTPResource):
    async def get(self, session: Session) -> None:
        raise RuntimeError("handler bug")


def test_handler_error_tears_down_and_responds_500(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        notes_app(routes=[Route("/fail", FailingHandler)]), raise_server_exceptions=False
    )
    assert client.get("/fail").status_code == 500
    assert events == ["session opened", "session closed"]


def test_responds_keeps_204_for_none(test_client_factory: TestClientFactory) -> None:
    class Accepting(HTTPResource):
        @responds(202)
        async def post(self) -> None:
            return None

        @responds(202)
        async def put(self) -> Response:
            return PlainTextResponse("as is")

    app = App(routes=[Route("/", Accepting)])
    client = test_client_factory(app)
    assert client.post("/").status_code == 204
    assert client.put("/").status_code == 200


@responds(201, headers={"X-Made": "fast"})
async def made_from_request(request: Request) -> dict[str, str]:
    return {"made": "from the request"}


@responds(202)
async def made_from_query(name: str) -> dict[str, str]:
    return {"made": name}


@responds(203, headers={"X-Made": "injected"})
def made_with_tasks(tasks: BackgroundTasks) -> dict[str, str]:
    return {"made": "with tasks"}


def test_responds_sets_the_response_of_function_endpoints_too(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(
        routes=[
            Route("/fast", made_from_request),
            Route("/query", made_from_query),
            Route("/tasks", made_with_tasks),
        ]
    )
    client = test_client_factory(app)
    fast = client.get("/fast")
    assert (fast.status_code, fast.headers["x-made"], fast.json()) == (
        201,
        "fast",
        {"made": "from the request"},
    )
    assert client.get("/query?name=q").status_code == 202
    injected = client.get("/tasks")
    assert (injected.status_code, injected.headers["x-made"]) == (203, "injected")


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


class Price(HTTPResource):
    async def get(self) -> Money:
        return Money(250)


class PriceInCents(Price):
    converter = cattrs.Converter()


PriceInCents.converter.register_unstructure_hook(Money, lambda money: money.cents)


def test_the_json_converter_is_configurable(test_client_factory: TestClientFactory) -> None:
    app_converter = cattrs.Converter()
    app_converter.register_unstructure_hook(Money, lambda money: f"{money.cents / 100:.2f}")

    async def price() -> Money:
        return Money(199)

    app = App(
        routes=[Route("/price", Price), Route("/cents", PriceInCents), Route("/fn", price)],
        converter=app_converter,
    )
    client = test_client_factory(app)
    assert client.get("/price").json() == "2.50"
    assert client.get("/cents").json() == 250
    assert client.get("/fn").json() == "1.99"
