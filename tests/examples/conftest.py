"""What the tests of the notes example's modules share: a fake unit of work, a user who
signs in through the session, and the CSRF token of a page."""

from __future__ import annotations

import datetime
import re

import attrs
import httpx

from examples.notes.store import Note
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, RedirectResponse

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return found[1]


class FakeWork:
    """Stands for the app's unit of work: notes in a list, by owner."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, Note]] = []
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1

    def add_note(self, owner: str, text: str) -> Note:
        created = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
        note = Note(len(self.notes) + 1, text, created, 1, created)
        self.notes.append((owner, note))
        return note

    def replace_note(self, owner: str, id: int, text: str, version: int) -> Note | None:
        # Asked for after the preconditions held: the note is at that version.
        at = [(o, n.id, n.version) for o, n in self.notes].index((owner, id, version))
        changed = attrs.evolve(self.notes[at][1], text=text, version=version + 1)
        self.notes[at] = (owner, changed)
        return changed

    def delete_note(self, owner: str, id: int, version: int) -> bool:
        kept = [(o, n) for o, n in self.notes if (o, n.id, n.version) != (owner, id, version)]
        deleted = len(kept) < len(self.notes)
        self.notes = kept
        return deleted

    def note_of(self, owner: str, id: int) -> Note | None:
        return next((n for o, n in self.notes if o == owner and n.id == id), None)

    def notes_of(self, owner: str, limit: int = 100) -> list[Note]:
        return [note for o, note in reversed(self.notes) if o == owner][:limit]


async def sign_in_as(request: Request) -> RedirectResponse:
    """Stands for the accounts module: signs in the user the query names."""
    request.session["user"] = request.query_params["user"]
    return RedirectResponse(request.url_for("home"), status_code=303)


async def signed_in_home(request: Request) -> PlainTextResponse:
    """Stands for the pages module: the page a sign-in leads to."""
    return PlainTextResponse(f"home of {request.user.display_name or 'nobody'}")
