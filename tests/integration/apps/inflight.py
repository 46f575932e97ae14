"""An app for the shutdown test: a slow request, a websocket, and teardowns written to a file.

``INFLIGHT_LOG`` names the file; each teardown appends one line to it, so the test can read
what ran after the server process has ended.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import anyio

from resourceful import App, Route, WebSocketRoute
from resourceful.di import Provider
from resourceful.websockets import WebSocket, WebSocketDisconnect


def note(line: str) -> None:
    with open(os.environ["INFLIGHT_LOG"], "a") as log:
        log.write(line + "\n")


class Pool:
    """App-scoped: closed at shutdown."""


class Unit:
    """Request-scoped: closed when its request or websocket ends."""

    def __init__(self, name: str) -> None:
        self.name = name


async def pool() -> AsyncIterator[Pool]:
    yield Pool()
    note("pool closed")


async def unit() -> AsyncIterator[Unit]:
    made = Unit("unit")
    yield made
    note(f"{made.name} closed")


async def slow(pool: Pool, unit: Unit) -> str:
    unit.name = "slow request"
    note("slow request started")
    await anyio.sleep(1.5)
    return "done"


async def echo(websocket: WebSocket, pool: Pool, unit: Unit) -> None:
    unit.name = "websocket"
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect as exc:
        note(f"websocket left with {exc.code}")


app = App(
    routes=[Route("/", lambda request: "ok"), Route("/slow", slow), WebSocketRoute("/ws", echo)],
    providers=[Provider(pool, scope="app"), unit],
)
