"""The resourceful example: resources, an injected service with teardown, typed input, and
the same notes over GraphQL.

Serve it with ``tox -e serve`` (or ``uvicorn --app-dir examples hello:app``) and open
http://127.0.0.1:8000.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import attrs

from resourceful import (
    App,
    HTMLResponse,
    HTTPException,
    HTTPResource,
    JSONResponse,
    Query,
    Route,
    WebSocketResource,
    WebSocketRoute,
    responds,
)
from resourceful.broadcast import Broadcast, broadcast_provider
from resourceful.di import Provider
from resourceful.graphql import GraphQLApp, make_schema
from resourceful.openapi import OpenAPI, operation
from resourceful.responses import Response, StreamingResponse
from resourceful.websockets import WebSocket

logger = logging.getLogger("hello")

PAGE = """<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>resourceful</title></head>
  <body>
    <h1>Hello from resourceful</h1>
    <ul>
      <li><a href="/api/hello?name=you">/api/hello?name=you</a>: JSON with a typed query</li>
      <li><a href="/api/notes">/api/notes</a>: notes (POST {"title": ...} to add one)</li>
      <li><a href="/api/notes/1">/api/notes/1</a>: a path parameter</li>
      <li><a href="/api/count?to=5">/api/count?to=5</a>: a streamed response</li>
      <li><code>ws://127.0.0.1:8000/ws/echo</code>: a websocket echo</li>
      <li><a href="/graphql">/graphql</a>: the notes over GraphQL, in GraphiQL</li>
      <li><a href="/docs">/docs</a>: the API's OpenAPI document, in Swagger UI</li>
    </ul>
  </body>
</html>
"""


@attrs.frozen
class Note:
    id: int
    text: str


@attrs.frozen
class NoteIn:
    text: str


class NoteStore:
    """The app's notes, shared by every request (app scope)."""

    def __init__(self) -> None:
        self.notes = {1: Note(1, "Try resourceful"), 2: Note(2, "Read the docs")}

    def add(self, text: str) -> Note:
        note = Note(max(self.notes, default=0) + 1, text)
        self.notes[note.id] = note
        return note


class Journal:
    """What one request did; written out when the request ends (request scope)."""

    def __init__(self) -> None:
        self.entries: list[str] = []


async def open_journal() -> AsyncIterator[Journal]:
    journal = Journal()
    yield journal
    # Teardown: runs after the response has been sent.
    for entry in journal.entries:
        logger.info("journal: %s", entry)


@operation(include_in_schema=False)
class Home(HTTPResource):
    async def get(self) -> Response:
        return HTMLResponse(PAGE)


class Hello(HTTPResource):
    async def get(self, name: Annotated[str, Query()] = "world") -> dict[str, str]:
        """Greet someone by name."""
        return {"message": f"Hello, {name}!"}


class Notes(HTTPResource):
    async def get(self, store: NoteStore, limit: Annotated[int, Query()] = 20) -> list[Note]:
        """The first ``limit`` notes."""
        return list(store.notes.values())[:limit]

    @responds(201)
    async def post(self, note: NoteIn, store: NoteStore, journal: Journal) -> Note:
        """Add a note."""
        created = store.add(note.text)
        journal.entries.append(f"added note {created.id}")
        return created


class NoteDetail(HTTPResource):
    @operation(responses={404: "There is no note with this id."})
    async def get(self, id: int, store: NoteStore) -> Note:
        """One note, by its id."""
        if id not in store.notes:
            raise HTTPException(404, f"No note {id}")
        return store.notes[id]


class Count(HTTPResource):
    async def get(self, to: Annotated[int, Query(ge=0, le=1000)] = 5) -> Response:
        """Count from 1 to ``to``, a line at a time, streamed."""

        async def numbers() -> AsyncIterator[str]:
            for number in range(1, to + 1):
                yield f"{number}\n"

        return StreamingResponse(numbers(), media_type="text/plain")


class Echo(WebSocketResource):
    encoding = "text"

    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(data)


async def notes(root: Any, info: Any, first: int, store: NoteStore) -> list[Note]:
    return list(store.notes.values())[:first]


async def add_note(
    root: Any, info: Any, text: str, store: NoteStore, journal: Journal, broadcast: Broadcast
) -> Note:
    created = store.add(text)
    journal.entries.append(f"added note {created.id} over GraphQL")
    await broadcast.publish("notes", json.dumps(attrs.asdict(created)))
    return created


async def note_added(root: Any, info: Any, broadcast: Broadcast) -> AsyncIterator[Note]:
    """Each note added from now on, in any worker sharing the broadcast."""
    async with broadcast.subscribe("notes") as added:
        async for event in added:
            yield Note(**json.loads(event.message))


schema = make_schema(
    """
    type Note { id: Int!, text: String! }
    type Query { notes(first: Int = 20): [Note!]! }
    type Mutation { addNote(text: String!): Note! }
    type Subscription { noteAdded: Note! }
    """,
    {
        "Query": {"notes": notes},
        "Mutation": {"addNote": add_note},
        "Subscription": {"noteAdded": note_added},
    },
)


graphql = GraphQLApp(schema)


async def not_found(request: Any, exc: HTTPException) -> Response:
    return JSONResponse({"error": exc.detail}, status_code=404)


app = App(
    routes=[
        Route("/", Home),
        Route("/api/hello", Hello),
        Route("/api/notes", Notes),
        Route("/api/notes/{id:int}", NoteDetail),
        Route("/api/count", Count),
        WebSocketRoute("/ws/echo", Echo),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ],
    providers=[Provider(NoteStore, scope="app"), open_journal, broadcast_provider()],
    exception_handlers={404: not_found},
    openapi=OpenAPI(title="resourceful hello", version="1.0"),
)
