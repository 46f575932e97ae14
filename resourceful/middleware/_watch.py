"""A send channel that notes whether the response has started, for error handling."""

from __future__ import annotations

from collections.abc import Awaitable

from resourceful._relay import Relay
from resourceful.caching import keep_cookies_private
from resourceful.types import Message, Send


class StartWatcher(Relay):
    """Passes each message on to ``send``; ``started`` tells whether the response has begun.

    A relay: ``send``'s own awaitable is handed back, without a coroutine of the watcher's
    around it.
    """

    __slots__ = ("started",)

    #: Whether a response that sets a cookie is kept from shared caches (the App's watcher).
    keeps_cookies_private = False

    def __init__(self, send: Send) -> None:
        self.downstream = send
        self.started = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
            if self.keeps_cookies_private:
                keep_cookies_private(message)
        return self.downstream(message)
