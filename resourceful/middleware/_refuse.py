"""Refusing a connection from middleware: an HTTP response, or a websocket close."""

from __future__ import annotations

from resourceful.responses import Response
from resourceful.types import Receive, Scope, Send


async def refuse(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    """Send ``response``; a websocket gets it as a denial response where the server can send
    one, and is closed with 1008 (policy violation) otherwise."""
    if scope["type"] == "websocket" and "websocket.http.response" not in scope.get(
        "extensions", {}
    ):
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    await response(scope, receive, send)
