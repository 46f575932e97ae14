"""The accounts module: sign up, log in and log out, with an ``Accounts`` service of its own.

Mounted at ``/account``; nothing outside it can have ``Accounts`` injected (the app would
refuse to start). Its tests build an app of this module alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from pathlib import Path
from typing import Annotated

import attrs

from examples.notes.store import UnitOfWork
from resourceful import Form, HTTPResource, Mount, Query, Route
from resourceful.openapi import ResponseSpec, operation
from resourceful.requests import Request
from resourceful.responses import RedirectResponse, Response, safe_redirect_url
from resourceful.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class Accounts:
    """The users and their passwords (salted scrypt hashes), in the request's unit of work."""

    def __init__(self, work: UnitOfWork) -> None:
        self.connection = work.connection

    def sign_up(self, name: str, password: str) -> bool:
        """Register ``name``; False when it is taken."""
        salt = secrets.token_bytes(16)
        try:
            self.connection.execute(
                "INSERT INTO users (name, salt, password_hash) VALUES (?, ?, ?)",
                (name, salt, _hash(password, salt)),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def check_password(self, name: str, password: str) -> bool:
        row = self.connection.execute(
            "SELECT salt, password_hash FROM users WHERE name = ?", (name,)
        ).fetchone()
        return row is not None and hmac.compare_digest(_hash(password, row[0]), row[1])


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


@attrs.frozen
class Credentials:
    name: str
    password: str


#: The page a login form goes on to, a link sent by anyone may name: only this site's own.
NextPage = Annotated[str | None, Form(alias="next")]
#: A new user's name, up to 40 characters, not only spaces (those around it are dropped).
NewName = Annotated[str, Form(alias="name", max_length=40, pattern=r"\S")]
#: A new user's password: 8 characters or more.
NewPassword = Annotated[str, Form(alias="password", min_length=8)]


#: Where a signed-in user goes on to.
SIGNED_IN = "Signed in: a redirect to the page asked for (the home page by default)."


def form_again(why: str) -> ResponseSpec:
    """A response that is the form's page again, saying ``why``."""
    return ResponseSpec(f"{why}: the form again, saying so.", str, "text/html")


def _sign_in(request: Request, name: str, next_page: str | None = None) -> Response:
    request.session.clear()  # a new session for the new user: nothing carried over
    request.session["user"] = name
    target = safe_redirect_url(request, next_page, str(request.url_for("home")))
    return RedirectResponse(target, status_code=303)


class SignUp(HTTPResource):
    async def get(self, request: Request) -> Response:
        return templates.TemplateResponse(request, "signup.html")

    @operation(responses={303: SIGNED_IN, 409: form_again("The name is taken")})
    def post(
        self, request: Request, name: NewName, password: NewPassword, accounts: Accounts
    ) -> Response:
        name = name.strip()
        if not accounts.sign_up(name, password):
            context = {"problem": f"The name {name!r} is taken."}
            return templates.TemplateResponse(request, "signup.html", context, status_code=409)
        return _sign_in(request, name)


class LogIn(HTTPResource):
    async def get(
        self, request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
    ) -> Response:
        return templates.TemplateResponse(request, "login.html", {"next": next_page})

    @operation(responses={303: SIGNED_IN, 403: form_again("Wrong name or password")})
    def post(
        self,
        request: Request,
        form: Annotated[Credentials, Form()],
        accounts: Accounts,
        next_page: NextPage = None,
    ) -> Response:
        if not accounts.check_password(form.name, form.password):
            context = {"problem": "Wrong name or password.", "next": next_page}
            # Credentials were sent, and refused (RFC 9110 §15.5.4).
            return templates.TemplateResponse(request, "login.html", context, status_code=403)
        return _sign_in(request, form.name, next_page)


class LogOut(HTTPResource):
    @operation(responses={303: "Signed out: a redirect to the login page."})
    async def post(self, request: Request) -> Response:
        request.session.clear()
        return RedirectResponse(request.url_for("login"), status_code=303)


module = Mount(
    "/account",
    routes=[
        Route("/signup", SignUp, name="signup"),
        Route("/login", LogIn, name="login"),
        Route("/logout", LogOut, name="logout"),
    ],
    providers=[Accounts],
)
