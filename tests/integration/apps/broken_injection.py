"""An app that asks for a service nobody provides: ``resourceful check`` must refuse it."""

from __future__ import annotations

import datetime

from resourceful import App, Route
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse


class Clock:
    def now(self) -> datetime.datetime:
        raise NotImplementedError


async def time_now(request: Request, clock: Clock) -> PlainTextResponse:
    raise NotImplementedError


app = App(routes=[Route("/now", time_now)])
