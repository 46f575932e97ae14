"""One subscriber's side of a channel: a bounded backlog of events, read as an async iterator."""

from __future__ import annotations

from collections import deque
from typing import Literal

import anyio
import attrs

OnFull = Literal["drop", "disconnect"]


@attrs.frozen
class Event:
    """A message published on a channel."""

    channel: str
    message: str


class MessagesMissed(Exception):
    """Messages on this subscription were lost; iterate again to go on.

    Raised once, where they would have come: the subscriber fell behind and its oldest
    messages were dropped (``dropped`` of them), or the broker was away for a while and is
    back (``broker_lost``). A subscriber that shows state built from messages reloads it
    here.
    """

    def __init__(self, channel: str, dropped: int, broker_lost: bool) -> None:
        causes = []
        if dropped:
            causes.append(f"{dropped} dropped as the subscriber fell behind")
        if broker_lost:
            causes.append("the broker was away")
        super().__init__(f"Messages on {channel!r} were missed: {'; '.join(causes)}.")
        self.channel = channel
        self.dropped = dropped
        self.broker_lost = broker_lost


class SubscriberTooSlow(Exception):
    """The subscription was ended because its backlog was full (``on_full="disconnect"``)."""

    def __init__(self, channel: str, backlog: int) -> None:
        msg = f"The subscription to {channel!r} fell {backlog} messages behind and was ended."
        super().__init__(msg)
        self.channel = channel


class Subscription:
    """The events of one channel, in order, for one subscriber: ``async for event in it``.

    At most ``backlog`` events wait to be read; past that the oldest are dropped (and the
    subscriber is told with :class:`MessagesMissed`), or with ``on_full="disconnect"`` the
    subscription ends with :class:`SubscriberTooSlow`. Get one from
    :meth:`Broadcast.subscribe <resourceful.broadcast.Broadcast.subscribe>`.
    """

    def __init__(self, channel: str, backlog: int, on_full: OnFull) -> None:
        self.channel = channel
        self._backlog = backlog
        self._on_full = on_full
        self._pending: deque[Event] = deque()
        self._ready = anyio.Event()
        self._dropped = 0
        self._broker_lost = False
        self._too_slow = False
        self._closed = False

    def deliver(self, event: Event) -> None:
        """Queue ``event`` for the subscriber (called by the broadcast, never blocks)."""
        if self._too_slow:
            return
        if len(self._pending) >= self._backlog:
            if self._on_full == "disconnect":
                self._too_slow = True  # it gets nothing more; its block ends it
                self._pending.clear()
                self._ready.set()
                return
            self._pending.popleft()
            self._dropped += 1
        self._pending.append(event)
        self._ready.set()

    def broker_lost(self) -> None:
        """Note that messages may have been missed while the broker was away (it is back)."""
        self._broker_lost = True
        self._ready.set()

    def close(self) -> None:
        """End the subscription: iteration stops once what waits is read."""
        self._closed = True
        self._ready.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._dropped or self._broker_lost:
                missed = MessagesMissed(self.channel, self._dropped, self._broker_lost)
                self._dropped, self._broker_lost = 0, False
                raise missed
            if self._pending:
                return self._pending.popleft()
            if self._too_slow:
                raise SubscriberTooSlow(self.channel, self._backlog)
            if self._closed:
                raise StopAsyncIteration
            self._ready = anyio.Event()
            await self._ready.wait()
