"""Cache policy (RFC 9111 §5.2.2): the CacheControl value, and the innermost declaration of
the app, a mount or router, a resource class or a handler holding for a response."""

from __future__ import annotations

import datetime
from typing import ClassVar

import pytest

from resourceful import App, HTTPResource, Mount, Route, Router
from resourceful.caching import CacheControl, caching
from resourceful.conditional import ETag, Validators
from resourceful.exceptions import HTTPException
from resourceful.responses import PlainTextResponse, Response
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

        def before(self) -> Response:
            return PlainTextResponse("closed for now")

        async def get(self) -> None:
            return None  # pragma: no cover (before responds first)

    with test_client_factory(App(routes=[Route("/closed", Closed)])) as client:
        assert client.get("/closed").headers["cache-control"] == str(SHARED)
