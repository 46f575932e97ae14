"""Every battery middleware in one App, in the order a real site would use."""

from __future__ import annotations

from resourceful import App, HTTPResource, Middleware, Mount, PlainTextResponse, Route
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
    requires,
)
from resourceful.exceptions import HTTPException
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.base import BaseHTTPMiddleware, CallNext
from resourceful.middleware.cors import CORSMiddleware
from resourceful.middleware.csrf import CSRFMiddleware, csrf_token
from resourceful.middleware.gzip import GZipMiddleware
from resourceful.middleware.httpsredirect import HTTPSRedirectMiddleware
from resourceful.middleware.sessions import Session, SessionMiddleware
from resourceful.middleware.trustedhost import TrustedHostMiddleware
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from tests.conftest import TestClientFactory


class SessionUser(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        name = conn.session.get("user")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


class Stamp(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-stamp"] = "1"
        return response


class Login(HTTPResource):
    async def get(self, request: Request) -> Response:
        return PlainTextResponse(csrf_token(request))

    async def post(self, session: Session) -> None:
        session["user"] = "ann"


@requires("authenticated")
class Report(HTTPResource):
    async def get(self, user: BaseUser) -> Response:
        return PlainTextResponse(f"report for {user.display_name}\n" * 100)


def site() -> App:
    return App(
        routes=[Route("/login", Login), Route("/report", Report)],
        middleware=[
            Middleware(HTTPSRedirectMiddleware),
            Middleware(TrustedHostMiddleware, allowed_hosts=["example.org"]),
            Middleware(CORSMiddleware, allow_origins=["https://app.example.org"]),
            Middleware(GZipMiddleware),
            Middleware(SessionMiddleware, secret_key="sessions", https_only=True),
            Middleware(AuthenticationMiddleware, backend=SessionUser()),
            Middleware(CSRFMiddleware, secret_key="csrf"),
            Middleware(Stamp),
        ],
    )


def test_a_full_visit_through_the_stack(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(site(), base_url="https://example.org")
    assert client.get("/report").status_code == 403
    token = client.get("/login").text
    # A cross-site form post without the token is refused.
    assert client.post("/login").status_code == 403
    assert client.post("/login", headers={"x-csrf-token": token}).status_code == 204
    report = client.get(
        "/report",
        headers={"accept-encoding": "gzip", "origin": "https://app.example.org"},
    )
    assert report.text.startswith("report for ann")
    assert report.headers["content-encoding"] == "gzip"
    assert report.headers["access-control-allow-origin"] == "https://app.example.org"
    assert report.headers["x-stamp"] == "1"
    assert "Accept-Encoding" in report.headers["vary"]


def test_the_stack_refuses_what_it_should(test_client_factory: TestClientFactory) -> None:
    plain = test_client_factory(site(), base_url="http://example.org", follow_redirects=False)
    assert plain.get("/report").headers["location"] == "https://example.org/report"
    spoofed = test_client_factory(site(), base_url="https://evil.org")
    assert spoofed.get("/login").status_code == 400


class Tagging:
    """Adds ``X-Tag: <name>`` to every response that passes through it."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-tag", self.name.encode())]
            await send(message)

        await self.app(scope, receive, tagged)


async def forbidden(request: Request) -> Response:
    raise HTTPException(403, "no")


async def crash(request: Request) -> Response:
    raise RuntimeError("crash")


async def gone(request: Request) -> Response:
    raise KeyError("gone")


def test_middleware_of_a_mount_or_route_sees_the_handled_error(
    test_client_factory: TestClientFactory,
) -> None:
    """An HTTPException (or one with a handler) gets its response inside the mount's or route's
    middleware, so it sees the response; an error nothing handles still reaches the server."""
    app = App(
        routes=[
            Mount(
                "/mount",
                routes=[
                    Route("/no", forbidden),
                    Route("/crash", crash),
                    Route("/gone", gone),
                    Route("/ok", lambda request: PlainTextResponse("ok")),
                ],
                middleware=[Middleware(Tagging, name="mount")],
            ),
            Route("/route", forbidden, middleware=[Middleware(Tagging, name="route")]),
        ],
        exception_handlers={LookupError: lambda request, exc: PlainTextResponse("gone", 410)},
    )
    client = test_client_factory(app, raise_server_exceptions=False)

    for path, status, tag in [("/mount/no", 403, "mount"), ("/route", 403, "route")]:
        response = client.get(path)
        assert (response.status_code, response.headers["x-tag"]) == (status, tag)
    response = client.get("/mount/gone")
    assert (response.status_code, response.text, response.headers["x-tag"]) == (
        410,
        "gone",
        "mount",
    )
    assert client.get("/mount/ok").headers["x-tag"] == "mount"
    crashed = client.get("/mount/crash")
    assert crashed.status_code == 500
    assert "x-tag" not in crashed.headers
