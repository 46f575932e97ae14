"""The App's fused error boundary responds exactly as the three layers it stands for, stacked.

``ErrorBoundary`` runs ``ServerErrorMiddleware``, ``BodyLimitMiddleware`` and
``ExceptionMiddleware`` as one layer (or the outer two, when the app has middleware of its
own). Here both shapes serve the same generated cases (a status, a body sent against a limit,
an error raised before, during or after the response, the handlers registered) and must send
the same messages and let the same error out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import anyio
import anyio.lowlevel
import attrs
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import given
from hypothesis import strategies as st

from resourceful._bodylimit import BodyLimitMiddleware
from resourceful.exceptions import HTTPException
from resourceful.middleware._boundary import ErrorBoundary
from resourceful.middleware.errors import ServerErrorMiddleware
from resourceful.middleware.exceptions import ExceptionHandler, ExceptionMiddleware, HandlerKey
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send


class Custom(Exception):
    """An error of the app's own, which a handler may turn into a response."""


def custom_response(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("custom handled", status_code=409)


def not_here(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("not here", status_code=404)


def server_error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"server handled {type(exc).__name__}", status_code=500)


#: Errors an endpoint may raise, by name.
ERRORS: dict[str, Callable[[], Exception]] = {
    "http-404": lambda: HTTPException(404),
    "http-418-headers": lambda: HTTPException(418, "teapot", headers={"X-Brew": "tea"}),
    "http-304": lambda: HTTPException(304),
    "value": lambda: ValueError("boom"),
    "custom": lambda: Custom("mine"),
    "key": lambda: KeyError("lost"),
}


@attrs.frozen
class Case:
    """One request and what its endpoint does with it."""

    status: int
    method: str
    body: bytes
    declares_length: bool
    reads_body: bool
    limit: int | None
    raises: str | None  # None, "before", "after_start", "after_body"
    error: str
    handlers: frozenset[str]
    own_middleware: bool
    middleware_reads: str | None = None  # None, "before" or "after" it calls the app


cases = st.builds(
    Case,
    status=st.sampled_from([200, 201, 204, 304, 404, 500]),
    method=st.sampled_from(["GET", "POST"]),
    body=st.sampled_from([0, 8, 12, 20, 35]).map(lambda size: b"x" * size),
    declares_length=st.booleans(),
    reads_body=st.booleans(),
    limit=st.sampled_from([None, 10, 30]),
    raises=st.sampled_from([None, "before", "after_start", "after_body"]),
    error=st.sampled_from(sorted(ERRORS)),
    handlers=st.frozensets(st.sampled_from(["custom", "404", "server"])),
    own_middleware=st.booleans(),
    middleware_reads=st.sampled_from([None, "before", "after"]),
)


async def read_body(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)


def endpoint_for(case: Case) -> ASGIApp:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        if case.reads_body:
            await read_body(receive)
        if case.raises == "before":
            raise ERRORS[case.error]()
        await send({"type": "http.response.start", "status": case.status, "headers": []})
        if case.raises == "after_start":
            raise ERRORS[case.error]()
        await send({"type": "http.response.body", "body": b"hello"})
        if case.raises == "after_body":
            raise ERRORS[case.error]()

    return endpoint


class OwnMiddleware:
    """Middleware of the app's own, outside the handlers' reach: it calls what it wraps, and
    may read the request body before or after (as a logging middleware would)."""

    def __init__(self, app: ASGIApp, reads: str | None) -> None:
        self.app = app
        self.reads = reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.reads == "before":
            await read_body(receive)
        await self.app(scope, receive, send)
        if self.reads == "after":
            await read_body(receive)


def both_shapes(case: Case) -> tuple[ASGIApp, ASGIApp]:
    """The fused boundary around the endpoint, and the three layers stacked around it."""
    handlers: dict[HandlerKey, ExceptionHandler] = {}
    if "custom" in case.handlers:
        handlers[Custom] = custom_response
    if "404" in case.handlers:
        handlers[404] = not_here
    handler = server_error if "server" in case.handlers else None
    endpoint = endpoint_for(case)
    if case.own_middleware:
        # The exception layer sits inside the app's middleware; the boundary is the outer two.
        exceptions = ExceptionMiddleware(endpoint, handlers=handlers)
        inner: ASGIApp = OwnMiddleware(exceptions, case.middleware_reads)
        limits = None if case.limit is None else BodyLimitMiddleware(inner, case.limit)
        fused = ErrorBoundary(inner, ServerErrorMiddleware(inner, handler=handler), limits, None)
        stacked: ASGIApp = inner
    else:
        exceptions = ExceptionMiddleware(endpoint, handlers=handlers)
        limits = None if case.limit is None else BodyLimitMiddleware(endpoint, case.limit)
        errors = ServerErrorMiddleware(endpoint, handler=handler)
        fused = ErrorBoundary(endpoint, errors, limits, exceptions)
        stacked = ExceptionMiddleware(endpoint, handlers=handlers)
    if case.limit is not None:
        stacked = BodyLimitMiddleware(stacked, case.limit)
    return fused, ServerErrorMiddleware(stacked, handler=handler)


async def serve(app: ASGIApp, case: Case) -> tuple[list[Message], str | None]:
    """What ``app`` sent for the case's request, and the error it let out (as text)."""
    headers = [(b"host", b"testserver")]
    if case.declares_length:
        headers.append((b"content-length", str(len(case.body)).encode()))
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[Message] = []
    chunks = [case.body[:15], case.body[15:]]

    async def receive() -> Message:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        await anyio.lowlevel.checkpoint()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append({**message, "headers": sorted(message.get("headers", []))})

    try:
        await app(scope, receive, send)
    except Exception as exc:
        return sent, f"{type(exc).__name__}: {exc}"
    return sent, None


@pytest.fixture
def portal(anyio_backend: str) -> Iterator[BlockingPortal]:
    with start_blocking_portal(backend=anyio_backend) as portal:
        yield portal


def test_the_fused_boundary_responds_as_the_stacked_layers(portal: BlockingPortal) -> None:
    @given(cases)
    def check(case: Case) -> None:
        fused, stacked = both_shapes(case)
        assert portal.call(serve, fused, case) == portal.call(serve, stacked, case), case

    check()


def test_the_cases_reach_every_outcome(portal: BlockingPortal) -> None:
    # The generated cases are no measure unless they reach each way a response can end.
    seen: set[str] = set()
    for case in [
        Case(200, "POST", b"x" * 20, True, True, 10, None, "value", frozenset(), False),
        Case(200, "POST", b"x" * 20, False, True, 10, None, "value", frozenset(), True),
        Case(201, "GET", b"", False, False, None, "before", "custom", frozenset({"custom"}), False),
        Case(200, "GET", b"", False, False, None, "before", "http-404", frozenset({"404"}), True),
        Case(200, "GET", b"", False, False, None, "after_start", "value", frozenset(), False),
        Case(200, "GET", b"", False, False, None, "before", "key", frozenset({"server"}), True),
        Case(200, "POST", b"x" * 20, False, False, 10, None, "key", frozenset(), True, "before"),
        Case(200, "POST", b"x" * 20, False, False, 10, None, "key", frozenset(), True, "after"),
    ]:
        fused, stacked = both_shapes(case)
        sent, error = portal.call(serve, fused, case)
        assert (sent, error) == portal.call(serve, stacked, case)
        statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
        seen.add(f"{statuses} {error}")
    assert seen == {
        "[404] None",
        "[413] None",
        "[409] None",
        "[200] ValueError: boom",
        "[500] KeyError: 'lost'",
        "[200] BodyTooLarge: 413: Content Too Large",
    }
