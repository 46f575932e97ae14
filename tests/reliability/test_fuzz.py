"""Fuzzing: whatever a client sends, the app responds to it with less than a 500, logs no error,
and goes on responding.

Each test drives the representative app of ``tests/reliability/app.py`` (every middleware on)
through raw ASGI, on asyncio and on trio. ``HYPOTHESIS_PROFILE=deep`` (``tox -e fuzz``) runs
many more examples than the default test command.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import anyio
import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from resourceful.testclient import TestClient
from resourceful.types import ASGIApp, Message
from tests.conftest import TestClientFactory
from tests.reliability.app import make_app
from tests.reliability.harness import (
    HANG_SECONDS,
    RawRequest,
    check_response,
    exchange,
    still_responds,
)
from tests.reliability.strategies import (
    RANGES,
    TRAVERSALS,
    VALIDATORS,
    chunked,
    header_values,
    http_requests,
    json_bodies,
    multipart_bodies,
    percent_encoded,
    query_strings,
    text,
    urlencoded_bodies,
)

SECRET = "the file beside the static folder"

#: The default run tries the same inputs every time (a failure there is never luck); the
#: deep profile explores new ones on every run.
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "deep",
)


@pytest.fixture
def client(
    test_client_factory: TestClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Iterator[TestClient]:
    """The app, started; at the end it still responses, and nothing was logged as an error.

    A secret file sits beside its static folder: no response may ever carry it.
    """
    (tmp_path / "secret.txt").write_text(SECRET)
    static = tmp_path / "static"
    static.mkdir()
    app = make_app(static)
    with caplog.at_level(logging.WARNING), test_client_factory(app) as client:
        yield client
        assert client.portal is not None
        still_responds(client.portal, app)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


def send(client: TestClient, request: RawRequest) -> None:
    assert client.portal is not None
    response = client.portal.call(exchange, client.app, request)
    check_response(request, response)
    assert SECRET.encode() not in response.body


def json_request(method: str, path: bytes, body: bytes, *extra: tuple[bytes, bytes]) -> RawRequest:
    headers = ((b"host", b"testserver"), (b"content-type", b"application/json"), *extra)
    return RawRequest(method, path, headers=headers, chunks=(body,))


WELL_FORMED = [
    (json_request("PUT", b"/items/1", b'{"name": "saw", "price": "9.50", "kind": "tool"}'), 200),
    (RawRequest("GET", b"/items/1", b"limit=5&tags=a&tags=b&day=2020-02-29&flag=on"), 200),
    (
        RawRequest(
            "GET", b"/items/1", headers=((b"host", b"testserver"), (b"authorization", b"Bearer x"))
        ),
        200,
    ),
    (json_request("POST", b"/graphql", b'{"query": "{ item(id: 1) { name } hello }"}'), 200),
    (json_request("POST", b"/graphql", b'{"query": "{ item(id: 2) { name } }"}'), 200),
    (RawRequest("DELETE", b"/items/1"), 204),
    (json_request("POST", b"/inspect/json", b'{"a": [1, 2]}'), 200),
    (RawRequest("POST", b"/inspect/raw", chunks=(b"raw", b" bytes")), 200),
    (
        RawRequest(
            "PUT",
            b"/inspect/form",
            headers=(
                (b"host", b"testserver"),
                (b"content-type", b"application/x-www-form-urlencoded"),
            ),
            chunks=(b"a=1&b=2",),
        ),
        200,
    ),
    (
        RawRequest(
            "POST",
            b"/forms",
            headers=(
                (b"host", b"testserver"),
                (b"content-type", b"multipart/form-data; boundary=b"),
            ),
            chunks=(
                b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nada\r\n'
                b'--b\r\nContent-Disposition: form-data; name="age"\r\n\r\n36\r\n'
                b'--b\r\nContent-Disposition: form-data; name="avatar"; filename="a.txt"\r\n\r\n'
                b"hello\r\n--b--\r\n",
            ),
        ),
        200,
    ),
    (RawRequest("GET", b"/session"), 200),
    (RawRequest("GET", b"/things/0b5e0c3e-8f1a-4c53-9d6e-3f9f6a0e2b11/1.5/2020-02-29"), 200),
    (RawRequest("GET", b"/things/0b5e0c3e-8f1a-4c53-9d6e-3f9f6a0e2b11/1.5/2020-02-30"), 422),
    (RawRequest("GET", b"/count", b"to=3"), 200),
    (RawRequest("GET", b"/count", b"to=three"), 400),
    (
        RawRequest(
            "GET",
            b"/private",
            headers=((b"host", b"testserver"), (b"authorization", b"Basic YWRhOnNlY3JldA==")),
        ),
        200,
    ),
    (RawRequest("GET", b"/next", b"next=/items/1"), 303),
    # Credentials that are not base64, and ones that are well-formed but wrong: refused.
    (
        RawRequest(
            "GET", b"/private", headers=((b"host", b"testserver"), (b"authorization", b"Basic !!"))
        ),
        400,
    ),
    (
        RawRequest(
            "GET",
            b"/private",
            headers=((b"host", b"testserver"), (b"authorization", b"Basic YWRhOndyb25n")),
        ),
        400,
    ),
]


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
def test_well_formed_requests_get_their_responses(client: TestClient, spec_version: str) -> None:
    # The fuzzed requests start from these: each reaches its endpoint and succeeds.
    for request, status in WELL_FORMED:
        request = attrs.evolve(request, spec_version=spec_version)
        assert client.portal is not None
        response = client.portal.call(exchange, client.app, request)
        check_response(request, response)
        assert response.status == status, (request, response.body)


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_leads_out_of_the_static_folder(client: TestClient, path: str) -> None:
    # The client asked for the file beside the static folder, by every spelling of "..".
    request = RawRequest("GET", path.encode())
    send(client, request)
    assert client.portal is not None
    assert client.portal.call(exchange, client.app, request).status == 404


def test_any_request(client: TestClient) -> None:
    @FUZZ
    @given(http_requests())
    def check(request: RawRequest) -> None:
        send(client, request)

    check()


def test_typed_json_bodies(client: TestClient) -> None:
    # The client sent JSON (or what claims to be) to an endpoint that structures an attrs class.
    @FUZZ
    @given(
        json_bodies(), st.lists(st.integers(0, 2000), max_size=3), st.sampled_from(["2.3", "2.4"])
    )
    def check(body: bytes, cuts: list[int], version: str) -> None:
        chunks = chunked(body, cuts)
        request = RawRequest(
            method="PUT",
            raw_path=b"/items/7",
            headers=((b"host", b"testserver"), (b"content-type", b"application/json")),
            chunks=chunks,
            spec_version=version,
        )
        send(client, request)

    check()


def test_forms_and_uploads(client: TestClient) -> None:
    # The client sent urlencoded and multipart forms, well-formed or broken, to a form model.
    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        if data.draw(st.booleans()):
            boundary = data.draw(st.sampled_from([b"xyz", b"-" * 70]))
            body = data.draw(multipart_bodies(boundary))
            content_type = b"multipart/form-data; boundary=" + boundary
        else:
            body = data.draw(urlencoded_bodies())
            content_type = b"application/x-www-form-urlencoded"
        path = data.draw(st.sampled_from([b"/forms", b"/signed/forms", b"/inspect/form"]))
        request = RawRequest(
            method="POST",
            raw_path=path,
            headers=((b"host", b"testserver"), (b"content-type", content_type)),
            chunks=(body,),
        )
        send(client, request)

    check()


def test_ranges_and_validators_on_files(client: TestClient) -> None:
    # The client sent Range, If-Range and the other validators to static and file responses.
    @FUZZ
    @given(
        st.sampled_from([b"/static/data.bin", b"/static/page.html", b"/file"]),
        st.lists(
            st.tuples(
                st.sampled_from(
                    [b"range", b"if-range", b"if-none-match", b"if-modified-since", b"if-match"]
                ),
                RANGES | VALIDATORS,
            ),
            max_size=4,
        ),
        st.sampled_from(["GET", "HEAD"]),
    )
    def check(path: bytes, extra: list[tuple[bytes, bytes]], method: str) -> None:
        headers = ((b"host", b"testserver"), (b"accept-encoding", b"gzip"), *extra)
        send(client, RawRequest(method=method, raw_path=path, headers=headers))

    check()


def test_typed_parameters_and_convertors(client: TestClient) -> None:
    # The client sent hostile path segments, query values, headers and cookies to a resource
    # whose parameters are typed (int path, bounded int, list, bool, float, date, UUID).
    @FUZZ
    @given(
        percent_encoded(),
        query_strings(),
        header_values(),
        text(),
        st.sampled_from(["GET", "PUT", "DELETE", "HEAD", "OPTIONS"]),
    )
    def check(segment: str, query: bytes, token: bytes, theme: str, method: str) -> None:
        cookie = b"theme=" + theme.encode("utf-8", "surrogatepass")
        cookie = cookie.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b"")
        request = RawRequest(
            method=method,
            raw_path=b"/items/" + segment.encode("ascii"),
            query_string=query,
            headers=((b"host", b"testserver"), (b"x-token", token), (b"cookie", cookie)),
        )
        send(client, request)

    check()


# -- websockets ------------------------------------------------------------------------------


def frames() -> st.SearchStrategy[Message]:
    """Frames of every kind: text (JSON or not), bytes, both, neither, huge."""
    return st.one_of(
        text(200).map(lambda value: {"type": "websocket.receive", "text": value}),
        json_bodies().map(
            lambda value: {"type": "websocket.receive", "text": value.decode("utf-8", "replace")}
        ),
        st.binary(max_size=200).map(lambda value: {"type": "websocket.receive", "bytes": value}),
        st.just({"type": "websocket.receive", "bytes": b"x" * 1_000_000}),
        st.just({"type": "websocket.receive", "text": "[" * 50_000}),
        st.just({"type": "websocket.receive"}),
        st.just({"type": "websocket.receive", "text": "a", "bytes": b"b"}),
    )


async def websocket_session(
    app: ASGIApp, path: bytes, headers: list[tuple[bytes, bytes]], sent: list[Message]
) -> list[Message]:
    """Connect, send ``sent`` (whatever the app responds to), leave; what the app sent."""
    received: list[Message] = []
    incoming = [
        {"type": "websocket.connect"},
        *sent,
        {"type": "websocket.disconnect", "code": 1000},
    ]
    closed = anyio.Event()

    async def receive() -> Message:
        if incoming and not closed.is_set():
            return incoming.pop(0)
        await closed.wait()  # pragma: no cover (only an app that reads past the disconnect)
        return {"type": "websocket.disconnect", "code": 1006}  # pragma: no cover

    async def send(message: Message) -> None:
        assert not closed.is_set(), f"sent after the close: {message}"
        received.append(message)
        ends = message["type"] in ("websocket.close", "websocket.http.response.body")
        if ends and not message.get("more_body", False):
            closed.set()

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path.decode("ascii"),
        "raw_path": path,
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "state": {},
        "extensions": {"websocket.http.response": {}},
    }
    with anyio.fail_after(HANG_SECONDS):
        await app(scope, receive, send)
    return received


def test_websocket_frames(client: TestClient) -> None:
    # The client sent frames of every kind, to a JSON resource and a plain echo, and left.
    @FUZZ
    @example(b"/ws/json", [(b"host", b"evil.example")], [])  # refused: a denial response
    @example(
        b"/ws/text",
        [],
        [{"type": "websocket.receive", "bytes": b"b"}, {"type": "websocket.receive", "text": "t"}],
    )
    @example(b"/ws/none", [], [])  # no such route: closed
    @given(
        st.sampled_from([b"/ws/json", b"/ws/text", b"/ws/none", b"/items/1"]),
        st.lists(
            st.tuples(st.sampled_from([b"origin", b"cookie", b"host"]), header_values()), max_size=3
        ),
        st.lists(frames(), max_size=5),
    )
    def check(path: bytes, extra: list[tuple[bytes, bytes]], sent: list[Message]) -> None:
        assert client.portal is not None
        headers = [*extra, (b"host", b"testserver")]  # a Host among them comes first
        received = client.portal.call(websocket_session, client.app, path, headers, sent)
        assert received, "the app neither accepted nor refused"
        first = received[0]["type"]
        assert first in ("websocket.accept", "websocket.close", "websocket.http.response.start")
        if first == "websocket.http.response.start":
            assert received[0]["status"] < 500, received
        for message in received:
            if message["type"] == "websocket.close":
                assert message.get("code", 1000) != 1011, received  # 1011: server error

    check()
