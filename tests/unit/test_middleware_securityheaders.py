"""SecurityHeadersMiddleware: defaults, options, and headers the app set itself."""

from __future__ import annotations

from typing import Any

import pytest

from resourceful import App, Middleware, PlainTextResponse, Route, WebSocketRoute
from resourceful.middleware.securityheaders import SecurityHeadersMiddleware, policy_text
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


async def home(request: Request) -> Response:
    return PlainTextResponse("home")


async def framed(request: Request) -> Response:
    # A page that may be framed by its own site, and that sets its own referrer rule.
    return PlainTextResponse(
        "framed", headers={"X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "no-referrer"}
    )


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("in")
    await websocket.close()


def guarded(**options: Any) -> App:
    return App(
        routes=[Route("/", home), Route("/framed", framed), WebSocketRoute("/ws", socket)],
        middleware=[Middleware(SecurityHeadersMiddleware, **options)],
    )


def test_defaults_over_http_leave_out_hsts(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(guarded()).get("/")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    # Browsers ignore HSTS over plain HTTP (RFC 6797 8.1), so it is not sent there.
    assert "strict-transport-security" not in response.headers
    assert "content-security-policy" not in response.headers
    assert "permissions-policy" not in response.headers


def test_hsts_over_https(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(guarded(), base_url="https://testserver")
    response = client.get("/")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    client = test_client_factory(
        guarded(hsts_max_age=600, hsts_include_subdomains=False, hsts_preload=True),
        base_url="https://testserver",
    )
    assert client.get("/").headers["strict-transport-security"] == "max-age=600; preload"
    client = test_client_factory(guarded(hsts_max_age=None), base_url="https://testserver")
    assert "strict-transport-security" not in client.get("/").headers


def test_headers_the_app_set_are_kept(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(guarded()).get("/framed")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]
    assert response.headers["x-content-type-options"] == "nosniff"
    only_own = guarded(
        referrer_policy=None, cross_origin_opener_policy=None, content_type_options=False
    )
    response = test_client_factory(only_own).get("/framed")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]


def test_content_security_policy_gets_frame_ancestors(
    test_client_factory: TestClientFactory,
) -> None:
    policy = {
        "default-src": "'self'",
        "img-src": ["'self'", "data:"],
        "upgrade-insecure-requests": [],
    }
    response = test_client_factory(guarded(content_security_policy=policy)).get("/")
    assert response.headers["content-security-policy"] == (
        "default-src 'self'; img-src 'self' data:; upgrade-insecure-requests; "
        "frame-ancestors 'none'"
    )
    own = "default-src 'self'; frame-ancestors https://partner.example"
    response = test_client_factory(
        guarded(content_security_policy=own, frame_options="sameorigin")
    ).get("/")
    assert response.headers["content-security-policy"] == own
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    response = test_client_factory(
        guarded(content_security_policy="", frame_options="SAMEORIGIN")
    ).get("/")
    assert response.headers["content-security-policy"] == "frame-ancestors 'self'"


def test_every_header_can_be_turned_off_or_set(test_client_factory: TestClientFactory) -> None:
    app = guarded(
        frame_options=None,
        referrer_policy=None,
        cross_origin_opener_policy=None,
        content_type_options=False,
        content_security_policy="default-src 'self'",
        content_security_policy_report_only="script-src 'none'",
        permissions_policy="camera=()",
    )
    headers = test_client_factory(app).get("/").headers
    for name in (
        "x-frame-options",
        "referrer-policy",
        "cross-origin-opener-policy",
        "x-content-type-options",
    ):
        assert name not in headers
    assert headers["content-security-policy"] == "default-src 'self'"
    assert headers["content-security-policy-report-only"] == "script-src 'none'"
    assert headers["permissions-policy"] == "camera=()"


def test_websockets_pass_untouched(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(guarded()).websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "in"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frame_options": "ALLOW-FROM x"}, "frame_options must be 'DENY', 'SAMEORIGIN' or None"),
        ({"hsts_max_age": -1}, "hsts_max_age must be 0 or more seconds"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SecurityHeadersMiddleware(App(), **options)


def test_policy_text() -> None:
    assert policy_text("default-src 'self'") == "default-src 'self'"
    assert policy_text({"script-src": ("'self'", "https://cdn.example")}) == (
        "script-src 'self' https://cdn.example"
    )
