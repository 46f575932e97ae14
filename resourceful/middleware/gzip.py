"""GZipMiddleware: compress answers for clients that accept gzip, chunk by chunk."""

from __future__ import annotations

import gzip
import zlib

from resourceful.datastructures import Headers, MutableHeaders
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

_EXCLUDED_TYPES = ("text/event-stream",)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value accepts gzip: named, or ``*``, with q above 0."""
    found: dict[str, bool] = {}
    for item in accept_encoding.lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:  # an unreadable weight: the coding was named, so accepted
                    quality = 1.0
        found[coding] = quality > 0
    return found.get("gzip", found.get("x-gzip", found.get("*", False)))


class GZipMiddleware:
    """Gzips responses of at least ``minimum_size`` bytes for clients that accept it.

    A streaming response is compressed chunk by chunk, each chunk flushed so the client gets
    it at once. Responses that already have a ``Content-Encoding``, and server-sent events,
    pass unchanged. ``Vary: Accept-Encoding`` is added to every answer this could change.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 9) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepts = accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
        responder = _GZipResponder(self, send, accepts and scope["method"] != "HEAD")
        await self.app(scope, receive, responder.send)


class _GZipResponder:
    def __init__(self, middleware: GZipMiddleware, send: Send, may_compress: bool) -> None:
        self.middleware = middleware
        self.downstream = send
        self.may_compress = may_compress
        self.start: Message | None = None
        self.passthrough = False
        self.compressor: zlib._Compress | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers = Headers(raw=message.get("headers", []))
            content_type = headers.get("content-type", "")
            if "content-encoding" in headers or content_type.startswith(_EXCLUDED_TYPES):
                self.passthrough = True
                await self.downstream(message)
                return
            MutableHeaders(scope=message).add_vary_header("Accept-Encoding")
            if not self.may_compress:
                self.passthrough = True
                await self.downstream(message)
                return
            self.start = message  # held until the first body chunk says how to answer
            return
        if kind != "http.response.body" or self.passthrough:
            await self.downstream(message)
            return
        await self._send_body(message)

    async def _send_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        if self.start is not None:
            start, self.start = self.start, None
            if not more_body and len(body) < self.middleware.minimum_size:
                self.passthrough = True
                await self.downstream(start)
                await self.downstream(message)
                return
            headers = MutableHeaders(scope=start)
            headers["content-encoding"] = "gzip"
            if more_body:
                del headers["content-length"]
                self.compressor = zlib.compressobj(
                    self.middleware.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS
                )
            else:
                body = gzip.compress(body, self.middleware.compresslevel)
                headers["content-length"] = str(len(body))
                await self.downstream(start)
                await self.downstream({"type": "http.response.body", "body": body})
                return
            await self.downstream(start)
        compressor = self.compressor
        if compressor is None:  # a body message after the last one: pass it on as it is
            await self.downstream(message)
            return
        data = compressor.compress(body)
        if more_body:
            data += compressor.flush(zlib.Z_SYNC_FLUSH)
        else:
            data += compressor.flush()
        await self.downstream({"type": "http.response.body", "body": data, "more_body": more_body})


__all__ = ["GZipMiddleware"]
