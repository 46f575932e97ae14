"""A send channel that notes whether the response has started, for error handling."""

from __future__ import annotations

from resourceful.types import Message, Send


class StartWatcher:
    """Passes each message on to ``send``; ``started`` tells whether the answer has begun."""

    __slots__ = ("downstream", "started")

    def __init__(self, send: Send) -> None:
        self.downstream = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.downstream(message)
