"""Cache policy: what a response's ``Cache-Control`` header tells caches (RFC 9111 §5.2.2).

An app, a mount or router, a resource class or one handler declares a
:class:`CacheControl`; the innermost declaration holds for a response, and a response whose
handler set ``Cache-Control`` itself keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from resourceful._marks import Mark
from resourceful.datastructures import MutableHeaders
from resourceful.types import Message

F = TypeVar("F", bound=Callable[..., Any])


def _seconds(instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        msg = f"CacheControl({attribute.name}={value}): a number of seconds is 0 or more."
        raise ValueError(msg)


@attrs.frozen
class CacheControl:
    """The directives of a ``Cache-Control`` response header; ``str()`` gives its value.

    Attributes:
        max_age: seconds the response stays fresh in any cache.
        s_maxage: seconds it stays fresh in shared caches (in place of ``max_age``).
        public: any cache may store it, even one that would not otherwise.
        private: only the client's own cache may store it (not a shared one).
        no_cache: caches must revalidate it with the server before each use.
        no_store: no cache may store it at all.
        must_revalidate: once stale, caches must revalidate it before use.
        proxy_revalidate: the same, for shared caches only.
        immutable: it will not change while fresh (a fingerprinted file).
        stale_while_revalidate: seconds a cache may serve it stale while revalidating.
        stale_if_error: seconds a cache may serve it stale when the server errs.
    """

    max_age: int | None = attrs.field(default=None, validator=_seconds)
    s_maxage: int | None = attrs.field(default=None, validator=_seconds)
    public: bool = False
    private: bool = False
    no_cache: bool = False
    no_store: bool = False
    must_revalidate: bool = False
    proxy_revalidate: bool = False
    immutable: bool = False
    stale_while_revalidate: int | None = attrs.field(default=None, validator=_seconds)
    stale_if_error: int | None = attrs.field(default=None, validator=_seconds)

    def __attrs_post_init__(self) -> None:
        if self.public and self.private:
            msg = "CacheControl cannot be public and private at once: choose one."
            raise ValueError(msg)
        if not str(self):
            msg = "CacheControl() says nothing: give it a directive (max_age=..., no_store=True)."
            raise ValueError(msg)

    def __str__(self) -> str:
        directives = []
        for name, value in attrs.asdict(self).items():
            token = name.replace("_", "-")
            if value is True:
                directives.append(token)
            elif isinstance(value, int) and not isinstance(value, bool):
                directives.append(f"{token}={value}")
        return ", ".join(directives)


def keep_private(headers: MutableHeaders, *, no_store: bool = False) -> None:
    """Keep a response out of shared caches (``private``), or out of every cache
    (``no-store``), unless its ``Cache-Control`` says ``public`` or ``s-maxage`` (shared
    caches may keep it: decided so) or ``no-store`` already.

    The App's session and authentication layers call it for a response that read the
    session, set its cookie, or went to an authenticated user; the App's error boundary,
    through :func:`keep_cookies_private`, for one that sets any cookie.
    """
    current = headers.get("cache-control")
    if current is None:
        headers["cache-control"] = "no-store" if no_store else "private"
        return
    directives = {part.split("=", 1)[0].strip().lower() for part in current.split(",")}
    if not directives.isdisjoint(_DECIDED):
        return
    if no_store:  # it leaves every other directive without meaning: it says it alone
        headers["cache-control"] = "no-store"
    elif "private" not in directives:
        headers["cache-control"] = f"{current}, private"


#: Directives that say a response's storing was decided: for shared caches (``public``,
#: ``s-maxage``), or for none (``no-store``).
_DECIDED = frozenset({"public", "s-maxage", "no-store"})


def keep_cookies_private(message: Message) -> None:
    """Keep a response that sets a cookie (its start ``message``) out of shared caches, as
    :func:`keep_private` does: a cookie is one client's."""
    for name, _ in message.get("headers", ()):
        if name == b"set-cookie":
            keep_private(MutableHeaders(scope=message))
            return


_POLICY: Mark[CacheControl] = Mark("cache_control")


def caching(policy: CacheControl) -> Callable[[F], F]:
    """Give one handler (a resource method or a function endpoint) its own cache policy, in
    place of its class's, its mounts' and the app's."""
    return _POLICY.decorating(policy)


def policy_of(func: Any) -> CacheControl | None:
    """The cache policy :func:`caching` gave ``func``, if it did."""
    return _POLICY.of(func)


__all__ = ["CacheControl", "caching", "policy_of"]
