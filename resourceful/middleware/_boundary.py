"""The App's fixed layers in one: its error handling and body limits, one call per request."""

from __future__ import annotations

from resourceful._bodylimit import (
    COUNTER_KEY,
    BodyCounter,
    BodyLimitMiddleware,
    BodyTooLarge,
    ResponseRefused,
    limit_counted,
)
from resourceful._endpoints import EXCEPTION_HANDLING_KEY
from resourceful.middleware._watch import StartWatcher
from resourceful.middleware.errors import ServerErrorMiddleware
from resourceful.middleware.exceptions import ExceptionMiddleware
from resourceful.requests import BODY_KEY
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Receive, Scope, Send


class _Watcher(StartWatcher):
    """The App's watcher of the response start: keeps a response that sets a cookie out of
    shared caches, too."""

    __slots__ = ()
    keeps_cookies_private = True


class _Counter(BodyCounter):
    """The App's body counter: keeps a response that sets a cookie out of shared caches,
    too."""

    keeps_cookies_private = True


class ErrorBoundary:
    """ServerErrorMiddleware, BodyLimitMiddleware and ExceptionMiddleware as one layer.

    It responds exactly as the three stacked would, with one call and one watcher of the
    response instead of three calls and two watchers on every request. With middleware of
    the app's own in between, ``exceptions`` is None (an ExceptionMiddleware sits inside
    that middleware) and the boundary is the outer two in one.
    """

    __slots__ = ("app", "errors", "exceptions", "limits", "other")

    def __init__(
        self,
        app: ASGIApp,
        errors: ServerErrorMiddleware,
        limits: BodyLimitMiddleware | None,
        exceptions: ExceptionMiddleware | None,
    ) -> None:
        self.app = app
        self.errors = errors
        self.limits = limits
        self.exceptions = exceptions
        # Websockets and lifespan: only the handlers apply.
        self.other: ASGIApp = app if exceptions is None else exceptions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        exceptions = self.exceptions
        if kind != "http":
            if kind != "websocket" or exceptions is None:
                await self.other(scope, receive, send)
                return
            # The exception layer's work for a websocket, without its call.
            scope[EXCEPTION_HANDLING_KEY] = exceptions
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                await exceptions.handle(exc, False, scope, receive, send)
            return
        if exceptions is not None:
            scope[EXCEPTION_HANDLING_KEY] = exceptions
        limits = self.limits
        watcher: StartWatcher | BodyCounter
        counter = None
        if limits is not None and COUNTER_KEY not in scope:
            # The counter is the send channel too: it notes the response's start.
            watcher = counter = _Counter(scope, limits.limits, receive, send)
            receive = counter.receive
        else:
            watcher = _Watcher(send)
        try:
            try:
                if limits is not None and counter is None:
                    limit_counted(scope, limits.limits, is_default=limits.is_default)
                await self.app(scope, receive, watcher)
            except Exception as exc:
                if exceptions is not None:
                    await exceptions.handle(exc, watcher.started, scope, receive, watcher)
                elif isinstance(exc, BodyTooLarge) and not watcher.started:
                    # Raised by the app's middleware, outside the handlers' reach.
                    too_large = PlainTextResponse("Content Too Large", status_code=413)
                    await too_large(scope, receive, send)
                else:
                    raise
        except ResponseRefused:
            pass  # the 413 has gone out in place of the response
        except Exception as exc:
            await self.errors.recover(exc, watcher.started, scope, receive, send)
        finally:
            # What the scope holds of the request's channels goes with the request: the
            # server's receive and send hold the scope, and a cycle would leave the
            # request's objects to the garbage collector. (The kept bodies go whole, so
            # the counter goes without stop_counting's sorting of them.)
            if counter is not None:
                del scope[COUNTER_KEY]
            scope.pop(BODY_KEY, None)


__all__ = ["ErrorBoundary"]
