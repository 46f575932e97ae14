"""GZipMiddleware: compress responses for clients that accept gzip, chunk by chunk."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

from resourceful._headers import media_type
from resourceful.datastructures import Headers, MutableHeaders
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

#: Content types that are compressed already, or must not be buffered (event streams).
#: ``family/*`` covers a whole family; ``application/grpc`` covers its ``+`` variants too.
DEFAULT_EXCLUDED_CONTENT_TYPES = (
    "application/grpc",
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
)
#: The worker threads that compress large chunks, apart from anyio's default pool.
_COMPRESS_THREADS: RunVar[anyio.CapacityLimiter] = RunVar("_COMPRESS_THREADS")


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
    it at once; a chunk of ``thread_minimum_size`` bytes or more is compressed in a worker
    thread. Responses that already have a ``Content-Encoding``, partial content (206), and
    the ``exclude_content_types`` (already compressed media, server-sent events) pass
    unchanged. ``Vary: Accept-Encoding`` is added to every response this could change.
    """

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        thread_minimum_size: int = 128 * 1024,
        *,
        exclude_content_types: Sequence[str] = DEFAULT_EXCLUDED_CONTENT_TYPES,
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.thread_minimum_size = thread_minimum_size
        self.exclude_content_types = tuple(media_type(kind) for kind in exclude_content_types)
        self._excluded = frozenset(self.exclude_content_types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepts = accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
        responder = _GZipResponder(self, send, accepts and scope.get("method") != "HEAD")
        await self.app(scope, receive, responder.send)

    def is_excluded(self, content_type: str) -> bool:
        """Whether responses of ``content_type`` pass uncompressed."""
        kind = media_type(content_type)
        names = {kind, kind.partition("/")[0] + "/*"}
        if kind.startswith("application/grpc+"):
            names.add("application/grpc")
        return not self._excluded.isdisjoint(names)


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
            if (
                "content-encoding" in headers
                or message["status"] == 206
                or self.middleware.is_excluded(headers.get("content-type", ""))
            ):
                self.passthrough = True
                await self.downstream(message)
                return
            # Held until the first body chunk says how to respond.
            self.start = {**message, "headers": list(message.get("headers", []))}
            return
        if self.passthrough or kind not in ("http.response.body", "http.response.pathsend"):
            await self.downstream(message)  # trailers, early hints and the like pass as they are
            return
        if kind == "http.response.pathsend":  # the server sends a file itself: as it is
            self.passthrough = True
            await self._send_start()
            await self.downstream(message)
            return
        await self._send_body(message)

    async def _send_start(self) -> None:
        if self.start is not None:
            start, self.start = self.start, None
            await self.downstream(start)

    async def _send_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more_body: bool = message.get("more_body", False)
        start = self.start
        if start is not None:
            if not more_body and len(body) < self.middleware.minimum_size:
                self.passthrough = True
                await self._send_start()
                await self.downstream(message)
                return
            headers = MutableHeaders(scope=start)
            headers.add_vary_header("Accept-Encoding")
            if not self.may_compress:
                self.passthrough = True
                await self._send_start()
                await self.downstream(message)
                return
            headers["content-encoding"] = "gzip"
            etag = headers.get("etag")
            if etag is not None and not etag.startswith("W/"):
                # The compressed bytes are not the ones the strong tag names: a weak tag still
                # revalidates them (If-None-Match), as the same content.
                headers["etag"] = f"W/{etag}"
            compressor = zlib.compressobj(
                self.middleware.compresslevel, zlib.DEFLATED, 16 + zlib.MAX_WBITS
            )
            body = await self._compress(compressor, body, more_body)
            if more_body or start.get("trailers", False):
                del headers["content-length"]
            else:
                headers["content-length"] = str(len(body))
            await self._send_start()
        elif self.compressor is None:  # a body message after the last one: pass it on
            await self.downstream(message)
            return
        else:
            body = await self._compress(self.compressor, body, more_body)
        await self.downstream({"type": "http.response.body", "body": body, "more_body": more_body})

    async def _compress(self, compressor: zlib._Compress, body: bytes, more_body: bool) -> bytes:
        """``body`` compressed; the compressor is kept for the chunks still to come."""
        self.compressor = compressor if more_body else None
        if len(body) < self.middleware.thread_minimum_size:
            return _compressed(compressor, body, more_body)
        # A large chunk would hold the event loop up: compress it in a worker thread.
        try:
            limiter = _COMPRESS_THREADS.get()
        except LookupError:
            limiter = anyio.CapacityLimiter(40)
            _COMPRESS_THREADS.set(limiter)
        return await anyio.to_thread.run_sync(
            _compressed, compressor, body, more_body, limiter=limiter
        )


def _compressed(compressor: zlib._Compress, body: bytes, more_body: bool) -> bytes:
    data = compressor.compress(body)
    return data + (compressor.flush(zlib.Z_SYNC_FLUSH) if more_body else compressor.flush())


__all__ = ["DEFAULT_EXCLUDED_CONTENT_TYPES", "GZipMiddleware"]
