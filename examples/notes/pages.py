"""The HTML pages: sign up, log in, log out, and the notes of the signed-in user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import attrs

from examples.notes.live import announce
from examples.notes.store import UnitOfWork
from resourceful import Form, HTTPResource, Query
from resourceful.authentication import requires
from resourceful.broadcast import Broadcast
from resourceful.concurrency import run_in_threadpool
from resourceful.requests import Request
from resourceful.responses import RedirectResponse, Response, safe_redirect_url
from resourceful.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@attrs.frozen
class Credentials:
    name: str
    password: str


#: The page a login form goes on to, a link sent by anyone may name: only this site's own.
NextPage = Annotated[str | None, Form(alias="next")]


def _sign_in(request: Request, name: str, next_page: str | None = None) -> Response:
    request.session.clear()  # a new session for the new user: nothing carried over
    request.session["user"] = name
    target = safe_redirect_url(request, next_page, str(request.url_for("home")))
    return RedirectResponse(target, status_code=303)


class SignUp(HTTPResource):
    async def get(self, request: Request) -> Response:
        return templates.TemplateResponse(request, "signup.html")

    def post(
        self, request: Request, form: Annotated[Credentials, Form()], work: UnitOfWork
    ) -> Response:
        name = form.name.strip()
        problem = None
        if not name or len(name) > 40 or len(form.password) < 8:
            problem = "Choose a name (up to 40 characters) and a password of 8 characters or more."
        elif not work.add_user(name, form.password):
            problem = f"The name {name!r} is taken."
        if problem is not None:
            return templates.TemplateResponse(
                request, "signup.html", {"problem": problem}, status_code=400
            )
        return _sign_in(request, name)


class LogIn(HTTPResource):
    async def get(
        self, request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
    ) -> Response:
        return templates.TemplateResponse(request, "login.html", {"next": next_page})

    def post(
        self,
        request: Request,
        form: Annotated[Credentials, Form()],
        work: UnitOfWork,
        next_page: NextPage = None,
    ) -> Response:
        if not work.check_password(form.name, form.password):
            context = {"problem": "Wrong name or password.", "next": next_page}
            return templates.TemplateResponse(request, "login.html", context, status_code=400)
        return _sign_in(request, form.name, next_page)


class LogOut(HTTPResource):
    async def post(self, request: Request) -> Response:
        request.session.clear()
        return RedirectResponse(request.url_for("login"), status_code=303)


@requires("authenticated", redirect="login")
class Home(HTTPResource):
    """The signed-in user's notes, and a form to add one."""

    def get(self, request: Request, work: UnitOfWork) -> Response:
        notes = work.notes_of(request.user.identity)
        return templates.TemplateResponse(request, "index.html", {"notes": notes})


@requires("authenticated", redirect="login")
class AddNote(HTTPResource):
    async def post(
        self,
        request: Request,
        text: Annotated[str, Form(min_length=1, max_length=500)],
        work: UnitOfWork,
        broadcast: Broadcast,
    ) -> Response:
        note = await run_in_threadpool(work.add_note, request.user.identity, text)
        await run_in_threadpool(work.commit)  # stored before the other pages are told
        await announce(broadcast, request.user.identity, note)
        return RedirectResponse(request.url_for("home"), status_code=303)
