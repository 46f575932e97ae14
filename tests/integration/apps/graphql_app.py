"""A GraphQL endpoint for the GraphQL-over-HTTP audits (``tools/graphql_audit.py``) and the
integration tests: queries, a mutation and a subscription, over HTTP and a websocket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from resourceful import App, Route, WebSocketRoute
from resourceful.graphql import GraphQLApp, make_schema


async def hello(root: Any, info: Any, name: str) -> str:
    return f"Hello, {name}"


def remember(root: Any, info: Any, note: str) -> str:
    return note


async def countdown(root: Any, info: Any, start: int) -> AsyncIterator[int]:
    for number in range(start, 0, -1):
        yield number
        await anyio.sleep(0.01)


schema = make_schema(
    """
    type Query { hello(name: String = "world"): String! }
    type Mutation { remember(note: String!): String! }
    type Subscription { countdown(start: Int!): Int! }
    """,
    {
        "Query": {"hello": hello},
        "Mutation": {"remember": remember},
        "Subscription": {"countdown": countdown},
    },
)
graphql = GraphQLApp(schema)
app = App(
    routes=[
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
)
