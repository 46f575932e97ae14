"""Live updates: every page a user has open gets the notes they add, over a websocket."""

from __future__ import annotations

from typing import Any

from resourceful import WebSocketResource
from resourceful.authentication import requires
from resourceful.websockets import WebSocket


class Hub:
    """The websockets open per user (app scope: one per process)."""

    def __init__(self) -> None:
        self.listeners: dict[str, set[WebSocket]] = {}

    async def publish(self, user: str, message: dict[str, Any]) -> None:
        for websocket in list(self.listeners.get(user, ())):
            await websocket.send_json(message)


@requires("authenticated")
class LiveNotes(WebSocketResource):
    """Sends each note the signed-in user adds, as JSON, to every page they have open."""

    encoding = "json"

    async def on_connect(self, websocket: WebSocket, hub: Hub) -> None:
        await websocket.accept()
        hub.listeners.setdefault(websocket.user.identity, set()).add(websocket)

    async def on_disconnect(self, websocket: WebSocket, hub: Hub) -> None:
        hub.listeners.get(websocket.user.identity, set()).discard(websocket)
