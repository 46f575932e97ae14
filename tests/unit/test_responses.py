from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from resourceful._ranges import MalformedRange, RangeNotSatisfiable, parse_range_header
from resourceful.background import BackgroundTask
from resourceful.datastructures import URL
from resourceful.requests import ClientDisconnect, Request
from resourceful.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    safe_redirect_url,
)
from resourceful.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory, no_receive, serve


def test_response_with_bytes_and_str(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Response(b"raw", media_type="application/octet-stream"))
    response = client.get("/")
    assert response.content == b"raw"
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-length"] == "3"
    client = test_client_factory(Response(memoryview(b"mv")))
    assert client.get("/").content == b"mv"


def test_text_responses_carry_a_charset(test_client_factory: TestClientFactory) -> None:
    html = test_client_factory(HTMLResponse("<h1>é</h1>")).get("/")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.text == "<h1>é</h1>"
    text = test_client_factory(PlainTextResponse("hi")).get("/")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    given_charset = Response("x", media_type="text/csv; charset=latin-1")
    assert given_charset.headers["content-type"] == "text/csv; charset=latin-1"


def test_a_response_class_of_another_charset_says_and_uses_it() -> None:
    class Latin1Text(PlainTextResponse):
        charset = "latin-1"

    for _ in range(2):  # the first makes the header, the second finds it made
        latin1 = Latin1Text("café")
        assert latin1.headers["content-type"] == "text/plain; charset=latin-1"
        assert latin1.body == "café".encode("latin-1")
    # The UTF-8 response of the same media type keeps its own header.
    assert PlainTextResponse("café").headers["content-type"] == "text/plain; charset=utf-8"


def test_no_content_length_for_bodiless_statuses() -> None:
    assert "content-length" not in Response(status_code=204).headers
    assert "content-length" not in Response(status_code=304).headers
    assert "content-length" not in Response(status_code=101).headers
    assert Response(status_code=200).headers["content-length"] == "0"


def test_given_headers_win_over_computed_ones() -> None:
    response = Response(
        b"abc",
        headers={"Content-Length": "3", "Content-Type": "x/y", "X-A": "1"},
        media_type="text/plain",
    )
    assert response.raw_headers == [
        (b"content-length", b"3"),
        (b"content-type", b"x/y"),
        (b"x-a", b"1"),
    ]


def test_json_response_is_compact_utf8(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(JSONResponse({"name": "Zoë", "n": [1, None]})).get("/")
    assert response.content == '{"name":"Zoë","n":[1,null]}'.encode()
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError, match="not JSON compliant"):
        JSONResponse(float("nan"))
    assert JSONResponse(None).body == b"null"


def test_redirect_quotes_the_location(test_client_factory: TestClientFactory) -> None:
    response = RedirectResponse("/a path/ü?x=1&y=ä#frag")
    assert response.status_code == 307
    assert response.headers["location"] == "/a%20path/%C3%BC?x=1&y=%C3%A4#frag"
    moved = RedirectResponse(URL("https://example.org/"), status_code=301)
    client = test_client_factory(moved, follow_redirects=False)
    got = client.get("/")
    assert got.status_code == 301
    assert got.headers["location"] == "https://example.org/"


def test_set_and_delete_cookies(test_client_factory: TestClientFactory) -> None:
    response = Response("ok")
    response.set_cookie(
        "session",
        "abc",
        max_age=60,
        expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        domain="example.org",
        secure=True,
        httponly=True,
        samesite="strict",
        partitioned=True,
    )
    response.set_cookie("plain", "1", path=None, samesite=None, expires=10)
    response.delete_cookie("old")
    response.delete_cookie("chips", partitioned=True)
    cookies = response.headers.getlist("set-cookie")
    assert cookies[0] == (
        "session=abc; Domain=example.org; expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; "
        "Max-Age=60; Path=/; SameSite=strict; Secure; Partitioned"
    )
    assert cookies[1].startswith("plain=1; expires=")
    assert "Path" not in cookies[1]
    assert "SameSite" not in cookies[1]
    assert cookies[2].startswith('old=""; expires=')
    assert "Max-Age=0" in cookies[2]
    assert cookies[3].startswith('chips=""; expires=')
    assert cookies[3].endswith("; Partitioned")
    simple = Response("ok")
    simple.set_cookie("session", "abc")
    assert test_client_factory(simple).get("/").cookies["session"] == "abc"
    with pytest.raises(ValueError, match="samesite must be"):
        response.set_cookie("bad", samesite="sometimes")  # type: ignore[arg-type]


def test_background_task_runs_after_the_body(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []

    async def record(what: str) -> None:
        events.append(what)

    client = test_client_factory(Response("x", background=BackgroundTask(record, "done")))
    assert client.get("/").text == "x"
    assert events == ["done"]


def test_streaming_sync_and_async_iterators(test_client_factory: TestClientFactory) -> None:
    def numbers() -> Iterator[str]:
        yield from ("1", "2", "3")

    async def letters() -> AsyncIterator[bytes]:
        for letter in (b"a", b"b"):
            yield letter

    events: list[str] = []

    def done() -> None:
        events.append("done")

    sync_app = StreamingResponse(
        numbers(), media_type="text/plain", background=BackgroundTask(done)
    )
    response = test_client_factory(sync_app).get("/")
    assert response.text == "123"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in response.headers
    assert events == ["done"]
    assert test_client_factory(StreamingResponse(letters())).get("/").content == b"ab"


def leaving_after(count: int) -> tuple[list[Message], Receive, Send]:
    """The messages sent, and the channels of a client that leaves after ``count`` of them."""
    sent: list[Message] = []
    disconnected = anyio.Event()

    async def receive() -> Message:
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) == count:
            disconnected.set()
        await anyio.sleep(0.001)  # a network takes time: the client can leave meanwhile

    return sent, receive, send


async def test_streaming_stops_when_the_client_disconnects() -> None:
    produced: list[int] = []

    async def endless() -> AsyncIterator[str]:
        count = 0
        while True:
            produced.append(count)
            count += 1
            yield "chunk"
            await anyio.lowlevel.checkpoint()

    sent, receive, send = leaving_after(5)
    scope = {"type": "http", "method": "GET", "headers": []}
    with anyio.fail_after(5):
        await StreamingResponse(endless())(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    assert len(produced) < 50


async def test_a_body_that_never_waits_stops_when_the_client_disconnects() -> None:
    # Found by schemathesis against the example: uvicorn's send returns at once, without
    # suspending, once the client has left; a body that never waits must still stop.
    produced: list[int] = []
    left = anyio.Event()

    async def endless() -> AsyncIterator[str]:
        while True:
            produced.append(1)
            yield "chunk"

    async def receive() -> Message:
        await left.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if len(produced) == 3:
            left.set()  # the client leaves after the third chunk

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.3"}}
    with anyio.fail_after(5):
        await StreamingResponse(endless())(scope, receive, send)
    assert 3 <= len(produced) < 10


async def test_only_older_servers_are_watched_for_a_disconnect() -> None:
    asked: list[str] = []

    async def receive() -> Message:
        asked.append("receive")
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        await anyio.lowlevel.checkpoint()

    # From ASGI 2.4 on a server fails the send of an app whose client left instead.
    cases: list[tuple[Scope, bool]] = [
        ({"type": "http", "asgi": {"spec_version": "2.3"}}, True),
        ({"type": "http", "asgi": {"spec_version": "two"}}, True),  # unreadable: the oldest
        ({"type": "http", "asgi": {"spec_version": "2.4"}}, False),
        ({"type": "websocket"}, False),  # a denial response
    ]
    for connection, watched in cases:
        asked.clear()
        with anyio.fail_after(5):
            scope = {"method": "GET", "headers": [], **connection}
            await StreamingResponse(["a", "b"])(scope, receive, send)
        assert bool(asked) is watched, connection


async def test_a_client_gone_under_asgi_2_4_ends_the_stream_quietly() -> None:
    sent: list[Message] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"chunk"
            await anyio.lowlevel.checkpoint()

    async def send(message: Message) -> None:
        if len(sent) == 3:
            raise OSError("the client went away")  # how an ASGI 2.4 server tells the app
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    with anyio.fail_after(5), pytest.raises(ClientDisconnect):  # an ASGI 2.4 server: no receive
        await StreamingResponse(endless())(scope, no_receive, send)
    assert len(sent) == 3


async def test_a_stream_responds_to_a_websocket_as_a_denial() -> None:
    scope = {"type": "websocket", "headers": []}  # a websocket's denial is not watched
    sent = await serve(StreamingResponse(["no"], status_code=403), scope)
    assert [message["type"] for message in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
        "websocket.http.response.body",
    ]


async def test_a_server_that_sends_files_itself_gets_the_path(text_file: Path) -> None:
    scope = {
        "type": "http",
        "method": "GET",
        "headers": [],
        "extensions": {"http.response.pathsend": {}},
    }
    sent = await serve(FileResponse(text_file), scope)
    assert [message["type"] for message in sent] == [
        "http.response.start",
        "http.response.pathsend",
    ]
    assert sent[1]["path"] == str(text_file)


async def test_a_file_stops_when_the_client_disconnects(text_file: Path) -> None:
    sent, receive, send = leaving_after(2)

    class TinyChunks(FileResponse):
        chunk_size = 1

    scope = {"type": "http", "method": "GET", "headers": []}
    with anyio.fail_after(5):
        await TinyChunks(text_file)(scope, receive, send)
    assert 2 <= len(sent) < 50, "the rest of the 100 one-byte chunks was never sent"


async def test_streaming_ignores_other_messages_while_waiting() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "headers": []}
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:  # one stray message, then nothing more
        sender.send_nowait({"type": "http.request", "body": b""})
        await StreamingResponse(["a"])(scope, receiver.receive, send)
    assert [m.get("body") for m in sent[1:]] == [b"a", b""]


# FileResponse ----------------------------------------------------------------------------


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "numbers.txt"
    path.write_bytes(b"0123456789" * 10)
    return path


def test_file_response_headers_and_body(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    response = client.get("/")
    assert response.status_code == 200
    assert response.content == text_file.read_bytes()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == "100"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert "content-disposition" not in response.headers


def test_file_response_head_sends_no_body(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    response = test_client_factory(FileResponse(text_file)).head("/")
    assert response.status_code == 200
    assert response.headers["content-length"] == "100"
    assert response.content == b""


def test_file_response_large_file_in_chunks(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(200_000)
    path.write_bytes(data)
    response = test_client_factory(FileResponse(path)).get("/")
    assert response.content == data
    assert response.headers["content-type"] == "application/octet-stream"


def test_file_response_content_disposition(text_file: Path) -> None:
    ascii_name = FileResponse(text_file, filename="report.txt")
    assert ascii_name.headers["content-disposition"] == 'attachment; filename="report.txt"'
    unicode_name = FileResponse(
        text_file, filename="résumé 2.pdf", content_disposition_type="inline"
    )
    assert unicode_name.headers["content-disposition"] == (
        "inline; filename*=utf-8''r%C3%A9sum%C3%A9%202.pdf"
    )
    assert unicode_name.media_type == "application/pdf"
    given_type = FileResponse(text_file, media_type="text/csv")
    assert given_type.headers["content-type"] == "text/csv; charset=utf-8"


def test_file_response_with_given_stat_result(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    response = FileResponse(text_file, stat_result=os.stat(text_file))
    assert response.headers["content-length"] == "100"
    assert test_client_factory(response).get("/").content == text_file.read_bytes()


def test_file_response_for_a_missing_file_or_a_directory(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        test_client_factory(FileResponse(tmp_path / "missing")).get("/")
    with pytest.raises(RuntimeError, match="is not a file"):
        test_client_factory(FileResponse(tmp_path)).get("/")


def test_single_range(test_client_factory: TestClientFactory, text_file: Path) -> None:
    client = test_client_factory(FileResponse(text_file))
    response = client.get("/", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == b"0123456789"
    assert response.headers["content-range"] == "bytes 10-19/100"
    assert response.headers["content-length"] == "10"
    suffix = client.get("/", headers={"Range": "bytes=-5"})
    assert suffix.content == b"56789"
    assert suffix.headers["content-range"] == "bytes 95-99/100"
    open_ended = client.get("/", headers={"Range": "bytes=98-"})
    assert open_ended.content == b"89"
    past_end = client.get("/", headers={"Range": "bytes=95-1000"})
    assert past_end.content == b"56789"
    head = client.head("/", headers={"Range": "bytes=0-1"})
    assert head.status_code == 206
    assert head.content == b""


def test_multiple_ranges_are_multipart_byteranges(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    response = client.get("/", headers={"Range": "bytes=0-1, 50-52"})
    assert response.status_code == 206
    content_type = response.headers["content-type"]
    assert content_type.startswith("multipart/byteranges; boundary=")
    boundary = content_type.split("boundary=")[1]
    assert (
        response.content
        == (
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Range: bytes 0-1/100\r\n\r\n01\r\n"
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Range: bytes 50-52/100\r\n\r\n012\r\n"
            f"--{boundary}--"
        ).encode()
    )
    assert int(response.headers["content-length"]) == len(response.content)
    head = client.head("/", headers={"Range": "bytes=0-1, 50-52"})
    assert head.status_code == 206
    assert head.content == b""
    assert head.headers["content-length"] == response.headers["content-length"]


def test_overlapping_ranges_are_merged(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    response = client.get("/", headers={"Range": "bytes=0-4, 3-9"})
    assert response.status_code == 206
    assert response.content == b"0123456789"


def test_unsatisfiable_range_is_416(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    # The client asked for bytes that start past the end of the 100-byte file.
    response = client.get("/", headers={"Range": "bytes=200-300"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */100"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("bytes", "Malformed range header."),
        ("items=0-1", "Only support bytes range"),
        ("bytes=abc", "Range header: range must be requested"),
        ("bytes=-", "Range header: range must be requested"),
        ("bytes=1-2-3", "Range header: range must be requested"),
        ("bytes=0x1-2", "Range header: range must be requested"),
        ("bytes=\u00b2-3", "Range header: range must be requested"),  # a superscript two
        ("bytes=" + "9" * 5000 + "-", "Range header: range must be requested"),  # too long
        ("bytes=5-1", "Range header: start must be less than end"),
    ],
    ids=lambda value: value[:20],
)
def test_a_range_header_that_asks_for_nothing_readable_is_400(
    test_client_factory: TestClientFactory, text_file: Path, header: str, reason: str
) -> None:
    client = test_client_factory(FileResponse(text_file))
    # The client sent this Range header.
    response = client.get("/", headers={"Range": header.encode("latin-1")})
    assert (response.status_code, response.text) == (400, reason)


def test_unreadable_ranges_beside_a_good_one_are_skipped(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    for header in ["bytes=100, 0-9", "bytes= - , 0-9", "bytes=abc-def, 0-9"]:
        response = client.get("/", headers={"Range": header})
        assert (response.status_code, response.headers["content-range"]) == (206, "bytes 0-9/100")


def test_too_many_ranges_send_the_whole_file(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    # The client asked for 200 tiny ranges, which would make a huge multipart response.
    header = "bytes=" + ",".join(f"{n}-{n}" for n in range(0, 400, 2))
    response = client.get("/", headers={"Range": header})
    assert (response.status_code, len(response.content)) == (200, 100)


def test_ranges_apply_only_to_reads(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    response = client.post("/", headers={"Range": "bytes=0-9"})
    assert (response.status_code, len(response.content)) == (200, 100)


def test_if_range_must_match_to_get_a_range(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file))
    full = client.get("/")
    etag, modified = full.headers["etag"], full.headers["last-modified"]
    by_etag = client.get("/", headers={"Range": "bytes=0-0", "If-Range": etag})
    assert by_etag.status_code == 206
    by_date = client.get("/", headers={"Range": "bytes=0-0", "If-Range": modified})
    assert by_date.status_code == 206
    stale = client.get("/", headers={"Range": "bytes=0-0", "If-Range": '"stale"'})
    assert stale.status_code == 200
    assert len(stale.content) == 100
    weak = client.get("/", headers={"Range": "bytes=0-0", "If-Range": "W/" + etag})
    assert weak.status_code == 200, "a weak validator cannot vouch for byte ranges"


def test_range_ignored_for_non_200_file_responses(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    client = test_client_factory(FileResponse(text_file, status_code=404))
    response = client.get("/", headers={"Range": "bytes=0-0"})
    assert response.status_code == 404
    assert len(response.content) == 100


def test_file_response_background_task(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    events: list[int] = []
    response = FileResponse(text_file, background=BackgroundTask(events.append, 1))
    test_client_factory(response).get("/")
    assert events == [1]


def test_file_shrinking_while_sent_fails_instead_of_hanging(
    test_client_factory: TestClientFactory, text_file: Path
) -> None:
    response = FileResponse(text_file, stat_result=os.stat(text_file))
    text_file.write_bytes(b"short")
    with pytest.raises(RuntimeError, match="shorter than expected"):
        test_client_factory(response).get("/")


def test_parse_range_header_cases() -> None:
    assert parse_range_header("bytes=0-0", 10) == [(0, 1)]
    assert parse_range_header("bytes=-20", 10) == [(0, 10)]
    assert parse_range_header("bytes=0-1,,2-3", 10) == [(0, 4)]
    assert parse_range_header("BYTES = 8-", 10) == [(8, 10)]
    assert parse_range_header("bytes=4-6, 0-1", 10) == [(0, 2), (4, 7)]
    for unsatisfiable in ["bytes=-1", "bytes=0-"]:
        with pytest.raises(RangeNotSatisfiable):
            parse_range_header(unsatisfiable, 0)
    for unsatisfiable in ["bytes=-0", "bytes=10-", "bytes=-0, 1-1"]:
        with pytest.raises(RangeNotSatisfiable):
            parse_range_header(unsatisfiable, 10)
    with pytest.raises(MalformedRange, match="start must be less than end"):
        parse_range_header("bytes=5-1", 10)


@given(
    st.one_of(st.text(max_size=40), st.from_regex(r"\Abytes=[0-9, -]{0,20}\Z")),
    st.integers(min_value=0, max_value=1000),
)
@example("bytes=0-5", 10)
@example("bytes=50-", 10)
def test_parse_range_header_never_fails_unexpectedly(header: str, size: int) -> None:
    try:
        ranges = parse_range_header(header, size)
    except (RangeNotSatisfiable, MalformedRange):
        return
    for start, stop in ranges:
        assert 0 <= start < stop <= size
    assert ranges == sorted(ranges)


class Countdown:
    """An async iterator that is not a generator: it has no aclose()."""

    def __init__(self, start: int) -> None:
        self.current = start

    def __aiter__(self) -> Countdown:
        return self

    async def __anext__(self) -> str:
        if self.current == 0:
            raise StopAsyncIteration
        self.current -= 1
        return str(self.current)


def test_streaming_from_an_async_iterator_object(test_client_factory: TestClientFactory) -> None:
    assert test_client_factory(StreamingResponse(Countdown(3))).get("/").text == "210"


async def test_an_error_of_the_body_itself_is_not_taken_for_a_disconnect() -> None:
    failure = OSError("disk gone")

    async def failing() -> AsyncIterator[bytes]:
        yield b"first"
        raise failure

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    with anyio.fail_after(5), pytest.raises(OSError, match="disk gone|Disconnected") as caught:
        await StreamingResponse(failing())(scope, no_receive, no_wait_send([]))
    assert caught.value is failure


async def test_a_file_response_lets_the_servers_send_error_through(tmp_path: Path) -> None:
    """An ASGI 2.4 server failed the send (the client left): the server gets its own error."""
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 100_000)
    failure = OSError("Disconnected")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise failure

    scope = {"type": "http", "method": "GET", "headers": [], "asgi": {"spec_version": "2.4"}}
    with anyio.fail_after(5), pytest.raises(OSError, match="disk gone|Disconnected") as caught:
        await FileResponse(path)(scope, no_receive, send)
    assert caught.value is failure


async def test_a_head_response_ends_its_empty_body_explicitly(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<p>page</p>")
    sent: list[Message] = []

    scope = {"type": "http", "method": "HEAD", "headers": []}
    await FileResponse(path)(scope, no_receive, no_wait_send(sent))

    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def no_wait_send(sent: list[Message]) -> Send:
    async def send(message: Message) -> None:
        sent.append(message)

    return send


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/notes?page=2#top", "/notes?page=2#top"),
        ("notes/1", "notes/1"),
        ("http://testserver/admin", "http://testserver/admin"),
        ("https://TESTSERVER:8443/admin", "https://TESTSERVER:8443/admin"),
        ("https://partner.example/x", "https://partner.example/x"),
        # Sent by a client to lead this site's users elsewhere: each gives the default.
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("///evil.example/", "/home"),
        ("/\\evil.example/", "/home"),
        ("\\\\evil.example", "/home"),
        ("/\t/evil.example", "/home"),
        ("/\n/evil.example", "/home"),
        (" //evil.example", "/home"),
        ("https://testserver@evil.example/", "/home"),
        ("https:evil.example", "/home"),
        ("http:/evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
        ("data:text/html,<script>alert(1)</script>", "/home"),
        ("ftp://testserver/file", "/home"),
        ("http://[::1", "/home"),
        (None, "/home"),
    ],
)
def test_safe_redirect_url_keeps_users_on_the_site(target: str | None, expected: str) -> None:
    request = Request(
        {"type": "http", "scheme": "http", "path": "/", "headers": [(b"host", b"testserver")]}
    )
    found = safe_redirect_url(request, target, "/home", allowed_hosts=["Partner.example"])
    assert found == expected


def test_safe_redirect_url_without_a_host() -> None:
    request = Request({"type": "http", "path": "/", "headers": []})
    assert safe_redirect_url(request, "http://localhost/") == "/"
    assert safe_redirect_url(request, "/next") == "/next"
