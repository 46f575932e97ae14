"""Publish/subscribe channels, in one process (``memory://``) or across many (``redis://``).

``Broadcast(url)`` connects to the broker the URL names; ``publish(channel, message)``
sends text to every subscriber of the channel, in every process on that broker, and
``subscribe(channel)`` gives the messages that come after, as an async iterator. Inject it
by type: ``broadcast_provider(url)`` makes it an app-scoped provider, connected at startup
and closed at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from resourceful.broadcast._backends import Backend, BrokerUnavailable, backend_for
from resourceful.broadcast._subscription import (
    Event,
    MessagesMissed,
    OnFull,
    SubscriberTooSlow,
    Subscription,
)
from resourceful.di import Provider


class Broadcast:
    """Channels of text messages over the broker ``url`` names.

    Args:
        url: ``memory://`` (this process only, nothing to install) or
            ``redis://host:port/db`` (``rediss://`` for TLS; the ``redis`` extra, asyncio).
        backlog: how many messages may wait for a subscriber that reads slower than they
            come; past that ``on_full`` decides.
        on_full: ``"drop"`` the oldest waiting messages (the subscriber is told with
            :class:`MessagesMissed`), or ``"disconnect"`` the subscriber
            (:class:`SubscriberTooSlow`). Memory never grows without bound either way.
    """

    def __init__(
        self, url: str = "memory://", *, backlog: int = 1000, on_full: OnFull = "drop"
    ) -> None:
        if backlog < 1:
            msg = f"backlog must be 1 or more messages, not {backlog}."
            raise ValueError(msg)
        if on_full not in ("drop", "disconnect"):
            msg = f"on_full must be 'drop' or 'disconnect', not {on_full!r}."
            raise ValueError(msg)
        self.backend: Backend = backend_for(url)
        self.backlog = backlog
        self.on_full = on_full
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._connected = False

    async def connect(self) -> None:
        """Connect to the broker.

        Raises:
            BrokerUnavailable: the broker cannot be reached.
        """
        await self.backend.connect(self._dispatch, self._broker_lost)
        self._connected = True

    async def disconnect(self) -> None:
        """Close the connection to the broker; subscriptions end once read to the end."""
        if self._connected:
            self._connected = False
            for subscribers in self._subscriptions.values():
                for subscription in subscribers:
                    subscription.close()
            await self.backend.disconnect()

    async def __aenter__(self) -> Broadcast:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every subscriber of ``channel``, in every process.

        Raises:
            BrokerUnavailable: the broker cannot be reached (the message is not sent).
        """
        self._check_connected("publish")
        await self.backend.publish(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive the messages published on ``channel`` from now on, while the block runs.

        ``async with broadcast.subscribe("news") as news: async for event in news: ...``
        """
        self._check_connected("subscribe")
        subscribers = self._subscriptions.setdefault(channel, set())
        subscription = Subscription(channel, self.backlog, self.on_full)
        subscribers.add(subscription)
        try:
            if len(subscribers) == 1:
                await self.backend.subscribe(channel)
            yield subscription
        finally:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[channel]
                if self._connected:
                    await self.backend.unsubscribe(channel)

    def _check_connected(self, action: str) -> None:
        if not self._connected:
            msg = (
                f"Cannot {action}: the broadcast is not connected. Use 'async with "
                "Broadcast(url)', or inject one from broadcast_provider(url)."
            )
            raise RuntimeError(msg)

    def _dispatch(self, channel: str, message: str) -> None:
        subscribers = self._subscriptions.get(channel)
        if subscribers:
            event = Event(channel, message)
            for subscription in list(subscribers):
                subscription.deliver(event)

    def _broker_lost(self) -> None:
        for subscribers in self._subscriptions.values():
            for subscription in subscribers:
                subscription.broker_lost()


def broadcast_provider(
    url: str = "memory://", *, backlog: int = 1000, on_full: OnFull = "drop"
) -> Provider:
    """An app-scoped provider of :class:`Broadcast`: connected when the app starts (a broker
    that cannot be reached stops the startup), closed when it shuts down."""

    async def connected_broadcast() -> AsyncIterator[Broadcast]:
        async with Broadcast(url, backlog=backlog, on_full=on_full) as broadcast:
            yield broadcast

    return Provider(connected_broadcast, scope="app", provides=Broadcast)


__all__ = [
    "Broadcast",
    "BrokerUnavailable",
    "Event",
    "MessagesMissed",
    "SubscriberTooSlow",
    "Subscription",
    "broadcast_provider",
]
