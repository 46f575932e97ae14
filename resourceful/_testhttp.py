"""The test client's HTTP exchange: one request to the app, its response streamed back.

The app runs as a task in the client's event loop (an anyio blocking portal); the client's
thread gets the response as soon as the app starts it, then pulls the body chunk by chunk, so
the app waits for the client as it would for a slow network (back-pressure), and a response
closed before its end cancels the app.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import anyio
import anyio.from_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from resourceful.types import ASGIApp, Message, Scope


class HTTPExchange:
    """One request to ``app``: the messages it sends, checked and kept for the client."""

    def __init__(self, app: ASGIApp, scope: Scope, body: bytes) -> None:
        self.app = app
        self.scope = scope
        self.body = body
        self.is_head = scope["method"] == "HEAD"
        self.request_sent = False
        self.start: Message | None = None
        self.body_complete = False
        self.trailers_expected = False
        self.trailers: list[tuple[bytes, bytes]] = []
        self.debug: dict[str, Any] | None = None
        # The response started, or the app ended without one. A thread's event: the client
        # waits on it without asking the event loop, which the app's failure may have ended.
        self.started = threading.Event()
        self.failure: BaseException | None = None

    async def open(self) -> None:
        """Make the exchange's event-loop objects (in the loop that runs it)."""
        self.complete = anyio.Event()  # the client got the whole response
        self.cancel_scope = anyio.CancelScope()
        chunks = anyio.create_memory_object_stream[tuple[bytes, bool]](0)
        self.chunks_out: MemoryObjectSendStream[tuple[bytes, bool]] = chunks[0]
        self.chunks_in: MemoryObjectReceiveStream[tuple[bytes, bool]] = chunks[1]

    async def run(self) -> None:
        """Call the app; its error, if any, is kept in ``failure`` for the client to raise.

        Kept, not raised: an error that is no Exception (a failed assertion of pytest in the
        app) would otherwise end the event loop the client still talks to.
        """
        try:
            with self.cancel_scope:
                async with self.chunks_out:
                    await self.app(self.scope, self.receive, self.send)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            self.failure = exc
        finally:
            self.started.set()

    async def receive(self) -> Message:
        if self.request_sent:
            if not self.complete.is_set():  # responded to at once once it is (no checkpoint)
                await self.complete.wait()  # the client is there until the response is read
            return {"type": "http.disconnect"}
        self.request_sent = True
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            _expect(self.start is None, "The app sent 'http.response.start' twice.")
            self.start = message
            self.trailers_expected = bool(message.get("trailers", False))
            self.started.set()
        elif kind == "http.response.body":
            _expect(self.start is not None, "The app sent 'http.response.body' before the start.")
            _expect(
                not self.body_complete, "The app sent 'http.response.body' after body completed."
            )
            more_body = message.get("more_body", False)
            self.body_complete = not more_body
            last = self.body_complete and not self.trailers_expected
            await self.chunks_out.send((bytes(message.get("body", b"")), last))
        elif kind == "http.response.trailers":
            _expect(self.trailers_expected, "The app sent trailers without declaring trailers.")
            _expect(self.body_complete, "The app sent trailers before body completed.")
            _expect(not self.complete.is_set(), "The app sent trailers after response completed.")
            self.trailers.extend(message.get("headers", []))
            if not message.get("more_trailers", False):
                self.complete.set()
        elif kind == "http.response.debug":
            self.debug = message["info"]

    async def next_chunk(self) -> bytes | None:
        """The next piece of the body; None once the app is done sending."""
        try:
            chunk, last = await self.chunks_in.receive()
        except anyio.EndOfStream:
            return None
        if last:
            self.complete.set()
        return chunk

    def cancel_if_unfinished(self) -> None:
        if not self.complete.is_set():
            self.cancel_scope.cancel()


def _expect(condition: bool, message: str) -> None:
    # An app that breaks the ASGI protocol fails the test, like an assertion in it.
    if not condition:
        raise AssertionError(message)


class ResponseStream:
    """The body of a response as the client reads it; closing it ends the exchange."""

    def __init__(
        self,
        exchange: HTTPExchange,
        portal: anyio.from_thread.BlockingPortal,
        task: Future[None],
        stack: contextlib.ExitStack,
        raise_server_exceptions: bool,
    ) -> None:
        self.exchange = exchange
        self.portal = portal
        self.task = task
        self.stack = stack
        self.raise_server_exceptions = raise_server_exceptions
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        # Once the app has ended there is nothing more to read (each chunk waits for the
        # client); nor is the event loop there to ask, if the app's failure ended it.
        while not self.closed and not self.task.done():
            chunk = self.portal.call(self.exchange.next_chunk)
            if chunk is None:
                return
            if chunk and not self.exchange.is_head:
                yield chunk

    def close(self, *, stop_app: bool = False) -> None:
        """Stop the app if it has not finished its response (or, with ``stop_app``, at all: the
        client is closing), else wait for it; then raise its error, if any."""
        if self.closed:
            return
        self.closed = True
        with self.stack:
            if not self.task.done():
                if stop_app:
                    self.portal.call(self.exchange.cancel_scope.cancel)
                else:
                    self.portal.call(self.exchange.cancel_if_unfinished)
            self.task.result()  # waits for the app to end
            error = self.exchange.failure
            # The app has ended, so the stream can be closed from this thread, even when the
            # app's failure took the event loop down with it.
            self.exchange.chunks_in.close()
            # What is no Exception (a failure of the test itself) is raised in any case.
            if error is not None and (
                self.raise_server_exceptions or not isinstance(error, Exception)
            ):
                raise error
