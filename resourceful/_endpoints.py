"""Turning endpoints into ASGI apps: functions that take a request or a websocket."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from resourceful._bodylimit import BodyLimitMiddleware
from resourceful._handlers import Handlers
from resourceful._requirements import guard, requirements_of
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket

if TYPE_CHECKING:
    from resourceful.middleware import Middleware


def request_response(func: Callable[[Request], Any]) -> ASGIApp:
    """An ASGI app that calls ``func(request)`` and sends the response it returns.

    ``func`` may be async, or sync (run in a worker thread).
    """
    is_async = is_async_callable(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        if is_async:
            response: Response = await func(request)
        else:
            response = await run_in_threadpool(func, request)
        await response(scope, receive, send)

    return guard(app, requirements_of(func))


def websocket_session(func: Callable[[WebSocket], Awaitable[None]]) -> ASGIApp:
    """An ASGI app that calls ``func(websocket)``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await func(WebSocket(scope, receive, send))

    return guard(app, requirements_of(func))


def is_function(endpoint: Any) -> bool:
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)


#: The scope key where the app's exception handling (an ExceptionMiddleware) puts itself.
EXCEPTION_HANDLING_KEY = "resourceful.exception_handling"


class HandledInside:
    """Responds to the errors of ``app`` with the app's exception handlers right here, inside the
    middleware of its route or mount, so that that middleware sees the response (a header it
    adds, say), as it does in Starlette."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Taken now: an app mounted inside puts its own there.
        handling = scope.get(EXCEPTION_HANDLING_KEY)
        if handling is None:
            await self.app(scope, receive, send)
            return
        await _handled(self.app, handling.handle, scope, receive, send)


class HandledByLayer:
    """Responds to the errors of everything in a layer (a mount, a resource class) with the
    layer's own handlers; an error they do not handle goes on outward, to an enclosing
    layer's or the app's."""

    __slots__ = ("app", "handlers")

    def __init__(self, app: ASGIApp, handlers: Handlers) -> None:
        self.app = app
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _handled(self.app, self.handlers.handle, scope, receive, send)


Handle = Callable[[Exception, bool, Scope, Receive, Send], Awaitable[None]]


async def _handled(
    app: ASGIApp, handle: Handle, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run ``app``; give an error it raises to ``handle``, with whether the response started."""
    started = False

    async def watched(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, watched if scope["type"] == "http" else send)
    except Exception as exc:
        await handle(exc, started, scope, receive, send)


def wrap(
    app: ASGIApp, middleware: Sequence[Middleware] | None, max_body_size: int | None = None
) -> ASGIApp:
    """``app`` inside ``middleware`` (the first outermost), inside a body limit if one is given.

    Errors of ``app`` get their responses inside the middleware (see :class:`HandledInside`).
    """
    if middleware:
        app = HandledInside(app)
    for cls, args, kwargs in reversed(middleware or ()):
        app = cls(app, *args, **kwargs)
    if max_body_size is not None:
        app = BodyLimitMiddleware(app, max_body_size)
    return app
