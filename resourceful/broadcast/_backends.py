"""Where messages travel between processes: nowhere (``memory://``) or through Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

import anyio

from resourceful.exceptions import MissingDependencyError

logger = logging.getLogger("resourceful.broadcast")

#: Called with each message the broker delivers to this process.
Dispatch = Callable[[str, str], None]


class BrokerUnavailable(ConnectionError):
    """The broker could not be reached to publish or subscribe."""


class Backend(Protocol):
    """What a broadcast needs from a broker."""

    async def connect(self, dispatch: Dispatch, lost: Callable[[], None]) -> None:
        """Connect; ``dispatch`` gets each message, ``lost`` is called once the broker is
        back after it was away (messages may have been missed meanwhile)."""

    async def disconnect(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...


class MemoryBackend:
    """One process: a message published is handed to this process's subscribers at once."""

    _dispatch: Dispatch

    async def connect(self, dispatch: Dispatch, lost: Callable[[], None]) -> None:
        self._dispatch = dispatch

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str) -> None:
        pass  # every channel is heard already

    async def unsubscribe(self, channel: str) -> None:
        pass

    async def publish(self, channel: str, message: str) -> None:
        self._dispatch(channel, message)


class RedisBackend:
    """Redis pub/sub through redis-py's asyncio client (the ``redis`` extra; asyncio only).

    One connection publishes, one listens: each channel a subscriber of this process wants
    is subscribed once, and a reader hands each message on. When Redis goes away the reader
    reconnects, waiting a little longer each time (up to ``max_delay`` seconds), subscribes
    again to every channel, and then tells the subscribers that they may have missed
    messages.
    """

    _reader: asyncio.Task[None]  # set by connect

    def __init__(self, url: str, *, max_delay: float = 5.0) -> None:
        try:
            import redis.asyncio
        except ImportError:
            raise MissingDependencyError("redis", "redis", "Broadcast over redis://") from None
        self._redis = redis.asyncio
        self._errors: tuple[type[BaseException], ...] = (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            OSError,
        )
        self.url = url
        self.max_delay = max_delay
        self._client: Any = None
        self._pubsub: Any = None
        self._channels: set[str] = set()
        self._listening = anyio.Event()
        self._is_up = True  # as far as the reader knows

    async def connect(self, dispatch: Dispatch, lost: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # trio: no asyncio loop runs
            msg = "Broadcast over redis:// needs asyncio (redis-py's client runs on asyncio)."
            raise RuntimeError(msg) from None
        self._client = self._redis.from_url(self.url, decode_responses=True)
        try:
            await self._client.ping()
        except self._errors as exc:
            await self._client.aclose()
            msg = f"Redis at {_safe(self.url)} cannot be reached: {exc}"
            raise BrokerUnavailable(msg) from exc
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        # A task of its own (not in a task group held open across the app's life): the
        # backend runs on asyncio only, and the task ends when the broadcast disconnects.
        self._reader = loop.create_task(self._read(dispatch, lost))

    async def disconnect(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._pubsub.aclose()
        await self._client.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        self._listening.set()
        if self._is_up:  # else the reader subscribes to every channel once Redis is back
            try:
                await self._pubsub.subscribe(channel)
            except self._errors:  # pragma: no cover (Redis went just now; the reader will see)
                pass

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        if self._is_up:  # else the channel goes with the connection
            try:
                await self._pubsub.unsubscribe(channel)
            except self._errors:  # pragma: no cover (Redis went just now; the reader will see)
                pass

    async def publish(self, channel: str, message: str) -> None:
        try:
            await self._client.publish(channel, message)
        except self._errors as exc:
            msg = f"Redis at {_safe(self.url)} cannot be reached to publish: {exc}"
            raise BrokerUnavailable(msg) from exc

    async def _read(self, dispatch: Dispatch, lost: Callable[[], None]) -> None:
        while True:
            if not self._channels:
                self._listening = anyio.Event()
                await self._listening.wait()
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except self._errors as exc:
                logger.warning("Redis at %s went away (%s); reconnecting", _safe(self.url), exc)
                self._is_up = False
                await self._reconnect()
                self._is_up = True
                lost()  # told once back, when reloading what they show can work
                continue
            if message is not None and message["type"] == "message":
                dispatch(message["channel"], message["data"])

    async def _reconnect(self) -> None:
        delay = 0.05
        while True:
            await anyio.sleep(delay)
            delay = min(delay * 2, self.max_delay)
            try:
                await self._client.ping()
                await self._pubsub.aclose()
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                for channel in list(self._channels):
                    await self._pubsub.subscribe(channel)
            except self._errors:
                continue
            logger.warning("Redis at %s is back", _safe(self.url))
            return


def _safe(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def backend_for(url: str) -> Backend:
    """The backend a URL names: ``memory://``, or ``redis://`` / ``rediss://`` / ``unix://``."""
    scheme = url.partition("://")[0].lower()
    if scheme == "memory":
        return MemoryBackend()
    if scheme in ("redis", "rediss", "unix"):
        return RedisBackend(url)
    msg = f"Broadcast URLs start with memory:// or redis:// (or rediss://), not {_safe(url)!r}."
    raise ValueError(msg)
