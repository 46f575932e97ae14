"""CORSMiddleware: let browsers on other origins call the app, as configured."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Collection

from resourceful._headers import first_header, names_any
from resourceful.datastructures import Headers, MutableHeaders
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
#: Request headers a browser may always send (the Fetch standard's CORS-safelisted ones).
SAFELISTED_HEADERS = frozenset({"Accept", "Accept-Language", "Content-Language", "Content-Type"})
#: What a preflight's response depends on, for caches.
_PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


class CORSMiddleware:
    """Responds to CORS preflights and adds CORS headers to responses for allowed origins.

    Args:
        allow_origins: origins allowed to call the app (``["*"]`` for any).
        allow_methods: methods allowed in cross-origin requests (``["*"]`` for any).
        allow_headers: request headers allowed beyond the CORS-safelisted ones (``["*"]``).
        allow_credentials: let browsers send cookies; then the origin is always echoed,
            never ``*``.
        allow_origin_regex: a regular expression that allowed origins fully match.
        allow_private_network: respond to Private Network Access preflights (a public page
            calling an app on a private network) with consent.
        expose_headers: response headers the browser may show to the calling script.
        max_age: seconds a browser may cache a preflight response.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        self.app = app
        self.allow_all_origins = "*" in allow_origins
        self.allow_origins = frozenset(allow_origins)
        self.allow_origin_regex = re.compile(allow_origin_regex) if allow_origin_regex else None
        self.allow_methods = (
            ALL_METHODS
            if "*" in allow_methods
            else tuple(method.upper() for method in allow_methods)
        )
        self.allow_all_headers = "*" in allow_headers
        allowed_headers = sorted(SAFELISTED_HEADERS | set(allow_headers))
        self.allow_headers = frozenset(header.lower() for header in allowed_headers)
        self.allow_credentials = allow_credentials
        self.allow_private_network = allow_private_network
        # The response names the calling origin (not "*") when it depends on it.
        self.echo_origin = not self.allow_all_origins or allow_credentials
        simple = {}
        if self.allow_all_origins and not allow_credentials:
            simple["access-control-allow-origin"] = "*"
        if allow_credentials:
            simple["access-control-allow-credentials"] = "true"
        if expose_headers:
            simple["access-control-expose-headers"] = ", ".join(expose_headers)
        self.simple_headers = simple
        # What a response to an allowed origin gets when the app set none of these headers.
        self._simple_raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in simple.items()]
        self._cors_names = frozenset(
            {b"vary", b"access-control-allow-origin", *(name for name, _ in self._simple_raw)}
        )
        preflight = {"vary": _PREFLIGHT_VARY}
        if not self.echo_origin:
            preflight["access-control-allow-origin"] = "*"
        preflight["access-control-allow-methods"] = ", ".join(self.allow_methods)
        preflight["access-control-max-age"] = str(max_age)
        if not self.allow_all_headers:
            preflight["access-control-allow-headers"] = ", ".join(allowed_headers)
        if allow_credentials:
            preflight["access-control-allow-credentials"] = "true"
        self.preflight_headers = preflight

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether ``origin`` may call the app."""
        if self.allow_all_origins or origin in self.allow_origins:
            return True
        return self.allow_origin_regex is not None and bool(
            self.allow_origin_regex.fullmatch(origin)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_origin = first_header(scope["headers"], b"origin")
        origin = None if raw_origin is None else raw_origin.decode("latin-1")
        if origin is not None and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "access-control-request-method" in headers:
                await self.preflight(origin, headers)(scope, receive, send)
                return
        await self.app(scope, receive, self._with_cors_headers(send, origin))

    def preflight(self, origin: str, headers: Headers) -> PlainTextResponse:
        """The response to a preflight: 200 with what is allowed, or 400 saying what is not."""
        sent = dict(self.preflight_headers)
        refused = []
        if not self.is_allowed_origin(origin):
            refused.append("origin")
        elif self.echo_origin:
            sent["access-control-allow-origin"] = origin
        if headers["access-control-request-method"] not in self.allow_methods:
            refused.append("method")
        requested = headers.get("access-control-request-headers")
        if requested is not None:
            names = (name.strip().lower() for name in requested.split(","))
            if self.allow_all_headers:
                sent["access-control-allow-headers"] = requested
            elif any(name not in self.allow_headers for name in names):
                refused.append("headers")
        if "access-control-request-private-network" in headers:
            if self.allow_private_network:
                sent["access-control-allow-private-network"] = "true"
            else:
                refused.append("private-network")
        if refused:
            reason = f"Disallowed CORS {', '.join(refused)}"
            return PlainTextResponse(reason, status_code=400, headers=sent)
        return PlainTextResponse("OK", status_code=200, headers=sent)

    def _with_cors_headers(self, send: Send, origin: str | None) -> Send:
        allowed = origin is not None and self.is_allowed_origin(origin)
        echoed = origin if allowed and self.echo_origin else None
        echo = (
            [] if echoed is None else [(b"access-control-allow-origin", echoed.encode("latin-1"))]
        )
        added = [*(self._simple_raw if allowed else ()), *echo, (b"vary", b"Origin")]
        names = self._cors_names

        def send_with_cors(message: Message) -> Awaitable[None]:
            # The server's own awaitable: the headers are added before it is made.
            if message["type"] == "http.response.start":
                raw = message.get("headers", ())
                if names_any(raw, names):
                    headers = MutableHeaders(scope=message)
                    if allowed:
                        headers.update(self.simple_headers)
                    if echoed is not None:
                        headers["access-control-allow-origin"] = echoed
                    # Whether and how the response carries CORS headers depends on the Origin.
                    headers.add_vary_header("Origin")
                else:  # the common case: nothing to replace, only headers to add
                    message["headers"] = [*raw, *added]
            return send(message)

        return send_with_cors


__all__ = ["CORSMiddleware"]
