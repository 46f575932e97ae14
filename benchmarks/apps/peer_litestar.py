"""The scenarios in Litestar, written the way its documentation teaches.

No ``from __future__ import annotations`` here: Litestar reads the handlers' annotations at
runtime, and they name classes local to ``apps()``.
"""

from typing import Any

from benchmarks.apps import (
    ALLOWED_HOSTS,
    ALLOWED_ORIGINS,
    Builder,
    Database,
    PassThrough,
    Profiles,
)
from benchmarks.apps.models import Item, Login
from benchmarks.scenarios import HELLO, ROUTE_COUNT


def apps() -> dict[str, Builder]:
    from litestar import Litestar, MediaType, WebSocket, get, post, websocket
    from litestar.config.allowed_hosts import AllowedHostsConfig
    from litestar.config.cors import CORSConfig
    from litestar.di import NamedDependency, Provide
    from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody

    @get("/plaintext", media_type=MediaType.TEXT)
    async def plaintext() -> str:
        return HELLO

    @get("/json")
    async def hello() -> dict[str, str]:
        return {"message": HELLO}

    @get("/users/{id:int}")
    async def user(id: FromPath[int], verbose: FromQuery[bool] = False) -> dict[str, Any]:
        return {"id": id, "verbose": verbose}

    @post("/items")
    async def create_item(data: JSONBody[Item]) -> Item:
        return data

    @post("/login", status_code=200)
    async def login(
        data: URLEncodedBody[Login],
    ) -> dict[str, Any]:
        return {"username": data.username, "remember": data.remember}

    database = Database()

    async def get_database() -> Database:
        return database

    async def get_profiles(db: NamedDependency[Database]) -> Profiles:
        return Profiles(db)

    @get("/profile")
    async def profile(profiles: NamedDependency[Profiles]) -> dict[str, Any]:
        return profiles.get("alice")

    def route_handler(number: int) -> Any:
        async def endpoint(id: FromPath[int]) -> dict[str, int]:
            return {"route": number, "id": id}

        return get(f"/route{number}/{{id:int}}")(endpoint)

    @websocket("/echo")
    async def echo(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        async for message in socket.iter_data("text"):
            await socket.send_text(message)

    def di() -> Litestar:
        return Litestar(
            route_handlers=[profile],
            dependencies={
                "db": Provide(get_database, use_cache=True),
                "profiles": Provide(get_profiles),
            },
        )

    def middleware() -> Litestar:
        passthrough: list[Any] = [PassThrough] * 3  # Litestar types ASGI apps its own way
        return Litestar(
            route_handlers=[plaintext],
            middleware=passthrough,
            cors_config=CORSConfig(allow_origins=ALLOWED_ORIGINS),
            allowed_hosts=AllowedHostsConfig(allowed_hosts=ALLOWED_HOSTS),
        )

    return {
        "plaintext": lambda: Litestar(route_handlers=[plaintext]),
        "json": lambda: Litestar(route_handlers=[hello]),
        "params": lambda: Litestar(route_handlers=[user]),
        "body": lambda: Litestar(route_handlers=[create_item]),
        "form": lambda: Litestar(route_handlers=[login]),
        "di": di,
        "middleware": middleware,
        "routing": lambda: Litestar(
            route_handlers=[route_handler(number) for number in range(ROUTE_COUNT)]
        ),
        "websocket": lambda: Litestar(route_handlers=[echo]),
    }
