"""The GraphQL scenarios in Strawberry, on Starlette, written the way its documentation teaches.

The service comes through the context, which Strawberry makes per request.
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from benchmarks.apps import Builder, Database, Profiles


@strawberry.type
class Profile:
    name: str
    visits: int


@strawberry.type
class Query:
    @strawberry.field
    async def profile(self, info: strawberry.Info, name: str) -> Profile:
        return Profile(**info.context["profiles"].get(name))


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def rename(self, name: str, to: str) -> str:
        return f"{name} is now {to}"


class ProfileGraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, database: Database) -> None:
        super().__init__(strawberry.Schema(query=Query, mutation=Mutation), graphql_ide=None)
        self.database = database

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "profiles": Profiles(self.database)}


def graphql_app() -> Starlette:
    return Starlette(routes=[Route("/graphql", ProfileGraphQL(Database()), methods=["POST"])])


def apps() -> dict[str, Builder]:
    return {"graphql": graphql_app, "graphql-mutation": graphql_app}
