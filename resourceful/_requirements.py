"""What ``requires()`` records on an endpoint, and the check every endpoint kind runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from resourceful.exceptions import HTTPException, WebSocketException
from resourceful.requests import HTTPConnection
from resourceful.responses import RedirectResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send

ATTRIBUTE = "__resourceful_requires__"


class Requirement:
    """Scopes a connection's credentials must have, and what to answer when they do not."""

    def __init__(self, scopes: Sequence[str], status_code: int, redirect: str | None) -> None:
        self.scopes = tuple(scopes)
        self.status_code = status_code
        self.redirect = redirect

    def check(self, connection: HTTPConnection) -> Response | None:
        """None when the connection may go on, a redirect to the login page otherwise.

        Raises:
            HTTPException: with ``status_code``, for HTTP without a redirect.
            WebSocketException: 1008 (policy violation), for websockets.
        """
        granted = set(connection.auth.scopes)
        if all(scope in granted for scope in self.scopes):
            return None
        if connection.scope["type"] == "websocket":
            raise WebSocketException(1008, "Not allowed")
        if self.redirect is not None:
            target = connection.url_for(self.redirect)
            next_url = urlencode({"next": str(connection.url)})
            return RedirectResponse(f"{target}?{next_url}", status_code=303)
        raise HTTPException(self.status_code)


def requirements_of(*targets: Any) -> tuple[Requirement, ...]:
    """The requirements recorded on each of ``targets`` (a function, a method, a class)."""
    found = []
    for target in targets:
        requirement = getattr(target, ATTRIBUTE, None)
        if requirement is not None:
            found.append(requirement)
    return tuple(found)


def guard(app: ASGIApp, requirements: tuple[Requirement, ...]) -> ASGIApp:
    """``app``, behind a check of ``requirements`` (``app`` itself when there are none)."""
    if not requirements:
        return app

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        refusal = check_all(requirements, HTTPConnection(scope))
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


def check_all(requirements: tuple[Requirement, ...], connection: HTTPConnection) -> Response | None:
    """The first refusal among ``requirements``, or None when all are met."""
    for requirement in requirements:
        refusal = requirement.check(connection)
        if refusal is not None:
            return refusal
    return None
