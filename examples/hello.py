"""A small resourceful application: an HTML page, JSON, a path parameter and a websocket echo.

Serve it with ``tox -e serve`` (or ``uvicorn --app-dir examples hello:app``) and open
http://127.0.0.1:8000.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from resourceful import App, HTMLResponse, JSONResponse, Request, Route, WebSocketRoute
from resourceful.responses import Response, StreamingResponse
from resourceful.websockets import WebSocket

PAGE = """<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>resourceful</title></head>
  <body>
    <h1>Hello from resourceful</h1>
    <ul>
      <li><a href="/api/hello?name=you">/api/hello?name=you</a>: JSON</li>
      <li><a href="/api/notes/1">/api/notes/1</a>: a path parameter</li>
      <li><a href="/api/count">/api/count</a>: a streamed response</li>
      <li><code>ws://127.0.0.1:8000/ws/echo</code>: a websocket echo</li>
    </ul>
  </body>
</html>
"""


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
    """Open what the app needs at startup; it reaches every request as ``request.state``."""
    notes = {1: "Try resourceful", 2: "Read the docs"}
    yield {"notes": notes}
    notes.clear()


async def home(request: Request) -> Response:
    return HTMLResponse(PAGE)


async def hello(request: Request) -> Response:
    name = request.query_params.get("name", "world")
    return JSONResponse({"message": f"Hello, {name}!"})


async def note(request: Request) -> Response:
    note_id = request.path_params["id"]
    notes = request.state.notes
    if note_id not in notes:
        return JSONResponse({"error": f"No note {note_id}"}, status_code=404)
    return JSONResponse({"id": note_id, "text": notes[note_id]})


async def count(request: Request) -> Response:
    async def numbers() -> AsyncIterator[str]:
        for number in range(1, 6):
            yield f"{number}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(message)


app = App(
    routes=[
        Route("/", home),
        Route("/api/hello", hello),
        Route("/api/notes/{id:int}", note),
        Route("/api/count", count),
        WebSocketRoute("/ws/echo", echo),
    ],
    lifespan=lifespan,
)
