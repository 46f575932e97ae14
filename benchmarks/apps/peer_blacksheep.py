"""The scenarios in BlackSheep, written the way its documentation teaches (DI through rodi).

A BlackSheep application must be started before it serves (a server starts it through the
lifespan); the in-process harness sends no lifespan, so each app is wrapped to start on its
first request, a check of one attribute afterwards. No ``from __future__ import
annotations``: BlackSheep reads the handlers' annotations at runtime.
"""

from dataclasses import asdict
from typing import Any

from benchmarks.apps import (
    ALLOWED_HOSTS,
    ALLOWED_ORIGINS,
    Builder,
    Database,
    Profiles,
)
from benchmarks.apps.models import Item, Login
from benchmarks.scenarios import HELLO, ROUTE_COUNT
from resourceful.types import Receive, Scope, Send


class Started:
    """The app, started on its first request when no lifespan started it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.app.started and scope["type"] != "lifespan":
            await self.app.start()
        await self.app(scope, receive, send)


def apps() -> dict[str, Builder]:
    from blacksheep import Application, FromForm, FromJSON, WebSocket, json, text
    from blacksheep.server.routing import Router
    from blacksheep.server.websocket import WebSocketDisconnectError

    def plaintext_app() -> Application:
        app = Application(router=Router())

        @app.router.get("/plaintext")
        async def plaintext() -> Any:
            return text(HELLO)

        return app

    def json_app() -> Application:
        app = Application(router=Router())

        @app.router.get("/json")
        async def hello() -> Any:
            return json({"message": HELLO})

        return app

    def params_app() -> Application:
        app = Application(router=Router())

        @app.router.get("/users/{id}")
        async def user(id: int, verbose: bool = False) -> Any:
            return json({"id": id, "verbose": verbose})

        return app

    def body_app() -> Application:
        app = Application(router=Router())

        @app.router.post("/items")
        async def create_item(item: FromJSON[Item]) -> Any:
            return json(asdict(item.value), status=201)

        return app

    def form_app() -> Application:
        app = Application(router=Router())

        @app.router.post("/login")
        async def login(data: FromForm[Login]) -> Any:
            return json({"username": data.value.username, "remember": data.value.remember})

        return app

    def di_app() -> Application:
        app = Application(router=Router())
        app.services.add_instance(Database())
        app.services.add_scoped(Profiles)

        @app.router.get("/profile")
        async def profile(profiles: Profiles) -> Any:
            return json(profiles.get("alice"))

        return app

    def middleware_app() -> Application:
        app = Application(router=Router())

        async def passthrough(request: Any, handler: Any) -> Any:
            return await handler(request)

        async def trusted_host(request: Any, handler: Any) -> Any:
            if request.host.split(":")[0] not in ALLOWED_HOSTS:
                return text("Invalid host header", status=400)
            return await handler(request)

        app.middlewares.extend([passthrough, passthrough, passthrough, trusted_host])
        app.use_cors(allow_methods="GET", allow_origins=ALLOWED_ORIGINS)

        @app.router.get("/plaintext")
        async def plaintext() -> Any:
            return text(HELLO)

        return app

    def routing_app() -> Application:
        app = Application(router=Router())
        for number in range(ROUTE_COUNT):

            def endpoint(number: int = number) -> Any:
                async def route(id: int) -> Any:
                    return json({"route": number, "id": id})

                return route

            app.router.add_get(f"/route{number}/{{id}}", endpoint())
        return app

    def websocket_app() -> Application:
        app = Application(router=Router())

        @app.router.ws("/echo")
        async def echo(websocket: WebSocket) -> None:
            await websocket.accept()
            try:
                while True:
                    await websocket.send_text(await websocket.receive_text())
            except WebSocketDisconnectError:
                pass

        return app

    builders = {
        "plaintext": plaintext_app,
        "json": json_app,
        "params": params_app,
        "body": body_app,
        "form": form_app,
        "di": di_app,
        "middleware": middleware_app,
        "routing": routing_app,
        "websocket": websocket_app,
    }
    return {name: _started(build) for name, build in builders.items()}


def _started(build: Builder) -> Builder:
    def started() -> Started:
        return Started(build())

    return started
