"""A small but real application: notes in SQLite, sign-up and login, pages, an API, and
live updates (see :mod:`examples.notes.app`)."""

from examples.notes.app import app, create_app

__all__ = ["app", "create_app"]
