"""The JSON API: the signed-in user's notes, typed in and out (documented by OpenAPI)."""

from __future__ import annotations

from typing import Annotated

import attrs

from examples.notes.live import announce
from examples.notes.store import Note, UnitOfWork
from resourceful import HTTPResource, Query, responds
from resourceful.authentication import requires
from resourceful.broadcast import Broadcast
from resourceful.concurrency import run_in_threadpool
from resourceful.openapi import operation
from resourceful.requests import Request


@attrs.frozen
class NoteIn:
    text: str


@operation(tags=["notes"], responses={403: "Sign in first."})
@requires("authenticated")
class NotesAPI(HTTPResource):
    def get(
        self, request: Request, work: UnitOfWork, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> list[Note]:
        """The signed-in user's notes, newest first."""
        return work.notes_of(request.user.identity, limit)

    @responds(201)
    async def post(
        self, request: Request, note: NoteIn, work: UnitOfWork, broadcast: Broadcast
    ) -> Note:
        """Add a note; every page the user has open shows it at once."""
        created = await run_in_threadpool(work.add_note, request.user.identity, note.text)
        await run_in_threadpool(work.commit)
        await announce(broadcast, request.user.identity, created)
        return created
