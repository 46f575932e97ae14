"""Exception handlers by key, and those a Mount declares for everything under it (the
innermost responds first)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import ExitStack
from typing import ClassVar

import pytest

from resourceful import (
    App,
    HTTPResource,
    Middleware,
    Mount,
    Route,
    WebSocketResource,
    WebSocketRoute,
    handles,
)
from resourceful.exceptions import HTTPException
from resourceful.middleware.exceptions import ExceptionHandler, HandlerKey
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory


class OutOfStock(Exception):
    """An error of the shop module's own."""


class Stamp:
    """Mount middleware that marks every response it sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-stamp", b"shop")]}
            await send(message)

        await self.app(scope, receive, stamped)


def said_by(layer: str) -> Callable[[Request, Exception], Response]:
    def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"{layer}: {type(exc).__name__}", status_code=409)

    return handler


async def problem(request: Request, exc: HTTPException) -> Response:
    body = {"type": "about:blank", "title": exc.detail, "status": exc.status_code}
    return JSONResponse(body, exc.status_code, media_type="application/problem+json")


async def sold_out(request: Request) -> Response:
    raise OutOfStock


async def broken(request: Request) -> Response:
    raise ValueError("broken")


async def late(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        raise OutOfStock

    return StreamingResponse(body())


class Cart(HTTPResource):
    async def get(self) -> None:
        raise OutOfStock


async def stock_feed(websocket: WebSocket) -> None:
    raise OutOfStock


async def close_feed(websocket: WebSocket, exc: OutOfStock) -> None:
    await websocket.close(code=4409, reason="out of stock")


def shop_app() -> App:
    return App(
        routes=[
            Route("/sold-out", sold_out),
            Mount(
                "/shop",
                routes=[
                    Route("/sold-out", sold_out),
                    Route("/broken", broken),
                    Route("/cart", Cart),
                    Route("/late", late),
                    Mount(
                        "/outlet",
                        routes=[Route("/sold-out", sold_out), Route("/broken", broken)],
                        exception_handlers={OutOfStock: said_by("outlet")},
                    ),
                ],
                exception_handlers={OutOfStock: said_by("shop"), 404: problem},
                middleware=[Middleware(Stamp)],
            ),
            Mount(
                "/feeds",
                routes=[WebSocketRoute("/stock", stock_feed)],
                exception_handlers={OutOfStock: close_feed},
            ),
        ],
        exception_handlers={OutOfStock: said_by("app"), ValueError: said_by("app")},
    )


def test_the_innermost_handler_responds(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(shop_app()) as client:
        assert client.get("/sold-out").text == "app: OutOfStock"
        assert client.get("/shop/sold-out").text == "shop: OutOfStock"
        assert client.get("/shop/cart").text == "shop: OutOfStock", "resources too"
        assert client.get("/shop/outlet/sold-out").text == "outlet: OutOfStock"
        # Nothing under the mounts handles ValueError: the app's handler does.
        assert client.get("/shop/outlet/broken").text == "app: ValueError"


def test_a_mount_handler_responds_inside_the_mounts_middleware(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(shop_app()) as client:
        handled = client.get("/shop/sold-out")
        # Sent to a path under the mount that no route serves: the mount's 404 handler.
        missing = client.get("/shop/nothing-here")
        elsewhere = client.get("/nothing-here")
    assert (handled.status_code, handled.headers["x-stamp"]) == (409, "shop")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "Not Found"
    assert elsewhere.headers["content-type"].startswith("text/plain"), "the app's own 404"


def test_a_mount_handler_cannot_replace_a_started_response(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(shop_app()) as client, pytest.raises(RuntimeError) as info:
        client.get("/shop/late")
    assert str(info.value) == "Caught handled exception, but response already started."
    assert isinstance(info.value.__cause__, OutOfStock)


def test_a_mount_handler_closes_its_websockets(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(shop_app())
    with client, ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/feeds/stock"))
    assert (info.value.code, info.value.reason) == (4409, "out of stock")


Handlers = Mapping[HandlerKey, ExceptionHandler]


class Shelf(HTTPResource):
    exception_handlers: ClassVar[Handlers] = {OutOfStock: said_by("shelf")}

    async def get(self) -> None:
        raise OutOfStock

    async def post(self) -> None:
        raise ValueError("no")


class DiscountShelf(Shelf):
    """Inherits the class's handlers."""


class ClearanceShelf(Shelf):
    exception_handlers: ClassVar[Handlers] = {
        ValueError: said_by("clearance")
    }  # replaces what it inherits


class Counter(WebSocketResource):
    exception_handlers: ClassVar[Handlers] = {OutOfStock: close_feed}

    async def on_connect(self, websocket: WebSocket) -> None:
        raise OutOfStock


def shelves_app() -> App:
    return App(
        routes=[
            Mount(
                "/shop",
                routes=[
                    Route("/shelf", Shelf),
                    Route("/discount", DiscountShelf),
                    Route("/clearance", ClearanceShelf),
                    WebSocketRoute("/counter", Counter),
                ],
                exception_handlers={OutOfStock: said_by("shop"), 405: said_by("shop")},
            )
        ],
        exception_handlers={ValueError: said_by("app")},
    )


def test_a_resource_classs_handlers_respond_before_its_mounts(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(shelves_app()) as client:
        assert client.get("/shop/shelf").text == "shelf: OutOfStock"
        assert client.post("/shop/shelf").text == "app: ValueError", "the class has none for it"
        assert client.get("/shop/discount").text == "shelf: OutOfStock", "inherited"
        assert client.get("/shop/clearance").text == "shop: OutOfStock", "replaced, not merged"
        assert client.post("/shop/clearance").text == "clearance: ValueError"
        # Sent a method the class does not implement: the 405 goes past the class's handlers.
        assert client.delete("/shop/shelf").text == "shop: HTTPException"


def test_a_websocket_resources_handlers_close_it(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(shelves_app())
    with client, ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/shop/counter"))
    assert (info.value.code, info.value.reason) == (4409, "out of stock")


def test_a_layer_refuses_the_server_error_handler() -> None:
    # 500 and Exception belong to the app's server-error layer, which also logs the error.
    with pytest.raises(ValueError, match=r"Mount\('/api'\): exception_handlers cannot take 500"):
        Mount("/api", routes=[], exception_handlers={500: said_by("api")})

    class Catchall(Shelf):  # the shelf's handlers, with a handler no class may take
        exception_handlers: ClassVar[Handlers] = {Exception: said_by("catchall")}

    app = App(routes=[Route("/catchall", Catchall)])
    with pytest.raises(ValueError, match="Catchall: exception_handlers cannot take <class"):
        app.build_middleware_stack()


class Aisle(HTTPResource):
    exception_handlers: ClassVar[Handlers] = {OutOfStock: said_by("aisle")}

    @handles({OutOfStock: said_by("get")})
    async def get(self) -> None:
        raise OutOfStock

    async def post(self) -> None:
        raise OutOfStock


@handles({OutOfStock: said_by("function"), 404: said_by("function")})
async def restock(request: Request) -> None:
    if request.query_params.get("missing"):
        raise HTTPException(404)
    raise OutOfStock


@handles({OutOfStock: close_feed})
async def ticker(websocket: WebSocket) -> None:
    raise OutOfStock


def test_a_handlers_own_exception_handlers_respond_first(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(
        routes=[
            Mount(
                "/shop",
                routes=[Route("/aisle", Aisle), Route("/restock", restock)],
                exception_handlers={OutOfStock: said_by("shop"), 404: said_by("shop")},
            ),
            WebSocketRoute("/ticker", ticker),
        ]
    )
    with test_client_factory(app) as client:
        assert client.get("/shop/aisle").text == "get: OutOfStock"
        assert client.post("/shop/aisle").text == "aisle: OutOfStock", "the class's, for post"
        assert client.get("/shop/restock").text == "function: OutOfStock"
        # The client asked for what is missing, then for a path nothing serves.
        assert client.get("/shop/restock?missing=1").text == "function: HTTPException"
        assert client.get("/shop/nothing").text == "shop: HTTPException"
        with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
            stack.enter_context(client.websocket_connect("/ticker"))
        assert (info.value.code, info.value.reason) == (4409, "out of stock")


def test_handles_refuses_the_server_error_handler() -> None:
    with pytest.raises(ValueError, match=r"handles\(\): exception_handlers cannot take 500"):
        handles({500: said_by("handler")})
