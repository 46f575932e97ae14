"""HTTPSRedirectMiddleware: send every plain http:// or ws:// request to its secure URL."""

from __future__ import annotations

from resourceful.datastructures import URL
from resourceful.middleware._refuse import refuse
from resourceful.responses import PlainTextResponse, RedirectResponse
from resourceful.types import ASGIApp, Receive, Scope, Send

_SECURE = {"http": "https", "ws": "wss"}


class HTTPSRedirectMiddleware:
    """Redirects ``http`` to ``https`` and ``ws`` to ``wss`` (307, keeping the method).

    The default ports 80 and 443 are dropped from the URL; another port is kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scheme = scope.get("scheme")
        if scope["type"] not in ("http", "websocket") or scheme not in _SECURE:
            await self.app(scope, receive, send)
            return
        url = URL(scope=scope)
        netloc = url.netloc
        if not netloc:  # no valid Host header, and no server address to fall back on
            await refuse(scope, receive, send, PlainTextResponse("Invalid host header", 400))
            return
        if url.port in (80, 443):
            netloc = netloc.rsplit(":", 1)[0]
        secure = url.replace(scheme=_SECURE[scheme], netloc=netloc)
        await refuse(scope, receive, send, RedirectResponse(secure, status_code=307))


__all__ = ["HTTPSRedirectMiddleware"]
