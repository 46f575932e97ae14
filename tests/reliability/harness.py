"""Talking ASGI to an app as a server does, and checking what comes back.

The fuzz and fault suites send requests that no well-behaved client would, below any HTTP
client's checks: a raw path, raw header bytes, a body in chunks. What a server would have
refused before the app (a NUL in a header, say) is not sent.
"""

from __future__ import annotations

from urllib.parse import unquote

import anyio
import attrs
from anyio.from_thread import BlockingPortal

from resourceful.types import ASGIApp, Message, Scope

#: How long one exchange may take before it counts as a hang.
HANG_SECONDS = 10


@attrs.frozen
class RawRequest:
    """An HTTP request as a server hands it to the app."""

    method: str = "GET"
    raw_path: bytes = b"/"
    query_string: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ((b"host", b"testserver"),)
    chunks: tuple[bytes, ...] = (b"",)
    spec_version: str = "2.4"

    def scope(self) -> Scope:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": self.spec_version},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            # What uvicorn does: the path is the raw path, percent-decoded as UTF-8 (bad
            # sequences replaced).
            "path": unquote(self.raw_path.decode("ascii")),
            "raw_path": self.raw_path,
            "query_string": self.query_string,
            "root_path": "",
            "headers": list(self.headers),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }


@attrs.define
class Received:
    """What the app sent, and whether it sent anything it must not."""

    messages: list[Message] = attrs.Factory(list)
    late: list[Message] = attrs.Factory(list)

    @property
    def start(self) -> Message:
        return self.messages[0]

    @property
    def status(self) -> int:
        status: int = self.start["status"]
        return status

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.start.get("headers", []))

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


async def exchange(app: ASGIApp, request: RawRequest, response: Received | None = None) -> Received:
    """Send ``request`` to ``app`` and gather its response (into ``response`` if given, so that
    it is there even when the app raises); the client leaves once the response is whole.

    Raises:
        TimeoutError: the app took longer than :data:`HANG_SECONDS` (a hang).
    """
    response = Received() if response is None else response
    complete = anyio.Event()
    pending = list(request.chunks)

    async def receive() -> Message:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if complete.is_set():  # pragma: no cover (only an app that misbehaves sends here)
            response.late.append(message)
            if request.spec_version == "2.4":
                raise OSError("the client has gone")  # as an ASGI 2.4 server does
            return
        response.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    with anyio.fail_after(HANG_SECONDS):
        await app(request.scope(), receive, send)
    complete.set()
    return response


def check_response(request: RawRequest, response: Received) -> None:
    """The properties every response has: one whole response, never a 5xx, clean headers."""
    assert response.messages, f"no response to {request!r}"
    kinds = [message["type"] for message in response.messages]
    assert kinds[0] == "http.response.start", kinds
    assert kinds.count("http.response.start") == 1, kinds
    assert response.status < 500, (response.status, response.body[:500], request)
    assert not response.late, response.late
    assert response.messages[-1]["type"] == "http.response.body", kinds
    assert not response.messages[-1].get("more_body", False)
    for name, value in response.headers:
        # A header carrying the client's text must never split the response (CR or LF).
        assert name == name.lower(), name
        assert name.isascii(), name
        for forbidden in (b"\r", b"\n", b"\0"):
            assert forbidden not in value, (name, value)


def still_responds(portal: BlockingPortal, app: ASGIApp) -> None:
    """The app responds to a plain request after whatever came before."""
    response = portal.call(exchange, app, RawRequest())
    assert (response.status, response.body) == (200, b"ok")
