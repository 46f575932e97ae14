"""The JSON API module, mounted at ``/api``: the signed-in user's notes, typed in and out.

Everything under it requires a signed-in user, its errors are problem details (RFC 9457,
``application/problem+json``), its operations carry the OpenAPI tag ``notes``, and it
provides ``MyNotes``, the signed-in user's notes, to its resources. A note has an ``ETag``
(its id and version) and a ``Last-Modified`` date: a client revalidates it with
``If-None-Match``, and changes or deletes it only with ``If-Match`` naming the version it
read, so no one's change is lost to another's.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import attrs

from examples.notes.live import announce
from examples.notes.store import Note, UnitOfWork, tag_of
from resourceful import HTTPResource, MergePatch, Mount, Path, Query, Route, responds
from resourceful.broadcast import Broadcast
from resourceful.concurrency import run_in_threadpool
from resourceful.conditional import Validators
from resourceful.exceptions import PreconditionFailed
from resourceful.openapi import operation
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import JSONResponse


class NoSuchNote(Exception):
    """The signed-in user has no note of this id."""


_CHANGED = "The note changed meanwhile: read it again, then change what you read."


class MyNotes:
    """The signed-in user's notes: what the API's resources work with (a note read once per
    request, so a change applies to the version its preconditions were checked on)."""

    def __init__(self, connection: HTTPConnection, work: UnitOfWork, broadcast: Broadcast) -> None:
        self.owner: str = connection.user.identity
        self.work = work
        self.broadcast = broadcast
        self._read: dict[int, Note] = {}

    def latest(self, limit: int) -> list[Note]:
        return self.work.notes_of(self.owner, limit)

    def one(self, id: int) -> Note:
        note = self._read.get(id) or self.work.note_of(self.owner, id)
        if note is None:
            raise NoSuchNote
        self._read[id] = note
        return note

    async def add(self, text: str) -> Note:
        """Store a note, then tell every page the user has open about it."""
        note = await run_in_threadpool(self.work.add_note, self.owner, text)
        await run_in_threadpool(self.work.commit)
        await announce(self.broadcast, self.owner, note)
        return note

    async def replace(self, id: int, text: str) -> Note:
        """Give the note the text, if it is still the version this request read."""
        read = self.one(id)
        note = await run_in_threadpool(self.work.replace_note, self.owner, id, text, read.version)
        if note is None:
            raise PreconditionFailed(_CHANGED)
        self._read[id] = note
        return note

    async def delete(self, id: int) -> None:
        """Delete the note, if it is still the version this request read."""
        read = self.one(id)
        if not await run_in_threadpool(self.work.delete_note, self.owner, id, read.version):
            raise PreconditionFailed(_CHANGED)


def validators_of(note: Note) -> Validators:
    return Validators(tag_of(note), note.updated)


def problem(status: int, title: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status},
        status_code=status,
        media_type="application/problem+json",
    )


async def no_such_note(request: Request, exc: Exception) -> JSONResponse:
    return problem(404, "No such note.")


async def refused(request: Request, exc: Exception) -> JSONResponse:
    return problem(403, "Sign in first.")


#: A note's id: what SQLite's integer keys hold.
NoteId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@attrs.frozen
class NoteIn:
    text: str


@operation(responses={404: "The signed-in user has no note of this id."})
class NoteAPI(HTTPResource):
    """One note: read it, replace it, change it or delete it (with ``If-Match``)."""

    require_if_match: ClassVar[bool] = True

    def validators(self, id: NoteId, notes: MyNotes) -> Validators:
        return validators_of(notes.one(id))

    def get(self, id: NoteId, notes: MyNotes) -> Note:
        """One of the signed-in user's notes."""
        return notes.one(id)

    async def put(self, id: NoteId, note: NoteIn, notes: MyNotes) -> Note:
        """Replace the note's text; the response holds the note and its new ETag."""
        return await notes.replace(id, note.text)

    async def patch(self, id: NoteId, changes: MergePatch[NoteIn], notes: MyNotes) -> Note:
        """Change the fields a JSON Merge Patch (RFC 7396) names; the response holds the note
        and its new ETag."""
        edited = changes.apply(NoteIn(notes.one(id).text))
        return await notes.replace(id, edited.text)

    async def delete(self, id: NoteId, notes: MyNotes) -> None:
        """Delete the note."""
        await notes.delete(id)


class NotesAPI(HTTPResource):
    def get(self, notes: MyNotes, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[Note]:
        """The signed-in user's notes, newest first."""
        return notes.latest(limit)

    @responds(201, location=NoteAPI, validators=validators_of)
    async def post(self, note: NoteIn, notes: MyNotes) -> Note:
        """Add a note; every page the user has open shows it at once."""
        return await notes.add(note.text)


module = Mount(
    "/api",
    routes=[
        Route("/notes", NotesAPI, name="api_notes"),
        Route("/notes/{id:int}", NoteAPI, name="api_note"),
    ],
    providers=[MyNotes],
    requires="authenticated",
    exception_handlers={NoSuchNote: no_such_note, 403: refused},
    tags=["notes"],
)
