"""Server-sent events: the framing of events, and the event stream response (keep-alives,
a client that leaves or stops reading, what goes on around it)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import anyio
import pytest

from resourceful import App, Middleware, Route
from resourceful.middleware.gzip import GZipMiddleware
from resourceful.requests import ClientDisconnect, Request
from resourceful.sse import KEEP_ALIVE, EventSourceResponse, ServerSentEvent, encode_item
from resourceful.types import Message
from tests.conftest import TestClientFactory, no_receive


def test_an_event_is_framed_as_the_html_standard_says() -> None:
    event = ServerSentEvent("one\ntwo\r\nthree\rfour", event="note", id="7", retry=3000)
    assert event.encode() == (
        b"event: note\nid: 7\nretry: 3000\ndata: one\ndata: two\ndata: three\ndata: four\n\n"
    )
    assert ServerSentEvent("").encode() == b"data: \n\n"
    assert ServerSentEvent(comment="a\nb").encode() == b": a\n: b\n\n"
    assert ServerSentEvent("caf\u00e9 \u2603").encode() == "data: caf\u00e9 \u2603\n\n".encode()
    assert KEEP_ALIVE == b": keep-alive\n\n"


def test_what_a_field_cannot_hold_is_refused() -> None:
    for bad in ("a\nb", "a\rb", "a\0b"):
        with pytest.raises(ValueError, match="event's event cannot hold"):
            ServerSentEvent("x", event=bad)
        with pytest.raises(ValueError, match="event's id cannot hold"):
            ServerSentEvent("x", id=bad)
    for retry in (-1, True):
        with pytest.raises(ValueError, match="whole number of milliseconds"):
            ServerSentEvent("x", retry=retry)


def test_items_are_events_text_or_json() -> None:
    assert encode_item(ServerSentEvent("x", id="1")) == b"id: 1\ndata: x\n\n"
    assert encode_item("hello") == b"data: hello\n\n"
    assert encode_item({"id": 1, "text": "a\nb"}) == b'data: {"id":1,"text":"a\\nb"}\n\n'


async def numbers(request: Request) -> EventSourceResponse:
    async def counted() -> AsyncIterator[ServerSentEvent]:
        for number in range(3):
            yield ServerSentEvent(str(number), id=str(number))

    return EventSourceResponse(counted())


async def words(request: Request) -> EventSourceResponse:
    return EventSourceResponse(["a", {"b": 2}], headers={"x-stream": "words"})


async def slow(request: Request) -> EventSourceResponse:
    async def late() -> AsyncIterator[str]:
        await anyio.sleep(0.2)
        yield "late"

    ping = float(request.query_params["ping"]) if "ping" in request.query_params else None
    return EventSourceResponse(late(), ping=ping)


def stream_app() -> App:
    routes = [Route("/numbers", numbers), Route("/words", words), Route("/slow", slow)]
    return App(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1)])


def test_a_stream_of_events_and_values(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(stream_app())
    response = client.get("/numbers", headers={"accept-encoding": "gzip"})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in response.headers, "GZip leaves an event stream alone"
    assert response.text == "id: 0\ndata: 0\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\n"
    words = client.get("/words")
    assert (words.text, words.headers["x-stream"]) == ('data: a\n\ndata: {"b":2}\n\n', "words")


def test_an_idle_stream_is_kept_alive(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(stream_app())
    # Pings every 30 ms while the first event takes 200 ms to come; none without pings.
    pinged = client.get("/slow", params={"ping": "0.03"}).content
    assert pinged.startswith(KEEP_ALIVE + KEEP_ALIVE)
    assert pinged.endswith(b"data: late\n\n")
    assert client.get("/slow").content == b"data: late\n\n"


class Endless:
    """Events for ever, every 10 ms, noting when it was closed."""

    def __init__(self) -> None:
        self.sent = 0
        self.closed = False
        self.sixth_sent = anyio.Event()

    async def events(self) -> AsyncIterator[str]:
        try:
            while True:
                self.sent += 1
                yield f"event {self.sent}"
                if self.sent == 6:
                    self.sixth_sent.set()
                await anyio.sleep(0.01)
        finally:
            self.closed = True


SCOPE = {"type": "http", "method": "GET", "path": "/", "headers": []}


async def test_a_client_that_leaves_ends_the_stream_and_closes_its_source() -> None:
    endless = Endless()
    sent: list[Message] = []

    async def receive() -> Message:
        await endless.sixth_sent.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    # Events come faster than the keep-alive's interval: no keep-alive is needed.
    await EventSourceResponse(endless.events(), ping=0.025)(SCOPE, receive, send)
    assert endless.closed
    data = [m["body"] for m in sent if m.get("body", b"").startswith(b"data")]
    assert data[:6] == [f"data: event {n}\n\n".encode() for n in range(1, 7)]
    assert len(data) <= 7, "nothing sent once the client left"
    assert not any(m.get("more_body") is False for m in sent), "no end: the client left"


async def test_a_send_the_server_fails_ends_the_stream_too() -> None:
    endless = Endless()

    async def send(message: Message) -> None:
        if message.get("more_body"):
            raise OSError("the client has gone")

    scope = {**SCOPE, "asgi": {"spec_version": "2.4"}}  # no receive: a failed send says it
    with pytest.raises(ClientDisconnect):
        await EventSourceResponse(endless.events(), ping=None)(scope, no_receive, send)
    assert endless.closed


async def test_a_client_that_stops_reading_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    endless = Endless()

    async def send(message: Message) -> None:
        if endless.sent >= 2:
            await anyio.sleep_forever()  # its buffer is full: it reads no more

    caplog.set_level(logging.WARNING, "resourceful.sse")
    scope = {**SCOPE, "asgi": {"spec_version": "2.4"}}  # the client stays, silent
    with anyio.fail_after(5):
        response = EventSourceResponse(endless.events(), ping=0.01, send_timeout=0.05)
        await response(scope, no_receive, send)
    assert endless.closed
    assert "read nothing for 0.05 s: dropped" in caplog.text


class Letters:
    """An async iterable of its own, with no aclose to call."""

    def __init__(self) -> None:
        self.left = ["a", "b"]

    def __aiter__(self) -> Letters:
        return self

    async def __anext__(self) -> str:
        if not self.left:
            raise StopAsyncIteration
        return self.left.pop(0)


async def test_an_iterable_without_aclose_is_streamed_to_its_end() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {**SCOPE, "asgi": {"spec_version": "2.4"}}
    await EventSourceResponse(Letters(), ping=None)(scope, no_receive, send)
    assert [m.get("body") for m in sent[1:]] == [b"data: a\n\n", b"data: b\n\n", b""]
