"""TrustedHostMiddleware and HTTPSRedirectMiddleware, alone and inside an App."""

from __future__ import annotations

from contextlib import ExitStack

import anyio
import pytest

from resourceful import App, Middleware, PlainTextResponse, Route, WebSocketRoute
from resourceful.middleware.httpsredirect import HTTPSRedirectMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.testclient import WebSocketDenialResponse
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def home(request: Request) -> Response:
    return PlainTextResponse(f"{request.url}")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("in")
    await websocket.close()


def hosts_app(*middleware: Middleware) -> App:
    return App(
        routes=[Route("/", home), WebSocketRoute("/ws", socket)], middleware=list(middleware)
    )


def trusted(*hosts: str, www_redirect: bool = True) -> App:
    return hosts_app(
        Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts), www_redirect=www_redirect)
    )


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("example.org", True),
        ("EXAMPLE.org:8000", True),
        ("api.example.org", True),
        ("deep.api.example.org", True),
        ("evil.org", False),
        ("example.org.evil.org", False),
        ("notexample.org", False),
        ("", False),
        ("[::1]:8000", True),
        ("[V1.fo]", False),
        ("[v1.fo]", True),
        ("example.org:65536", True),
        # Host headers that are no valid host, however much of them looks allowed.
        ("[::1", False),
        ("[::1]:", False),
        ("[::1].", False),
        ("[::1]:evil", False),
        ("[::1]@attacker", False),
        ("[::1]evil.example.org", False),
        ("[:::]", False),
        ("example.org@evil.org", False),
        ("example.org/x", False),
        ("example org", False),
    ],
)
def test_allowed_hosts(test_client_factory: TestClientFactory, host: str, allowed: bool) -> None:
    client = test_client_factory(trusted("example.org", "*.example.org", "[::1]", "[v1.fo]"))
    # The client sent this Host header.
    response = client.get("/", headers={"host": host})
    if allowed:
        assert response.status_code == 200
    else:
        assert (response.status_code, response.text) == (400, "Invalid host header")


def test_hosts_seen_before_are_checked_as_carefully(
    test_client_factory: TestClientFactory,
) -> None:
    # Allowed Host headers are remembered (up to a bound, as clients choose them); a host
    # refused once stays refused, and more allowed hosts than the bound all pass.
    client = test_client_factory(trusted("*.example.org"))
    for attempt in range(2):
        for number in range(100):
            response = client.get("/", headers={"host": f"site{number}.example.org"})
            assert response.status_code == 200, (attempt, number)
        refused = client.get("/", headers={"host": "site1.example.org.evil.org"})
        assert (refused.status_code, refused.text) == (400, "Invalid host header")


def test_any_host_by_default(test_client_factory: TestClientFactory) -> None:
    inner = PlainTextResponse("inner")
    assert TrustedHostMiddleware(inner).allowed_hosts == ["*"]
    assert TrustedHostMiddleware(inner, ["A.org"]).allowed_hosts == ["a.org"]
    client = test_client_factory(hosts_app(Middleware(TrustedHostMiddleware)))
    assert client.get("/", headers={"host": "anything.example"}).status_code == 200


def test_www_redirect(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(trusted("www.example.org"), follow_redirects=False)
    response = client.get("/path?x=1", headers={"host": "example.org"})
    assert response.status_code == 301
    assert response.headers["location"] == "http://www.example.org/path?x=1"
    no_redirect = test_client_factory(trusted("www.example.org", www_redirect=False))
    assert no_redirect.get("/", headers={"host": "example.org"}).status_code == 400


def test_websockets_from_untrusted_hosts_are_refused(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(trusted("example.org"))
    with client.websocket_connect("ws://example.org/ws") as session:
        assert session.receive_text() == "in"
    with ExitStack() as stack, pytest.raises(WebSocketDenialResponse) as info:
        stack.enter_context(client.websocket_connect("ws://evil.org/ws"))
    assert info.value.status_code == 400


async def test_websocket_refused_by_a_close_without_the_denial_extension() -> None:
    middleware = TrustedHostMiddleware(PlainTextResponse("unreachable"), ["example.org"])
    sent: list[Message] = []
    scope = {"type": "websocket", "path": "/", "headers": [(b"host", b"evil.org")]}
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await middleware(scope, receiver.receive, sent_to(sent))
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


def sent_to(sent: list[Message]) -> Send:
    async def send(message: Message) -> None:
        sent.append(message)

    return send


@pytest.mark.parametrize("pattern", ["example.*", "*example.org", "a.*.org"])
def test_bad_wildcards_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"must be like '\*.example.com'"):
        TrustedHostMiddleware(PlainTextResponse("x"), [pattern])


async def test_lifespan_passes_through_the_host_check() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await TrustedHostMiddleware(inner, ["example.org"])(
            {"type": "lifespan"}, receiver.receive, sender.send
        )
        await HTTPSRedirectMiddleware(inner)({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan", "lifespan"]


@pytest.mark.parametrize(
    ("host", "path", "location"),
    [
        ("example.org", "/a?b=1", "https://example.org/a?b=1"),
        ("example.org:80", "/", "https://example.org/"),
        ("example.org:8080", "/", "https://example.org:8080/"),
        ("[::1]:80", "/", "https://[::1]/"),
    ],
)
def test_https_redirect(
    test_client_factory: TestClientFactory, host: str, path: str, location: str
) -> None:
    app = hosts_app(Middleware(HTTPSRedirectMiddleware))
    client = test_client_factory(app, follow_redirects=False)
    # The client asked over plain http, with this Host header.
    response = client.post(path, headers={"host": host})
    assert response.status_code == 307, "307 keeps the method"
    assert response.headers["location"] == location
    secure = test_client_factory(app, base_url="https://example.org")
    assert secure.get("/").text == "https://example.org/"


@pytest.mark.parametrize(
    ("host", "server", "location"),
    [
        ("example.org:65536", ("example.org", 80), "https://example.org/"),
        ("[:::]", ("::1", 80), "https://[::1]/"),
        ("[:::]", ("::1", 8080), "https://[::1]:8080/"),
        ("example.org:000080", ("other.org", 80), "https://example.org/"),
        ("[:::]", None, None),
        ("example.org:65536", None, None),
    ],
)
def test_https_redirect_of_an_invalid_host_uses_the_server_address(
    test_client_factory: TestClientFactory,
    host: str,
    server: tuple[str, int] | None,
    location: str | None,
) -> None:
    middleware = HTTPSRedirectMiddleware(PlainTextResponse("unused"))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["server"] = server
        await middleware(scope, receive, send)

    client = test_client_factory(app, follow_redirects=False)
    # The client sent a Host header that is no valid host (or a valid one with a long port).
    response = client.get("/", headers={"host": host})
    if location is None:
        assert (response.status_code, response.text) == (400, "Invalid host header")
    else:
        assert (response.status_code, response.headers["location"]) == (307, location)


def test_ws_is_redirected_to_wss(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(hosts_app(Middleware(HTTPSRedirectMiddleware)))
    with ExitStack() as stack, pytest.raises(WebSocketDenialResponse) as info:
        stack.enter_context(client.websocket_connect("ws://example.org/ws"))
    assert (info.value.status_code, info.value.headers["location"]) == (
        307,
        "wss://example.org/ws",
    )
    with client.websocket_connect("wss://example.org/ws") as session:
        assert session.receive_text() == "in"
