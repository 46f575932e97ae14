"""A send channel that notes whether the response has started, for error handling."""

from __future__ import annotations

from collections.abc import Awaitable

from resourceful.types import Message, Scope, Send

#: Whether the servers of each ASGI version seen so far raise as the client leaves.
_RAISES_WHEN_GONE: dict[str, bool] = {}


def raises_when_gone(scope: Scope) -> bool:
    """Whether the server fails a send with an OSError once the client has left: servers of
    ASGI 2.4 on do, older ones drop the message. A scope without a version is 2.0, and a
    version spelt otherwise is taken as the oldest."""
    asgi = scope.get("asgi")
    version: str = "2.0" if asgi is None else asgi.get("spec_version", "2.0")
    known = _RAISES_WHEN_GONE.get(version)
    if known is None:
        try:
            known = tuple(int(part) for part in version.split(".")) >= (2, 4)
        except ValueError:
            known = False
        if len(_RAISES_WHEN_GONE) < 16:  # a server names one or two
            _RAISES_WHEN_GONE[version] = known
    return known


class StartWatcher:
    """Passes each message on to ``send``; ``started`` tells whether the answer has begun,
    ``client_gone`` whether the server failed a send because the client had left.

    A send is the server's own awaitable, handed back as it is, unless the server is one
    that raises when the client has left (``watches_client``): only then does each send
    go through a coroutine of the watcher's, which notes the OSError.
    """

    __slots__ = ("client_gone", "downstream", "started", "watches_client")

    def __init__(self, send: Send, watches_client: bool) -> None:
        self.downstream = send
        self.watches_client = watches_client
        self.started = self.client_gone = False

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.started = True
        if self.watches_client:
            return self.watched(message)
        return self.downstream(message)

    async def watched(self, message: Message) -> None:
        """Send ``message``, noting an OSError the server raises as the client gone."""
        try:
            await self.downstream(message)
        except OSError:
            self.client_gone = True
            raise
