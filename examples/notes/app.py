"""The notes application: pages, a JSON API and live updates, put together.

Serve it with ``resourceful run examples.notes:app`` from the repository's root and open
http://127.0.0.1:8000. ``NOTES_DATABASE``, ``NOTES_SECRET_KEY``,
``NOTES_ALLOWED_HOSTS`` and ``NOTES_BROADCAST_URL`` configure it.
"""

from __future__ import annotations

from pathlib import Path

from examples.notes.api import NotesAPI
from examples.notes.live import live_notes
from examples.notes.pages import AddNote, Home, LogIn, LogOut, SignUp
from examples.notes.settings import NotesSettings
from examples.notes.store import Database, unit_of_work
from resourceful import App, Mount, Route, WebSocketRoute
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
)
from resourceful.broadcast import broadcast_provider
from resourceful.di import Provider
from resourceful.middleware import Middleware
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.csrf import CSRFMiddleware
from resourceful.middleware.securityheaders import SecurityHeadersMiddleware
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware
from resourceful.openapi import OpenAPI
from resourceful.requests import HTTPConnection
from resourceful.staticfiles import StaticFiles


class SessionUser(AuthenticationBackend):
    """The user whose name the signed session cookie holds."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        name = conn.session.get("user")
        if not isinstance(name, str):
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(name)


def create_app(settings: NotesSettings | None = None) -> App:
    """The app, configured by ``settings`` (read from the environment by default)."""
    settings = NotesSettings.load() if settings is None else settings
    secret = settings.secret_key.get_secret_value()
    return App(
        routes=[
            Route("/", Home, name="home"),
            Route("/signup", SignUp, name="signup"),
            Route("/login", LogIn, name="login"),
            Route("/logout", LogOut, name="logout"),
            Route("/notes", AddNote, name="add_note"),
            Route("/api/notes", NotesAPI, name="api_notes"),
            WebSocketRoute("/live", live_notes, name="live"),
            Mount(
                "/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"
            ),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
            # Pages load scripts, styles and sockets from this site only, and are never framed.
            Middleware(
                SecurityHeadersMiddleware, content_security_policy={"default-src": "'self'"}
            ),
            Middleware(SessionMiddleware, secret_key=secret, same_site="lax"),
            Middleware(CSRFMiddleware, secret_key=secret),
            Middleware(AuthenticationMiddleware, backend=SessionUser()),
        ],
        providers=[
            Provider(settings, provides=NotesSettings),
            Provider(Database, scope="app"),
            broadcast_provider(settings.broadcast_url),
            unit_of_work,
        ],
        openapi=OpenAPI(title="Notes", version="1.0"),
    )


app = create_app()
