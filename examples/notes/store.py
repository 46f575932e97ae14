"""Notes and users kept in SQLite: an app-scoped database and a request-scoped unit of work
(the accounts module keeps the users' table through it)."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator

import attrs

from examples.notes.settings import NotesSettings

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    salt BLOB NOT NULL,
    password_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL REFERENCES users(name),
    text TEXT NOT NULL,
    created TEXT NOT NULL
);
"""


@attrs.frozen
class Note:
    id: int
    text: str
    created: datetime.datetime


class Database:
    """Where the notes live (app scope): the file, its tables made once at startup."""

    def __init__(self, settings: NotesSettings) -> None:
        self.path = settings.database
        connection = sqlite3.connect(self.path)
        try:
            connection.executescript(SCHEMA)
        finally:
            connection.close()

    def connect(self) -> sqlite3.Connection:
        # A request's work may run in more than one worker thread, one step at a time.
        return sqlite3.connect(self.path, check_same_thread=False)


class UnitOfWork:
    """One request's reads and writes, committed together when the request succeeds."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def commit(self) -> None:
        """Store what was done so far (the end of the request commits the rest)."""
        self.connection.commit()

    def add_note(self, owner: str, text: str) -> Note:
        created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        cursor = self.connection.execute(
            "INSERT INTO notes (owner, text, created) VALUES (?, ?, ?)",
            (owner, text, created.isoformat()),
        )
        return Note(int(cursor.lastrowid or 0), text, created)

    def note_of(self, owner: str, id: int) -> Note | None:
        row = self.connection.execute(
            "SELECT text, created FROM notes WHERE owner = ? AND id = ?", (owner, id)
        ).fetchone()
        return None if row is None else Note(id, row[0], datetime.datetime.fromisoformat(row[1]))

    def notes_of(self, owner: str, limit: int = 100) -> list[Note]:
        rows = self.connection.execute(
            "SELECT id, text, created FROM notes WHERE owner = ? ORDER BY id DESC LIMIT ?",
            (owner, limit),
        )
        return [
            Note(id, text, datetime.datetime.fromisoformat(created)) for id, text, created in rows
        ]


def unit_of_work(database: Database) -> Iterator[UnitOfWork]:
    """A request's unit of work: committed after the handler, rolled back if it raised."""
    connection = database.connect()
    try:
        yield UnitOfWork(connection)
    except BaseException:
        connection.rollback()
        raise
    else:
        connection.commit()
    finally:
        connection.close()
