"""Authentication: backends that find the user, the user classes, and ``requires``."""

from __future__ import annotations

from collections.abc import Sequence

from resourceful._requirements import Requirement, Requires
from resourceful.requests import HTTPConnection


class AuthenticationError(Exception):
    """Credentials were sent but are wrong; the middleware responds with its ``on_error``."""


class AuthCredentials:
    """What an authenticated connection may do, as a list of scopes (``["authenticated"]``)."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes = [] if scopes is None else list(scopes)


class BaseUser:
    """A user as the app sees it; inject it by annotating a parameter with ``BaseUser``."""

    @property
    def is_authenticated(self) -> bool:
        raise NotImplementedError

    @property
    def display_name(self) -> str:
        raise NotImplementedError

    @property
    def identity(self) -> str:
        raise NotImplementedError


class SimpleUser(BaseUser):
    """An authenticated user known by name."""

    def __init__(self, username: str) -> None:
        self.username = username

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.username

    @property
    def identity(self) -> str:
        return self.username


class UnauthenticatedUser(BaseUser):
    """The user of a connection that sent no credentials."""

    @property
    def is_authenticated(self) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return ""

    @property
    def identity(self) -> str:
        return ""


class AuthenticationBackend:
    """Finds who is calling: override :meth:`authenticate`."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        """The credentials and user of ``conn``; None when it sent no credentials.

        Raise :class:`AuthenticationError` for credentials that are wrong.
        """
        raise NotImplementedError


def requires(
    scopes: str | Sequence[str], status_code: int = 403, redirect: str | None = None
) -> Requires:
    """Let only connections whose credentials have every one of ``scopes`` in.

    Decorate a function endpoint, a resource method, or a whole resource class (its
    subclasses inherit the requirement), or give it to a ``Mount`` (``requires=``) for every
    route under it. Others get ``status_code`` (403), or a 303 redirect to the route named
    ``redirect`` with a ``next`` query parameter; websockets are closed with 1008. A decorated
    function checks the requirement itself whenever it is called, so other decorators around
    it, in either order, cannot switch the check off.
    """
    return Requires(
        Requirement([scopes] if isinstance(scopes, str) else scopes, status_code, redirect)
    )


__all__ = [
    "AuthCredentials",
    "AuthenticationBackend",
    "AuthenticationError",
    "BaseUser",
    "SimpleUser",
    "UnauthenticatedUser",
    "requires",
]
