from __future__ import annotations

from contextlib import aclosing
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful import App, Route
from resourceful.datastructures import URLPath
from resourceful.exceptions import HTTPException
from resourceful.requests import ClientDisconnect, HTTPConnection, Request, cookie_parser
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.types import Message, Receive, Scope, Send
from tests.conftest import TestClientFactory, serve


def http_scope(**extra: Any) -> Scope:
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [],
    }
    scope.update(extra)
    return scope


def test_request_url_parts(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        data = {
            "method": request.method,
            "url": str(request.url),
            "base_url": str(request.base_url),
            "query": dict(request.query_params),
            "client": list(request.client or ()),
            "headers": dict(request.headers),
        }
        await JSONResponse(data)(scope, receive, send)

    client = test_client_factory(app)
    data = client.get("/a/b?x=1", headers={"X-Custom": "yes"}).json()
    assert data["method"] == "GET"
    assert data["url"] == "http://testserver/a/b?x=1"
    assert data["base_url"] == "http://testserver/"
    assert data["query"] == {"x": "1"}
    assert data["client"] == ["testclient", 50000]
    assert data["headers"]["x-custom"] == "yes"


def test_base_url_respects_root_path(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await PlainTextResponse(f"{request.base_url} {request.url}")(scope, receive, send)

    client = test_client_factory(app, root_path="/api")
    assert client.get("/api/items").text == "http://testserver/api/ http://testserver/api/items"


def test_connection_is_a_mapping_over_the_scope() -> None:
    scope = http_scope(path_params={"id": 1}, client=None)
    connection = HTTPConnection(scope)
    assert connection["method"] == "GET"
    assert "path" in list(connection)
    assert len(connection) == len(scope)
    assert connection.path_params == {"id": 1}
    assert connection.client is None
    assert connection != HTTPConnection(scope)
    assert connection == connection
    assert {connection: 1}[connection] == 1


def test_connection_rejects_other_scopes() -> None:
    with pytest.raises(ValueError, match="'http' or 'websocket' scope"):
        HTTPConnection({"type": "lifespan"})
    with pytest.raises(ValueError, match="Request takes an 'http' scope"):
        Request({"type": "websocket", "headers": []})


def test_cookies_from_several_headers() -> None:
    scope = http_scope(headers=[(b"cookie", b"a=1; b=2"), (b"cookie", b"c=3")])
    assert Request(scope).cookies == {"a": "1", "b": "2", "c": "3"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1; b=2", {"a": "1", "b": "2"}),
        ("a=1;; ;b=2", {"a": "1", "b": "2"}),
        ("keyonly", {"": "keyonly"}),
        ('quoted="a\\"b\\\\c"', {"quoted": 'a"b\\c'}),
        ('oct="\\101\\102"', {"oct": "AB"}),
        ('half="open', {"half": '"open'}),
        ("a=1; a=2", {"a": "2"}),
        ("eq=a=b", {"eq": "a=b"}),
        ("  spaced  =  value  ", {"spaced": "value"}),
        ("", {}),
    ],
)
def test_cookie_parser_tolerates_what_browsers_send(header: str, expected: dict[str, str]) -> None:
    assert cookie_parser(header) == expected


@given(st.text())
def test_cookie_parser_never_raises(header: str) -> None:
    assert isinstance(cookie_parser(header), dict)


def test_session_auth_user_need_their_middleware() -> None:
    request = Request(http_scope())
    with pytest.raises(AssertionError, match="SessionMiddleware must be installed"):
        _ = request.session
    with pytest.raises(AssertionError, match="AuthenticationMiddleware must be installed"):
        _ = request.auth
    with pytest.raises(AssertionError, match="AuthenticationMiddleware must be installed"):
        _ = request.user
    scope = http_scope(session={"a": 1}, auth="creds", user="alice", app="the app")
    request = Request(scope)
    assert request.session == {"a": 1}
    assert request.auth == "creds"
    assert request.user == "alice"
    assert request.app == "the app"


def test_state_is_shared_through_the_scope() -> None:
    scope = http_scope(state={"db": "conn"})
    request = Request(scope)
    assert request.state.db == "conn"
    request.state.extra = 1
    assert scope["state"]["extra"] == 1
    assert Request(http_scope()).state is not None


def test_url_for_uses_the_router_in_scope() -> None:
    class Router:
        def url_path_for(self, name: str, /, **params: Any) -> URLPath:
            return URLPath(f"/{name}/{params['id']}", protocol="http")

    scope = http_scope(router=Router(), server=("example.org", 80), scheme="http")
    assert Request(scope).url_for("item", id=3) == "http://example.org/item/3"
    with pytest.raises(RuntimeError, match="needs a router or app"):
        Request(http_scope()).url_for("item")


async def test_body_arrives_in_chunks_and_is_cached() -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b"hel", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"lo"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    request = Request(http_scope(method="POST"), receive)
    assert await request.body() == b"hello"
    assert await request.body() == b"hello"
    assert [chunk async for chunk in request.stream()] == [b"hello", b""]


async def test_stream_skips_empty_chunks_until_the_last() -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    request = Request(http_scope(method="POST"), receive)
    assert [chunk async for chunk in request.stream()] == [b"ab", b"c", b""]


async def test_streaming_twice_is_a_clear_error() -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"x"}

    request = Request(http_scope(method="POST"), receive)
    assert [chunk async for chunk in request.stream()] == [b"x", b""]
    with pytest.raises(RuntimeError, match="already streamed"):
        await request.body()


async def test_the_body_read_once_is_read_again_by_every_request_over_the_scope() -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"once"}]

    async def receive() -> Message:
        # Called again, a server would wait until the client leaves: here it fails at once.
        return messages.pop(0)

    scope = http_scope(method="POST")
    assert await Request(scope, receive).body() == b"once"
    later = Request(scope, receive)
    assert await later.body() == b"once"
    assert [chunk async for chunk in later.stream()] == [b"once", b""]


async def test_a_body_streamed_away_fails_at_once_for_a_later_request() -> None:
    messages: list[Message] = [{"type": "http.request", "body": b"gone"}]

    async def receive() -> Message:
        return messages.pop(0)  # called again, a server would wait until the client leaves

    scope = http_scope(method="POST")
    assert [chunk async for chunk in Request(scope, receive).stream()] == [b"gone", b""]
    for read in (Request(scope, receive).body, Request(scope, receive).json):
        with pytest.raises(RuntimeError, match="Stream consumed"):
            await read()


async def test_an_exception_handler_reads_the_body_the_endpoint_read() -> None:
    async def endpoint(request: Request) -> Response:
        await request.json()
        raise ValueError("the endpoint failed")

    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(b"the handler saw " + await request.body())

    routes = [Route("/", endpoint, methods=["POST"])]
    app = App(routes=routes, exception_handlers={ValueError: handler})
    with anyio.fail_after(5):
        sent = await serve(app, http_scope(method="POST"), b'{"a": 1}')
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'the handler saw {"a": 1}'


async def test_disconnect_while_reading_body_raises_client_disconnect() -> None:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    request = Request(http_scope(method="POST"), receive)
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected()


async def test_unknown_messages_while_streaming_are_skipped() -> None:
    messages: list[Message] = [{"type": "http.unknown"}, {"type": "http.request", "body": b"ok"}]

    async def receive() -> Message:
        return messages.pop(0)

    assert await Request(http_scope(), receive).body() == b"ok"


def test_json_body(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            data = await request.json()
            response: Response = JSONResponse({"got": data, "again": await request.json()})
        except HTTPException as exc:
            response = PlainTextResponse(exc.detail, status_code=exc.status_code)
        await response(scope, receive, send)

    client = test_client_factory(app)
    assert client.post("/", json={"a": [1, 2]}).json() == {
        "got": {"a": [1, 2]},
        "again": {"a": [1, 2]},
    }
    # The client sent a truncated JSON document.
    response = client.post("/", content=b'{"a": ')
    assert response.status_code == 400
    assert response.text.startswith("Malformed JSON body")
    # The client sent bytes that are not UTF-8.
    assert client.post("/", content=b"\xff\xfe").status_code == 400


async def test_is_disconnected_does_not_wait() -> None:
    sender, receiver = anyio.create_memory_object_stream[Message]()
    with sender, receiver:  # nothing is ever sent: receive() would wait forever
        request = Request(http_scope(), receiver.receive)
        assert not await request.is_disconnected()


async def test_is_disconnected_sees_a_ready_disconnect() -> None:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    assert await Request(http_scope(), receive).is_disconnected()


async def test_request_without_channels_says_so() -> None:
    request = Request(http_scope())
    with pytest.raises(RuntimeError, match="Receive channel has not been made available"):
        await request.body()
    with pytest.raises(RuntimeError, match="Send channel has not been made available"):
        await request._send({})
    assert request.receive is not None


async def test_push_promise_only_where_supported() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"accept", b"text/html"), (b"x-other", b"no")]
    await Request(http_scope(headers=headers), send=send).send_push_promise("/style.css")
    assert sent == []
    scope = http_scope(headers=headers, extensions={"http.response.push": {}})
    await Request(scope, send=send).send_push_promise("/style.css")
    assert sent == [
        {"type": "http.response.push", "path": "/style.css", "headers": [(b"accept", b"text/html")]}
    ]


async def test_early_hints_only_where_supported() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await Request(http_scope(), send=send).send_early_hints("</a.css>; rel=preload")
    assert sent == []
    scope = http_scope(extensions={"http.response.early_hint": {}})
    await Request(scope, send=send).send_early_hints("</a.css>; rel=preload", "</b.js>; rel=x")
    assert sent == [
        {"type": "http.response.early_hint", "links": [b"</a.css>; rel=preload", b"</b.js>; rel=x"]}
    ]
    with pytest.raises(RuntimeError, match="Send channel has not been made available"):
        await Request(scope).send_early_hints("</a.css>; rel=preload")


@pytest.mark.parametrize(
    "host",
    [b"[", b"example.org:abc", b"example.org:99999", b"a]:1", b"evil/admin?", b"me@evil", b"a b"],
)
def test_unusable_host_header_falls_back_to_the_server_address(host: bytes) -> None:
    # The client sent a Host header that no URL can hold.
    scope = http_scope(headers=[(b"host", host)], server=("10.1.2.3", 8000), path="/p")
    url = Request(scope).url
    assert url == "http://10.1.2.3:8000/p"
    assert (url.hostname, url.port) == ("10.1.2.3", 8000)


@given(st.binary(max_size=40))
def test_reading_the_url_never_fails_whatever_the_host_header(host: bytes) -> None:
    scope = http_scope(headers=[(b"host", host)], server=("10.1.2.3", 8000))
    url = Request(scope).url
    assert (url.scheme, url.path) == ("http", "/")
    assert url.port is None or 0 <= url.port <= 65535
    assert isinstance(url.hostname, str | None)


def test_deeply_nested_json_is_400(test_client_factory: TestClientFactory) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await Request(scope, receive).json()
        except HTTPException as exc:
            await PlainTextResponse(exc.detail, exc.status_code)(scope, receive, send)

    # The client sent JSON nested deeper than the parser's recursion limit.
    response = test_client_factory(app).post("/", content=b"[" * 100_000)
    assert response.status_code == 400
    assert response.text.startswith("Malformed JSON body")


async def test_two_streams_at_once_share_the_chunks_and_end_together() -> None:
    """Sent: a body in three chunks, read by two streams of one request in turns."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"1", "more_body": True},
        {"type": "http.request", "body": b"2", "more_body": True},
        {"type": "http.request", "body": b"3", "more_body": False},
    ]

    async def receive() -> Message:
        assert messages, "read past the end of the body: this would wait forever"
        return messages.pop(0)

    request = Request({"type": "http", "headers": []}, receive)
    async with aclosing(request.stream()) as first, aclosing(request.stream()) as second:
        chunks = [await anext(first), await anext(second), await anext(first)]
        assert chunks == [b"1", b"2", b"3"]
        assert [await anext(first), await anext(second)] == [b"", b""]
    async with aclosing(request.stream()) as third:
        with pytest.raises(RuntimeError, match="Stream consumed"):
            await anext(third)
