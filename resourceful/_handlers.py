"""Exception handlers by key, as the app's exception layer and a mount's keep them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from resourceful._marks import Mark
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.exceptions import HTTPException
from resourceful.requests import Request
from resourceful.types import Receive, Scope, Send
from resourceful.websockets import WebSocket

#: ``handler(request_or_websocket, exc)``, sync or async, returning a response (or None).
ExceptionHandler = Callable[[Any, Any], Any]
HandlerKey = int | type[Exception]
F = TypeVar("F", bound=Callable[..., Any])


class Handlers:
    """Exception handlers by HTTP status code (for an ``HTTPException``) or by exception class
    (the most specific one in the exception's MRO wins)."""

    __slots__ = ("by_class", "by_status")

    def __init__(self, handlers: Mapping[HandlerKey, ExceptionHandler] | None = None) -> None:
        self.by_status: dict[int, ExceptionHandler] = {}
        self.by_class: dict[type[BaseException], ExceptionHandler] = {}
        for key, handler in (handlers or {}).items():
            self.add(key, handler)

    def add(self, key: HandlerKey, handler: ExceptionHandler) -> None:
        """Handle exceptions of class ``key``, or HTTPExceptions of status ``key``."""
        if isinstance(key, int):
            self.by_status[key] = handler
        else:
            self.by_class[key] = handler

    def lookup(self, exc: Exception) -> ExceptionHandler | None:
        """The handler for ``exc``, or None when none here handles it."""
        if isinstance(exc, HTTPException) and exc.status_code in self.by_status:
            return self.by_status[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self.by_class:
                return self.by_class[cls]
        return None

    async def handle(
        self, exc: Exception, started: bool, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Respond to ``exc`` with its handler.

        Raises:
            Exception: ``exc`` itself when no handler here takes it.
            RuntimeError: a handler takes it, but the response had started already (the
                client cannot get a second one).
        """
        handler = self.lookup(exc)
        if handler is None:
            raise exc
        if started:
            msg = "Caught handled exception, but response already started."
            raise RuntimeError(msg) from exc
        await respond_with(handler, exc, scope, receive, send)


def layer_handlers(handlers: Mapping[HandlerKey, ExceptionHandler], where: str) -> Handlers:
    """The handlers a layer of the app (a mount, a resource class) declares.

    Raises:
        ValueError: for ``500`` or ``Exception``, which only the app's server-error layer
            takes (it responds, then lets the error go on to the server's log).
    """
    for key in handlers:
        if key == 500 or key is Exception:
            msg = (
                f"{where}: exception_handlers cannot take {key!r}: a handler for 500 or "
                "Exception is the app's server-error handler, which responds and still logs "
                "the error. Give it to App(exception_handlers=...), or name the exception "
                "classes this layer handles."
            )
            raise ValueError(msg)
    return Handlers(handlers)


_HANDLERS: Mark[Handlers] = Mark("handlers")


def handles(handlers: Mapping[HandlerKey, ExceptionHandler]) -> Callable[[F], F]:
    """Respond to the errors of one handler, a resource method or a function endpoint, with
    ``handlers`` (keyed as the app's), before its class's, its mount's and the app's.

    Raises:
        ValueError: for ``500`` or ``Exception``, which only the app takes.
    """
    return _HANDLERS.decorating(layer_handlers(handlers, "handles()"))


def handlers_of(func: Any) -> Handlers | None:
    """What :func:`handles` recorded on ``func``, if it did."""
    return _HANDLERS.of(func)


async def respond_with(
    handler: ExceptionHandler, exc: Exception, scope: Scope, receive: Receive, send: Send
) -> None:
    """Send ``handler``'s response to ``exc``, given the request (or the websocket)."""
    connection: Request | WebSocket
    if scope["type"] == "http":
        connection = Request(scope, receive, send)
    else:
        connection = WebSocket(scope, receive, send)
    if is_async_callable(handler):
        response = await handler(connection, exc)
    else:
        response = await run_in_threadpool(handler, connection, exc)
    # Handled: the traceback would keep every frame of the request alive (an exception raised
    # again and again, a module-level one say, would grow it without end).
    exc.__traceback__ = None
    if response is not None:
        await response(scope, receive, send)
