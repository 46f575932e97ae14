"""BaseHTTPMiddleware: write middleware as ``dispatch(request, call_next)``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from resourceful.concurrency import cause_to_keep, collapse_excgroups
from resourceful.requests import STREAMED, STREAMING, Request, keep_body, kept_body
from resourceful.responses import Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]


#: The most of a request body that is kept, as the app reads it, for the middleware to read
#: after ``call_next``; past it (an upload, say) a later read fails at once instead.
KEEP_BODY_SIZE = 1024 * 1024
_DISCONNECT: Message = {"type": "http.disconnect"}


class _StreamedResponse(Response):
    """The app's response as ``call_next`` returns it: its status, raw headers, streamed body."""

    def __init__(
        self,
        status_code: int,
        raw_headers: list[tuple[bytes, bytes]],
        before: list[Message],
    ) -> None:
        self.status_code = status_code
        self.raw_headers = raw_headers
        self.body_iterator: AsyncIterator[bytes]  # set by call_next, which reads the body
        self.background = None
        self.before = before  # what the app sent ahead of its start: early hints, debug info
        self.pathsend: Message | None = None  # a file the server sends, in place of a body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for message in self.before:
            await send(message)
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if self.pathsend is not None:
            await send(self.pathsend)
        else:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()


class _Exchange:
    """One request through the middleware: the client's channels as the dispatch and the app
    see them, and what the app has read and sent."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.downstream = receive
        self.is_disconnected = False
        self.is_replayed = False
        self.passed: list[bytes] | None = []
        self.passed_size = 0
        self.response_sent = anyio.Event()

    async def receive(self) -> Message:
        """The client's channel; once it said the client left, it says so again at once."""
        if self.is_disconnected:
            return _DISCONNECT
        message = await self.downstream()
        if message["type"] == "http.disconnect":
            self.is_disconnected = True
        return message

    async def app_receive(self) -> Message:
        """The app's channel. The body the dispatch read is replayed once; one it streamed
        away is an empty body, and the app reads on where the dispatch stopped streaming.
        Otherwise the app reads the client's, which is kept (up to KEEP_BODY_SIZE) for the
        dispatch to read after call_next. Once the response is out, the app is told the
        client has gone."""
        if self.response_sent.is_set():
            return _DISCONNECT
        if not self.is_replayed:
            kept = kept_body(self.scope, self.receive)
            if kept is STREAMING:
                self.passed = None  # only the rest is left: nothing to keep
            elif kept is not None:
                self.is_replayed = True
                body = b"" if kept is STREAMED else kept
                return {"type": "http.request", "body": body, "more_body": False}
        message = await self.receive()
        if message["type"] == "http.request" and not self.is_replayed:
            self._pass(message.get("body", b""), message.get("more_body", False))
        return message

    def _pass(self, chunk: bytes, more_body: bool) -> None:
        passed = self.passed
        if passed is not None:
            passed.append(chunk)
            self.passed_size += len(chunk)
            if self.passed_size > KEEP_BODY_SIZE:
                passed = self.passed = None
        if not more_body:
            self.is_replayed = True  # the app has the body: nothing to replay to it
            keep_body(self.scope, self.receive, STREAMED if passed is None else b"".join(passed))


class BaseHTTPMiddleware:
    """Middleware written as ``async def dispatch(self, request, call_next) -> Response``.

    ``call_next(request)`` runs the rest of the app and returns its response, whose body still
    streams: a streaming response stays streaming. The middleware may read the request body
    and the endpoint can still read it; a body up to 1 MiB the endpoint read can be read by
    the middleware after ``call_next`` too. Background tasks of the endpoint run after its
    response is sent; context variables set before ``call_next`` are visible to the
    endpoint; a client that disconnects is seen by the endpoint and the middleware. Pass
    ``dispatch=`` instead of subclassing for a quick one.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        """Override: do something around ``await call_next(request)`` and return a response."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(scope, receive)
        request = Request(scope, exchange.receive, send)
        responses: list[MemoryObjectReceiveStream[Message]] = []
        failures: list[list[Exception]] = []
        with collapse_excgroups():
            async with anyio.create_task_group() as group:

                async def call_next(_: Request) -> Response:
                    sender, messages = anyio.create_memory_object_stream[Message]()
                    responses.append(messages)
                    failures.append([])
                    return await self._call_app(group, exchange, sender, messages, failures[-1])

                try:
                    response = await self.dispatch_func(request, call_next)
                    await response(scope, exchange.receive, send)
                finally:
                    exchange.response_sent.set()
                    # A response the dispatch dropped (or never got to, failing) is read by
                    # no one: let its app's sends go nowhere, so that the app (and its
                    # background tasks) can finish.
                    for messages in responses:
                        messages.close()
        for failure in failures:  # an error after the body, in a background task say
            if failure:
                raise failure[0]

    async def _call_app(
        self,
        group: TaskGroup,
        exchange: _Exchange,
        sender: MemoryObjectSendStream[Message],
        messages: MemoryObjectReceiveStream[Message],
        failure: list[Exception],
    ) -> Response:
        """Run the app in ``group`` and return its response once it starts; ``failure`` gets
        the app's error (taken out once raised, so that it is raised once)."""

        async def send(message: Message) -> None:
            try:
                await sender.send(message)
            except anyio.BrokenResourceError:
                return  # the middleware responded without this response
            if message["type"] == "http.response.pathsend" or (
                message["type"] == "http.response.body" and not message.get("more_body", False)
            ):
                # What the app does next (its background tasks) waits for the client to
                # have the whole response.
                await exchange.response_sent.wait()

        async def run_app() -> None:
            async with sender:
                try:
                    await self.app(exchange.scope, exchange.app_receive, send)
                except Exception as exc:
                    failure.append(exc)

        group.start_soon(run_app)
        before: list[Message] = []
        try:
            start = await messages.receive()
            while start["type"] != "http.response.start":
                before.append(start)
                start = await messages.receive()
        except anyio.EndOfStream:
            messages.close()
            if failure:
                error = failure.pop()
                raise error from cause_to_keep(error)  # not from the EndOfStream
            msg = "The app returned without sending a response."
            raise RuntimeError(msg) from None
        response = _StreamedResponse(start["status"], list(start.get("headers", [])), before)
        response.body_iterator = _body(messages, failure, group, response)
        return response


async def _body(
    messages: MemoryObjectReceiveStream[Message],
    failure: list[Exception],
    group: TaskGroup,
    response: _StreamedResponse,
) -> AsyncIterator[bytes]:
    with messages:
        async for message in messages:
            if message["type"] == "http.response.pathsend":
                response.pathsend = message
            elif message["type"] != "http.response.body":
                continue
            else:
                body = message.get("body", b"")
                if body:
                    yield body
                if message.get("more_body", False):
                    continue
            group.start_soon(_drain, messages.clone())
            break
    if failure:
        raise failure.pop()


async def _drain(messages: MemoryObjectReceiveStream[Message]) -> None:
    # Whatever the app sends after its body (nothing, usually) is read, so it never blocks.
    with messages:
        async for _ in messages:
            pass


__all__ = ["BaseHTTPMiddleware"]
