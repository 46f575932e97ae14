"""Type checks of the public API, read by mypy (``tox -e type``) and run by pytest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from typing_extensions import assert_type

from resourceful import App, HTTPResource, Route, WebSocketResource, WebSocketRoute
from resourceful.datastructures import State
from resourceful.di import Container, InjectionContext, Provider
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


class Clock:
    def __init__(self) -> None:
        self.now = "noon"


async def test_resolved_values_have_their_types() -> None:
    container = Container()
    container.register(Provider(Clock, scope="app"))
    clock = await container.resolve(Clock)
    assert_type(clock, Clock)
    context = container.context()
    assert_type(context, InjectionContext)
    from_context = await context.get(Clock)
    assert_type(from_context, Clock)
    assert from_context.now == clock.now


class Page(HTTPResource):
    async def get(self, request: Request, clock: Clock) -> Response:
        return PlainTextResponse(clock.now + request.method)


class Feed(WebSocketResource):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str, clock: Clock) -> None:
        assert_type(data, str)
        await websocket.send_text(f"{data} at {clock.now}")


class CountState(TypedDict):
    count: int


@asynccontextmanager
async def counting(app: App) -> AsyncIterator[CountState]:
    yield {"count": 1}


class Counter:
    def __init__(self, request: Request[CountState]) -> None:
        self.count = request.state["count"]


async def state_count(request: Request[CountState], counter: Counter) -> dict[str, int]:
    assert_type(request.state, CountState)
    return {"count": request.state["count"], "counter": counter.count}


async def socket_count(websocket: WebSocket[CountState]) -> None:
    assert_type(websocket.state["count"], int)
    await websocket.accept()
    await websocket.send_json({"count": websocket.state["count"]})
    await websocket.close()


def test_a_connection_typed_by_its_state_is_injected(
    test_client_factory: TestClientFactory,
) -> None:
    assert_type(Request({"type": "http"}).state, State)
    app = App(
        routes=[Route("/", state_count), WebSocketRoute("/ws", socket_count)],
        providers=[Counter],
        lifespan=counting,
    )
    with test_client_factory(app) as client:
        assert client.get("/").json() == {"count": 1, "counter": 1}
        with client.websocket_connect("/ws") as session:
            assert session.receive_json() == {"count": 1}


def test_resources_are_ordinary_classes(test_client_factory: TestClientFactory) -> None:
    assert_type(Page.allowed_methods(), list[str])
    app = App(
        routes=[Route("/", Page), WebSocketRoute("/feed", Feed)],
        providers=[Provider(Clock, scope="app")],
    )
    client = test_client_factory(app)
    assert client.get("/").text == "noonGET"
    with client.websocket_connect("/feed") as session:
        session.send_text("tick")
        assert session.receive_text() == "tick at noon"
