"""An app whose startup fails, to check that the server reports it and exits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from resourceful import App


async def connect() -> None:
    raise ConnectionError("the database at 127.0.0.1:1 refused the connection")


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    await connect()
    yield


app = App(lifespan=lifespan)
