"""A small ASGI app built from the resourceful toolkit: an HTML page and a JSON answer.

Serve it with ``tox -e serve`` or ``uvicorn --app-dir examples hello:app``.
"""

from __future__ import annotations

from resourceful.requests import Request
from resourceful.responses import HTMLResponse, JSONResponse, PlainTextResponse
from resourceful.types import Receive, Scope, Send

PAGE = """<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>resourceful</title></head>
  <body>
    <h1>Hello from resourceful</h1>
    <p>Try <a href="/api/hello?name=you">/api/hello?name=you</a> for JSON.</p>
  </body>
</html>
"""


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``/`` with a page, ``/api/hello`` with JSON, anything else with a 404."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    request = Request(scope, receive)
    if request.url.path == "/":
        response: PlainTextResponse | HTMLResponse | JSONResponse = HTMLResponse(PAGE)
    elif request.url.path == "/api/hello":
        name = request.query_params.get("name", "world")
        response = JSONResponse({"message": f"Hello, {name}!"})
    else:
        response = PlainTextResponse("Not Found", status_code=404)
    await response(scope, receive, send)
