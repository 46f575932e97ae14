"""Cache policy (RFC 9111 §5.2.2): the CacheControl value, and the innermost declaration of
the app, a mount or router, a resource class or a handler holding for a response."""

from __future__ import annotations

import datetime
from typing import ClassVar

import pytest

from resourceful import App, HTTPResource, Middleware, Mount, Route, Router
from resourceful.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from resourceful.caching import CacheControl, caching, keep_private
from resourceful.conditional import ETag, Validators
from resourceful.datastructures import MutableHeaders
from resourceful.exceptions import HTTPException
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from tests.conftest import TestClientFactory

PRIVATE = CacheControl(private=True, max_age=0, must_revalidate=True)
SHARED = CacheControl(public=True, max_age=60)
FOREVER = CacheControl(public=True, max_age=31_536_000, immutable=True)
NEVER = CacheControl(no_store=True)


def test_the_header_value_lists_each_directive() -> None:
    assert str(PRIVATE) == "max-age=0, private, must-revalidate"
    assert str(FOREVER) == "max-age=31536000, public, immutable"
    every = CacheControl(
        s_maxage=10,
        no_cache=True,
        proxy_revalidate=True,
        stale_while_revalidate=5,
        stale_if_error=86400,
    )
    assert str(every) == (
        "s-maxage=10, no-cache, proxy-revalidate, stale-while-revalidate=5, stale-if-error=86400"
    )


def test_a_policy_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be public and private at once"):
        CacheControl(public=True, private=True)
    with pytest.raises(ValueError, match=r"CacheControl\(max_age=-1\): a number of seconds"):
        CacheControl(max_age=-1)
    with pytest.raises(ValueError, match=r"CacheControl\(\) says nothing"):
        CacheControl()


async def page() -> PlainTextResponse:
    return PlainTextResponse("page")


@caching(FOREVER)
async def logo() -> PlainTextResponse:
    return PlainTextResponse("logo")


async def own() -> PlainTextResponse:
    return PlainTextResponse("own", headers={"cache-control": "no-cache"})


async def missing() -> None:
    raise HTTPException(404)


async def gone() -> Response:
    return PlainTextResponse("gone", status_code=410)


class Profile(HTTPResource):
    cache_control: ClassVar = PRIVATE

    async def get(self) -> str:
        return "profile"

    @caching(NEVER)
    async def post(self) -> str:
        return "posted"


class Board(HTTPResource):
    """Declares nothing: its mount's policy holds."""

    def validators(self) -> Validators:
        return Validators(ETag("b1"), datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc))

    async def get(self) -> str:
        return "board"

    @caching(SHARED)
    async def delete(self) -> None:
        return None


def policy_app() -> App:
    api = Router([Route("/board", Board)], cache_control=NEVER)
    return App(
        routes=[
            Route("/", page),
            Route("/logo", logo),
            Route("/own", own),
            Route("/missing", missing),
            Route("/gone", gone),
            Route("/profile", Profile, methods=["GET", "POST"]),
            Mount(
                "/shared", routes=[Route("/", page), Route("/board", Board)], cache_control=SHARED
            ),
            Mount("/api", app=api, cache_control=SHARED),
        ],
        cache_control=PRIVATE,
    )


def test_the_innermost_policy_holds(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(policy_app()) as client:
        assert client.get("/").headers["cache-control"] == str(PRIVATE), "the app's"
        assert client.head("/").headers["cache-control"] == str(PRIVATE)
        assert client.get("/logo").headers["cache-control"] == str(FOREVER), "the handler's"
        assert client.get("/profile").headers["cache-control"] == str(PRIVATE), "the class's"
        assert client.get("/shared/").headers["cache-control"] == str(SHARED), "the mount's"
        assert client.get("/shared/board").headers["cache-control"] == str(SHARED)
        # The router a mount mounts is inside the mount: its policy wins.
        assert client.get("/api/board").headers["cache-control"] == str(NEVER)


def test_a_policy_leaves_alone_what_it_should(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(policy_app()) as client:
        assert client.get("/own").headers["cache-control"] == "no-cache", "the handler's own"
        # An error, and the responses to methods that change the resource, get no policy.
        assert "cache-control" not in client.get("/missing").headers
        assert "cache-control" not in client.get("/gone").headers
        assert "cache-control" not in client.post("/profile").headers
        assert "cache-control" not in client.delete("/shared/board").headers


def test_a_304_carries_the_policy_the_200_would(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(policy_app()) as client:
        fresh = client.get("/shared/board", headers={"if-none-match": '"b1"'})
    assert (fresh.status_code, fresh.headers["cache-control"]) == (304, str(SHARED))
    assert fresh.headers["etag"] == '"b1"'


def test_no_policy_no_header(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/", page), Route("/profile", Profile)])
    with test_client_factory(app) as client:
        assert "cache-control" not in client.get("/").headers
        assert client.get("/profile").headers["cache-control"] == str(PRIVATE)


def test_a_before_hooks_response_gets_the_policy(test_client_factory: TestClientFactory) -> None:
    class Closed(HTTPResource):
        cache_control: ClassVar = SHARED

        def before(self, request: Request) -> Response | None:
            closed = "closed" in request.query_params
            return PlainTextResponse("closed for now") if closed else None

        async def get(self) -> str:
            return "open"

    with test_client_factory(App(routes=[Route("/closed", Closed)])) as client:
        closed = client.get("/closed?closed")
        assert (closed.text, closed.headers["cache-control"]) == ("closed for now", str(SHARED))
        assert client.get("/closed").json() == "open"


def test_keep_private_adds_to_what_is_there_unless_decided() -> None:
    cases = {
        None: "private",
        "max-age=60": "max-age=60, private",
        "private, no-cache": "private, no-cache",
        "public, max-age=60": "public, max-age=60",
        "no-store": "no-store",
        "max-age=60, s-maxage=600": "max-age=60, s-maxage=600",
        "private, max-age=0": "private, max-age=0",
    }
    for given, expected in cases.items():
        headers = MutableHeaders({} if given is None else {"cache-control": given})
        keep_private(headers)
        assert headers["cache-control"] == expected, given
    # no-store says it alone, as the other directives mean nothing beside it.
    headers = MutableHeaders({"cache-control": "private, no-cache"})
    keep_private(headers, no_store=True)
    assert headers["cache-control"] == "no-store"
    headers = MutableHeaders({"cache-control": "public, max-age=60"})
    keep_private(headers, no_store=True)
    assert headers["cache-control"] == "public, max-age=60"


class HeaderUser(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


async def visits(request: Request) -> PlainTextResponse:
    if "count" in request.query_params:
        request.session["count"] = request.session.get("count", 0) + 1
    return PlainTextResponse(str(request.session.get("count", 0)))


@caching(SHARED)
async def shared_visits(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(request.session.get("count", 0)))


def test_what_depends_on_the_session_or_the_user_is_kept_from_shared_caches(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(
        routes=[Route("/", page), Route("/visits", visits), Route("/shared", shared_visits)],
        middleware=[
            Middleware(SessionMiddleware, secret_key="test"),
            Middleware(AuthenticationMiddleware, backend=HeaderUser()),
        ],
    )
    with test_client_factory(app) as client:
        assert "cache-control" not in client.get("/").headers, "nothing personal"
        counted = client.get("/visits?count")
        assert counted.headers["cache-control"] == "no-store", "it sets the session cookie"
        read = client.get("/visits")
        assert (read.headers["cache-control"], read.headers["vary"]) == ("private", "Cookie")
        assert client.get("/shared").headers["cache-control"] == str(SHARED), "declared public"
        assert client.get("/", headers={"user": "ann"}).headers["cache-control"] == "private"


async def with_cookie(request: Request) -> PlainTextResponse:
    response = PlainTextResponse("hello")
    response.set_cookie("seen", "yes")
    return response


@caching(SHARED)
async def shared_with_cookie(request: Request) -> PlainTextResponse:
    return await with_cookie(request)


def cookie_setting(app: ASGIApp) -> ASGIApp:
    """A middleware of the app's own that sets a cookie on every response."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", "tracked=1")
            await send(message)

        await app(scope, receive, send_with_cookie)

    return wrapped


@pytest.mark.parametrize("max_body_size", [1024, None])
def test_a_response_that_sets_a_cookie_is_kept_from_shared_caches(
    test_client_factory: TestClientFactory, max_body_size: int | None
) -> None:
    routes = [
        Route("/", page),
        Route("/cookie", with_cookie),
        Route("/shared", shared_with_cookie),
        Route("/visits", visits),
    ]
    app = App(routes=routes, max_body_size=max_body_size, max_upload_size=max_body_size)
    with test_client_factory(app) as client:
        assert "cache-control" not in client.get("/").headers, "no cookie"
        assert client.get("/cookie").headers["cache-control"] == "private"
        assert client.get("/shared").headers["cache-control"] == str(SHARED), "declared public"
    # A cookie set by the app's own middleware, with a session whose cookie is set too.
    app = App(
        routes=routes,
        middleware=[Middleware(cookie_setting), Middleware(SessionMiddleware, secret_key="t")],
        max_body_size=max_body_size,
        max_upload_size=max_body_size,
    )
    with test_client_factory(app) as client:
        assert client.get("/").headers["cache-control"] == "private"
        assert client.get("/visits?count").headers["cache-control"] == "no-store"


def test_the_toolkit_alone_adds_no_cache_policy(test_client_factory: TestClientFactory) -> None:
    async def plain(scope: Scope, receive: Receive, send: Send) -> None:
        scope["session"]["seen"] = True
        await PlainTextResponse("seen")(scope, receive, send)

    client = test_client_factory(SessionMiddleware(plain, secret_key="test"))
    assert "cache-control" not in client.get("/").headers
    response = PlainTextResponse("hello")
    response.set_cookie("seen", "yes")
    assert "cache-control" not in test_client_factory(response).get("/").headers
