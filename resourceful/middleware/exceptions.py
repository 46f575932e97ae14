"""ExceptionMiddleware: turns exceptions raised by endpoints into responses, by handler."""

from __future__ import annotations

from collections.abc import Mapping

from resourceful._endpoints import EXCEPTION_HANDLING_KEY
from resourceful._handlers import ExceptionHandler, HandlerKey, Handlers
from resourceful.exceptions import (
    HTTPException,
    ProblemDetails,
    RequestValidationError,
    WebSocketException,
    status_phrase,
)
from resourceful.middleware._watch import StartWatcher
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocket


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


async def problem_details(request: Request, exc: ProblemDetails) -> Response:
    """The default response to an error of problem details (a 412, a 428): RFC 9457 JSON."""
    return problem_response(exc)


def problem_response(exc: ProblemDetails) -> JSONResponse:
    """The RFC 9457 problem details of ``exc``, as ``application/problem+json``."""
    problem = {
        "type": "about:blank",
        "title": status_phrase(exc.status_code),
        "status": exc.status_code,
        "detail": exc.detail,
    }
    return JSONResponse(
        problem,
        status_code=exc.status_code,
        headers=exc.headers,
        media_type="application/problem+json",
    )


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
        self.handlers = Handlers(
            {
                HTTPException: http_exception,
                RequestValidationError: validation_exception,
                ProblemDetails: problem_details,
                WebSocketException: websocket_exception,
            }
        )
        for key, handler in (handlers or {}).items():
            self.add_exception_handler(key, handler)

    def add_exception_handler(self, key: HandlerKey, handler: ExceptionHandler) -> None:
        """Handle exceptions of class ``key``, or HTTPExceptions of status ``key``."""
        self.handlers.add(key, handler)

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
        await self.handlers.handle(exc, started, scope, receive, send)


__all__ = [
    "ExceptionHandler",
    "ExceptionMiddleware",
    "HandlerKey",
    "http_exception",
    "validation_exception",
    "websocket_exception",
]
