"""The incoming connection: :class:`HTTPConnection` and the HTTP :class:`Request`."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Awaitable, Generator, Iterator, Mapping
from typing import Any, Generic, NoReturn, cast

import anyio
from typing_extensions import TypeVar

from resourceful._cached import cached_property
from resourceful._headers import sent_media_type
from resourceful._json import json_decode
from resourceful.datastructures import URL, Address, FormData, Headers, QueryParams, State
from resourceful.exceptions import HTTPException
from resourceful.formparsers import MultiPartParser, parse_urlencoded
from resourceful.types import Message, Receive, Scope, Send

_OCTAL_OR_QUOTE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")


def _unquote_cookie(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]

    def replace(match: re.Match[str]) -> str:
        octal, char = match.groups()
        return chr(int(octal, 8)) if octal else char

    return _OCTAL_OR_QUOTE.sub(replace, inner)


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the way browsers send it, tolerating what they get wrong.

    Pairs without ``=`` count as a value with an empty name; later duplicates win.
    """
    cookies: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        key, sep, value = chunk.partition("=")
        if not sep:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            cookies[key] = _unquote_cookie(value)
    return cookies


class ClientDisconnect(Exception):
    """The client went away while the request body was being read."""


#: The type of ``connection.state``, for type checkers: ``Request[MyState]`` says what the
#: lifespan put there (a TypedDict, say). At run time it is always a :class:`State`.
StateT = TypeVar("StateT", bound=Mapping[str, Any] | State, default=State)


class HTTPConnection(Mapping[str, Any], Generic[StateT]):
    """What HTTP requests and websockets share: URL, headers, cookies, client, state.

    It is a read-only mapping over the ASGI scope.
    """

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        if scope["type"] not in ("http", "websocket"):
            msg = f"HTTPConnection takes an 'http' or 'websocket' scope, not {scope['type']!r}"
            raise ValueError(msg)
        self.scope = scope

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def app(self) -> Any:
        """The application serving this connection."""
        return self.scope["app"]

    @cached_property
    def url(self) -> URL:
        """The full URL the client asked for."""
        return URL(scope=self.scope)

    @cached_property
    def base_url(self) -> URL:
        """The URL of the application's root (``root_path`` included), ending in ``/``."""
        root_path = self.scope.get("app_root_path", self.scope.get("root_path", ""))
        path = root_path if root_path.endswith("/") else root_path + "/"
        scope = {**self.scope, "path": path, "query_string": b"", "root_path": root_path}
        return URL(scope=scope)

    @cached_property
    def headers(self) -> Headers:
        """The request headers."""
        return Headers(scope=self.scope)

    @cached_property
    def query_params(self) -> QueryParams:
        """The parsed query string."""
        return QueryParams(self.scope.get("query_string", b""))

    @property
    def path_params(self) -> dict[str, Any]:
        """The parameters the router matched in the path."""
        params: dict[str, Any] = self.scope.get("path_params", {})
        return params

    @cached_property
    def cookies(self) -> dict[str, str]:
        """The cookies the client sent."""
        cookies: dict[str, str] = {}
        for value in self.headers.getlist("cookie"):
            cookies.update(cookie_parser(value))
        return cookies

    @property
    def client(self) -> Address | None:
        """The client's host and port, when the server knows them."""
        client = self.scope.get("client")
        return None if client is None else Address(*client)

    @property
    def session(self) -> dict[str, Any]:
        """The session mapping, kept by the session middleware."""
        if "session" not in self.scope:
            msg = "SessionMiddleware must be installed to access request.session"
            raise AssertionError(msg)
        session: dict[str, Any] = self.scope["session"]
        mark_accessed = getattr(session, "mark_accessed", None)
        if mark_accessed is not None:  # the response now depends on the Cookie header
            mark_accessed()
        return session

    @property
    def auth(self) -> Any:
        """The credentials set by the authentication middleware."""
        if "auth" not in self.scope:
            msg = "AuthenticationMiddleware must be installed to access request.auth"
            raise AssertionError(msg)
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        """The user set by the authentication middleware."""
        if "user" not in self.scope:
            msg = "AuthenticationMiddleware must be installed to access request.user"
            raise AssertionError(msg)
        return self.scope["user"]

    @cached_property
    def state(self) -> StateT:
        """Per-connection state; starts with what the lifespan yielded."""
        self.scope.setdefault("state", {})
        return cast(StateT, State(self.scope["state"]))

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route called ``name``."""
        router = self.scope.get("router") or self.scope.get("app")
        if router is None or not hasattr(router, "url_path_for"):
            msg = "url_for() needs a router or app in the scope; serve this through a Router"
            raise RuntimeError(msg)
        url_path = router.url_path_for(name, **path_params)
        return url_path.make_absolute_url(base_url=self.base_url)  # type: ignore[no-any-return]


async def _empty_receive() -> NoReturn:
    msg = "Receive channel has not been made available"
    raise RuntimeError(msg)


async def _empty_send(message: Message) -> NoReturn:
    msg = "Send channel has not been made available"
    raise RuntimeError(msg)


class _AwaitableOrContextManager:
    """``await request.form()`` or ``async with request.form() as form`` (closes files)."""

    def __init__(self, awaitable: Awaitable[FormData], request: Request[Any]) -> None:
        self._awaitable = awaitable
        self._request = request

    def __await__(self) -> Generator[Any, None, FormData]:
        return self._awaitable.__await__()

    async def __aenter__(self) -> FormData:
        return await self._awaitable

    async def __aexit__(self, *args: object) -> None:
        await self._request.close()


# The form limits of request.form() when none are given.
_MAX_FILES = 1000
_MAX_FIELDS = 1000
_MAX_PART_SIZE = 1024 * 1024

_UNREAD: Any = object()
#: Where the scope keeps the request body once read, by the receive channel it was read from,
#: so that every Request over the same scope and channel (the endpoint's, an exception
#: handler's) reads it again, while one over a channel a middleware rewrites reads that.
#: ``STREAMED`` for a channel means its body was streamed away and cannot be read again;
#: ``STREAMING`` that it is being streamed, so what is left of it is still to come.
BODY_KEY = "resourceful.bodies"
STREAMED: Any = object()
STREAMING: Any = object()


def body_entry(scope: Scope, receive: Receive) -> list[Any]:
    """The record ``[receive, body]`` of what ``receive`` gave for this request; one saying
    None (not read) is added if there is none yet."""
    kept: list[list[Any]] = scope.setdefault(BODY_KEY, [])
    for entry in kept:
        if entry[0] == receive:
            return entry
    entry = [receive, None]
    kept.append(entry)
    return entry


def keep_body(scope: Scope, receive: Receive, body: Any) -> None:
    """Record ``body`` (or ``STREAMED``) as what ``receive`` gave for this request."""
    body_entry(scope, receive)[1] = body


def kept_body(scope: Scope, receive: Receive) -> Any:
    """What ``receive`` gave for this request: the body, ``STREAMED``, or None (not read)."""
    for channel, body in scope.get(BODY_KEY, ()):
        if channel == receive:
            return body
    return None


def forget_body(scope: Scope, receive: Receive) -> None:
    """Drop what ``receive`` gave for this request, once no one can read through it again."""
    kept = scope.get(BODY_KEY)
    if kept:
        kept[:] = [entry for entry in kept if entry[0] != receive]


class Request(HTTPConnection[StateT]):
    """An HTTP request: :class:`HTTPConnection` plus the method and the body."""

    # Class-level defaults: one request object is made per request, so its making is kept
    # to the three attributes every request has.
    _form: FormData | None = None
    _is_disconnected = False
    _is_streamed = False  # the whole body has come through this request's channel
    _body: bytes | None = None  # the whole body, once read
    _json: Any = _UNREAD  # the body decoded as JSON, once decoded
    _kept: list[Any]  # the scope's record of what this request's channel gave, once read

    def __init__(self, scope: Scope, receive: Receive = _empty_receive, send: Send = _empty_send):
        if scope["type"] != "http":
            msg = f"Request takes an 'http' scope, not {scope['type']!r}"
            raise ValueError(msg)
        self.scope = scope
        self._receive = receive
        self._send = send

    @property
    def method(self) -> str:
        """The HTTP method, upper-case."""
        method: str = self.scope["method"]
        return method

    @property
    def receive(self) -> Receive:
        """The ASGI receive channel."""
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body, chunk by chunk as it arrives. It can be streamed once, unless it was read
        whole with :meth:`body` (by this request or another over the same scope); two
        streams at once share the chunks."""
        body = self._read_body()
        if body is not None:
            yield body
            yield b""
            return
        while not self._is_streamed:
            chunk, more = await self._next_chunk()
            if not more:
                self._is_streamed = True
                self._kept[1] = STREAMED
            if chunk:
                yield chunk
        yield b""

    async def body(self) -> bytes:
        """The whole body, read once and kept for every later reader of this request."""
        body = self._read_body()
        if body is None:
            chunks = []
            while not self._is_streamed:
                chunk, more = await self._next_chunk()
                chunks.append(chunk)
                self._is_streamed = not more
            body = self._body = self._kept[1] = b"".join(chunks)
        return body

    def _read_body(self) -> bytes | None:
        """The body already read for this request, if any; else None, and the scope notes
        that it is being read (in ``_kept``, this request's record of it)."""
        body = self._body
        if body is None:
            kept = self._kept = body_entry(self.scope, self._receive)
            body = kept[1]
            if body is STREAMED:
                # Waiting on the channel again could take until the client leaves.
                msg = (
                    "Stream consumed: the request body was already streamed. Read it with "
                    "await request.body() first if you need it more than once."
                )
                raise RuntimeError(msg)
            if body is None or body is STREAMING:
                kept[1] = STREAMING
                return None
            self._body = body
        return body

    async def _next_chunk(self) -> tuple[bytes, bool]:
        """The next piece of the body, and whether more follows."""
        while True:
            message = await self._receive()
            if message["type"] == "http.request":
                return message.get("body", b""), message.get("more_body", False)
            if message["type"] == "http.disconnect":
                self._is_disconnected = True
                raise ClientDisconnect

    async def json(self) -> Any:
        """The body decoded as JSON; malformed JSON is a 400 response."""
        if self._json is _UNREAD:
            body = await self.body()
            try:
                self._json = json_decode(body)
            except (ValueError, RecursionError) as exc:
                msg = f"Malformed JSON body: {exc}"
                raise HTTPException(400, msg) from None
        return self._json

    async def _get_form(self, *, max_files: int, max_fields: int, max_part_size: int) -> FormData:
        if self._form is None:
            content_type = sent_media_type(self.scope)
            if content_type == "multipart/form-data":
                parser = MultiPartParser(
                    self.headers,
                    self.stream(),
                    max_files=max_files,
                    max_fields=max_fields,
                    max_part_size=max_part_size,
                )
                self._form = await parser.parse()
            elif content_type == "application/x-www-form-urlencoded":
                self._form = parse_urlencoded(await self.body(), max_fields, max_part_size)
            else:
                self._form = FormData()
        return self._form

    def form(
        self,
        *,
        max_files: int = _MAX_FILES,
        max_fields: int = _MAX_FIELDS,
        max_part_size: int = _MAX_PART_SIZE,
    ) -> _AwaitableOrContextManager:
        """The parsed form (urlencoded or multipart); an empty form for other bodies.

        Use ``async with request.form() as form:`` to close the uploaded files at the end.
        Breaking a limit or sending a malformed body is a 400 response.
        """
        return _AwaitableOrContextManager(
            self._get_form(max_files=max_files, max_fields=max_fields, max_part_size=max_part_size),
            self,
        )

    async def close(self) -> None:
        """Close the uploaded files of the form, if one was parsed, even when cancelled."""
        if self._form is not None and self._form.has_files:
            with anyio.CancelScope(shield=True):
                await self._form.close()

    async def is_disconnected(self) -> bool:
        """Whether the client has gone away, checked without waiting."""
        if not self._is_disconnected:
            message: Message = {}
            with anyio.CancelScope() as scope:
                scope.cancel()
                message = await self._receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
        return self._is_disconnected

    async def send_early_hints(self, link: str, /, *links: str) -> None:
        """Send ``103 Early Hints`` with these ``Link`` values (``</style.css>; rel=preload``)
        before the response, so the browser can fetch them meanwhile; does nothing where the
        server does not support it."""
        if "http.response.early_hint" in self.scope.get("extensions", {}):
            raw_links = [value.encode("latin-1") for value in (link, *links)]
            await self._send({"type": "http.response.early_hint", "links": raw_links})

    async def send_push_promise(self, path: str) -> None:
        """Ask an HTTP/2 server to push ``path``; does nothing where push is unsupported."""
        if "http.response.push" in self.scope.get("extensions", {}):
            raw_headers = [
                (name.encode("latin-1"), value.encode("latin-1"))
                for name in ("accept", "accept-encoding", "accept-language", "cache-control")
                for value in self.headers.getlist(name)
            ]
            await self._send({"type": "http.response.push", "path": path, "headers": raw_headers})


def read_form(request: Request[Any]) -> Awaitable[FormData]:
    """``await request.form()`` with the default limits, without the object that also lets
    the form be a context manager: for callers that close the form's files themselves."""
    return request._get_form(
        max_files=_MAX_FILES, max_fields=_MAX_FIELDS, max_part_size=_MAX_PART_SIZE
    )


__all__ = ["ClientDisconnect", "HTTPConnection", "Request", "cookie_parser"]
