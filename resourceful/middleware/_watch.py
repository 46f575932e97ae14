"""A send channel that notes whether the response has started, for error handling."""

from __future__ import annotations

from collections.abc import Awaitable

from resourceful.types import Message, Send


class StartWatcher:
    """Passes each message on to ``send``; ``started`` tells whether the answer has begun,
    ``client_gone`` whether the server failed a send because the client had left (ASGI 2.4
    servers raise an OSError then)."""

    __slots__ = ("client_gone", "downstream", "started")

    def __init__(self, send: Send) -> None:
        self.downstream = send
        self.started = self.client_gone = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        try:
            await self.downstream(message)
        except OSError:
            self.client_gone = True
            raise


class StartNoter:
    """Passes each message on to ``send``; ``started`` tells whether the answer has begun.

    For a layer that needs only that (the exception handlers): ``send``'s own awaitable is
    handed back, without a coroutine of the noter's around it.
    """

    __slots__ = ("downstream", "started")

    def __init__(self, send: Send) -> None:
        self.downstream = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
        return self.downstream(message)
