"""CORSMiddleware: preflights, simple requests, credentials and Vary."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from resourceful import App, Middleware, PlainTextResponse, Route, WebSocketRoute
from resourceful.middleware.cors import CORSMiddleware
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def home(request: Request) -> Response:
    return PlainTextResponse("home", headers={"x-total": "3"})


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def cors_app(**options: Any) -> App:
    return App(
        routes=[Route("/", home, methods=["GET", "POST"]), WebSocketRoute("/ws", socket)],
        middleware=[Middleware(CORSMiddleware, **options)],
    )


def preflight(origin: str, method: str = "GET", headers: str | None = None) -> dict[str, str]:
    request_headers = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        request_headers["access-control-request-headers"] = headers
    return request_headers


def test_allow_all_origins_without_credentials(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        cors_app(
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Total"],
        )
    )
    simple = client.get("/", headers={"origin": "https://a.example"})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert simple.headers["access-control-expose-headers"] == "X-Total"
    assert simple.headers["vary"] == "Origin", "whether CORS headers come depends on Origin"
    response = client.options(
        "/", headers=preflight("https://a.example", "DELETE", "X-Custom, X-Other")
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert (
        response.headers["access-control-allow-methods"]
        == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
    )
    assert response.headers["access-control-allow-headers"] == "X-Custom, X-Other"
    assert response.headers["access-control-max-age"] == "600"
    bare = client.options("/", headers=preflight("https://a.example"))
    assert "access-control-allow-headers" not in bare.headers


PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


def test_credentials_never_get_a_star(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(cors_app(allow_origins=["*"], allow_credentials=True))
    simple = client.get("/", headers={"origin": "https://a.example"})
    assert simple.headers["access-control-allow-origin"] == "https://a.example"
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert simple.headers["vary"] == "Origin"
    response = client.options("/", headers=preflight("https://a.example"))
    assert response.headers["access-control-allow-origin"] == "https://a.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == PREFLIGHT_VARY


def test_specific_origins_and_regex(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        cors_app(
            allow_origins=["https://app.example"],
            allow_origin_regex=r"https://.*\.preview\.example",
            allow_methods=["GET", "POST"],
            allow_headers=["X-Token"],
        )
    )
    ok = client.get("/", headers={"origin": "https://app.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert ok.headers["vary"] == "Origin"
    by_regex = client.get("/", headers={"origin": "https://pr-7.preview.example"})
    assert by_regex.headers["access-control-allow-origin"] == "https://pr-7.preview.example"
    # A different origin still gets the response, but no CORS headers: the browser blocks it.
    other = client.get("/", headers={"origin": "https://evil.example"})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin", "the response depends on the origin"
    good = client.options(
        "/", headers=preflight("https://app.example", "POST", "x-token, content-type")
    )
    assert good.status_code == 200
    assert (
        good.headers["access-control-allow-headers"]
        == "Accept, Accept-Language, Content-Language, Content-Type, X-Token"
    )


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        ("https://evil.example", "GET", None, "Disallowed CORS origin"),
        ("https://app.example", "DELETE", None, "Disallowed CORS method"),
        ("https://app.example", "GET", "X-Secret", "Disallowed CORS headers"),
        ("https://evil.example", "PUT", "X-Secret", "Disallowed CORS origin, method, headers"),
    ],
)
def test_disallowed_preflights_are_400_with_the_reason(
    test_client_factory: TestClientFactory,
    origin: str,
    method: str,
    headers: str | None,
    reason: str,
) -> None:
    client = test_client_factory(
        cors_app(allow_origins=["https://app.example"], allow_headers=["X-Token"])
    )
    # The browser asked to send this cross-origin request.
    response = client.options("/", headers=preflight(origin, method, headers))
    assert (response.status_code, response.text) == (400, reason)


def test_requests_without_origin_pass_through(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(cors_app(allow_origins=["*"]))
    response = client.get("/")
    assert "access-control-allow-origin" not in response.headers
    # An OPTIONS without the preflight header is an ordinary request for the app.
    assert client.options("/", headers={"origin": "https://a.example"}).status_code == 405
    with client.websocket_connect("/ws"):
        pass


async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await CORSMiddleware(inner)({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan"]


@pytest.mark.parametrize(("allow", "status", "granted"), [(True, 200, "true"), (False, 400, None)])
def test_private_network_access_needs_consent(
    test_client_factory: TestClientFactory, allow: bool, status: int, granted: str | None
) -> None:
    client = test_client_factory(
        cors_app(allow_origins=["https://a.example"], allow_private_network=allow)
    )
    # A public page asks before it calls an app on a private network.
    headers = {**preflight("https://a.example"), "access-control-request-private-network": "true"}
    response = client.options("/", headers=headers)
    assert response.status_code == status
    assert response.headers.get("access-control-allow-private-network") == granted
    assert response.headers["vary"] == PREFLIGHT_VARY
    if not allow:
        assert response.text == "Disallowed CORS private-network"


def test_vary_origin_joins_every_vary_header(test_client_factory: TestClientFactory) -> None:
    async def varied(scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("x", headers={"vary": "Accept-Encoding"})
        response.headers.append("vary", "Accept-Language")
        await response(scope, receive, send)

    client = test_client_factory(CORSMiddleware(varied, allow_origins=["*"]))
    for headers in ({"origin": "https://a.example"}, {}):
        response = client.get("/", headers=headers)
        assert response.headers["vary"] == "Accept-Encoding, Accept-Language, Origin"


def test_cors_headers_of_the_app_are_replaced_not_repeated(
    test_client_factory: TestClientFactory,
) -> None:
    async def own(scope: Scope, receive: Receive, send: Send) -> None:
        headers = {"access-control-allow-origin": "https://other.example", "x-kept": "1"}
        await PlainTextResponse("x", headers=headers)(scope, receive, send)

    client = test_client_factory(
        CORSMiddleware(own, allow_origins=["https://a.example"], allow_credentials=True)
    )
    response = client.get("/", headers={"origin": "https://a.example"})
    assert response.headers.get_list("access-control-allow-origin") == ["https://a.example"]
    assert response.headers["access-control-allow-credentials"] == "true"
    assert (response.headers["vary"], response.headers["x-kept"]) == ("Origin", "1")


def test_responses_to_allowed_origins_get_exactly_the_cors_headers(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(cors_app(allow_origins=["https://a.example"]))
    response = client.get("/", headers={"origin": "https://a.example"})
    names = [name for name in response.headers if name not in ("content-length", "content-type")]
    assert names == ["x-total", "access-control-allow-origin", "vary"]
    assert response.headers["access-control-allow-origin"] == "https://a.example"
    other = client.get("/", headers={"origin": "https://b.example"})
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin"


def test_a_response_started_without_headers_gets_them(
    test_client_factory: TestClientFactory,
) -> None:
    async def bare(scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI lets the start message leave out its headers.
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"bare"})

    client = test_client_factory(CORSMiddleware(bare, allow_origins=["*"]))
    response = client.get("/", headers={"origin": "https://a.example"})
    assert (response.status_code, response.text) == (200, "bare")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["vary"] == "Origin"
