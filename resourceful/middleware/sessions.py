"""Sessions kept in a signed cookie (the ``sessions`` extra: itsdangerous)."""

from __future__ import annotations

import json
import secrets
from base64 import b64decode, b64encode
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Literal

from resourceful.caching import keep_private
from resourceful.datastructures import MutableHeaders, Secret
from resourceful.exceptions import MissingDependencyError
from resourceful.middleware.sessionstores import SessionStore
from resourceful.requests import HTTPConnection
from resourceful.types import ASGIApp, Message, Receive, Scope, Send


class Session(dict[str, Any]):
    """The session mapping; it knows whether it was read or changed, so an unchanged one is
    not sent again and a read one makes the response vary on ``Cookie``."""

    accessed = False
    modified = False
    cleared = False  # emptied at some point: a server-side session gets a new id

    def mark_accessed(self) -> None:
        self.accessed = True

    def mark_modified(self) -> None:
        self.accessed = self.modified = True

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.mark_modified()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.mark_modified()

    def __ior__(self, other: Any) -> Session:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        super().clear()
        self.cleared = True
        self.mark_modified()

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.mark_modified()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self.mark_modified()
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.mark_modified()
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.mark_modified()


class SessionMiddleware:
    """Keeps ``request.session`` in a signed cookie, or on the server with a ``store``.

    A cookie that was tampered with, has expired, or cannot be decoded gives an empty
    session, never an error. The cookie is sent only when the session changed, and cleared
    when the session was emptied.

    Args:
        secret_key: the signing key, or a list of keys to rotate them: the first signs, any
            of them is accepted.
        session_cookie: the cookie's name.
        max_age: seconds a session lives (None: until the browser closes).
        path, domain, same_site, https_only: the cookie's attributes.
        store: keep the data on the server (a
            :class:`~resourceful.middleware.sessionstores.SessionStore`); the cookie then
            holds only a signed, random session id, and a session that was cleared gets a
            new id when it is filled again (so logging in never reuses an id).
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | Secret | Sequence[str],
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
        *,
        store: SessionStore | None = None,
    ) -> None:
        try:
            import itsdangerous
        except ImportError:
            raise MissingDependencyError("itsdangerous", "sessions", "SessionMiddleware") from None
        if isinstance(secret_key, Secret):
            secret_key = secret_key.get_secret_value()
        keys = [secret_key] if isinstance(secret_key, str) else list(secret_key)
        if not keys or not all(keys):
            msg = "SessionMiddleware needs a non-empty secret_key (or list of keys)."
            raise ValueError(msg)
        self.app = app
        # itsdangerous signs with the last key of the list and accepts every one.
        self.signer = itsdangerous.TimestampSigner(list(reversed(keys)))
        self.bad_signature = itsdangerous.BadSignature
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.store = store
        flags = ["httponly", f"samesite={same_site}"]
        if https_only:
            flags.append("secure")
        if domain is not None:
            flags.append(f"domain={domain}")
        if partitioned:  # CHIPS: a cookie kept apart per top-level site
            flags.append("partitioned")
        lifetime = [] if max_age is None else [f"Max-Age={max_age}"]
        self.attributes = "; ".join([f"path={path}", *lifetime, *flags])
        expired = "expires=Thu, 01 Jan 1970 00:00:00 GMT"
        self.clear_attributes = "; ".join([f"path={path}", expired, *flags])

    def load(self, cookie: str | None) -> tuple[Session, bool]:
        """The session in ``cookie`` (empty when absent or bad), and whether one was sent."""
        if cookie is None:
            return Session(), False
        try:
            data = self.signer.unsign(cookie.encode("latin-1"), max_age=self.max_age)
            value = json.loads(b64decode(data, validate=True))
        except (self.bad_signature, ValueError):
            return Session(), True
        if not isinstance(value, dict):
            return Session(), True
        return Session(value), True

    def dump(self, session: Session) -> str:
        data = b64encode(json.dumps(session, separators=(",", ":")).encode("utf-8"))
        return self.signer.sign(data).decode("latin-1")

    def unsign_id(self, cookie: str | None) -> str | None:
        """The session id a cookie carries, or None when it is absent, bad or expired."""
        if cookie is None:
            return None
        try:
            return self.signer.unsign(cookie.encode("latin-1"), max_age=self.max_age).decode()
        except (self.bad_signature, ValueError):
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(self.session_cookie)
        keep: Callable[[Any, bool], Awaitable[str | None]]
        if self.store is None:
            session, had_cookie = self.load(cookie)
            keep = partial(self.keep_in_cookie, had_cookie)
        else:
            session_id = self.unsign_id(cookie)
            data = None if session_id is None else await self.store.load(session_id)
            session = Session(data or {})
            stored_id = None if data is None else session_id
            keep = partial(self.keep_in_store, self.store, stored_id, cookie is not None)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if getattr(current, "accessed", False):
                    MutableHeaders(scope=message).add_vary_header("Cookie")
                changed = getattr(current, "modified", True) or current is not session
                value = await keep(current, changed)
                if value is not None:
                    attributes = self.clear_attributes if value == "null" else self.attributes
                    header = f"{self.session_cookie}={value}; {attributes}"
                    MutableHeaders(scope=message).append("set-cookie", header)
                if "app" in scope and (value is not None or getattr(current, "accessed", False)):
                    # In a resourceful app: a response that depends on the session is the
                    # user's alone, and one that sets its cookie is kept by no cache.
                    keep_private(MutableHeaders(scope=message), no_store=value is not None)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def keep_in_cookie(self, had_cookie: bool, current: Any, changed: bool) -> str | None:
        """The cookie's new value for the session ``current`` ("null" clears it), if any."""
        if current and changed:
            return self.dump(current if isinstance(current, Session) else Session(current))
        return "null" if not current and had_cookie else None

    async def keep_in_store(
        self,
        store: SessionStore,
        stored_id: str | None,
        had_cookie: bool,
        current: Any,
        changed: bool,
    ) -> str | None:
        """Keep ``current`` in ``store`` under the id it had (``stored_id``, None for none)
        or, when new or cleared, a new one; the cookie's new value, if any."""
        if current and changed:
            session_id = stored_id
            if session_id is None or getattr(current, "cleared", False):
                if stored_id is not None:
                    await store.delete(stored_id)  # the old id is never used again
                session_id = secrets.token_urlsafe(32)
            await store.save(session_id, dict(current), self.max_age)
            return self.signer.sign(session_id.encode()).decode("latin-1")
        if not current and had_cookie:
            if stored_id is not None:
                await store.delete(stored_id)
            return "null"
        return None


__all__ = ["Session", "SessionMiddleware"]
