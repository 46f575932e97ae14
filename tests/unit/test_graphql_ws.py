"""GraphQL over a websocket by graphql-transport-ws: the handshake, operations and close codes."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest

from resourceful import App, WebSocketRoute
from resourceful.graphql import GraphQLApp, make_schema
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

PROTOCOL = ["graphql-transport-ws"]
SDL = """
type Query { hello(name: String = "world"): String! }
type Mutation { add(a: Int!, b: Int!): Int! }
type Subscription {
  count(to: Int!): Int!
  forever: Int!
  failing: Int!
  refused: Int!
  later: Int!
  plain: Int!
}
"""

stopped: list[str] = []
stop_seen = threading.Event()


async def hello(root: Any, info: Any, name: str) -> str:
    return f"Hello, {name}"


def add(root: Any, info: Any, a: int, b: int) -> int:
    return a + b


async def count(root: Any, info: Any, to: int) -> AsyncIterator[int]:
    for number in range(1, to + 1):
        yield number


async def forever(root: Any, info: Any) -> AsyncIterator[int]:
    try:
        number = 0
        while True:
            number += 1
            yield number
            await anyio.sleep(0.01)
    finally:
        stopped.append("forever")
        stop_seen.set()


async def failing(root: Any, info: Any) -> AsyncIterator[int]:
    yield 1
    raise RuntimeError("the feed broke: secret detail")


def refused(root: Any, info: Any) -> AsyncIterator[int]:
    raise PermissionError("no subscriptions for you")


async def later(root: Any, info: Any) -> AsyncIterator[int]:
    """An async function that gives the events once awaited."""
    return count(root, info, to=2)


class Countdown:
    """An async iterator that is no generator: it has nothing to close."""

    def __init__(self) -> None:
        self.left = 2

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> int:
        if not self.left:
            raise StopAsyncIteration
        self.left -= 1
        return self.left


def plain(root: Any, info: Any) -> Countdown:
    return Countdown()


SCHEMA = make_schema(
    SDL,
    {
        "Query": {"hello": hello},
        "Mutation": {"add": add},
        "Subscription": {
            "count": count,
            "forever": forever,
            "failing": failing,
            "refused": refused,
            "later": later,
            "plain": plain,
        },
    },
)


@pytest.fixture(autouse=True)
def reset() -> None:
    stopped.clear()
    stop_seen.clear()


def app_with(**options: Any) -> App:
    return App(routes=[WebSocketRoute("/graphql", GraphQLApp(SCHEMA, **options))])


@contextmanager
def session(
    test_client_factory: TestClientFactory, *, init: bool = True, **options: Any
) -> Iterator[Any]:
    client = test_client_factory(app_with(**options))
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as socket:
        assert socket.accepted_subprotocol == "graphql-transport-ws"
        if init:
            socket.send_json({"type": "connection_init"})
            assert socket.receive_json() == {"type": "connection_ack"}
        yield socket


def closed_after_events(socket: Any) -> tuple[int, str]:
    """The close code and reason, once the events of a running subscription are read."""
    try:
        while True:
            assert socket.receive_json()["type"] == "next"
    except WebSocketDisconnect as closed:
        return closed.code, closed.reason


def received_until(socket: Any, last: dict[str, Any]) -> list[Any]:
    """The messages up to ``last``, which ends the list."""
    received = [socket.receive_json()]
    while received[-1] != last:
        received.append(socket.receive_json())
    return received


def closed_with(socket: Any) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as caught:
        socket.receive_json()
    return caught.value.code, caught.value.reason


def test_a_query_and_a_mutation_respond_next_then_complete(
    test_client_factory: TestClientFactory,
) -> None:
    with session(test_client_factory) as socket:
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}})
        assert socket.receive_json() == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"hello": "Hello, world"}},
        }
        assert socket.receive_json() == {"id": "1", "type": "complete"}
        mutation = {"query": "mutation($a: Int!) { add(a: $a, b: 2) }", "variables": {"a": 1}}
        socket.send_json({"id": "2", "type": "subscribe", "payload": mutation})
        assert socket.receive_json()["payload"] == {"data": {"add": 3}}
        assert socket.receive_json() == {"id": "2", "type": "complete"}


def test_a_subscription_sends_each_event_then_complete(
    test_client_factory: TestClientFactory,
) -> None:
    query = "subscription($to: Int!) { count(to: $to) }"
    with session(test_client_factory) as socket:
        payload = {"query": query, "variables": {"to": 3}}
        socket.send_json({"id": "c", "type": "subscribe", "payload": payload})
        events = [socket.receive_json() for _ in range(4)]

    assert [event["payload"] for event in events[:3]] == [{"data": {"count": n}} for n in (1, 2, 3)]
    assert events[3] == {"id": "c", "type": "complete"}


def test_the_clients_complete_stops_the_source_and_runs_its_teardown(
    test_client_factory: TestClientFactory,
) -> None:
    with session(test_client_factory) as socket:
        socket.send_json(
            {"id": "f", "type": "subscribe", "payload": {"query": "subscription { forever }"}}
        )
        assert socket.receive_json()["payload"] == {"data": {"forever": 1}}
        socket.send_json({"id": "f", "type": "complete"})
        assert stop_seen.wait(5)
        socket.send_json({"type": "ping"})
        # What the source sent before it stopped may still come; then the pong.
        received = received_until(socket, {"type": "pong"})
        assert {message.get("id") for message in received[:-1]} <= {"f"}
    assert stopped == ["forever"]


@pytest.mark.parametrize(
    ("field", "values"), [("later", [1, 2]), ("plain", [1, 0])], ids=["awaited", "iterator"]
)
def test_sources_that_are_awaited_or_plain_iterators_work(
    test_client_factory: TestClientFactory, field: str, values: list[int]
) -> None:
    with session(test_client_factory) as socket:
        query = {"query": f"subscription {{ {field} }}"}
        socket.send_json({"id": "s", "type": "subscribe", "payload": query})
        received = received_until(socket, {"id": "s", "type": "complete"})

    assert [message["payload"]["data"][field] for message in received[:-1]] == values


def test_leaving_stops_running_subscriptions(test_client_factory: TestClientFactory) -> None:
    with session(test_client_factory) as socket:
        socket.send_json(
            {"id": "f", "type": "subscribe", "payload": {"query": "subscription { forever }"}}
        )
        assert socket.receive_json()["type"] == "next"
    assert stop_seen.wait(5)
    assert stopped == ["forever"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"query": "{ nosuch }"}, "Cannot query field 'nosuch'"),
        ({"query": "subscription($to: Int!) { count(to: $to) }"}, "Variable '$to'"),
        ({"query": "query A { hello }", "operationName": "B"}, "no operation to run"),
        ({"query": "subscription { refused }"}, "no subscriptions for you"),
    ],
    ids=["invalid", "variables", "operation-name", "refused-source"],
)
def test_an_operation_that_cannot_run_gets_an_error(
    test_client_factory: TestClientFactory, payload: dict[str, Any], message: str
) -> None:
    """Sent: documents that do not validate or coerce, or whose source refuses at once."""
    with session(test_client_factory, debug=True) as socket:
        socket.send_json({"id": "e", "type": "subscribe", "payload": payload})
        error = socket.receive_json()
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}, "no complete after an error"

    assert (error["id"], error["type"]) == ("e", "error")
    assert message in error["payload"][0]["message"]


def test_a_source_that_fails_midway_ends_with_a_masked_error(
    test_client_factory: TestClientFactory,
) -> None:
    with session(test_client_factory) as socket:
        socket.send_json(
            {"id": "x", "type": "subscribe", "payload": {"query": "subscription { failing }"}}
        )
        assert socket.receive_json()["payload"] == {"data": {"failing": 1}}
        error = socket.receive_json()

    assert (error["id"], error["type"]) == ("x", "error")
    assert error["payload"] == [
        {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    ]


def test_ping_gets_a_pong_and_pong_is_ignored_before_and_after_init(
    test_client_factory: TestClientFactory,
) -> None:
    # A timeout a loaded machine cannot pass before the init is sent, and waited out after.
    with session(test_client_factory, init=False, connection_init_timeout=0.3) as socket:
        socket.send_json({"type": "pong"})
        socket.send_json({"type": "ping", "payload": {"at": 1}})
        assert socket.receive_json() == {"type": "pong"}
        socket.send_json({"type": "connection_init", "payload": {"token": "t"}})
        assert socket.receive_json() == {"type": "connection_ack"}
        time.sleep(0.4)  # past the init timeout: initialised in time, the socket stays open
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}


def test_on_connect_checks_the_init_payload(test_client_factory: TestClientFactory) -> None:
    async def check(websocket: WebSocket, payload: dict[str, Any] | None) -> Any:
        if (payload or {}).get("token") != "secret":
            return False
        return {"user": "ann"}

    client = test_client_factory(app_with(on_connect=check))
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as socket:
        socket.send_json({"type": "connection_init", "payload": {"token": "secret"}})
        assert socket.receive_json() == {"type": "connection_ack", "payload": {"user": "ann"}}
    with client.websocket_connect("/graphql", subprotocols=PROTOCOL) as socket:
        socket.send_json({"type": "connection_init", "payload": {"token": "guess"}})
        assert closed_with(socket) == (4403, "Forbidden")

    plain = test_client_factory(app_with(on_connect=lambda websocket, payload: None))
    with plain.websocket_connect("/graphql", subprotocols=PROTOCOL) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json() == {"type": "connection_ack"}


def test_the_context_of_a_socket_is_made_from_the_websocket(
    test_client_factory: TestClientFactory,
) -> None:
    seen: list[Any] = []

    def context(connection: Any) -> dict[str, Any]:
        seen.append(type(connection).__name__)
        return {"request": connection}

    with session(test_client_factory, context_value=context) as socket:
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}})
        assert socket.receive_json()["type"] == "next"
    assert seen == ["WebSocket"]


def test_without_the_subprotocol_the_socket_is_closed_with_4406(
    test_client_factory: TestClientFactory,
) -> None:
    """Sent: a websocket that does not ask for graphql-transport-ws."""
    with test_client_factory(app_with()).websocket_connect("/graphql") as socket:
        assert closed_with(socket) == (4406, "Subprotocol not acceptable")


def test_no_init_in_time_is_4408(test_client_factory: TestClientFactory) -> None:
    """Sent: nothing, for longer than the connection_init timeout."""
    with session(test_client_factory, init=False, connection_init_timeout=0.05) as socket:
        assert closed_with(socket) == (4408, "Connection initialisation timeout")


@pytest.mark.parametrize(
    ("messages", "code", "reason"),
    [
        ([{"type": "connection_init"}], 4429, "Too many initialisation requests"),
        (
            [{"id": "1", "type": "subscribe", "payload": {"query": "subscription { forever }"}}]
            * 2,
            4409,
            "Subscriber for 1 already exists",
        ),
    ],
    ids=["second-init", "duplicate-id"],
)
def test_protocol_violations_after_init_close_the_socket(
    test_client_factory: TestClientFactory, messages: list[Any], code: int, reason: str
) -> None:
    """Sent: a second connection_init; a subscribe reusing a running operation's id."""
    with session(test_client_factory) as socket:
        for message in messages:
            socket.send_json(message)
        assert closed_after_events(socket) == (code, reason)


def test_subscribe_before_the_ack_is_4401(test_client_factory: TestClientFactory) -> None:
    """Sent: a subscribe without connection_init first."""
    with session(test_client_factory, init=False) as socket:
        socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}})
        assert closed_with(socket) == (4401, "Unauthorized")


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "Messages are JSON"),
        ("[1, 2]", "A message is an object with a 'type'"),
        ('{"id": "1"}', "A message is an object with a 'type'"),
        ('{"type": "shout"}', "Unknown message type 'shout'"),
        ('{"type": "connection_init", "payload": [1]}', "The connection_init payload is an object"),
        (b'{"type": "ping"}', "Messages are JSON text"),
    ],
    ids=["not-json", "array", "no-type", "unknown-type", "init-payload", "binary"],
)
def test_malformed_messages_are_4400(
    test_client_factory: TestClientFactory, frame: str | bytes, reason: str
) -> None:
    """Sent: frames that are no protocol message."""
    with session(test_client_factory, init=False) as socket:
        if isinstance(frame, bytes):
            socket.send_bytes(frame)
        else:
            socket.send_text(frame)
        assert closed_with(socket) == (4400, reason)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"type": "subscribe", "payload": {"query": "{ hello }"}}, "needs an 'id'"),
        ({"id": "", "type": "subscribe", "payload": {"query": "{ hello }"}}, "needs an 'id'"),
        ({"id": "1", "type": "subscribe"}, "has a payload object"),
        ({"id": "1", "type": "subscribe", "payload": {"query": 5}}, "'query' parameter"),
        ({"type": "complete"}, "needs an 'id'"),
    ],
)
def test_malformed_operations_are_4400(
    test_client_factory: TestClientFactory, message: dict[str, Any], reason: str
) -> None:
    """Sent: subscribe and complete messages without an id, or with a broken payload."""
    with session(test_client_factory) as socket:
        socket.send_json(message)
        code, text = closed_with(socket)
    assert code == 4400
    assert reason in text


def test_completing_an_unknown_operation_is_ignored(test_client_factory: TestClientFactory) -> None:
    with session(test_client_factory) as socket:
        socket.send_json({"id": "nothing", "type": "complete"})
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}


def test_operations_past_the_limit_get_an_error(test_client_factory: TestClientFactory) -> None:
    """Sent: a third subscription while two run, with at most two allowed."""
    refusal = {
        "id": "3",
        "type": "error",
        "payload": [{"message": "At most 2 operations run at once on a socket."}],
    }
    with session(test_client_factory, max_operations=2) as socket:
        for operation_id in ("1", "2", "3"):
            query = {"query": "subscription { forever }"}
            socket.send_json({"id": operation_id, "type": "subscribe", "payload": query})
        received = received_until(socket, refusal)  # the two running send events meanwhile
    assert {message["id"] for message in received[:-1]} <= {"1", "2"}
