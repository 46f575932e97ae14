"""The notes application: its modules (the pages, accounts, the JSON API) put together.

The app provides what the modules share (the settings, the database, a unit of work per
request, the broadcast) and the middleware every request goes through; each module
declares the rest for itself.

Serve it with ``resourceful run examples.notes:app`` from the repository's root and open
http://127.0.0.1:8000. ``NOTES_DATABASE``, ``NOTES_SECRET_KEY``,
``NOTES_ALLOWED_HOSTS`` and ``NOTES_BROADCAST_URL`` configure it.
"""

from __future__ import annotations

from pathlib import Path

from examples.notes import accounts, api, pages
from examples.notes.settings import NotesSettings
from examples.notes.store import Database, unit_of_work
from resourceful import App, Mount
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
)
from resourceful.broadcast import broadcast_provider
from resourceful.caching import CacheControl
from resourceful.di import Provider
from resourceful.middleware import Middleware
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.csrf import CSRFMiddleware
from resourceful.middleware.etags import ETagMiddleware
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


def middleware(settings: NotesSettings) -> list[Middleware]:
    """What every request goes through (a module's tests build their app with it too)."""
    secret = settings.secret_key.get_secret_value()
    return [
        Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
        # Pages load scripts, styles and sockets from this site only, and are never framed.
        Middleware(SecurityHeadersMiddleware, content_security_policy={"default-src": "'self'"}),
        Middleware(SessionMiddleware, secret_key=secret, same_site="lax"),
        Middleware(CSRFMiddleware, secret_key=secret),
        Middleware(AuthenticationMiddleware, backend=SessionUser()),
        # The pages have no validators of their own: tags of their bodies let a browser's
        # copy be revalidated (304) instead of sent again.
        Middleware(ETagMiddleware),
    ]


#: The styles and the script of the pages: any cache may keep them for an hour, shared
#: caches too (``s-maxage``), though the requests for them carry the session's cookie.
static = Mount(
    "/static",
    StaticFiles(
        directory=Path(__file__).parent / "static",
        cache_control=CacheControl(max_age=3600, s_maxage=3600),
    ),
    name="static",
)

#: The pages and the JSON of the signed-in user: kept by the user's browser only, and
#: checked with the server before each use.
PRIVATE = CacheControl(private=True, no_cache=True)


def create_app(settings: NotesSettings | None = None) -> App:
    """The app, configured by ``settings`` (read from the environment by default)."""
    settings = NotesSettings.load() if settings is None else settings
    return App(
        routes=[*pages.routes, accounts.module, api.module, static],
        middleware=middleware(settings),
        providers=[
            Provider(settings, provides=NotesSettings),
            Provider(Database, scope="app"),
            broadcast_provider(settings.broadcast_url),
            unit_of_work,
        ],
        openapi=OpenAPI(title="Notes", version="1.0"),
        cache_control=PRIVATE,
    )


app = create_app()
