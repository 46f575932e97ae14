"""Where server-side sessions live: in this process's memory, or in Redis.

Give one to ``SessionMiddleware(store=...)`` and the cookie holds only a signed session id;
the session's data stays on the server, so it may grow past a cookie's 4 KB and can be
revoked by deleting it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from resourceful.exceptions import MissingDependencyError


class SessionStore(Protocol):
    """What ``SessionMiddleware`` needs to keep sessions on the server."""

    async def load(self, session_id: str) -> dict[str, Any] | None:
        """The session's data, or None when there is none (never was, expired, revoked)."""

    async def save(self, session_id: str, data: dict[str, Any], max_age: int | None) -> None:
        """Keep ``data`` for ``max_age`` seconds (None: as long as the store keeps data)."""

    async def delete(self, session_id: str) -> None:
        """Forget the session (log it out everywhere it is used)."""


class MemorySessionStore:
    """Sessions in this process's memory: for tests, and for apps served by one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._sessions: dict[str, tuple[str, float | None]] = {}

    async def load(self, session_id: str) -> dict[str, Any] | None:
        found = self._sessions.get(session_id)
        if found is None:
            return None
        data, expires = found
        if expires is not None and self.clock() >= expires:
            del self._sessions[session_id]
            return None
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    async def save(self, session_id: str, data: dict[str, Any], max_age: int | None) -> None:
        expires = None if max_age is None else self.clock() + max_age
        self._sessions[session_id] = (json.dumps(data), expires)

    async def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)


class RedisSessionStore:
    """Sessions in Redis, each a JSON string under ``prefix + id`` that expires with it.

    Every worker on the same Redis sees the same sessions. It uses redis-py's asyncio client
    (the ``redis`` extra), so it runs on asyncio; close it with :meth:`aclose` at shutdown.
    """

    def __init__(self, url: str, *, prefix: str = "session:") -> None:
        try:
            import redis.asyncio
        except ImportError:
            raise MissingDependencyError("redis", "redis", "RedisSessionStore") from None
        self.prefix = prefix
        self.client: Any = redis.asyncio.from_url(url, decode_responses=True)

    async def load(self, session_id: str) -> dict[str, Any] | None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # trio: no asyncio loop runs
            msg = "RedisSessionStore needs asyncio (redis-py's client runs on asyncio)."
            raise RuntimeError(msg) from None
        data = await self.client.get(self.prefix + session_id)
        if data is None:
            return None
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    async def save(self, session_id: str, data: dict[str, Any], max_age: int | None) -> None:
        await self.client.set(self.prefix + session_id, json.dumps(data), ex=max_age)

    async def delete(self, session_id: str) -> None:
        await self.client.delete(self.prefix + session_id)

    async def aclose(self) -> None:
        """Close the connections to Redis."""
        await self.client.aclose()


__all__ = ["MemorySessionStore", "RedisSessionStore", "SessionStore"]
