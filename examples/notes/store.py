"""Notes and users kept in SQLite: an app-scoped database and a request-scoped unit of work
(the accounts module keeps the users' table through it)."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator

import attrs

from examples.notes.settings import NotesSettings
from resourceful.conditional import ETag

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
    created TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated TEXT
);
"""
#: What a notes table made before notes had versions lacks.
_VERSIONS = [
    "ALTER TABLE notes ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE notes ADD COLUMN updated TEXT",
]
_COLUMNS = "id, text, created, version, COALESCE(updated, created)"


@attrs.frozen
class Note:
    id: int
    text: str
    created: datetime.datetime
    #: Goes up by one with each change: what the note's ETag is made of.
    version: int
    updated: datetime.datetime


def tag_of(note: Note) -> ETag:
    """The note's entity tag: its id and version, new with each change."""
    return ETag(f"{note.id}.{note.version}")


def _note(row: tuple[int, str, str, int, str]) -> Note:
    id, text, created, version, updated = row
    when = datetime.datetime.fromisoformat
    return Note(id, text, when(created), version, when(updated))


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class Database:
    """Where the notes live (app scope): the file, its tables made once at startup."""

    def __init__(self, settings: NotesSettings) -> None:
        self.path = settings.database
        connection = sqlite3.connect(self.path)
        try:
            connection.executescript(SCHEMA)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(notes)")}
            if "version" not in columns:
                for statement in _VERSIONS:
                    connection.execute(statement)
                connection.commit()
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
        created = _now()
        cursor = self.connection.execute(
            "INSERT INTO notes (owner, text, created, updated) VALUES (?, ?, ?, ?)",
            (owner, text, created.isoformat(), created.isoformat()),
        )
        return Note(int(cursor.lastrowid or 0), text, created, 1, created)

    def note_of(self, owner: str, id: int) -> Note | None:
        row = self.connection.execute(
            f"SELECT {_COLUMNS} FROM notes WHERE owner = ? AND id = ?", (owner, id)
        ).fetchone()
        return None if row is None else _note(row)

    def notes_of(self, owner: str, limit: int = 100) -> list[Note]:
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM notes WHERE owner = ? ORDER BY id DESC LIMIT ?",
            (owner, limit),
        )
        return [_note(row) for row in rows]

    def replace_note(self, owner: str, id: int, text: str, version: int) -> Note | None:
        """Give the note at ``version`` the new ``text``; None if it is at another version
        now (changed meanwhile), so no change is lost."""
        cursor = self.connection.execute(
            "UPDATE notes SET text = ?, version = version + 1, updated = ? "
            "WHERE owner = ? AND id = ? AND version = ?",
            (text, _now().isoformat(), owner, id, version),
        )
        return self.note_of(owner, id) if cursor.rowcount else None

    def delete_note(self, owner: str, id: int, version: int) -> bool:
        """Delete the note at ``version``; False if it is at another version now."""
        cursor = self.connection.execute(
            "DELETE FROM notes WHERE owner = ? AND id = ? AND version = ?", (owner, id, version)
        )
        return cursor.rowcount == 1


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
