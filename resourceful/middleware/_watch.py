"""A send channel that notes whether the response has started, for error handling."""

from __future__ import annotations

from collections.abc import Awaitable

from resourceful._relay import Relay
from resourceful.types import Message, Send


class StartWatcher(Relay):
    """Passes each message on to ``send``; ``started`` tells whether the response has begun.

    A relay: ``send``'s own awaitable is handed back, without a coroutine of the watcher's
    around it.
    """

    __slots__ = ("started",)

    def __init__(self, send: Send) -> None:
        self.downstream = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
        return self.downstream(message)
