"""Live updates: every page a user has open gets the notes they add, over a websocket.

Notes travel through a :class:`~resourceful.broadcast.Broadcast`, one channel per user, so
a note added through any worker reaches the pages open on every worker when the app is
pointed at Redis (``NOTES_BROADCAST_URL=redis://...``); ``memory://`` serves one process.
"""

from __future__ import annotations

import json
import logging

import anyio

from examples.notes.store import Note, tag_of
from resourceful.authentication import requires
from resourceful.broadcast import Broadcast, BrokerUnavailable, MessagesMissed, Subscription
from resourceful.websockets import WebSocket

logger = logging.getLogger("notes")


def channel_of(user: str) -> str:
    return f"notes:{user}"


async def announce(broadcast: Broadcast, user: str, note: Note) -> None:
    """Tell every page ``user`` has open about ``note`` (already stored)."""
    try:
        announced = {"id": note.id, "text": note.text, "etag": str(tag_of(note))}
        await broadcast.publish(channel_of(user), json.dumps(announced))
    except BrokerUnavailable:  # the note is stored: the pages show it when they reload
        logger.warning("note %s was not announced: the broker is away", note.id)


@requires("authenticated")
async def live_notes(websocket: WebSocket, broadcast: Broadcast) -> None:
    """Sends each note the signed-in user adds, as JSON, to every page they have open."""
    await websocket.accept()
    async with (
        broadcast.subscribe(channel_of(websocket.user.identity)) as notes,
        anyio.create_task_group() as group,
    ):
        group.start_soon(_forward, notes, websocket)
        async for _ in websocket.iter_text():  # the page says nothing; this ends when it goes
            pass
        group.cancel_scope.cancel()


async def _forward(notes: Subscription, websocket: WebSocket) -> None:
    while True:
        try:
            async for event in notes:
                await websocket.send_text(event.message)
        except MessagesMissed:  # noqa: PERF203 (rare; iterating again goes on)
            await websocket.send_json({"reload": True})  # the page reloads to catch up
