"""Server-sent events: ``text/event-stream`` responses, framed as the HTML standard says.

A :class:`ServerSentEvent` is one event (its data, type, id, reconnection time, or a
comment); an :class:`EventSourceResponse` streams events, or plain values, from a sync or
async iterable, with keep-alive comments while it is idle, and ends as soon as the client
goes away or stops reading.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any

import anyio
import attrs

from resourceful._json import compact_json
from resourceful.background import BackgroundTask
from resourceful.concurrency import collapse_excgroups, iterate_in_threadpool
from resourceful.responses import StreamingResponse
from resourceful.types import Message, Send

logger = logging.getLogger("resourceful.sse")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELD_BREAKERS = ("\r", "\n", "\0")
#: The headers of every event stream: never stored, never buffered by a proxy (nginx).
_STREAM_HEADERS = {"cache-control": "no-store", "x-accel-buffering": "no"}


def _single_line(name: str) -> Any:
    def check(instance: ServerSentEvent, attribute: Any, value: str | None) -> None:
        if value is not None and any(breaker in value for breaker in _FIELD_BREAKERS):
            msg = f"An event's {name} cannot hold a line break or NUL: {value!r}."
            raise ValueError(msg)

    return check


def _retry_time(instance: ServerSentEvent, attribute: Any, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or value < 0):
        msg = f"An event's retry is a whole number of milliseconds, 0 or more: {value!r}."
        raise ValueError(msg)


@attrs.frozen
class ServerSentEvent:
    """One event of an event stream.

    Args:
        data: the event's data; text over several lines is sent as several ``data:``
            lines, which the browser joins again with ``\\n``.
        event: the event's type (``message`` when None), for ``addEventListener``.
        id: the id the browser sends back as ``Last-Event-ID`` when it reconnects.
        retry: how long the browser waits before it reconnects, in milliseconds.
        comment: a comment, which browsers ignore (keep-alives are comments).
    """

    data: str | None = None
    event: str | None = attrs.field(default=None, validator=_single_line("event"))
    id: str | None = attrs.field(default=None, validator=_single_line("id"))
    retry: int | None = attrs.field(default=None, validator=_retry_time)
    comment: str | None = None

    def encode(self) -> bytes:
        """The event as the stream carries it: its fields, then an empty line."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(self.data))
        return ("\n".join(lines) + "\n\n").encode()


#: What keeps an idle stream open through proxies that close silent connections.
KEEP_ALIVE = ServerSentEvent(comment="keep-alive").encode()


def encode_item(item: Any) -> bytes:
    """An item of an event stream as the stream carries it: an event as it is, text as an
    event's data, anything else as an event whose data is its JSON."""
    if isinstance(item, ServerSentEvent):
        return item.encode()
    if isinstance(item, str):
        return ServerSentEvent(item).encode()
    return ServerSentEvent(compact_json(item).decode()).encode()


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response: each item of ``content`` (a sync or async
    iterable) sent as an event as soon as it comes.

    A :class:`ServerSentEvent` is sent as it is, text as an event's data, and anything else
    as JSON data. The response says ``Cache-Control: no-store`` and
    ``X-Accel-Buffering: no`` (so proxies pass each event on at once), and GZip leaves it
    alone.

    Args:
        ping: seconds between keep-alive comments sent while no event comes (None: none).
        send_timeout: seconds a client may take to read an event; one that takes longer is
            dropped, the stream ended and ``content`` closed (None: wait as long as it takes).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        ping: float | None = 15.0,
        send_timeout: float | None = 30.0,
        background: BackgroundTask | None = None,
    ) -> None:
        items = content if isinstance(content, AsyncIterable) else iterate_in_threadpool(content)
        self.ping = ping
        self.send_timeout = send_timeout
        headers = {**_STREAM_HEADERS, **(headers or {})}
        super().__init__(items, status_code, headers, background=background)

    async def _stream(self, send: Send) -> None:
        timeout = math.inf if self.send_timeout is None else self.send_timeout
        lock = anyio.Lock()
        last_sent = anyio.current_time()
        dropped = False

        async def send_in_time(message: Message) -> None:
            nonlocal last_sent, dropped
            async with lock:
                with anyio.move_on_after(timeout) as waited:
                    await send(message)
                last_sent = anyio.current_time()
            if waited.cancelled_caught:
                logger.warning("An event stream's client read nothing for %s s: dropped.", timeout)
                dropped = True
                group.cancel_scope.cancel()

        async def keep_alive(interval: float) -> None:
            while True:
                await anyio.sleep(last_sent + interval - anyio.current_time())
                if anyio.current_time() - last_sent >= interval:
                    await send_in_time(_KEEP_ALIVE_MESSAGE)

        start = {"type": "http.response.start", "status": self.status_code}
        try:
            with collapse_excgroups():
                async with anyio.create_task_group() as group:
                    await send_in_time({**start, "headers": self.raw_headers})
                    if self.ping is not None:
                        group.start_soon(keep_alive, self.ping)
                    async for item in self.body_iterator:
                        body = encode_item(item)
                        await send_in_time({"type": _BODY, "body": body, "more_body": True})
                    group.cancel_scope.cancel()  # no keep-alive after the end
            if dropped:
                return  # the client reads nothing more: the stream has no end to send
        finally:
            # What the items come from ends with the stream, however it ends.
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):
                    await aclose()
        with anyio.move_on_after(timeout):
            await send({"type": _BODY, "body": b"", "more_body": False})


_BODY = "http.response.body"
_KEEP_ALIVE_MESSAGE: Message = {"type": _BODY, "body": KEEP_ALIVE, "more_body": True}


__all__ = ["KEEP_ALIVE", "EventSourceResponse", "ServerSentEvent", "encode_item"]
