"""Providers the application registers for every endpoint: the parsed form."""

from __future__ import annotations

from collections.abc import AsyncIterator

from resourceful.datastructures import FormData
from resourceful.requests import Request


async def form_data(request: Request) -> AsyncIterator[FormData]:
    """The request's form, parsed once; its uploaded files are closed when the request ends."""
    async with request.form() as form:
        yield form
