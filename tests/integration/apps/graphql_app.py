"""The app the GraphQL-over-HTTP audits run against (``tools/graphql_audit.py``)."""

from __future__ import annotations

from typing import Any

from resourceful import App, Route
from resourceful.graphql import GraphQLApp, make_schema


async def hello(root: Any, info: Any, name: str) -> str:
    return f"Hello, {name}"


def remember(root: Any, info: Any, note: str) -> str:
    return note


schema = make_schema(
    """
    type Query { hello(name: String = "world"): String! }
    type Mutation { remember(note: String!): String! }
    """,
    {"Query": {"hello": hello}, "Mutation": {"remember": remember}},
)
app = App(routes=[Route("/graphql", GraphQLApp(schema), methods=["GET", "POST"])])
