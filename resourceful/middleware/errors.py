"""ServerErrorMiddleware: the outermost layer, a 500 for any error nothing else handled."""

from __future__ import annotations

import html
import linecache
import traceback
from collections.abc import Callable
from typing import Any

from resourceful._relay import failed_send
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.exceptions import HTTPException
from resourceful.middleware._watch import StartWatcher
from resourceful.middleware.exceptions import http_exception
from resourceful.requests import ClientDisconnect, Request
from resourceful.responses import HTMLResponse, PlainTextResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send

#: Source lines shown above and below the failing line of each frame in the debug page.
CONTEXT_LINES = 3

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>500 Server Error</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
h1 {{ font-size: 1.4rem; }}
.error {{ color: #b00020; }}
.frame {{ border: 1px solid #ddd; border-radius: 4px; margin: 1rem 0; }}
.where {{ background: #f4f4f4; padding: .4rem .8rem; font-family: monospace; }}
pre {{ margin: 0; padding: .4rem .8rem; overflow-x: auto; }}
.current {{ background: #ffe8e8; display: block; }}
</style>
</head>
<body>
<h1>500 Server Error</h1>
<h2 class="error">{error}</h2>
<p>Traceback, most recent call last:</p>
{frames}
</body>
</html>
"""


def _frame_html(frame: traceback.FrameSummary) -> str:
    lineno = frame.lineno or 0
    first = max(lineno - CONTEXT_LINES, 1)
    lines = []
    for number in range(first, lineno + CONTEXT_LINES + 1):
        source = linecache.getline(frame.filename, number)
        if not source:
            break
        text = f"{number:>5} {html.escape(source.rstrip())}"
        lines.append(f'<span class="current">{text}</span>' if number == lineno else text)
    where = html.escape(f"{frame.filename}, line {lineno}, in {frame.name}")
    code = "\n".join(lines)
    return f'<div class="frame"><div class="where">{where}</div><pre>{code}</pre></div>'


def debug_page(exc: BaseException) -> str:
    """An HTML page with the exception and the source around each frame, all escaped."""
    error = html.escape(f"{type(exc).__name__}: {exc}")
    frames = "\n".join(_frame_html(frame) for frame in traceback.extract_tb(exc.__traceback__))
    return _PAGE.format(error=error, frames=frames)


class ServerErrorMiddleware:
    """Responds to any unhandled error with a 500, then re-raises it for the server to log.

    An :class:`~resourceful.exceptions.HTTPException` that gets here (raised by a middleware
    outside the exception handlers) is a client error: its response has its own status.
    A :class:`~resourceful.requests.ClientDisconnect` (the client left while its body was
    read), or the OSError of a send the server failed because the client had left (ASGI
    2.4), ends the request quietly: there is no one to respond to, and nothing to log.

    Args:
        handler: ``handler(request, exc)`` (sync or async) building the 500 response;
            a plain "Internal Server Error" by default. It is called for an error after the
            response started too (a background task's), to report it; its response is
            dropped then.
        debug: respond with the traceback instead (HTML for browsers, text otherwise).
            Never in production: it shows your source code.
    """

    def __init__(
        self,
        app: ASGIApp,
        handler: Callable[[Request, Exception], Any] | None = None,
        debug: bool = False,
    ) -> None:
        self.app = app
        self.handler = handler
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watcher = StartWatcher(send)
        try:
            await self.app(scope, receive, watcher)
        except Exception as exc:
            await self.recover(exc, watcher.started, scope, receive, send)

    async def recover(
        self,
        exc: Exception,
        started: bool,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Deal with ``exc``, which nothing handled: respond to it, or re-raise it to be logged.

        Called from the ``except`` block that caught ``exc``; ``started`` tells whether the
        response had begun, ``send`` is the server's.
        """
        if isinstance(exc, ClientDisconnect) or failed_send(exc, send):
            return  # nobody to respond to, and nothing went wrong on this side
        if started:
            # The client has part of a response and cannot get a second one; a handler of the
            # app's still hears of the error (to report it), as in Starlette.
            if self.handler is not None and not self.debug:
                await self._response(Request(scope), exc)
            raise exc
        if isinstance(exc, HTTPException):
            # Raised outside the exception handlers (by a middleware reading the body, say):
            # still the client's error, responded to with its status.
            await (await http_exception(Request(scope), exc))(scope, receive, send)
            return
        response = await self._response(Request(scope), exc)
        await response(scope, receive, send)
        raise exc

    async def _response(self, request: Request, exc: Exception) -> Response:
        if self.debug:
            if "text/html" in request.headers.get("accept", ""):
                return HTMLResponse(debug_page(exc), status_code=500)
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            return PlainTextResponse(text, status_code=500)
        if self.handler is None:
            return PlainTextResponse("Internal Server Error", status_code=500)
        if is_async_callable(self.handler):
            response: Response = await self.handler(request, exc)
        else:
            response = await run_in_threadpool(self.handler, request, exc)
        return response


__all__ = ["ServerErrorMiddleware", "debug_page"]
