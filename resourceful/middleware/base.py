"""BaseHTTPMiddleware: write middleware as ``dispatch(request, call_next)``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from resourceful.concurrency import collapse_excgroups
from resourceful.requests import STREAMED, Request, keep_body, kept_body
from resourceful.responses import Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]


class _StreamedResponse(Response):
    """The app's answer as ``call_next`` returns it: its status, raw headers, streamed body."""

    def __init__(
        self,
        status_code: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: AsyncIterator[bytes],
        before: list[Message],
    ) -> None:
        self.status_code = status_code
        self.raw_headers = raw_headers
        self.body_iterator = body
        self.background = None
        self.before = before  # what the app sent ahead of its start: early hints, debug info

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for message in self.before:
            await send(message)
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class BaseHTTPMiddleware:
    """Middleware written as ``async def dispatch(self, request, call_next) -> Response``.

    ``call_next(request)`` runs the rest of the app and returns its response, whose body still
    streams: a streaming answer stays streaming. The middleware may read the request body
    and the endpoint can still read it. Background tasks of the endpoint run after its
    response; context variables set before ``call_next`` are visible to the endpoint; a
    client that disconnects is seen by the endpoint. Pass ``dispatch=`` instead of
    subclassing for a quick one.
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
        request = Request(scope, receive)
        replayed = False
        passed: list[bytes] = []

        async def replaying_receive() -> Message:
            # The body the middleware read is replayed once for the app; one it streamed away
            # is an empty body. Otherwise the app reads the client's, which is kept, so that
            # the middleware can read it after call_next.
            nonlocal replayed
            if not replayed:
                kept = kept_body(scope, receive)
                if kept is not None:
                    replayed = True
                    body = b"" if kept is STREAMED else kept
                    return {"type": "http.request", "body": body, "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                passed.append(message.get("body", b""))
                if not message.get("more_body", False):
                    replayed = True  # the app has the body: nothing to replay to it
                    keep_body(scope, receive, b"".join(passed))
            return message

        answers: list[MemoryObjectReceiveStream[Message]] = []
        failures: list[list[Exception]] = []
        with collapse_excgroups():
            async with anyio.create_task_group() as group:

                async def call_next(_: Request) -> Response:
                    sender, messages = anyio.create_memory_object_stream[Message]()
                    answers.append(messages)
                    failures.append([])
                    return await self._call_app(
                        group, scope, replaying_receive, sender, messages, failures[-1]
                    )

                response = await self.dispatch_func(request, call_next)
                await response(scope, receive, send)
                # A response the dispatch dropped is read by no one: let its app's sends go
                # nowhere, so that the app (and its background tasks) can finish.
                for messages in answers:
                    messages.close()
        for failure in failures:  # an error after the body, in a background task say
            if failure:
                raise failure[0]

    async def _call_app(
        self,
        group: TaskGroup,
        scope: Scope,
        receive: Receive,
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
                pass  # the middleware answered without this response

        async def run_app() -> None:
            async with sender:
                try:
                    await self.app(scope, receive, send)
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
                raise failure.pop() from None
            msg = "The app returned without sending a response."
            raise RuntimeError(msg) from None
        return _StreamedResponse(
            start["status"],
            list(start.get("headers", [])),
            _body(messages, failure, group),
            before,
        )


async def _body(
    messages: MemoryObjectReceiveStream[Message], failure: list[Exception], group: TaskGroup
) -> AsyncIterator[bytes]:
    with messages:
        async for message in messages:
            if message["type"] != "http.response.body":
                continue
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
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
