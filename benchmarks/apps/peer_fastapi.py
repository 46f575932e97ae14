"""The scenarios in FastAPI, written the way its documentation teaches.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
runtime, and they name classes local to ``apps()``.
"""

from typing import Annotated, Any

from benchmarks.apps import (
    ALLOWED_HOSTS,
    ALLOWED_ORIGINS,
    Builder,
    Database,
    PassThrough,
    Profiles,
)
from benchmarks.scenarios import HELLO, ROUTE_COUNT


def apps() -> dict[str, Builder]:
    from fastapi import Depends, FastAPI, Form, WebSocket, WebSocketDisconnect
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.middleware.trustedhost import TrustedHostMiddleware
    from fastapi.responses import PlainTextResponse
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str
        price: float
        tags: list[str]

    def plaintext() -> FastAPI:
        app = FastAPI()

        @app.get("/plaintext", response_class=PlainTextResponse)
        async def hello() -> str:
            return HELLO

        return app

    def hello_json() -> FastAPI:
        app = FastAPI()

        @app.get("/json")
        async def hello() -> dict[str, str]:
            return {"message": HELLO}

        return app

    def params() -> FastAPI:
        app = FastAPI()

        @app.get("/users/{id}")
        async def user(id: int, verbose: bool = False) -> dict[str, Any]:
            return {"id": id, "verbose": verbose}

        return app

    def body() -> FastAPI:
        app = FastAPI()

        @app.post("/items", status_code=201)
        async def create_item(item: Item) -> Item:
            return item

        return app

    def form() -> FastAPI:
        app = FastAPI()

        @app.post("/login")
        async def login(
            username: Annotated[str, Form()],
            password: Annotated[str, Form()],
            remember: Annotated[bool, Form()] = False,
        ) -> dict[str, Any]:
            return {"username": username, "remember": remember}

        return app

    def di() -> FastAPI:
        app = FastAPI()
        database = Database()

        async def get_database() -> Database:
            return database

        async def get_profiles(db: Annotated[Database, Depends(get_database)]) -> Profiles:
            return Profiles(db)

        @app.get("/profile")
        async def profile(profiles: Annotated[Profiles, Depends(get_profiles)]) -> dict[str, Any]:
            return profiles.get("alice")

        return app

    def middleware() -> FastAPI:
        app = plaintext()
        # add_middleware puts each one outside the ones added before it.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS)
        app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS)
        for _ in range(3):
            app.add_middleware(PassThrough)
        return app

    def routing() -> FastAPI:
        app = FastAPI()
        for number in range(ROUTE_COUNT):

            async def endpoint(id: int, number: int = number) -> dict[str, int]:
                return {"route": number, "id": id}

            app.get(f"/route{number}/{{id}}")(endpoint)
        return app

    def echo() -> FastAPI:
        app = FastAPI()

        @app.websocket("/echo")
        async def echo(websocket: WebSocket) -> None:
            await websocket.accept()
            try:
                while True:
                    await websocket.send_text(await websocket.receive_text())
            except WebSocketDisconnect:
                pass

        return app

    return {
        "plaintext": plaintext,
        "json": hello_json,
        "params": params,
        "body": body,
        "form": form,
        "di": di,
        "middleware": middleware,
        "routing": routing,
        "websocket": echo,
    }
