"""An app for the event stream test: endless events, and a line in a file when their
generator is closed (``EVENTS_LOG`` names the file)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import anyio

from resourceful import App, Route
from resourceful.requests import Request
from resourceful.sse import EventSourceResponse, ServerSentEvent


def note(line: str) -> None:
    with open(os.environ["EVENTS_LOG"], "a") as log:
        log.write(line + "\n")


async def ticks(request: Request) -> EventSourceResponse:
    async def endless() -> AsyncIterator[ServerSentEvent]:
        number = 0
        try:
            while True:
                number += 1
                yield ServerSentEvent(f"tick {number}", id=str(number))
                await anyio.sleep(0.05)
        finally:
            note(f"closed after {number}")

    return EventSourceResponse(endless(), ping=0.02)


app = App(routes=[Route("/ticks", ticks)])
