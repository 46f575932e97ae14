"""The notes app's settings, read from NOTES_* variables (or a .env file)."""

from __future__ import annotations

import secrets

import attrs

from resourceful.datastructures import Secret
from resourceful.settings import Settings


class NotesSettings(Settings, prefix="NOTES_"):
    database: str = "notes.sqlite3"
    # Set NOTES_SECRET_KEY in production: without it, sessions end when the server restarts.
    secret_key: Secret = attrs.field(factory=lambda: Secret(secrets.token_urlsafe(32)))
