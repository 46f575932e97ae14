"""The notes pages: the signed-in user's notes, a form to add one, their live updates, and
editing in place (the page's script changes a note through the API, with its ETag).

Served at the root of the app (``routes``); a visitor who has not signed in is sent to the
accounts module's login page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

from examples.notes.live import announce, live_notes
from examples.notes.store import Note, UnitOfWork, tag_of
from resourceful import Form, HTTPResource, Route, WebSocketRoute
from resourceful.authentication import requires
from resourceful.broadcast import Broadcast
from resourceful.concurrency import run_in_threadpool
from resourceful.negotiation import Representations
from resourceful.requests import Request
from resourceful.responses import RedirectResponse, Response
from resourceful.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def home_page(notes: list[Note], request: Request) -> Response:
    # Each note with its ETag: the page's script changes a note only in the version shown.
    return templates.TemplateResponse(request, "index.html", {"notes": notes, "tag_of": tag_of})


@requires("authenticated", redirect="login")
class Home(HTTPResource):
    """The signed-in user's notes, and a form to add one; the notes as JSON to a client
    that asks for ``application/json``."""

    representations: ClassVar = Representations({"text/html": home_page, "application/json": None})

    def get(self, request: Request, work: UnitOfWork) -> list[Note]:
        return work.notes_of(request.user.identity)


@requires("authenticated", redirect="login")
class AddNote(HTTPResource):
    async def post(
        self,
        request: Request,
        text: Annotated[str, Form(min_length=1, max_length=500)],
        work: UnitOfWork,
        broadcast: Broadcast,
    ) -> Response:
        note = await run_in_threadpool(work.add_note, request.user.identity, text)
        await run_in_threadpool(work.commit)  # stored before the other pages are told
        await announce(broadcast, request.user.identity, note)
        return RedirectResponse(request.url_for("home"), status_code=303)


routes = [
    Route("/", Home, name="home"),
    Route("/notes", AddNote, name="add_note"),
    WebSocketRoute("/live", live_notes, name="live"),
]
