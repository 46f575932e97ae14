"""Broadcast over a real Redis server on 127.0.0.1 (see tests/redis_server.py).

redis-py's client runs on asyncio, so these tests do too; on trio the backend says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
import redis.asyncio

from resourceful.broadcast import Broadcast, BrokerUnavailable, MessagesMissed
from tests.redis_server import RedisServer, redis_server

asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


async def subscribers_of(url: str, channel: str) -> int:
    client = redis.asyncio.from_url(url)
    try:
        counts = await client.pubsub_numsub(channel)
        return int(counts[0][1])
    finally:
        await client.aclose()


@asyncio_only
async def test_a_message_reaches_the_subscribers_of_every_broadcast(
    server: RedisServer, anyio_backend: str
) -> None:
    # Two broadcasts on one Redis stand for two processes of one app.
    async with Broadcast(server.url) as first, Broadcast(server.url) as second:
        async with (
            first.subscribe("notes") as on_first,
            second.subscribe("notes") as on_second,
            second.subscribe("other") as other,
        ):
            assert await subscribers_of(server.url, "notes") == 2
            await first.publish("notes", "Zoë's note")
            with anyio.fail_after(5):
                assert (await anext(on_first)).message == "Zoë's note"
                assert (await anext(on_second)).message == "Zoë's note"
            await second.publish("other", "elsewhere")
            with anyio.fail_after(5):
                assert (await anext(other)).channel == "other"
        # The last subscriber of each process left: Redis no longer sends them the channel.
        assert await subscribers_of(server.url, "notes") == 0


@asyncio_only
async def test_subscribers_are_told_when_redis_goes_away_and_hear_again_after(
    server: RedisServer, anyio_backend: str
) -> None:
    async with Broadcast(server.url) as broadcast, broadcast.subscribe("notes") as notes:
        server.stop()
        await anyio.sleep(0.2)  # the reader sees the connection close at once
        # Published while Redis is away: the publisher hears of it. A subscriber that comes
        # and one that goes meanwhile are fine.
        with pytest.raises(BrokerUnavailable, match="cannot be reached to publish"):
            await broadcast.publish("notes", "lost")
        async with broadcast.subscribe("gone") as gone:
            assert gone.channel == "gone"
        async with broadcast.subscribe("later") as later:
            await anyio.sleep(0.3)  # long enough for the first attempts to reconnect to fail
            server.start()
            # Once Redis is back (and subscribed to again), every subscriber is told.
            for subscription in (notes, later):
                with anyio.fail_after(15), pytest.raises(MessagesMissed) as missed:
                    await anext(subscription)
                assert missed.value.broker_lost
            await broadcast.publish("later", "heard")
            with anyio.fail_after(5):
                assert (await anext(later)).message == "heard"
        await broadcast.publish("notes", "back")
        with anyio.fail_after(5):
            assert (await anext(notes)).message == "back"


@asyncio_only
async def test_an_unreachable_redis_stops_the_connection(anyio_backend: str) -> None:
    # Nothing listens on port 1; the password stays out of the message.
    broadcast = Broadcast("redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(BrokerUnavailable, match=r"redis://\*\*\*@127.0.0.1:1/0") as refused:
        await broadcast.connect()
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_redis_needs_asyncio(anyio_backend: str) -> None:
    with pytest.raises(RuntimeError, match=r"redis:// needs asyncio"):
        await Broadcast("redis://127.0.0.1:1/0").connect()
