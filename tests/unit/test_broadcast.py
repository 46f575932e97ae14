"""Broadcast over memory://: channels, slow subscribers, injection into an app."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import pytest

from resourceful import App, Query, Route, WebSocketRoute
from resourceful.broadcast import (
    Broadcast,
    Event,
    MessagesMissed,
    SubscriberTooSlow,
    broadcast_provider,
)
from resourceful.broadcast._subscription import Subscription
from resourceful.exceptions import MissingDependencyError
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def test_subscribers_get_what_is_published_after_they_subscribe() -> None:
    async with Broadcast() as broadcast:
        await broadcast.publish("news", "before anyone listened")
        async with (
            broadcast.subscribe("news") as first,
            broadcast.subscribe("news") as second,
            broadcast.subscribe("weather") as weather,
        ):
            await broadcast.publish("news", "one")
            await broadcast.publish("weather", "rain")
            await broadcast.publish("news", "two")
            assert [await anext(first), await anext(first)] == [
                Event("news", "one"),
                Event("news", "two"),
            ]
            assert await anext(second) == Event("news", "one")
            assert await anext(weather) == Event("weather", "rain")
        # Nobody subscribes any more: publishing reaches no one, and is fine.
        await broadcast.publish("news", "three")


async def test_a_subscriber_waits_for_the_next_message() -> None:
    async with (
        Broadcast() as broadcast,
        broadcast.subscribe("news") as news,
        anyio.create_task_group() as group,
    ):

        async def later() -> None:
            await anyio.sleep(0.01)
            await broadcast.publish("news", "late")

        group.start_soon(later)
        with anyio.fail_after(5):
            assert (await anext(news)).message == "late"


async def test_a_slow_subscriber_loses_its_oldest_messages_and_is_told() -> None:
    async with Broadcast(backlog=3) as broadcast, broadcast.subscribe("news") as news:
        for number in range(5):  # published faster than read: 2 too many
            await broadcast.publish("news", str(number))
        with pytest.raises(MessagesMissed) as missed:
            await anext(news)
        assert (missed.value.dropped, missed.value.broker_lost) == (2, False)
        assert str(missed.value) == (
            "Messages on 'news' were missed: 2 dropped as the subscriber fell behind."
        )
        assert [(await anext(news)).message for _ in range(3)] == ["2", "3", "4"]


async def test_a_slow_subscriber_can_be_disconnected_instead() -> None:
    async with (
        Broadcast(backlog=2, on_full="disconnect") as broadcast,
        broadcast.subscribe("news") as slow,
        broadcast.subscribe("news") as quick,
    ):
        for number in "12":
            await broadcast.publish("news", number)
            assert (await anext(quick)).message == number
        await broadcast.publish("news", "3")  # slow has 1 and 2 waiting: full, so ended
        with pytest.raises(SubscriberTooSlow, match="fell 2 messages behind"):
            await anext(slow)
        await broadcast.publish("news", "4")  # it gets nothing more
        with pytest.raises(SubscriberTooSlow):
            await anext(slow)
        assert [(await anext(quick)).message for _ in range(2)] == ["3", "4"]


async def test_messages_missed_while_the_broker_was_away() -> None:
    subscription = Subscription("news", backlog=10, on_full="drop")
    subscription.deliver(Event("news", "before"))
    subscription.broker_lost()
    with pytest.raises(MessagesMissed, match="the broker was away") as missed:
        await anext(subscription)
    assert missed.value.broker_lost
    assert (await anext(subscription)).message == "before"


async def test_an_async_for_loop_reads_the_events() -> None:
    async with Broadcast() as broadcast, broadcast.subscribe("news") as news:
        for text in ("a", "b", "stop"):
            await broadcast.publish("news", text)
        seen = []
        async for event in news:  # pragma: no branch (a subscription never runs out)
            if event.message == "stop":
                break
            seen.append(event.message)
        assert seen == ["a", "b"]


async def test_a_subscription_left_open_past_the_disconnect_ends_quietly() -> None:
    broadcast = Broadcast()
    await broadcast.connect()
    async with broadcast.subscribe("news") as news:
        await broadcast.publish("news", "last")
        await broadcast.disconnect()
        await broadcast.disconnect()  # a second time changes nothing
        assert [event.message async for event in news] == ["last"]
    with pytest.raises(RuntimeError, match="not connected"):
        await broadcast.publish("news", "x")


async def test_nothing_works_before_connecting() -> None:
    broadcast = Broadcast()
    with pytest.raises(RuntimeError, match="the broadcast is not connected"):
        await broadcast.publish("news", "x")
    with pytest.raises(RuntimeError, match="broadcast_provider"):
        async with broadcast.subscribe("news"):
            pass  # pragma: no cover (subscribing fails)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "kafka://localhost"}, "start with memory:// or redis://"),
        ({"url": "amqp://user:hunter2@host"}, r"not 'amqp://\*\*\*@host'"),
        ({"backlog": 0}, "backlog must be 1 or more"),
        ({"on_full": "block"}, "on_full must be 'drop' or 'disconnect'"),
    ],
)
def test_bad_settings_are_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Broadcast(**arguments)  # type: ignore[arg-type]


def test_redis_needs_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[redis\]"):
        Broadcast("redis://127.0.0.1:6379")


# -- injected into an app ---------------------------------------------------------------------


async def announce(broadcast: Broadcast, text: Annotated[str, Query()]) -> str:
    await broadcast.publish("announcements", text)
    return "sent"


async def listen(websocket: WebSocket, broadcast: Broadcast) -> None:
    await websocket.accept()
    async with broadcast.subscribe("announcements") as announcements:
        await websocket.send_text("listening")
        async for event in announcements:
            await websocket.send_text(event.message)


def test_an_app_injects_one_connected_broadcast(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[Route("/announce", announce, methods=["POST"]), WebSocketRoute("/ws", listen)],
        providers=[broadcast_provider()],
    )
    with (
        test_client_factory(app) as client,
        client.websocket_connect("/ws") as first,
        client.websocket_connect("/ws") as second,
    ):
        assert first.receive_text() == second.receive_text() == "listening"
        assert client.post("/announce", params={"text": "hello"}).json() == "sent"
        assert first.receive_text() == second.receive_text() == "hello"


# -- GraphQL subscriptions fed by a broadcast -------------------------------------------------


async def add_note(root: object, info: object, text: str, broadcast: Broadcast) -> str:
    await broadcast.publish("notes", text)
    return text


async def note_added(root: object, info: object, broadcast: Broadcast) -> AsyncIterator[str]:
    async with broadcast.subscribe("notes") as notes:
        yield "(subscribed)"  # a first event: the client knows nothing is missed from here
        async for event in notes:  # pragma: no branch (a subscription never runs out)
            yield event.message


def test_a_graphql_subscription_hears_a_mutation_through_the_broadcast(
    test_client_factory: TestClientFactory,
) -> None:
    from resourceful.graphql import GraphQLApp, make_schema

    schema = make_schema(
        """
        type Query { ok: Boolean }
        type Mutation { addNote(text: String!): String! }
        type Subscription { noteAdded: String! }
        """,
        {"Mutation": {"addNote": add_note}, "Subscription": {"noteAdded": note_added}},
    )
    graphql = GraphQLApp(schema)
    app = App(
        routes=[Route("/graphql", graphql, methods=["POST"]), WebSocketRoute("/graphql", graphql)],
        providers=[broadcast_provider()],
    )
    with (
        test_client_factory(app) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket,
    ):
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json() == {"type": "connection_ack"}
        payload = {"query": "subscription { noteAdded }"}
        socket.send_json({"id": "1", "type": "subscribe", "payload": payload})
        assert socket.receive_json()["payload"] == {"data": {"noteAdded": "(subscribed)"}}
        mutation = {"query": 'mutation { addNote(text: "Over GraphQL") }'}
        assert client.post("/graphql", json=mutation).json() == {
            "data": {"addNote": "Over GraphQL"}
        }
        assert socket.receive_json() == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"noteAdded": "Over GraphQL"}},
        }
