"""Responses: each one is an ASGI app that sends itself, then runs its background task."""

from __future__ import annotations

import hashlib
import http.cookies
import mimetypes
import os
import stat
from collections.abc import AsyncIterable, Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime, formatdate
from functools import partial
from secrets import token_hex
from typing import Any, Literal
from urllib.parse import quote

import anyio
import anyio.lowlevel

from resourceful._cached import cached_property
from resourceful._json import compact_json
from resourceful._ranges import MalformedRange, RangeNotSatisfiable, parse_range_header
from resourceful._urls import stays_on_site
from resourceful.background import BackgroundTask
from resourceful.concurrency import collapse_excgroups, iterate_in_threadpool
from resourceful.datastructures import URL, Headers, MutableHeaders
from resourceful.exceptions import HTTPException
from resourceful.requests import ClientDisconnect, HTTPConnection
from resourceful.types import Message, Receive, Scope, Send

SameSite = Literal["lax", "strict", "none"]

_NO_BODY_STATUSES = frozenset({204, 304})
# Tuples, not unions: isinstance against ``A | B`` builds the union on every call.
_BYTES = (bytes, memoryview)
# The Content-Type header of each media type with its charset, made once (as an immutable
# pair every response can share); by media type alone for UTF-8, by far the most common.
_CONTENT_TYPES: dict[tuple[str | None, str], tuple[bytes, bytes]] = {}
_UTF8_CONTENT_TYPES: dict[str | None, tuple[bytes, bytes]] = {}
# The Content-Length headers of small bodies, made once.
_CACHED_LENGTHS = 1024
_LENGTH_HEADERS = tuple((b"content-length", b"%d" % size) for size in range(_CACHED_LENGTHS))
# The response message types: for HTTP, and for a websocket denial response.
_MESSAGE_TYPES = (
    ("http.response.start", "http.response.body"),
    ("websocket.http.response.start", "websocket.http.response.body"),
)


def has_body(status_code: int) -> bool:
    """Whether a response with this status has a body, and so a ``Content-Length``."""
    return status_code >= 200 and status_code not in _NO_BODY_STATUSES


def length_header(body: bytes) -> tuple[bytes, bytes]:
    """The ``Content-Length`` header of ``body``."""
    size = len(body)
    return _LENGTH_HEADERS[size] if size < _CACHED_LENGTHS else (b"content-length", b"%d" % size)


class Response:
    """A response whose whole body is known up front (``bytes`` or ``str``).

    Args:
        content: the body; ``str`` is encoded with ``charset``.
        status_code: the HTTP status.
        headers: extra headers; ``content-length`` and ``content-type`` are added for you.
        media_type: the ``Content-Type`` (``text/*`` types get ``; charset=utf-8``).
        background: a task to run after the response is sent.
    """

    media_type: str | None = None
    charset = "utf-8"
    background: BackgroundTask | None = None

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        if background is not None:
            self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into the body bytes."""
        if content is None:
            return b""
        if isinstance(content, _BYTES):
            return bytes(content)
        return content.encode(self.charset)  # type: ignore[no-any-return]

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build ``raw_headers`` from ``headers``, the body length and the media type."""
        body: bytes | None = getattr(self, "body", None)
        status = self.status_code
        media_type = self.media_type
        charset = self.charset
        content_type = (
            None
            if media_type is None
            else (
                _UTF8_CONTENT_TYPES.get(media_type)
                if charset == "utf-8"
                else _CONTENT_TYPES.get((media_type, charset))
            )
            or self._content_type_header()
        )
        if (
            headers is None
            and body is not None
            and content_type is not None
            and (status == 200 or has_body(status))
        ):
            # The common response, made on most requests: its length and its type.
            self.raw_headers = [length_header(body), content_type]
            return
        length = b"%d" % len(body) if body is not None and has_body(status) else None
        raw = (
            []
            if headers is None
            else [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        )
        names = {name for name, _ in raw}
        if length is not None and b"content-length" not in names:
            raw.append((b"content-length", length))
        if content_type is not None and b"content-type" not in names:
            raw.append(content_type)
        self.raw_headers = raw

    def _content_type_header(self) -> tuple[bytes, bytes]:
        content_type = str(self.media_type)
        if content_type.startswith("text/") and "charset=" not in content_type.lower():
            content_type += f"; charset={self.charset}"
        header = (b"content-type", content_type.encode("latin-1"))
        if self.charset == "utf-8":
            _UTF8_CONTENT_TYPES[self.media_type] = header
        else:
            _CONTENT_TYPES[self.media_type, self.charset] = header
        return header

    @cached_property
    def headers(self) -> MutableHeaders:
        """The response headers, editable in place."""
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header.

        ``expires`` is a datetime, an HTTP date string, or a number of seconds from now.
        """
        cookie: http.cookies.BaseCookie[str] = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                morsel["expires"] = format_datetime(expires.astimezone(timezone.utc), usegmt=True)
            else:
                morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                msg = f"samesite must be 'strict', 'lax' or 'none', not {samesite!r}"
                raise ValueError(msg)
            morsel["samesite"] = samesite
        header = cookie.output(header="").strip()
        if partitioned:
            header += "; Partitioned"
        self.raw_headers.append((b"set-cookie", header.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Tell the client to forget the cookie ``key``."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start, body = _MESSAGE_TYPES[scope["type"] == "websocket"]
        await send({"type": start, "status": self.status_code, "headers": self.raw_headers})
        await send({"type": body, "body": self.body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    """An HTML page (``text/html; charset=utf-8``)."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """Plain text (``text/plain; charset=utf-8``)."""

    media_type = "text/plain"


class JSONResponse(Response):
    """``content`` serialised as compact UTF-8 JSON (NaN and infinities are refused)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return compact_json(content)


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default); the location is URL-quoted."""

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(
            content=b"", status_code=status_code, headers=headers, background=background
        )
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;~")


def safe_redirect_url(
    connection: HTTPConnection,
    target: str | None,
    default: str = "/",
    *,
    allowed_hosts: Collection[str] = (),
) -> str:
    """``target`` when a redirect there stays on this site, else ``default``.

    Use it wherever the client chose where to go (a ``next`` parameter, a form field), so
    that a link to this site cannot send its users on to another one (an open redirect).
    Paths stay; full URLs stay when their host is the connection's own or one of
    ``allowed_hosts``.
    """
    if target is None:
        return default
    hosts = {host.lower() for host in allowed_hosts}
    if connection.url.hostname:
        hosts.add(connection.url.hostname.lower())
    return target if stays_on_site(target, hosts) else default


ContentStream = AsyncIterable[str | bytes] | Iterable[str | bytes]


class StreamingResponse(Response):
    """A body sent chunk by chunk from a sync or async iterable.

    Streaming stops as soon as the client disconnects.
    """

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if isinstance(content, AsyncIterable):
            self.body_iterator: AsyncIterable[str | bytes] = content
        else:
            self.body_iterator = iterate_in_threadpool(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def _stream(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        iterator = self.body_iterator
        try:
            async for chunk in iterator:
                data = chunk if isinstance(chunk, _BYTES) else chunk.encode(self.charset)
                await send({"type": "http.response.body", "body": data, "more_body": True})
        finally:
            # Close a generator left unfinished (the client went away) right here, not in GC.
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):
                    await aclose()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        send = _sender(scope, send)
        if _spec_version(scope) >= (2, 4):
            send = _disconnect_on_send_error(send)
        else:
            send = _yielding(send)
        await _until_disconnected(scope, receive, partial(self._stream, send))
        if self.background is not None:
            await self.background()


async def _until_disconnected(
    scope: Scope, receive: Receive, sending: Callable[[], Awaitable[None]]
) -> None:
    """Run ``sending``, stopped as soon as the client disconnects.

    From ASGI 2.4 on a server tells the app by failing its send; an older one only says it
    through ``receive``, which is then watched alongside.
    """
    if scope["type"] != "http" or str(scope.get("method", "")).upper() == "HEAD":
        await sending()
        return
    if _spec_version(scope) >= (2, 4):
        await sending()
        return
    with collapse_excgroups():
        async with anyio.create_task_group() as group:

            async def send_then_stop() -> None:
                await sending()
                group.cancel_scope.cancel()

            group.start_soon(send_then_stop)
            try:
                while (await receive())["type"] != "http.disconnect":
                    pass
            except HTTPException:
                # The body the endpoint left unread was refused as it came (past a size
                # limit): the disconnect can no longer be heard, and the response goes on.
                await anyio.sleep_forever()
            group.cancel_scope.cancel()


def _disconnect_on_send_error(send: Send) -> Send:
    """``send``, raising ClientDisconnect for the OSError an ASGI 2.4 server fails it with
    when the client left (an OSError of the body's own, reading a file say, stays as is)."""

    async def sending(message: Message) -> None:
        try:
            await send(message)
        except OSError as exc:
            raise ClientDisconnect from exc

    return sending


def _yielding(send: Send) -> Send:
    """``send``, letting other tasks run after each message.

    Before ASGI 2.4 a server's send may return at once without suspending, even once the
    client has left; a body that never waits either would then keep the disconnect watcher
    from ever running, and stream forever.
    """

    async def sending(message: Message) -> None:
        await send(message)
        await anyio.lowlevel.checkpoint()

    return sending


def _sender(scope: Scope, send: Send) -> Send:
    """``send``, or for a websocket (a denial response) one that turns the HTTP response
    messages into the denial's."""
    if scope["type"] != "websocket":
        return send

    async def send_denial(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    return send_denial


def _spec_version(scope: Scope) -> tuple[int, ...]:
    version: str = scope.get("asgi", {}).get("spec_version", "2.0")
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:  # a server that spells it otherwise: take it as the oldest
        return (2, 0)


class FileResponse(Response):
    """A file from disk, streamed in chunks, with ``Range`` support.

    Sends ``content-length``, ``last-modified`` and ``etag``; responds to ``HEAD`` without the
    body; responds to ``Range`` requests (to ``GET`` and ``HEAD``) with 206 (one range) or
    ``multipart/byteranges`` (several), 416 when a range starts past the end, 400 when the
    header is no byte-range request, and the whole file when an ``If-Range`` validator is weak
    or no longer matches. Sending stops when the client disconnects.

    Args:
        path: the file to send.
        filename: when given, a ``Content-Disposition`` header offers this name.
        stat_result: an ``os.stat_result`` you already have, to skip the stat call.
        content_disposition_type: ``attachment`` (download) or ``inline``.
    """

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = mimetypes.guess_type(filename or path)[0] or "application/octet-stream"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        self.headers.setdefault("accept-ranges", "bytes")
        if filename is not None:
            self.headers.setdefault(
                "content-disposition", _content_disposition(content_disposition_type, filename)
            )
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        """Set ``content-length``, ``last-modified`` and ``etag`` from a stat result."""
        size = str(stat_result.st_size)
        mtime = stat_result.st_mtime
        digest = hashlib.md5(f"{mtime}-{size}".encode(), usedforsecurity=False).hexdigest()
        self.headers.setdefault("content-length", size)
        self.headers.setdefault("last-modified", formatdate(mtime, usegmt=True))
        self.headers.setdefault("etag", f'"{digest}"')

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.stat_result is None:
            try:
                self.stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except FileNotFoundError:
                msg = f"FileResponse: the file {str(self.path)!r} does not exist."
                raise RuntimeError(msg) from None
            if not stat.S_ISREG(self.stat_result.st_mode):
                msg = f"FileResponse: {str(self.path)!r} is not a file."
                raise RuntimeError(msg)
            self.set_stat_headers(self.stat_result)
        size = self.stat_result.st_size
        send_body = scope.get("method", "GET").upper() != "HEAD"
        try:
            ranges = self._requested_ranges(scope, size)
        except MalformedRange as exc:
            await PlainTextResponse(exc.reason, status_code=400)(scope, receive, send)
            return
        except RangeNotSatisfiable:
            headers = {"content-range": f"bytes */{size}"}
            await PlainTextResponse(status_code=416, headers=headers)(scope, receive, send)
            return
        if not ranges and send_body and "http.response.pathsend" in scope.get("extensions", {}):
            # The server sends the file itself.
            start = {"type": "http.response.start", "status": self.status_code}
            await send({**start, "headers": self.raw_headers})
            await send({"type": "http.response.pathsend", "path": str(self.path)})
        else:
            sending = partial(self._send, _sender(scope, send), ranges, size, send_body)
            await _until_disconnected(scope, receive, sending)
        if self.background is not None:
            await self.background()

    async def _send(
        self, send: Send, ranges: list[tuple[int, int]], size: int, send_body: bool
    ) -> None:
        if not ranges:
            start = {"type": "http.response.start", "status": self.status_code}
            await send({**start, "headers": self.raw_headers})
            await self._send_file(send, [(0, size)] if send_body else [])
        elif len(ranges) == 1:
            first, stop = ranges[0]
            headers = self.headers.mutablecopy()
            headers["content-range"] = f"bytes {first}-{stop - 1}/{size}"
            headers["content-length"] = str(stop - first)
            await send({"type": "http.response.start", "status": 206, "headers": headers.raw})
            await self._send_file(send, ranges if send_body else [])
        else:
            await self._send_multipart(send, ranges, size, send_body)

    def _requested_ranges(self, scope: Scope, size: int) -> list[tuple[int, int]]:
        """The ranges to send; empty for the whole file.

        Raises:
            MalformedRange, RangeNotSatisfiable: from :func:`parse_range_header`.
        """
        if self.status_code != 200 or scope.get("method", "GET").upper() not in ("GET", "HEAD"):
            return []
        request_headers = Headers(raw=scope.get("headers", []))
        range_header = request_headers.get("range")
        if range_header is None:
            return []
        if_range = request_headers.get("if-range")
        if if_range is not None and (
            if_range.startswith("W/")  # a weak validator cannot vouch for byte ranges
            or if_range not in (self.headers["etag"], self.headers["last-modified"])
        ):
            return []
        return parse_range_header(range_header, size)

    async def _send_multipart(
        self, send: Send, ranges: list[tuple[int, int]], size: int, send_body: bool
    ) -> None:
        boundary = token_hex(13)
        content_type = self.headers["content-type"]
        part_heads = [
            (
                f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Range: bytes {start}-{stop - 1}/{size}\r\n\r\n"
            ).encode("latin-1")
            for start, stop in ranges
        ]
        tail = f"--{boundary}--".encode("latin-1")
        length = sum(
            len(head) + (stop - start) + 2
            for head, (start, stop) in zip(part_heads, ranges, strict=True)
        )
        headers = self.headers.mutablecopy()
        headers["content-type"] = f"multipart/byteranges; boundary={boundary}"
        headers["content-length"] = str(length + len(tail))
        await send({"type": "http.response.start", "status": 206, "headers": headers.raw})
        if not send_body:
            await send({"type": "http.response.body", "body": b""})
            return
        async with await anyio.open_file(self.path, mode="rb") as file:
            for head, (start, stop) in zip(part_heads, ranges, strict=True):
                await send({"type": "http.response.body", "body": head, "more_body": True})
                await self._send_range(send, file, start, stop)
                await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
        await send({"type": "http.response.body", "body": tail})

    async def _send_file(self, send: Send, ranges: list[tuple[int, int]]) -> None:
        if ranges:
            async with await anyio.open_file(self.path, mode="rb") as file:
                start, stop = ranges[0]
                await self._send_range(send, file, start, stop)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send_range(
        self, send: Send, file: anyio.AsyncFile[bytes], start: int, stop: int
    ) -> None:
        await file.seek(start)
        remaining = stop - start
        while remaining > 0:
            chunk = await file.read(min(self.chunk_size, remaining))
            if not chunk:  # the file shrank since it was measured: the length sent is wrong
                msg = f"File at path {self.path} is shorter than expected."
                raise RuntimeError(msg)
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _content_disposition(disposition_type: str, filename: str) -> str:
    quoted = quote(filename)
    if quoted == filename:
        return f'{disposition_type}; filename="{filename}"'
    return f"{disposition_type}; filename*=utf-8''{quoted}"  # RFC 5987: any name, encoded


__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "safe_redirect_url",
]
