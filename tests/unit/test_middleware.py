from __future__ import annotations

import pytest

from resourceful.middleware import Middleware
from resourceful.middleware.errors import ServerErrorMiddleware
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory, no_receive


class Limit:
    def __init__(self, app: object, limit: int, *, strict: bool = False) -> None:
        self.app, self.limit, self.strict = app, limit, strict


def test_middleware_unpacks_into_class_and_arguments() -> None:
    entry = Middleware(Limit, 10, strict=True)
    cls, args, kwargs = entry
    built = cls("inner", *args, **kwargs)
    assert (built.app, built.limit, built.strict) == ("inner", 10, True)
    assert repr(entry) == "Middleware(Limit, 10, strict=True)"
    assert repr(Middleware(print)) == "Middleware(print)"


class Signed:
    """A middleware whose arguments include a key and a token (only its repr is used)."""


def test_middleware_repr_hides_secrets() -> None:
    # A repr goes into logs and tracebacks: keys, tokens and passwords are not shown there.
    entry = Middleware(Signed, secret_key="s3cr3t", api_token="t0k3n", max_age=60)
    assert repr(entry) == (
        "Middleware(Signed, secret_key='**********', api_token='**********', max_age=60)"
    )


def test_server_error_middleware_serves_on_its_own(test_client_factory: TestClientFactory) -> None:
    # The App runs it inside its error boundary; alone (as Starlette users stack it) it
    # responds to what the app under it raised, and passes other scopes on.
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await WebSocket(scope, receive, send).accept()
            await send({"type": "websocket.close", "code": 1000})
            return
        raise RuntimeError("broken")

    app = ServerErrorMiddleware(broken)
    client = test_client_factory(app, raise_server_exceptions=False)
    response = client.get("/")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    with client.websocket_connect("/ws") as websocket:
        assert websocket.accepted_subprotocol is None


async def test_server_error_middleware_lets_a_client_that_left_go_quietly() -> None:
    # Sent: a response whose body the server cannot deliver, since the client has left (an
    # ASGI 2.4 server raises OSError from send then). Nothing went wrong on the app's side:
    # nothing is raised and nothing more is sent. An OSError of the app's own still is.
    sent: list[Message] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client has gone")
        sent.append(message)

    async def response(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"late"})

    async def failing(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise OSError("disk full")

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    await ServerErrorMiddleware(response)(dict(scope), no_receive, send)
    assert [message["type"] for message in sent] == ["http.response.start"]
    with pytest.raises(OSError, match="disk full"):
        await ServerErrorMiddleware(failing)(dict(scope), no_receive, send)
