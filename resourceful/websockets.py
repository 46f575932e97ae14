"""The websocket connection: accept, send and receive text, bytes or JSON, close, deny."""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal

from resourceful.requests import HTTPConnection
from resourceful.responses import Response
from resourceful.types import Message, Receive, Scope, Send


class WebSocketState(enum.Enum):
    """Where one side of a websocket stands."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class WebSocketDisconnect(Exception):
    """The client closed the websocket (or went away) with ``code`` and ``reason``."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(code, self.reason)


_CONNECTING_SENDS = {"websocket.accept", "websocket.close", "websocket.http.response.start"}


class WebSocket(HTTPConnection):
    """A websocket connection.

    It is also an :class:`~resourceful.requests.HTTPConnection`: URL, headers, cookies, ...
    """

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope)
        if scope["type"] != "websocket":
            msg = f"WebSocket takes a 'websocket' scope, not {scope['type']!r}"
            raise ValueError(msg)
        self._receive = receive
        self._send = send
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING

    async def receive(self) -> Message:
        """Receive the next ASGI message, checking that it may come now."""
        if self.client_state == WebSocketState.CONNECTING:
            message = await self._receive()
            if message["type"] != "websocket.connect":
                msg = f"Expected 'websocket.connect' first, but received {message['type']!r}"
                raise RuntimeError(msg)
            self.client_state = WebSocketState.CONNECTED
            return message
        if self.client_state == WebSocketState.CONNECTED:
            message = await self._receive()
            if message["type"] not in ("websocket.receive", "websocket.disconnect"):
                msg = (
                    "Expected 'websocket.receive' or 'websocket.disconnect', "
                    f"but received {message['type']!r}"
                )
                raise RuntimeError(msg)
            if message["type"] == "websocket.disconnect":
                self.client_state = WebSocketState.DISCONNECTED
            return message
        msg = "Cannot receive: the websocket has already disconnected."
        raise RuntimeError(msg)

    async def send(self, message: Message) -> None:
        """Send an ASGI message, checking that it may go now."""
        kind = message["type"]
        state = self.application_state
        if state == WebSocketState.CONNECTING:
            if kind not in _CONNECTING_SENDS:
                msg = (
                    "Expected 'websocket.accept', 'websocket.close' or "
                    f"'websocket.http.response.start' first, but got {kind!r}"
                )
                raise RuntimeError(msg)
            if kind == "websocket.close":
                self.application_state = WebSocketState.DISCONNECTED
            elif kind == "websocket.http.response.start":
                self.application_state = WebSocketState.RESPONSE
            else:
                self.application_state = WebSocketState.CONNECTED
        elif state == WebSocketState.CONNECTED:
            if kind not in ("websocket.send", "websocket.close"):
                msg = f"Expected 'websocket.send' or 'websocket.close', but got {kind!r}"
                raise RuntimeError(msg)
            if kind == "websocket.close":
                self.application_state = WebSocketState.DISCONNECTED
        elif state == WebSocketState.RESPONSE:
            if kind != "websocket.http.response.body":
                msg = f"Expected 'websocket.http.response.body', but got {kind!r}"
                raise RuntimeError(msg)
            if not message.get("more_body", False):
                self.application_state = WebSocketState.DISCONNECTED
        else:
            msg = "Cannot send: the websocket is already closed."
            raise RuntimeError(msg)
        try:
            await self._send(message)
        except OSError:
            self.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Accept the connection, optionally choosing a subprotocol and adding headers."""
        if self.client_state == WebSocketState.CONNECTING:
            await self.receive()
        await self.send(
            {
                "type": "websocket.accept",
                "subprotocol": subprotocol,
                "headers": list(headers or []),
            }
        )

    def _raise_on_disconnect(self, message: Message) -> None:
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))

    def _check_accepted(self) -> None:
        if self.application_state != WebSocketState.CONNECTED:
            msg = 'The websocket is not connected. Call "await websocket.accept()" first.'
            raise RuntimeError(msg)

    async def receive_text(self) -> str:
        """The next text message (raises :class:`WebSocketDisconnect` when the client left)."""
        self._check_accepted()
        message = await self.receive()
        self._raise_on_disconnect(message)
        text = message.get("text")
        if text is None:
            msg = "Expected a text message but received a binary one; use receive_bytes()."
            raise RuntimeError(msg)
        return str(text)

    async def receive_bytes(self) -> bytes:
        """The next binary message (raises :class:`WebSocketDisconnect` when the client left)."""
        self._check_accepted()
        message = await self.receive()
        self._raise_on_disconnect(message)
        data = message.get("bytes")
        if data is None:
            msg = "Expected a binary message but received a text one; use receive_text()."
            raise RuntimeError(msg)
        return bytes(data)

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """The next message decoded as JSON, read from a text or a binary frame."""
        if mode not in ("text", "binary"):
            msg = f'The "mode" argument should be "text" or "binary", not {mode!r}'
            raise RuntimeError(msg)
        if mode == "text":
            return json.loads(await self.receive_text())
        return json.loads((await self.receive_bytes()).decode("utf-8"))

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            return

    async def iter_json(self) -> AsyncIterator[Any]:
        """JSON messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            return

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as JSON in a text or a binary frame."""
        if mode not in ("text", "binary"):
            msg = f'The "mode" argument should be "text" or "binary", not {mode!r}'
            raise RuntimeError(msg)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection with ``code`` and ``reason``."""
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the connection with an HTTP response instead of accepting it.

        Needs a server with the ``websocket.http.response`` extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            msg = (
                "The server does not support the 'websocket.http.response' extension; "
                "close the websocket instead of sending a denial response."
            )
            raise RuntimeError(msg)
        await response(self.scope, self.receive, self.send)


class WebSocketClose:
    """An ASGI app that closes a websocket with ``code`` and ``reason``."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})


__all__ = ["WebSocket", "WebSocketClose", "WebSocketDisconnect", "WebSocketState"]
