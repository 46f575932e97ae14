"""AuthenticationMiddleware: ask a backend who is calling, before the app runs."""

from __future__ import annotations

from collections.abc import Callable

from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    UnauthenticatedUser,
)
from resourceful.caching import keep_private
from resourceful.datastructures import MutableHeaders
from resourceful.requests import HTTPConnection
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send


def default_on_error(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """A 400 with the error's message."""
    return PlainTextResponse(str(exc), status_code=400)


class AuthenticationMiddleware:
    """Sets ``request.auth`` (credentials) and ``request.user`` from ``backend``.

    Connections without credentials get no scopes and an
    :class:`~resourceful.authentication.UnauthenticatedUser`. Wrong credentials (an
    :class:`~resourceful.authentication.AuthenticationError`) get the response of ``on_error``
    (a 400 by default); a websocket is closed instead.
    """

    def __init__(
        self,
        app: ASGIApp,
        backend: AuthenticationBackend,
        on_error: Callable[[HTTPConnection, AuthenticationError], Response] | None = None,
    ) -> None:
        self.app = app
        self.backend = backend
        self.on_error = default_on_error if on_error is None else on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        try:
            result = await self.backend.authenticate(conn)
        except AuthenticationError as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": str(exc)})
            else:
                await self.on_error(conn, exc)(scope, receive, send)
            return
        credentials, user = (
            result if result is not None else (AuthCredentials(), UnauthenticatedUser())
        )
        scope["auth"], scope["user"] = credentials, user
        if result is not None and scope["type"] == "http" and "app" in scope:
            # In a resourceful app: what goes to an authenticated user is theirs alone.
            send = _private(send)
        await self.app(scope, receive, send)


def _private(send: Send) -> Send:
    async def send_private(message: Message) -> None:
        if message["type"] == "http.response.start":
            keep_private(MutableHeaders(scope=message))
        await send(message)

    return send_private


__all__ = ["AuthenticationMiddleware", "default_on_error"]
