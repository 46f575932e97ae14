"""Type checks of the public API, read by mypy (``tox -e type``) and run by pytest."""

from __future__ import annotations

from typing_extensions import assert_type

from resourceful import App, HTTPResource, Route, WebSocketResource, WebSocketRoute
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
