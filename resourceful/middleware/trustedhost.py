"""TrustedHostMiddleware: respond only to requests whose Host header names this site."""

from __future__ import annotations

from collections.abc import Sequence

from resourceful._headers import first_header
from resourceful._hosts import parse_host
from resourceful.datastructures import URL
from resourceful.middleware._refuse import refuse
from resourceful.responses import PlainTextResponse, RedirectResponse
from resourceful.types import ASGIApp, Receive, Scope, Send

ENFORCE_DOMAIN_WILDCARD = "Domain wildcard patterns must be like '*.example.com'."
# How many allowed Host headers are remembered (clients choose them: the set stays bounded).
_REMEMBERED = 64


class TrustedHostMiddleware:
    """Refuses requests whose ``Host`` is not allowed, with a 400 "Invalid host header".

    Args:
        allowed_hosts: host names, ``*.example.com`` for any subdomain, or ``*`` for any host.
        www_redirect: redirect ``example.com`` to ``www.example.com`` when only the latter
            is allowed.
    """

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str] | None = None,
        www_redirect: bool = True,
    ) -> None:
        hosts = list(allowed_hosts) if allowed_hosts is not None else ["*"]
        for pattern in hosts:
            is_wildcard = pattern.startswith("*.") and "*" not in pattern[1:]
            if "*" in pattern and pattern != "*" and not is_wildcard:
                raise ValueError(ENFORCE_DOMAIN_WILDCARD)
        self.app = app
        self.allowed_hosts = [pattern.lower() for pattern in hosts]
        self.allow_any = "*" in hosts
        self.exact = {pattern.lower() for pattern in hosts if not pattern.startswith("*")}
        self.suffixes = tuple(pattern[1:].lower() for pattern in hosts if pattern.startswith("*."))
        self.www_redirect = www_redirect
        # Host headers already found allowed, as sent: most requests name one of a few.
        self._allowed_raw: set[bytes] = set()

    def is_allowed(self, host: str) -> bool:
        """Whether ``host`` (without its port) is one of the allowed hosts."""
        return self.allow_any or host in self.exact or host.endswith(self.suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = first_header(scope["headers"], b"host") or b""
        if raw in self._allowed_raw:  # a Host header seen and allowed before
            await self.app(scope, receive, send)
            return
        parsed = parse_host(raw.decode("latin-1"))
        host = "" if parsed is None else parsed.host.lower()
        if host and self.is_allowed(host):
            if len(self._allowed_raw) < _REMEMBERED:
                self._allowed_raw.add(raw)
            await self.app(scope, receive, send)
            return
        if self.www_redirect and host and self.is_allowed("www." + host):
            url = URL(scope=scope)
            redirect = url.replace(netloc="www." + url.netloc)
            await refuse(scope, receive, send, RedirectResponse(redirect, status_code=301))
            return
        await refuse(scope, receive, send, PlainTextResponse("Invalid host header", 400))


__all__ = ["TrustedHostMiddleware"]
