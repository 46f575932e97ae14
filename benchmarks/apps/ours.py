"""The scenarios in resourceful, written the way its documentation teaches."""

from __future__ import annotations

from typing import Annotated, Any

import attrs

from benchmarks.apps import (
    ALLOWED_HOSTS,
    ALLOWED_ORIGINS,
    Builder,
    Database,
    PassThrough,
    Profiles,
)
from benchmarks.scenarios import GRAPHQL_SDL, HELLO, ROUTE_COUNT
from resourceful import (
    App,
    Form,
    HTTPResource,
    JSONResponse,
    Middleware,
    PlainTextResponse,
    Provider,
    Request,
    Route,
    WebSocket,
    WebSocketRoute,
    responds,
)
from resourceful.middleware.cors import CORSMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware


@attrs.define
class Item:
    name: str
    price: float
    tags: list[str]


@attrs.define
class Login:
    username: str
    password: str
    remember: bool = False


async def plaintext(request: Request) -> PlainTextResponse:
    return PlainTextResponse(HELLO)


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"message": HELLO})


async def user(id: int, verbose: bool = False) -> dict[str, Any]:
    return {"id": id, "verbose": verbose}


class Items(HTTPResource):
    @responds(201)
    async def post(self, item: Item) -> Item:
        return item


async def login(form: Annotated[Login, Form()]) -> dict[str, Any]:
    return {"username": form.username, "remember": form.remember}


async def profile(profiles: Profiles) -> dict[str, Any]:
    return profiles.get("alice")


def route_endpoint(number: int) -> Any:
    async def endpoint(id: int) -> dict[str, int]:
        return {"route": number, "id": id}

    return endpoint


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(message)


def graphql_app() -> App:
    from resourceful.graphql import GraphQLApp, make_schema

    async def profile(root: Any, info: Any, name: str, profiles: Profiles) -> dict[str, Any]:
        return profiles.get(name)

    async def rename(root: Any, info: Any, name: str, to: str) -> str:
        return f"{name} is now {to}"

    schema = make_schema(
        GRAPHQL_SDL, {"Query": {"profile": profile}, "Mutation": {"rename": rename}}
    )
    return App(
        routes=[Route("/graphql", GraphQLApp(schema), methods=["POST"])],
        providers=[Provider(Database, scope="app"), Profiles],
    )


def apps() -> dict[str, Builder]:
    def middleware() -> App:
        return App(
            routes=[Route("/plaintext", plaintext)],
            middleware=[
                Middleware(PassThrough),
                Middleware(PassThrough),
                Middleware(PassThrough),
                Middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS),
                Middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS),
            ],
        )

    def routing() -> App:
        return App(
            routes=[
                Route(f"/route{number}/{{id:int}}", route_endpoint(number))
                for number in range(ROUTE_COUNT)
            ]
        )

    return {
        "plaintext": lambda: App(routes=[Route("/plaintext", plaintext)]),
        "json": lambda: App(routes=[Route("/json", hello)]),
        "params": lambda: App(routes=[Route("/users/{id:int}", user)]),
        "body": lambda: App(routes=[Route("/items", Items)]),
        "form": lambda: App(routes=[Route("/login", login, methods=["POST"])]),
        "di": lambda: App(
            routes=[Route("/profile", profile)],
            providers=[Provider(Database, scope="app"), Profiles],
        ),
        "middleware": middleware,
        "routing": routing,
        "websocket": lambda: App(routes=[WebSocketRoute("/echo", echo)]),
        "graphql": graphql_app,
        "graphql-mutation": graphql_app,
    }
