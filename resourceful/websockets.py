"""The websocket connection: accept, send and receive text, bytes or JSON, close, deny."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from resourceful._json import compact_json, json_loads_strict
from resourceful.requests import HTTPConnection, StateT
from resourceful.types import Message, Receive, Scope, Send

if TYPE_CHECKING:  # responses sit above connections: named here for the annotation only
    from resourceful.responses import Response


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


class WebSocketDisconnected(RuntimeError):
    """The app used a websocket that is not open: before ``accept``, or after it closed."""


# The states as plain names: reading an enum member off its class costs on every message.
_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED
_DISCONNECTED = WebSocketState.DISCONNECTED
_RESPONSE = WebSocketState.RESPONSE

_CONNECTING_SENDS = {"websocket.accept", "websocket.close", "websocket.http.response.start"}


def _unexpected(kind: str) -> RuntimeError:
    msg = f"Expected 'websocket.receive' or 'websocket.disconnect', but received {kind!r}"
    return RuntimeError(msg)


class WebSocket(HTTPConnection[StateT]):
    """A websocket connection.

    It is also an :class:`~resourceful.requests.HTTPConnection`: URL, headers, cookies, ...
    """

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            msg = f"WebSocket takes a 'websocket' scope, not {scope['type']!r}"
            raise ValueError(msg)
        self.scope = scope
        self._receive = receive
        self._send = send
        self.client_state = _CONNECTING
        self.application_state = _CONNECTING

    async def receive(self) -> Message:
        """Receive the next ASGI message, checking that it may come now."""
        state = self.client_state
        if state is _CONNECTED:
            message = await self._receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                self.client_state = _DISCONNECTED
            elif kind != "websocket.receive":
                raise _unexpected(kind)
            return message
        if state is _CONNECTING:
            message = await self._receive()
            if message["type"] != "websocket.connect":
                msg = f"Expected 'websocket.connect' first, but received {message['type']!r}"
                raise RuntimeError(msg)
            self.client_state = _CONNECTED
            return message
        msg = "Cannot receive: the websocket has already disconnected."
        raise WebSocketDisconnected(msg)

    async def send(self, message: Message) -> None:
        """Send an ASGI message, checking that it may go now."""
        kind = message["type"]
        if not (kind == "websocket.send" and self.application_state is _CONNECTED):
            self.application_state = self._state_after(kind, message)
        try:
            await self._send(message)
        except OSError:
            self.application_state = _DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None

    def _state_after(self, kind: str, message: Message) -> WebSocketState:
        """The application's state once ``message`` is sent; an error if it may not be."""
        state = self.application_state
        if state is _CONNECTING:
            if kind not in _CONNECTING_SENDS:
                msg = (
                    "Expected 'websocket.accept', 'websocket.close' or "
                    f"'websocket.http.response.start' first, but got {kind!r}"
                )
                raise RuntimeError(msg)
            if kind == "websocket.close":
                return _DISCONNECTED
            if kind == "websocket.http.response.start":
                return _RESPONSE
            return _CONNECTED
        if state is _CONNECTED:
            if kind != "websocket.close":
                msg = f"Expected 'websocket.send' or 'websocket.close', but got {kind!r}"
                raise RuntimeError(msg)
            return _DISCONNECTED
        if state is _RESPONSE:
            if kind != "websocket.http.response.body":
                msg = f'Expected ASGI message "websocket.http.response.body", but got {kind!r}'
                raise RuntimeError(msg)
            more = message.get("more_body", False)
            return _RESPONSE if more else _DISCONNECTED
        msg = "Cannot send: the websocket is already closed."
        raise WebSocketDisconnected(msg)

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Accept the connection, optionally choosing a subprotocol and adding headers."""
        if self.client_state is _CONNECTING:
            await self.receive()
        listed = [*headers] if headers is not None else []
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": listed})

    def _next(self) -> Awaitable[Message]:
        """The next message, to await: a connected client's straight from the channel, without
        receive()'s frame (``_text`` and ``_bytes`` check it)."""
        if self.application_state is not _CONNECTED:
            msg = 'The websocket is not connected. Call "await websocket.accept()" first.'
            raise WebSocketDisconnected(msg)
        return self._receive() if self.client_state is _CONNECTED else self.receive()

    def _no_data(self, message: Message) -> NoReturn:
        """For a message that carries no data: WebSocketDisconnect if the client left."""
        kind = message["type"]
        if kind == "websocket.disconnect":
            self.client_state = _DISCONNECTED
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        raise _unexpected(kind)

    def _text(self, message: Message) -> str:
        if message["type"] != "websocket.receive":
            self._no_data(message)
        text: str | None = message.get("text")
        if text is None:
            msg = "Expected a text message but received a binary one; use receive_bytes()."
            raise RuntimeError(msg)
        return text

    def _bytes(self, message: Message) -> bytes:
        if message["type"] != "websocket.receive":
            self._no_data(message)
        data: bytes | None = message.get("bytes")
        if data is None:
            msg = "Expected a binary message but received a text one; use receive_text()."
            raise RuntimeError(msg)
        return data

    async def receive_text(self) -> str:
        """The next text message (raises :class:`WebSocketDisconnect` when the client left)."""
        return self._text(await self._next())

    async def receive_bytes(self) -> bytes:
        """The next binary message (raises :class:`WebSocketDisconnect` when the client left)."""
        return self._bytes(await self._next())

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """The next message decoded as JSON, read from a text or a binary frame."""
        if mode not in ("text", "binary"):
            msg = f'The "mode" argument should be "text" or "binary", not {mode!r}'
            raise RuntimeError(msg)
        if mode == "text":
            return json_loads_strict(await self.receive_text())
        return json_loads_strict((await self.receive_bytes()).decode("utf-8"))

    def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        return _Messages(self, self._text)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary messages until the client disconnects."""
        return _Messages(self, self._bytes)

    def iter_json(self) -> AsyncIterator[Any]:
        """JSON messages (from text frames) until the client disconnects."""
        return _Messages(self, lambda message: json_loads_strict(self._text(message)))

    def send_text(self, data: str) -> Coroutine[Any, Any, None]:
        """Send a text message (awaited as ``await websocket.send_text(data)``)."""
        return self.send({"type": "websocket.send", "text": data})

    def send_bytes(self, data: bytes) -> Coroutine[Any, Any, None]:
        """Send a binary message (awaited as ``await websocket.send_bytes(data)``)."""
        return self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as JSON in a text or a binary frame."""
        if mode not in ("text", "binary"):
            msg = f'The "mode" argument should be "text" or "binary", not {mode!r}'
            raise RuntimeError(msg)
        encoded = compact_json(data)  # NaN refused; text with a lone surrogate escaped
        if mode == "text":
            await self.send({"type": "websocket.send", "text": encoded.decode("utf-8")})
        else:
            await self.send({"type": "websocket.send", "bytes": encoded})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection with ``code`` and ``reason``."""
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the connection with an HTTP response instead of accepting it.

        Needs a server with the ``websocket.http.response`` extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            msg = (
                "The server doesn't support the Websocket Denial Response extension "
                "('websocket.http.response'): close the websocket instead."
            )
            raise RuntimeError(msg)
        await response(self.scope, self.receive, self.send)


class _Messages:
    """The messages of ``websocket``, each read by ``read``, until the client disconnects.

    An iterator of its own: a generator would cost more to start, since the event loop keeps
    track of every async generator.
    """

    __slots__ = ("is_done", "read", "websocket")

    def __init__(self, websocket: WebSocket[Any], read: Callable[[Message], Any]) -> None:
        self.websocket = websocket
        self.read = read
        self.is_done = False

    def __aiter__(self) -> _Messages:
        return self

    async def __anext__(self) -> Any:
        if not self.is_done:
            message = await self.websocket._next()
            if message["type"] != "websocket.disconnect":
                return self.read(message)
            # The client left: the end, without raising WebSocketDisconnect to catch it here.
            self.websocket.client_state = _DISCONNECTED
            self.is_done = True
        raise StopAsyncIteration


class WebSocketClose:
    """An ASGI app that closes a websocket with ``code`` and ``reason``."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})


__all__ = [
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketDisconnected",
    "WebSocketState",
]
