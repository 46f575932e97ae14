"""The notes app's settings, read from NOTES_* variables (or a .env file)."""

from __future__ import annotations

import secrets

import attrs

from resourceful.datastructures import Secret
from resourceful.settings import Settings


class NotesSettings(Settings, prefix="NOTES_"):
    database: str = "notes.sqlite3"
    # The host names this app responds to (NOTES_ALLOWED_HOSTS=notes.example,www.notes.example):
    # a request naming another host gets a 400, so forged Host headers build no links.
    allowed_hosts: list[str] = attrs.field(factory=lambda: ["127.0.0.1", "localhost"])
    # memory:// serves one process; redis://host:6379/0 lets every worker's pages hear of
    # every note (the redis extra).
    broadcast_url: str = "memory://"
    # Set NOTES_SECRET_KEY in production: without it, sessions end when the server restarts.
    secret_key: Secret = attrs.field(factory=lambda: Secret(secrets.token_urlsafe(32)))
