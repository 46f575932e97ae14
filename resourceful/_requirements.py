"""What ``requires()`` records on an endpoint, and the check every endpoint kind runs."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from resourceful.concurrency import is_async_callable
from resourceful.exceptions import HTTPException, WebSocketException
from resourceful.requests import HTTPConnection
from resourceful.responses import RedirectResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send

ATTRIBUTE = "__resourceful_requires__"
#: The keyword-only parameter through which injection hands a checked function its connection.
CONNECTION = "__resourceful_connection__"


class Requirement:
    """Scopes a connection's credentials must have, and how to respond when they do not."""

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


T = TypeVar("T")


class Requires:
    """What ``requires()`` makes: a decorator of endpoints, methods and resource classes, and
    the requirement a ``Mount(requires=...)`` checks for every route under it."""

    def __init__(self, requirement: Requirement) -> None:
        self.requirement = requirement

    def __call__(self, target: T) -> T:
        if isinstance(target, type):
            require_on_class(target, self.requirement)
            return target
        if not callable(target):
            msg = f"requires() decorates functions, methods and resource classes, not {target!r}."
            raise TypeError(msg)
        checked: T = require_on_function(target, self.requirement)  # type: ignore[assignment]
        return checked


def as_requirement(requires: str | Sequence[str] | Requires) -> Requirement:
    """The requirement a ``requires=`` argument states: scopes (refused with 403), or what
    ``requires(...)`` made (its status or redirect too)."""
    if isinstance(requires, Requires):
        return requires.requirement
    return Requirement([requires] if isinstance(requires, str) else requires, 403, None)


def requirements_of(*targets: Any) -> tuple[Requirement, ...]:
    """The requirements recorded on each of ``targets`` (a function, a method, a class)."""
    found: list[Requirement] = []
    for target in targets:
        found.extend(getattr(target, ATTRIBUTE, ()))
    return tuple(found)


def require_on_class(cls: type[Any], requirement: Requirement) -> None:
    """Record ``requirement`` on a resource class, which checks it before every handler.

    Requirements stacked on one class add up; a subclass that declares its own replaces the
    ones it inherits.
    """
    setattr(cls, ATTRIBUTE, (*vars(cls).get(ATTRIBUTE, ()), requirement))


def require_on_function(func: Callable[..., Any], requirement: Requirement) -> Callable[..., Any]:
    """``func``, checking ``requirement`` itself on every call, wherever it is called from.

    The check does not rely on the router finding a mark: a decorator that drops the
    function's attributes cannot turn it off. The connection is the one injection hands over
    (through a keyword-only parameter added to the signature), else a connection among the
    arguments, else the ``request`` or ``websocket`` of a resource method's ``self``.
    """
    signature = inspect.signature(func)
    owner = getattr(func, "__qualname__", repr(func))
    forwards = CONNECTION in signature.parameters  # a requires() below wants it too

    def allowed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Response | None:
        connection = kwargs.get(CONNECTION) if forwards else kwargs.pop(CONNECTION, None)
        if connection is None:
            connection = _connection_among(args, kwargs, owner)
        return requirement.check(connection)

    checked: Callable[..., Any]
    if is_async_callable(func):

        @functools.wraps(func)
        async def checked(*args: Any, **kwargs: Any) -> Any:
            refusal = allowed(args, kwargs)
            return refusal if refusal is not None else await func(*args, **kwargs)

    else:

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            refusal = allowed(args, kwargs)
            return refusal if refusal is not None else func(*args, **kwargs)

    variadic = {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}
    kinds = {parameter.kind for parameter in signature.parameters.values()}
    # A (*args, **kwargs) wrapper is called with the connection itself: nothing to add.
    takes_the_connection = inspect.Parameter.VAR_POSITIONAL in kinds and kinds <= variadic
    if not forwards and not takes_the_connection:
        parameters = list(signature.parameters.values())
        at = len(parameters)
        if parameters and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD:
            at -= 1
        hidden = inspect.Parameter(
            CONNECTION, inspect.Parameter.KEYWORD_ONLY, annotation=HTTPConnection
        )
        parameters.insert(at, hidden)
        checked.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        annotations = dict(getattr(func, "__annotations__", {}))
        checked.__annotations__ = {**annotations, CONNECTION: HTTPConnection}
    setattr(checked, ATTRIBUTE, (*getattr(func, ATTRIBUTE, ()), requirement))
    return checked


def _connection_among(args: tuple[Any, ...], kwargs: dict[str, Any], owner: str) -> HTTPConnection:
    for value in (*args, *kwargs.values()):
        if isinstance(value, HTTPConnection):
            return value
    if args:  # a resource method: self carries its connection
        for name in ("request", "websocket"):
            connection = getattr(args[0], name, None)
            if isinstance(connection, HTTPConnection):
                return connection
    msg = (
        f"{owner} is protected by requires() but was called without the request or "
        "websocket, so its requirement cannot be checked. Pass the connection as an argument, "
        "or let the router call it."
    )
    raise TypeError(msg)


def guard(app: ASGIApp, requirements: tuple[Requirement, ...]) -> ASGIApp:
    """``app``, behind a check of ``requirements`` (``app`` itself when there are none)."""
    if not requirements:
        return app

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # a router's, run by a server
            await app(scope, receive, send)
            return
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
