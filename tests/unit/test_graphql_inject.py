"""Resolvers get the values they ask for by type from the App's container, per operation."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from resourceful import App, Route, WebSocketRoute
from resourceful.di import DependencyError, Provider
from resourceful.graphql import GraphQLApp, make_schema
from resourceful.requests import HTTPConnection, Request
from tests.conftest import TestClientFactory

SDL = """
type Query {
  greeting(name: String!): String!
  visits: Int!
  sameUnit: Boolean!
  agent: String!
}
type Subscription { ticks(count: Int!): String! }
"""

events: list[str] = []
numbers = itertools.count()


class Greeter:
    """An app-scoped service."""

    def greet(self, name: str) -> str:
        return f"Hello, {name}"


class UnitOfWork:
    """A request-scoped service with a teardown."""

    def __init__(self) -> None:
        self.number = next(numbers)


def unit_of_work() -> Iterator[UnitOfWork]:
    unit = UnitOfWork()
    events.append(f"open {unit.number}")
    yield unit
    events.append(f"close {unit.number}")


async def greeting(root: Any, info: Any, name: str, greeter: Greeter) -> str:
    return greeter.greet(name)


def visits(root: Any, info: Any, unit: UnitOfWork) -> int:
    events.append(f"visits in {unit.number}")
    return 3


async def same_unit(root: Any, info: Any, unit: UnitOfWork, again: UnitOfWork) -> bool:
    return unit is again


def agent(root: Any, info: Any, request: Request) -> str:
    return request.headers.get("user-agent", "")


async def ticks(root: Any, info: Any, count: int, unit: UnitOfWork) -> AsyncIterator[str]:
    for number in range(count):
        yield f"tick {number} in {unit.number}"


RESOLVERS: dict[str, dict[str, Any]] = {
    "Query": {"greeting": greeting, "visits": visits, "sameUnit": same_unit, "agent": agent},
    "Subscription": {"ticks": ticks},
}


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


def graphql_app(**options: Any) -> tuple[App, GraphQLApp]:
    graphql = GraphQLApp(make_schema(SDL, RESOLVERS), **options)
    app = App(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        providers=[Provider(Greeter, scope="app"), Provider(unit_of_work, scope="request")],
    )
    return app, graphql


def test_resolvers_get_provided_values_for_one_operation(
    test_client_factory: TestClientFactory,
) -> None:
    app, _ = graphql_app()
    client = test_client_factory(app)

    query = '{ greeting(name: "Ada") visits sameUnit agent }'
    response = client.post("/graphql", json={"query": query})

    assert response.json() == {
        "data": {"greeting": "Hello, Ada", "visits": 3, "sameUnit": True, "agent": "testclient"}
    }
    number = int(events[0].split()[-1])
    # One unit of work for the whole operation, closed once it ended.
    assert events == [f"open {number}", f"visits in {number}", f"close {number}"]


def test_a_subscription_keeps_its_values_until_it_ends(
    test_client_factory: TestClientFactory,
) -> None:
    app, _ = graphql_app()
    client = test_client_factory(app)

    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as socket:
        socket.send_json({"type": "connection_init"})
        assert socket.receive_json()["type"] == "connection_ack"
        query = {"query": "subscription { ticks(count: 2) }"}
        socket.send_json({"id": "t", "type": "subscribe", "payload": query})
        first = socket.receive_json()["payload"]["data"]["ticks"]
        second = socket.receive_json()["payload"]["data"]["ticks"]
        assert socket.receive_json() == {"id": "t", "type": "complete"}

    number = int(events[0].split()[-1])
    assert (first, second) == (f"tick 0 in {number}", f"tick 1 in {number}")
    assert events == [f"open {number}", f"close {number}"]


class Unknown:
    """A type no provider gives."""


def test_a_resolver_asking_for_what_nobody_provides_fails_at_startup(
    test_client_factory: TestClientFactory,
) -> None:
    def lonely(root: Any, info: Any, thing: Unknown) -> str:
        raise NotImplementedError  # the app does not start

    def unannotated(root: Any, info: Any, thing) -> str:  # type: ignore[no-untyped-def]
        raise NotImplementedError  # the app does not start

    for resolve, shown in ((lonely, "Unknown"), (unannotated, "no annotation")):
        schema = make_schema("type Query { lonely: String }", {"Query": {"lonely": resolve}})
        app = App(routes=[Route("/graphql", GraphQLApp(schema), methods=["POST"])])
        with pytest.raises(DependencyError, match=rf"'thing' \({shown}\) is no argument"):
            test_client_factory(app).post("/graphql", json={"query": "{ lonely }"})


def test_the_schema_is_planned_once_for_routes_sharing_the_app() -> None:
    app, graphql = graphql_app()
    app.build_middleware_stack()
    resolve = graphql.schema.query_type.fields["visits"].resolve  # type: ignore[union-attr]

    graphql.use_container(app.container)
    graphql.use_container(App(providers=[Provider(unit_of_work)]).container)  # planned already

    assert graphql.schema.query_type.fields["visits"].resolve is resolve  # type: ignore[union-attr]


def test_an_annotation_that_does_not_resolve_is_a_clear_error() -> None:
    class Local:
        pass

    def hidden(root: Any, info: Any, thing: Local) -> str:
        raise NotImplementedError  # the app does not start

    schema = make_schema("type Query { hidden: String }", {"Query": {"hidden": hidden}})
    app = App(routes=[Route("/graphql", GraphQLApp(schema), methods=["POST"])])
    with pytest.raises(TypeError, match="the annotation 'Local' cannot be resolved"):
        app.build_middleware_stack()


def test_without_an_app_a_resolver_that_needs_injection_is_an_error(
    test_client_factory: TestClientFactory,
) -> None:
    app, graphql = graphql_app(debug=True)
    app.build_middleware_stack()  # plans the resolvers
    graphql.container = None  # as if served without an App after all

    response = test_client_factory(graphql).post("/", json={"query": "{ visits }"})

    message = response.json()["errors"][0]["message"]
    assert message == "visits takes injected values: serve its schema from an App."


def test_a_connection_is_provided_by_its_general_type(
    test_client_factory: TestClientFactory,
) -> None:
    def peer(root: Any, info: Any, connection: HTTPConnection) -> str:
        return type(connection).__name__

    schema = make_schema("type Query { peer: String! }", {"Query": {"peer": peer}})
    app = App(routes=[Route("/graphql", GraphQLApp(schema), methods=["POST"])])

    response = test_client_factory(app).post("/graphql", json={"query": "{ peer }"})

    assert response.json() == {"data": {"peer": "Request"}}
