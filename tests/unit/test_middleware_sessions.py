from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import anyio
import attrs
import pytest

from resourceful import App, JSONResponse, Middleware, Route, WebSocketRoute
from resourceful.datastructures import Secret
from resourceful.di import DependencyError
from resourceful.exceptions import MissingDependencyError
from resourceful.middleware.sessions import Session, SessionMiddleware
from resourceful.middleware.sessionstores import MemorySessionStore, RedisSessionStore
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def view(request: Request) -> Response:
    return JSONResponse(dict(request.session))


async def update(request: Request) -> Response:
    request.session.update(await request.json())
    return JSONResponse(dict(request.session))


async def clear(request: Request) -> Response:
    request.session.clear()
    return PlainTextResponse("cleared")


async def replace(request: Request) -> Response:
    request.scope["session"] = {"replaced": True}
    return PlainTextResponse("replaced")


async def untouched(request: Request) -> Response:
    return PlainTextResponse("no session read")


def session_app(**options: Any) -> App:
    options.setdefault("secret_key", "s3cret")
    return App(
        routes=[
            Route("/", view),
            Route("/update", update, methods=["POST"]),
            Route("/clear", clear, methods=["POST"]),
            Route("/replace", replace, methods=["POST"]),
            Route("/untouched", untouched),
        ],
        middleware=[Middleware(SessionMiddleware, **options)],
    )


def test_session_round_trip(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(session_app())
    assert client.get("/").json() == {}
    set_cookie = client.post("/update", json={"user": "ann"}).headers["set-cookie"]
    assert set_cookie.startswith("session=")
    assert "path=/; Max-Age=1209600; httponly; samesite=lax" in set_cookie
    assert client.get("/").json() == {"user": "ann"}


def test_unchanged_session_is_not_resent(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(session_app())
    client.post("/update", json={"user": "ann"})
    assert "set-cookie" not in client.get("/").headers


def test_emptied_session_clears_the_cookie(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(session_app())
    client.post("/update", json={"user": "ann"})
    cleared = client.post("/clear")
    assert "session=null;" in cleared.headers["set-cookie"]
    assert "expires=Thu, 01 Jan 1970 00:00:00 GMT" in cleared.headers["set-cookie"]
    assert client.get("/").json() == {}
    # No cookie and nothing stored: nothing to clear.
    assert "set-cookie" not in test_client_factory(session_app()).post("/clear").headers


def test_a_replaced_session_mapping_is_saved(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(session_app())
    client.post("/replace")
    assert client.get("/").json() == {"replaced": True}


@pytest.mark.parametrize(
    "cookie",
    [
        "tampered",
        "eyJ1c2VyIjogImFubiJ9.AAAAAA.forged-signature",
        "",
    ],
    ids=["garbage", "forged", "empty"],
)
def test_bad_cookies_give_an_empty_session(
    test_client_factory: TestClientFactory, cookie: str
) -> None:
    # The client sent a session cookie that was not signed by the server.
    client = test_client_factory(session_app(), cookies={"session": cookie})
    response = client.get("/")
    assert response.json() == {}
    assert "session=null;" in response.headers["set-cookie"]


@pytest.mark.parametrize("payload", [b"!!not base64!!", b"bm90IGpzb24=", b"WzEsIDJd"])
def test_signed_but_undecodable_cookies_give_an_empty_session(
    test_client_factory: TestClientFactory, payload: bytes
) -> None:
    middleware = SessionMiddleware(PlainTextResponse("x"), secret_key="s3cret")
    cookie = middleware.signer.sign(payload).decode()
    client = test_client_factory(session_app(), cookies={"session": cookie})
    assert client.get("/").json() == {}


def test_expired_cookie_gives_an_empty_session(test_client_factory: TestClientFactory) -> None:
    middleware = SessionMiddleware(PlainTextResponse("x"), secret_key="s3cret", max_age=60)
    middleware.signer.get_timestamp = lambda: 1_000_000  # type: ignore[method-assign]
    old_cookie = middleware.dump(Session(user="ann"))
    client = test_client_factory(session_app(max_age=60), cookies={"session": old_cookie})
    assert client.get("/").json() == {}


def test_secret_keys_rotate(test_client_factory: TestClientFactory) -> None:
    old_client = test_client_factory(session_app(secret_key="old-key"))
    old_client.post("/update", json={"user": "ann"})
    old_cookie = old_client.cookies["session"]
    rotated = test_client_factory(
        session_app(secret_key=["new-key", "old-key"]), cookies={"session": old_cookie}
    )
    assert rotated.get("/").json() == {"user": "ann"}, "the old key is still accepted"
    resigned = rotated.post("/update", json={"seen": True}).cookies["session"]
    new_only = test_client_factory(session_app(secret_key="new-key"), cookies={"session": resigned})
    assert new_only.get("/").json() == {"user": "ann", "seen": True}, "signed with the new key"


def test_cookie_attributes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        session_app(
            session_cookie="sid",
            max_age=None,
            path="/app",
            same_site="strict",
            https_only=True,
            domain="example.org",
            partitioned=True,
        ),
        base_url="https://example.org",
    )
    header = client.post("/update", json={"a": 1}).headers["set-cookie"]
    assert header.startswith("sid=")
    assert header.endswith(
        "; path=/app; httponly; samesite=strict; secure; domain=example.org; partitioned"
    )
    assert "Max-Age" not in header
    sent = header.partition(";")[0]  # the cookie is for /app: send it along by hand
    cleared = client.post("/clear", headers={"cookie": sent}).headers["set-cookie"]
    assert cleared == (
        "sid=null; path=/app; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=strict;"
        " secure; domain=example.org; partitioned"
    )


def test_a_secret_can_be_the_key(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(session_app(secret_key=Secret("hidden")))
    client.post("/update", json={"a": 1})
    assert client.get("/").json() == {"a": 1}
    # The cookie is signed with the secret's value, so another key cannot read it.
    other = test_client_factory(session_app(secret_key=Secret("other")))
    other.cookies = client.cookies
    assert other.get("/").json() == {}


def test_a_response_that_read_the_session_varies_on_cookie(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(session_app())
    assert client.get("/").headers["vary"] == "Cookie"
    assert "vary" not in client.get("/untouched").headers


def test_session_in_websockets_and_lifespan(test_client_factory: TestClientFactory) -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(dict(websocket.session))
        await websocket.close()

    app = session_app()
    app.add_websocket_route("/ws", socket)
    with test_client_factory(app) as client:
        client.post("/update", json={"user": "ann"})
        with client.websocket_connect("/ws") as session:
            assert session.receive_json() == {"user": "ann"}


def in_place(session: Session) -> None:
    session |= {"f": 6}


def test_session_tracks_every_change() -> None:
    session = Session(a=1, b=2)
    assert not session.modified
    changes: list[Callable[[Session], Any]] = [
        lambda s: s.__setitem__("c", 3),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("b"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("d", 4),
        lambda s: s.update(e=5),
        lambda s: s.clear(),
    ]
    for change in [*changes, in_place]:
        session.modified = session.accessed = False
        change(session)
        assert session.modified
        assert session.accessed
    session.modified = False
    session["x"] = 1
    session.modified = False
    session.setdefault("x", 2)
    session.pop("missing", None)
    assert not session.modified, "setdefault of a present key, pop of a missing one: no change"
    session.mark_accessed()
    assert (session.accessed, session.modified) == (True, False)


def test_configuration_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="needs a non-empty secret_key"):
        SessionMiddleware(PlainTextResponse("x"), secret_key="")
    with pytest.raises(ValueError, match="needs a non-empty secret_key"):
        SessionMiddleware(PlainTextResponse("x"), secret_key=[])
    monkeypatch.setitem(sys.modules, "itsdangerous", None)
    with pytest.raises(ImportError, match=r"resourceful-asgi\[sessions\]"):
        SessionMiddleware(PlainTextResponse("x"), secret_key="x")


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        middleware = SessionMiddleware(inner, secret_key="x")
        await middleware({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan"]


async def whoami(session: Session) -> dict[str, Any]:
    session["visits"] = session.get("visits", 0) + 1
    return dict(session)


@attrs.define
class Cart:
    session: Session


async def cart_view(cart: Cart) -> None: ...  # never called: the app does not start


def test_session_is_injectable(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[Route("/me", whoami)],
        middleware=[Middleware(SessionMiddleware, secret_key="k")],
    )
    client = test_client_factory(app)
    assert client.get("/me").json() == {"visits": 1}
    assert client.get("/me").json() == {"visits": 2}


def test_session_without_middleware_fails_at_startup(
    test_client_factory: TestClientFactory,
) -> None:
    with pytest.raises(DependencyError) as info:
        test_client_factory(App(routes=[Route("/me", whoami)])).get("/me")
    message = str(info.value)
    assert "whoami: the parameter 'session' needs Session, but no SessionMiddleware" in message
    assert "Hint: add Middleware(SessionMiddleware, secret_key=...)" in message
    app = App(routes=[Route("/cart", cart_view)], providers=[Cart])
    with pytest.raises(DependencyError) as info:
        test_client_factory(app).get("/cart")
    assert info.value.path == ("cart_view", "cart: Cart", "Cart", "session: Session")
    socket_app = App(routes=[WebSocketRoute("/ws", socket_with_session)])
    with pytest.raises(DependencyError, match="needs Session"):
        test_client_factory(socket_app).get("/")


async def socket_with_session(websocket: WebSocket, session: Session) -> None: ...


# -- sessions kept on the server ----------------------------------------------------------------


async def log_in(request: Request) -> Response:
    request.session.clear()  # a new session for whoever logs in
    request.session["user"] = (await request.json())["user"]
    return PlainTextResponse("in")


def stored_app(store: MemorySessionStore, **options: Any) -> App:
    app = session_app(store=store, **options)
    app.router.add_route("/login", log_in, methods=["POST"])
    return app


def session_id_in(client: Any, middleware: SessionMiddleware) -> str | None:
    return middleware.unsign_id(client.cookies.get("session"))


def test_a_stored_session_keeps_only_a_signed_id_in_the_cookie(
    test_client_factory: TestClientFactory,
) -> None:
    store = MemorySessionStore()
    client = test_client_factory(stored_app(store))
    big = "x" * 10_000  # more than a cookie could hold
    assert client.post("/update", json={"notes": big}).json() == {"notes": big}
    cookie = client.cookies["session"]
    assert big not in cookie
    assert len(cookie) < 100
    assert client.get("/").json() == {"notes": big}
    assert len(store._sessions) == 1
    # The client sent a tampered cookie: an empty session, and the cookie is cleared.
    client.cookies.clear()
    client.cookies.set("session", cookie[:-4] + ("AAAA" if cookie[-4:] != "AAAA" else "BBBB"))
    response = client.get("/")
    assert response.json() == {}
    assert "session=null; path=/; expires=Thu, 01 Jan 1970" in response.headers["set-cookie"]


def test_a_stored_session_gets_a_new_id_at_login_and_is_deleted_when_cleared(
    test_client_factory: TestClientFactory,
) -> None:
    store = MemorySessionStore()
    client = test_client_factory(stored_app(store))
    middleware = SessionMiddleware(App(), secret_key="s3cret")
    client.post("/update", json={"cart": [1]})
    before = session_id_in(client, middleware)
    client.post("/login", json={"user": "ada"})
    after = session_id_in(client, middleware)
    assert before is not None
    assert after is not None
    assert after != before, "an id an attacker may know is never logged in"
    assert list(store._sessions) == [after]
    assert client.get("/").json() == {"user": "ada"}
    client.post("/update", json={"theme": "dark"})  # a change keeps the id
    assert session_id_in(client, middleware) == after
    client.post("/clear")
    assert store._sessions == {}
    assert "session" not in client.cookies


def test_a_stored_session_can_be_revoked_and_expires(
    test_client_factory: TestClientFactory,
) -> None:
    now = [1000.0]
    store = MemorySessionStore(clock=lambda: now[0])
    client = test_client_factory(stored_app(store, max_age=60))
    middleware = SessionMiddleware(App(), secret_key="s3cret")
    client.post("/login", json={"user": "ada"})
    session_id = session_id_in(client, middleware)
    assert session_id is not None
    anyio.run(store.delete, session_id)  # an admin ends the session
    assert client.get("/").json() == {}
    client.post("/login", json={"user": "ada"})
    now[0] += 61
    assert client.get("/").json() == {}, "expired on the server"
    # A session id that no store entry backs is replaced when the session is filled.
    client.post("/update", json={"again": True})
    assert client.get("/").json() == {"again": True}


def test_a_stored_session_that_is_only_read_is_not_written(
    test_client_factory: TestClientFactory,
) -> None:
    store = MemorySessionStore()
    client = test_client_factory(stored_app(store, max_age=None))
    client.post("/update", json={"a": 1})
    assert store._sessions[next(iter(store._sessions))][1] is None  # no expiry
    response = client.get("/")
    assert "set-cookie" not in response.headers
    assert response.headers["vary"] == "Cookie"
    assert "set-cookie" not in client.get("/untouched").headers
    client.post("/replace")  # the mapping replaced as a whole is saved too
    assert client.get("/").json() == {"replaced": True}


def test_redis_sessions_need_their_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[redis\]"):
        RedisSessionStore("redis://127.0.0.1:6379/0")
