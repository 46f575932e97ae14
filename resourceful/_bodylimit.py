"""Request body limits: one counter per request, limits set by the app, routes and mounts.

The outermost limit middleware counts the body as it is received; an inner one (a route's, a
mount's) only changes the limits in force, so the innermost limit decides even when a
middleware in between copied the scope. A body is refused with 413 when its declared
``Content-Length`` or what actually arrived passes the limit: at the first read, or, for an
endpoint that never reads it, when the response starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Final

from resourceful._relay import Relay
from resourceful.caching import keep_cookies_private
from resourceful.exceptions import HTTPException
from resourceful.requests import forget_body
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

#: The scope key holding the body limit in force (bytes, or None for no limit).
MAX_BODY_SIZE_SCOPE_KEY: Final = "resourceful.max_body_size"
#: The scope key holding the request's :class:`BodyCounter`, while it is served.
COUNTER_KEY: Final = "resourceful.body_counter"

DEFAULT_MAX_BODY_SIZE: Final = 1024 * 1024
DEFAULT_MAX_UPLOAD_SIZE: Final = 100 * 1024 * 1024

Limits = tuple[int | None, int | None]
#: Methods whose unread body is not checked as the response starts.
_BODILESS = frozenset(("GET", "HEAD"))


class Unset:
    """A limit left at its default, which depends on what else is given."""

    def __init__(self, description: str) -> None:
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.description}>"


DEFAULT_BODY: Final = Unset("1 MiB")
DEFAULT_UPLOAD: Final = Unset("max_body_size if given, else 100 MiB")


def body_limits(max_body_size: int | Unset | None, max_upload_size: int | Unset | None) -> Limits:
    """The limits for plain bodies and for uploads (``multipart/form-data``).

    Without ``max_upload_size``, uploads get ``max_body_size`` when that is given, and
    100 MiB when neither is.
    """
    for limit in (max_body_size, max_upload_size):
        if isinstance(limit, int) and limit < 0:
            msg = f"A body limit is a number of bytes, 0 or more, or None for no limit: {limit}."
            raise ValueError(msg)
    if isinstance(max_upload_size, Unset):
        max_upload_size = (
            DEFAULT_MAX_UPLOAD_SIZE if isinstance(max_body_size, Unset) else max_body_size
        )
    if isinstance(max_body_size, Unset):
        max_body_size = DEFAULT_MAX_BODY_SIZE
    return max_body_size, max_upload_size


class BodyTooLarge(HTTPException):
    """The request body is larger than the limit in force (a 413 response)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "Content Too Large")
        self.limit = limit


class ResponseRefused(Exception):
    """The app's response was replaced with a 413 as it started: the app must stop."""


def _declared(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bool, int | None]:
    """Whether the body is an upload, and its declared length (the first of each header)."""
    content_type = length = None
    for name, value in headers:
        if name == b"content-type" and content_type is None:
            content_type = value.lower()
        elif name == b"content-length" and length is None:
            length = value
    declared = int(length) if length is not None and length.isdigit() else None
    return (content_type or b"").startswith(b"multipart/form-data"), declared


class BodyCounter(Relay):
    """One request's body limits and the bytes of its body received so far.

    Its ``receive`` and itself (a send channel) stand in for the request's: ``receive``
    raises :class:`BodyTooLarge` past the limit; sending replaces a response that starts while
    the declared length is over the limit, then raises :class:`ResponseRefused`. The headers are
    read only when the body is, or when a response starts without it having been read.

    It keeps the scope's headers and method, not the scope: the scope holds the counter
    (for limits set further in), and a cycle between them would leave every request to the
    garbage collector.
    """

    # One counter is made per request: what starts the same for every request is a class
    # default, so making one sets only the five attributes that differ.
    received = 0
    started = has_refused = has_read_headers = is_upload = False
    declared: int | None = None
    #: Whether a response that sets a cookie is kept from shared caches (the App's counter).
    keeps_cookies_private = False

    def __init__(self, scope: Scope, limits: Limits, receive: Receive, send: Send) -> None:
        """Count the request in ``scope``, which no counter counts yet: the counter and the
        limit in force go into the scope, until :func:`stop_counting`."""
        scope[MAX_BODY_SIZE_SCOPE_KEY] = limits[0]
        scope[COUNTER_KEY] = self
        self.headers: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()
        self.method: str | None = scope.get("method")
        self.limits = limits
        self.downstream_receive = receive
        self.downstream = send

    @property
    def limit(self) -> int | None:
        """The limit in force for this request's kind of body."""
        return self.limits[self.is_upload]

    def _over_declared(self) -> int | None:
        """The limit in force if the declared length passes it, else None."""
        if not self.has_read_headers:
            self.has_read_headers = True
            self.is_upload, self.declared = _declared(self.headers)
        limit = self.limit
        if limit is not None and self.declared is not None and self.declared > limit:
            return limit
        return None

    def refuse(self, limit: int) -> BodyTooLarge:
        self.has_refused = True
        return BodyTooLarge(limit)

    def check_received(self) -> None:
        """Refuse the body if what arrived already passes the limit (a stricter route's)."""
        limit = self.limit
        if self.received and limit is not None and self.received > limit:
            raise self.refuse(limit)

    async def receive(self) -> Message:
        limit = self._over_declared()
        if limit is not None:
            raise self.refuse(limit)
        message = await self.downstream_receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            limit = self.limit
            if limit is not None and self.received > limit:
                raise self.refuse(limit)
        return message

    def __call__(self, message: Message) -> Awaitable[None]:
        """The send channel: notes the response's start (``started``), and replaces it with a
        413 when the declared length is over the limit (a relay otherwise)."""
        if message["type"] == "http.response.start":
            self.started = True
            if self.keeps_cookies_private:
                keep_cookies_private(message)
            if (
                not self.has_refused
                # An unread body of a GET or HEAD (which give a body no meaning) costs
                # nothing: its headers are not even looked at.
                and (self.has_read_headers or self.method not in _BODILESS)
                and self._over_declared() is not None
            ):
                self.has_refused = True
                return self._refuse_response()
        return self.downstream(message)

    async def _refuse_response(self) -> None:
        response = PlainTextResponse("Content Too Large", status_code=413)
        # All the response needs to know of the request (the counter keeps no scope).
        await response({"type": "http"}, self.downstream_receive, self.downstream)
        raise ResponseRefused


def stop_counting(scope: Scope) -> None:
    """Take the request's counter out of ``scope`` once the request is served.

    The counter holds the server's receive and send, which (as bound methods of the
    server's object for the request) hold the scope: left in, it would close a cycle. So
    would the bodies kept in the scope by the channel they were read through, the
    counter's.
    """
    counter: BodyCounter = scope.pop(COUNTER_KEY)
    forget_body(scope, counter.receive)


def is_counted(scope: Scope) -> bool:
    """Whether a counter counts the request in ``scope`` already."""
    return COUNTER_KEY in scope


def limit_counted(scope: Scope, limits: Limits, *, is_default: bool) -> None:
    """Put ``limits`` in force for a request a counter counts already, unless they are
    only the defaults.

    Raises:
        BodyTooLarge: more of the body than ``limits`` allow was received already.
    """
    if not is_default:
        counter: BodyCounter = scope[COUNTER_KEY]
        scope[MAX_BODY_SIZE_SCOPE_KEY] = limits[0]
        counter.limits = limits
        counter.check_received()


class BodyLimitMiddleware:
    """Responds to request bodies over the limit with 413, by ``Content-Length`` or as they stream.

    The check happens when the endpoint first reads the body, so the rest of an oversized
    body is never read; an endpoint that does not read it is refused when its response starts.
    Another instance inside this one (on a mount, a route or a resource) sets other limits
    for the requests it serves, stricter or looser; one with the default limits (an
    ``App``'s, when not given) keeps those set outside it. None means no limit.

    Args:
        max_body_size: the largest body in bytes (1 MiB by default).
        max_upload_size: the largest ``multipart/form-data`` body: ``max_body_size`` when
            that is given, else 100 MiB.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int | Unset | None = DEFAULT_BODY,
        max_upload_size: int | Unset | None = DEFAULT_UPLOAD,
    ) -> None:
        self.app = app
        self.limits = body_limits(max_body_size, max_upload_size)
        self.is_default = isinstance(max_body_size, Unset) and isinstance(max_upload_size, Unset)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        previous = scope.get(MAX_BODY_SIZE_SCOPE_KEY, DEFAULT_BODY)
        try:
            if is_counted(scope):
                limit_counted(scope, self.limits, is_default=self.is_default)
                await self.app(scope, receive, send)
            else:
                await self._counted(BodyCounter(scope, self.limits, receive, send), scope)
        finally:
            if previous is DEFAULT_BODY:  # there was none
                scope.pop(MAX_BODY_SIZE_SCOPE_KEY, None)
            else:
                scope[MAX_BODY_SIZE_SCOPE_KEY] = previous

    async def _counted(self, counter: BodyCounter, scope: Scope) -> None:
        try:
            await self.app(scope, counter.receive, counter)
        except BodyTooLarge:
            if counter.started:
                raise
            await PlainTextResponse("Content Too Large", status_code=413)(
                scope, counter.downstream_receive, counter.downstream
            )
        except ResponseRefused:
            pass
        finally:
            stop_counting(scope)
