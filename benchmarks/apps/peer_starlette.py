"""The scenarios in Starlette, written the way its documentation teaches.

Starlette has no typed parameters, bodies or injection: its endpoints read and convert
what they need by hand, as its users do.
"""

from __future__ import annotations

from typing import Any

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
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket

    async def plaintext(request: Request) -> PlainTextResponse:
        return PlainTextResponse(HELLO)

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"message": HELLO})

    async def user(request: Request) -> JSONResponse:
        verbose = request.query_params.get("verbose", "false").lower() in ("true", "1", "yes")
        return JSONResponse({"id": request.path_params["id"], "verbose": verbose})

    async def create_item(request: Request) -> JSONResponse:
        data = await request.json()
        item = {
            "name": str(data["name"]),
            "price": float(data["price"]),
            "tags": [str(tag) for tag in data["tags"]],
        }
        return JSONResponse(item, status_code=201)

    async def login(request: Request) -> JSONResponse:
        async with request.form() as form:
            remember = str(form.get("remember", "false")).lower() in ("on", "true", "1", "yes")
            return JSONResponse({"username": str(form["username"]), "remember": remember})

    async def profile(request: Request) -> JSONResponse:
        profiles = Profiles(request.app.state.db)
        return JSONResponse(profiles.get("alice"))

    def route_endpoint(number: int) -> Any:
        async def endpoint(request: Request) -> JSONResponse:
            return JSONResponse({"route": number, "id": request.path_params["id"]})

        return endpoint

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in websocket.iter_text():
            await websocket.send_text(message)

    def di() -> Starlette:
        app = Starlette(routes=[Route("/profile", profile)])
        app.state.db = Database()
        return app

    def middleware() -> Starlette:
        return Starlette(
            routes=[Route("/plaintext", plaintext)],
            middleware=[
                Middleware(PassThrough),
                Middleware(PassThrough),
                Middleware(PassThrough),
                Middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS),
                Middleware(TrustedHostMiddleware, allowed_hosts=ALLOWED_HOSTS),
            ],
        )

    def routing() -> Starlette:
        routes = [
            Route(f"/route{number}/{{id:int}}", route_endpoint(number))
            for number in range(ROUTE_COUNT)
        ]
        return Starlette(routes=routes)

    return {
        "plaintext": lambda: Starlette(routes=[Route("/plaintext", plaintext)]),
        "json": lambda: Starlette(routes=[Route("/json", hello)]),
        "params": lambda: Starlette(routes=[Route("/users/{id:int}", user)]),
        "body": lambda: Starlette(routes=[Route("/items", create_item, methods=["POST"])]),
        "form": lambda: Starlette(routes=[Route("/login", login, methods=["POST"])]),
        "di": di,
        "middleware": middleware,
        "routing": routing,
        "websocket": lambda: Starlette(routes=[WebSocketRoute("/echo", echo)]),
    }
