"""The one request lifecycle: function endpoints and resources get the same steps around
their handlers (requirements, injection, hooks, the response, teardown)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from resourceful import App, HTTPResource, Request, Route
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    SimpleUser,
    requires,
)
from resourceful.middleware import Middleware
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.requests import HTTPConnection
from resourceful.responses import PlainTextResponse
from tests.conftest import TestClientFactory

events: list[str] = []


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


class HeaderAuth(AuthenticationBackend):
    """Signs in whoever sends ``X-User``, with the scopes listed in ``X-Scopes``."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        user = conn.headers.get("x-user")
        if user is None:
            return None
        return AuthCredentials(conn.headers.get("x-scopes", "").split()), SimpleUser(user)


def passing_on(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """A decorator of the kind that hides its function behind ``(*args, **kwargs)``."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        events.append("wrapped")
        return await func(*args, **kwargs)

    # The signature is the wrapper's own, not one functools.wraps copied over.
    del wrapper.__wrapped__
    vars(wrapper).pop("__signature__", None)
    return wrapper


async def nothing() -> dict[str, str]:
    return {"took": "nothing"}


@passing_on
@requires("admin")
async def guarded(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.user.display_name}")


@passing_on
@requires("admin", redirect="login")
async def redirecting(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello admin")


async def login(request: Request) -> PlainTextResponse:
    return PlainTextResponse("login page")


class Lazy(HTTPResource):
    async def get(self) -> dict[str, Any]:
        # The lifecycle gave it no request; the first read makes one, and keeps it.
        first = self.request
        return {"path": first.url.path, "kept": self.request is first}


class Guarded(HTTPResource):
    @requires("admin")
    async def get(self) -> PlainTextResponse:
        return PlainTextResponse(f"hello {self.request.user.display_name}")


class TakesTheRequest(HTTPResource):
    async def get(self, request: Request) -> dict[str, bool]:
        return {"same": request is self.request}


class OwnConstructor(HTTPResource):
    def __init__(self, scope: Any, receive: Any, send: Any) -> None:
        super().__init__(scope, receive, send)
        self.seen_path = self.request.url.path  # read before the lifecycle could give one

    async def get(self, request: Request, limit: int = 1) -> dict[str, Any]:
        return {"path": self.seen_path, "same": request is self.request, "limit": limit}


def make_app() -> App:
    return App(
        routes=[
            Route("/nothing", nothing),
            Route("/guarded", guarded),
            Route("/redirecting", redirecting),
            Route("/login", login, name="login"),
            Route("/lazy", Lazy),
            Route("/guarded-resource", Guarded),
            Route("/takes-request", TakesTheRequest),
            Route("/own", OwnConstructor),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=HeaderAuth())],
    )


def test_a_function_that_takes_nothing_is_called(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/nothing").json() == {"took": "nothing"}


def test_a_wrapped_function_still_checks_its_requirements_first(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(make_app()) as client:
        # Sent without the admin scope: refused before the wrapper runs.
        assert client.get("/guarded", headers={"X-User": "ann"}).status_code == 403
        assert events == []
        response = client.get("/guarded", headers={"X-User": "ann", "X-Scopes": "admin"})
    assert (response.status_code, response.text) == (200, "hello ann")
    assert events == ["wrapped"]
    with test_client_factory(make_app(), follow_redirects=False) as client:
        # Sent without the admin scope to a handler that sends such clients to log in.
        redirect = client.get("/redirecting", headers={"X-User": "ann"})
    assert (redirect.status_code, redirect.headers["location"].split("?")[0]) == (
        303,
        "http://testserver/login",
    )
    assert events == ["wrapped"], "the handler never ran"
    with test_client_factory(make_app()) as client:
        followed = client.get("/redirecting", headers={"X-User": "ann"})
        admitted = client.get("/redirecting", headers={"X-User": "ann", "X-Scopes": "admin"})
    assert (followed.text, admitted.text) == ("login page", "hello admin")


def test_a_resource_that_reads_no_request_makes_it_when_first_read(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/lazy").json() == {"path": "/lazy", "kept": True}


def test_a_resource_method_with_requirements_is_refused_before_it_runs(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/guarded-resource").status_code == 403  # sent no user
        response = client.get("/guarded-resource", headers={"X-User": "bo", "X-Scopes": "admin"})
    assert (response.status_code, response.text) == (200, "hello bo")


def test_the_injected_request_is_the_resources_own(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(make_app()) as client:
        assert client.get("/takes-request").json() == {"same": True}
        # A constructor of its own made its request first: that one is injected too.
        assert client.get("/own?limit=3").json() == {"path": "/own", "same": True, "limit": 3}
        # Sent a limit that is no number: a 422, and the resource still serves.
        assert client.get("/own?limit=many").status_code == 422
        assert client.get("/own").json()["limit"] == 1


def test_the_lazy_request_is_documented_on_the_class() -> None:
    assert "made when first read" in str(HTTPResource.request.__doc__)
