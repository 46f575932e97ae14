"""ExceptionMiddleware: turns exceptions raised by endpoints into responses, by handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from resourceful._endpoints import EXCEPTION_HANDLING_KEY
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.exceptions import HTTPException, RequestValidationError, WebSocketException
from resourceful.middleware._watch import StartWatcher
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocket

#: ``handler(request_or_websocket, exc)``, sync or async, returning a response (or None).
ExceptionHandler = Callable[[Any, Any], Any]
HandlerKey = int | type[Exception]


async def http_exception(request: Request, exc: HTTPException) -> Response:
    """The default response to an :class:`~resourceful.exceptions.HTTPException`."""
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def validation_exception(request: Request, exc: RequestValidationError) -> Response:
    """The default response to invalid parameters: RFC 9457 problem details listing them all."""
    problem = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": exc.status_code,
        "detail": exc.detail,
        "errors": exc.errors,
    }
    return JSONResponse(problem, status_code=exc.status_code, media_type="application/problem+json")


async def websocket_exception(websocket: WebSocket, exc: WebSocketException) -> None:
    """The default response to a :class:`~resourceful.exceptions.WebSocketException`: close."""
    await websocket.close(code=exc.code, reason=exc.reason)


class ExceptionMiddleware:
    """Responds to exceptions with the handler registered for their status code or class.

    ``handlers`` maps an HTTP status code (for an
    :class:`~resourceful.exceptions.HTTPException`) or an exception class (the most specific
    one in the exception's MRO wins) to ``handler(request, exc)``, sync or async, returning a
    response; for websockets the handler gets the websocket. An exception
    raised after the response started is re-raised: the client cannot get a second response.
    """

    def __init__(
        self,
        app: ASGIApp,
        handlers: Mapping[HandlerKey, ExceptionHandler] | None = None,
        debug: bool = False,
    ) -> None:
        self.app = app
        self.debug = debug
        self._status_handlers: dict[int, ExceptionHandler] = {}
        self._exception_handlers: dict[type[BaseException], ExceptionHandler] = {
            HTTPException: http_exception,
            RequestValidationError: validation_exception,
            WebSocketException: websocket_exception,
        }
        for key, handler in (handlers or {}).items():
            self.add_exception_handler(key, handler)

    def add_exception_handler(self, key: HandlerKey, handler: ExceptionHandler) -> None:
        """Handle exceptions of class ``key``, or HTTPExceptions of status ``key``."""
        if isinstance(key, int):
            self._status_handlers[key] = handler
        else:
            self._exception_handlers[key] = handler

    def lookup(self, exc: Exception) -> ExceptionHandler | None:
        """The handler for ``exc``, or None when nothing here handles it."""
        if isinstance(exc, HTTPException) and exc.status_code in self._status_handlers:
            return self._status_handlers[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self._exception_handlers:
                return self._exception_handlers[cls]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        scope[EXCEPTION_HANDLING_KEY] = self
        if kind == "websocket":
            # Nothing to watch: a websocket error is met by closing, at any point.
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                await self.handle(exc, False, scope, receive, send)
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        watcher = StartWatcher(send)
        try:
            await self.app(scope, receive, watcher)
        except Exception as exc:
            await self.handle(exc, watcher.started, scope, receive, send)

    async def handle(
        self, exc: Exception, started: bool, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Respond to ``exc`` (raised by the app) with its handler.

        Raises:
            Exception: ``exc`` itself when no handler takes it.
            RuntimeError: a handler takes it, but the response had started already.
        """
        handler = self.lookup(exc)
        if handler is None:
            raise exc
        if started:
            msg = "Caught handled exception, but response already started."
            raise RuntimeError(msg) from exc
        await self.respond(handler, exc, scope, receive, send)

    async def respond(
        self, handler: ExceptionHandler, exc: Exception, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Send ``handler``'s response to ``exc``."""
        connection: Request | WebSocket
        if scope["type"] == "http":
            connection = Request(scope, receive, send)
        else:
            connection = WebSocket(scope, receive, send)
        if is_async_callable(handler):
            response = await handler(connection, exc)
        else:
            response = await run_in_threadpool(handler, connection, exc)
        # Handled: the traceback would keep every frame of the request alive (an exception
        # raised again and again, a module-level one say, would grow it without end).
        exc.__traceback__ = None
        if response is not None:
            await response(scope, receive, send)


__all__ = [
    "ExceptionMiddleware",
    "http_exception",
    "validation_exception",
    "websocket_exception",
]
