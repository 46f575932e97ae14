"""The GraphQL scenarios in Ariadne, written the way its documentation teaches.

The service comes through the context, which the app makes per request.
"""

from __future__ import annotations

from typing import Any

from ariadne import MutationType, QueryType, make_executable_schema
from ariadne.asgi import GraphQL

from benchmarks.apps import Builder, Database, Profiles
from benchmarks.scenarios import GRAPHQL_SDL


def graphql_app() -> GraphQL:
    query = QueryType()
    mutation = MutationType()

    @query.field("profile")
    async def resolve_profile(_: Any, info: Any, name: str) -> dict[str, Any]:
        profiles: Profiles = info.context["profiles"]
        return profiles.get(name)

    @mutation.field("rename")
    async def resolve_rename(_: Any, info: Any, name: str, to: str) -> str:
        return f"{name} is now {to}"

    database = Database()

    def context(request: Any, data: Any) -> dict[str, Any]:
        return {"request": request, "profiles": Profiles(database)}

    schema = make_executable_schema(GRAPHQL_SDL, query, mutation)
    return GraphQL(schema, context_value=context)


def apps() -> dict[str, Builder]:
    return {"graphql": graphql_app, "graphql-mutation": graphql_app}
