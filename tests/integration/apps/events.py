"""An app for the event stream test: endless ticks, and ``/closed``, which responds once
the ticks' generator was closed, with how many it had sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio

from resourceful import App, Route
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse
from resourceful.sse import EventSourceResponse, ServerSentEvent


class Ticks:
    """The one stream the test opens: set when its generator is closed."""

    closed: anyio.Event
    sent = 0


async def ticks(request: Request) -> EventSourceResponse:
    Ticks.closed = anyio.Event()

    async def endless() -> AsyncIterator[ServerSentEvent]:
        try:
            while True:
                Ticks.sent += 1
                yield ServerSentEvent(f"tick {Ticks.sent}", id=str(Ticks.sent))
                await anyio.sleep(0.05)
        finally:
            Ticks.closed.set()

    return EventSourceResponse(endless(), ping=0.02)


async def closed(request: Request) -> PlainTextResponse:
    with anyio.fail_after(5):
        await Ticks.closed.wait()
    return PlainTextResponse(str(Ticks.sent))


app = App(routes=[Route("/ticks", ticks), Route("/closed", closed)])
