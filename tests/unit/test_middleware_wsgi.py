"""WSGIMiddleware: a WSGI app served through ASGI, its environ, streaming and errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from resourceful import App, Mount, Route
from resourceful.middleware.wsgi import StartResponse, WSGIMiddleware, build_environ
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import Message
from resourceful.websockets import WebSocketDisconnect
from tests.conftest import TestClientFactory, no_send, serve

Environ = dict[str, Any]


def echo(environ: Environ, start_response: StartResponse) -> list[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [body]


def where(environ: Environ, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    keys = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_X_TAG", "REQUEST_METHOD")
    return ["|".join(str(environ.get(key)) for key in keys).encode()]


def test_get_and_post_reach_the_wsgi_app(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(echo))

    response = client.post("/", content=b"payload")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == b"payload"
    assert client.get("/").content == b""


def test_a_large_body_is_read_whole(test_client_factory: TestClientFactory) -> None:
    """Sent: a 3 MiB body in 64 KiB pieces, more than is kept in memory."""
    body = bytes(range(256)) * (3 * 4096)

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    response = test_client_factory(WSGIMiddleware(echo)).post("/", content=pieces())

    assert response.content == body


def test_mounted_app_sees_its_script_name(test_client_factory: TestClientFactory) -> None:
    async def home(request: Request) -> Response:
        return PlainTextResponse("asgi")

    app = App(routes=[Route("/", home), Mount("/legacy", app=WSGIMiddleware(where))])
    client = test_client_factory(app)

    assert client.get("/").text == "asgi"
    response = client.get("/legacy/notes/%C3%A9?x=1", headers=[("x-tag", "a"), ("x-tag", "b")])
    assert response.text == "/legacy|/notes/\xc3\xa9|x=1|a,b|GET"


def test_a_header_name_with_an_underscore_is_left_out(
    test_client_factory: TestClientFactory,
) -> None:
    """Sent: ``X_Tag``, which would otherwise pass for ``X-Tag`` (HTTP_X_TAG)."""
    client = test_client_factory(WSGIMiddleware(where))

    assert client.get("/", headers={"x_tag": "forged"}).text == "|/||None|GET"


def test_the_response_streams_piece_by_piece(test_client_factory: TestClientFactory) -> None:
    closed: list[bool] = []

    class Received:
        def __iter__(self) -> Iterator[bytes]:
            yield b""  # an empty piece does not send the headers yet
            yield b"one "
            yield b"two"

        def close(self) -> None:
            closed.append(True)

    def app(environ: Environ, start_response: StartResponse) -> Received:
        start_response("201 Created", [("X-Kind", "stream")])
        return Received()

    with test_client_factory(WSGIMiddleware(app)).stream("GET", "/") as response:
        assert response.status_code == 201
        assert response.headers["x-kind"] == "stream"
        assert list(response.iter_bytes()) == [b"one ", b"two"]
    assert closed == [True]


def test_the_write_callable_sends_body_too(test_client_factory: TestClientFactory) -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        write = start_response("200 OK", [])
        write(b"written, ")
        return [b"returned"]

    assert test_client_factory(WSGIMiddleware(app)).get("/").text == "written, returned"


def test_an_empty_response_still_sends_its_headers(test_client_factory: TestClientFactory) -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    response = test_client_factory(WSGIMiddleware(app)).get("/")

    assert response.status_code == 204
    assert response.content == b""


def test_an_error_of_the_app_reaches_the_server(test_client_factory: TestClientFactory) -> None:
    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        test_client_factory(WSGIMiddleware(app)).get("/")


def error_page(environ: Environ, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [])
    try:
        raise LookupError("missing")
    except LookupError:
        start_response("500 Internal Server Error", [], sys.exc_info())
    return [b"sorry"]


def test_an_error_response_is_sent_and_the_error_raised(
    test_client_factory: TestClientFactory,
) -> None:
    """The app replaces its headers with an error page (exc_info): the client gets the page,
    the server gets the error to log."""
    with pytest.raises(LookupError, match="missing"):
        test_client_factory(WSGIMiddleware(error_page)).get("/")

    client = test_client_factory(WSGIMiddleware(error_page), raise_server_exceptions=False)
    response = client.get("/")
    assert response.status_code == 500
    assert response.text == "sorry"


def test_exc_info_after_the_headers_went_out_raises_in_the_app(
    test_client_factory: TestClientFactory,
) -> None:
    seen: list[BaseException] = []

    def app(environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"half"
        try:
            raise LookupError("late")
        except LookupError:
            try:
                start_response("500 Internal Server Error", [], sys.exc_info())
            except LookupError as error:
                seen.append(error)
                raise

    client = test_client_factory(WSGIMiddleware(app), raise_server_exceptions=False)

    assert client.get("/").content == b"half"
    assert [str(error) for error in seen] == ["late"]


def twice(environ: Environ, start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [])
    start_response("200 OK", [])
    return []  # pragma: no cover (the second call raises)


@pytest.mark.parametrize(
    ("app", "message"),
    [
        (lambda environ, start_response: [b"body"], "without calling start_response"),
        (lambda environ, start_response: [], "without calling start_response"),
        (twice, "a second time"),
    ],
    ids=["body", "nothing", "twice"],
)
def test_a_wsgi_app_that_breaks_the_protocol_is_an_error(
    test_client_factory: TestClientFactory, app: Callable[..., Any], message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        test_client_factory(WSGIMiddleware(app)).get("/")


def test_websocket_is_refused(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(WSGIMiddleware(echo))

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/"):
        pass  # pragma: no cover (the connection is refused before it opens)


async def test_client_that_leaves_mid_body_is_not_served() -> None:
    """Sent: half a body, then the client went away."""
    messages: list[Message] = [
        {"type": "http.request", "body": b"half", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    def app(environ: Environ, start_response: StartResponse) -> list[bytes]:
        raise AssertionError("served")  # pragma: no cover (the test fails if reached)

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"", "headers": []}
    await WSGIMiddleware(app)(scope, receive, no_send)
    assert messages == []


async def test_lifespan_is_left_alone() -> None:
    assert await serve(WSGIMiddleware(echo), {"type": "lifespan"}) == []


@pytest.mark.parametrize(
    ("root_path", "path", "path_info"),
    [
        ("/app", "/app/users", "/users"),
        ("/app", "/app", ""),
        ("/app", "/application", "/application"),
        ("/app/", "/app/users", "users"),
        ("", "/users", "/users"),
    ],
)
def test_path_info_is_the_path_below_the_root_path(
    root_path: str, path: str, path_info: str
) -> None:
    scope = {"method": "GET", "path": path, "root_path": root_path, "query_string": b""}

    environ = build_environ({**scope, "headers": []}, b"")

    assert environ["SCRIPT_NAME"] == root_path
    assert environ["PATH_INFO"] == path_info


def test_environ_follows_pep_3333() -> None:
    scope = {
        "type": "http",
        "http_version": "2",
        "method": "PUT",
        "scheme": "https",
        "path": "/a",
        "query_string": b"q=1",
        "headers": [(b"content-length", b"2"), (b"content-type", b"text/plain")],
        "client": ("10.1.2.3", 5000),
        "server": ("example.org", 8443),
    }

    environ = build_environ(scope, b"hi")

    assert environ.pop("wsgi.input").read() == b"hi"
    assert environ == {
        "REQUEST_METHOD": "PUT",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/a",
        "QUERY_STRING": "q=1",
        "SERVER_NAME": "example.org",
        "SERVER_PORT": "8443",
        "SERVER_PROTOCOL": "HTTP/2",
        "REMOTE_ADDR": "10.1.2.3",
        "CONTENT_LENGTH": "2",
        "CONTENT_TYPE": "text/plain",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    bare = build_environ({"method": "GET", "path": "/", "query_string": b"", "headers": []}, b"")
    assert (bare["SERVER_NAME"], bare["SERVER_PORT"]) == ("localhost", "80")
    assert "REMOTE_ADDR" not in bare
