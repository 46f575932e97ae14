"""Authentication: the middleware, requires() on every endpoint kind, and user injection."""

from __future__ import annotations

import base64
import functools
import inspect
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import anyio
import pytest

from resourceful import (
    App,
    HTTPResource,
    Middleware,
    Mount,
    PlainTextResponse,
    Route,
    Router,
    WebSocketResource,
    WebSocketRoute,
)
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
    SimpleUser,
    UnauthenticatedUser,
    requires,
)
from resourceful.di import DependencyError
from resourceful.exceptions import HTTPException
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import Response
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory

USERS = {
    "ann": ("pw", ["authenticated", "admin"]),
    "bo": ("pw", ["authenticated"]),
    "cy": ("pw", ["admin"]),
}


class BasicAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        header = conn.headers.get("authorization")
        if header is None:
            return None
        scheme, _, encoded = header.partition(" ")
        try:
            name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:
            raise AuthenticationError("Invalid basic auth credentials") from None
        if scheme.lower() != "basic" or name not in USERS or USERS[name][0] != password:
            raise AuthenticationError("Invalid basic auth credentials")
        return AuthCredentials(USERS[name][1]), SimpleUser(name)


def basic(name: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{name}:pw".encode()).decode()}


async def whoami(request: Request) -> Response:
    user = request.user
    return PlainTextResponse(f"{user.display_name or 'anonymous'} {request.auth.scopes}")


@requires("authenticated")
async def private(request: Request) -> Response:
    return PlainTextResponse("private")


@requires(["authenticated", "admin"], status_code=404)
async def hidden(user: BaseUser) -> str:
    return f"admin {user.identity}"


@requires("authenticated", redirect="login")
async def dashboard(request: Request) -> Response:
    return PlainTextResponse("dashboard")


async def login(request: Request) -> Response:
    return PlainTextResponse("login page")


@requires("admin")
class AdminArea(HTTPResource):
    async def get(self, user: BaseUser, credentials: AuthCredentials) -> dict[str, Any]:
        return {"user": user.display_name, "scopes": credentials.scopes}


class Reports(AdminArea):  # inherits the class requirement
    async def post(self) -> str:
        return "report made"


@requires("authenticated", redirect="login")
class Inbox(HTTPResource):
    async def get(self) -> str:
        return "inbox"


class Mixed(HTTPResource):
    async def get(self) -> str:
        return "open"

    @requires("admin")
    async def delete(self) -> None:
        return None


@requires("authenticated")
async def feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.user.display_name)
    await websocket.close()


@requires("admin")
class AdminSocket(WebSocketResource):
    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("admin socket")
        await websocket.close()


def auth_app() -> App:
    return App(
        routes=[
            Route("/whoami", whoami),
            Route("/private", private),
            Route("/hidden", hidden),
            Route("/dashboard", dashboard),
            Route("/login", login, name="login"),
            Route("/admin", AdminArea),
            Route("/reports", Reports),
            Route("/mixed", Mixed),
            Route("/inbox", Inbox),
            WebSocketRoute("/feed", feed),
            WebSocketRoute("/admin-socket", AdminSocket),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth())],
    )


def test_credentials_and_user_reach_the_request(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(auth_app())
    assert client.get("/whoami").text == "anonymous []"
    assert client.get("/whoami", headers=basic("bo")).text == "bo ['authenticated']"


@pytest.mark.parametrize(
    "authorization",
    ["Basic " + base64.b64encode(b"ann:wrong").decode(), "Basic !!!", "Bearer abc"],
    ids=["wrong-password", "not-base64", "other-scheme"],
)
def test_wrong_credentials_are_400(
    test_client_factory: TestClientFactory, authorization: str
) -> None:
    client = test_client_factory(auth_app())
    # The client sent credentials that do not check out.
    response = client.get("/whoami", headers={"authorization": authorization})
    assert (response.status_code, response.text) == (400, "Invalid basic auth credentials")


def test_requires_on_functions(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(auth_app(), follow_redirects=False)
    assert client.get("/private").status_code == 403
    assert client.get("/private", headers=basic("bo")).text == "private"
    assert client.get("/hidden", headers=basic("bo")).status_code == 404
    assert client.get("/hidden", headers=basic("ann")).json() == "admin ann"
    redirect = client.get("/dashboard?tab=1")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == (
        "http://testserver/login?next=http%3A%2F%2Ftestserver%2Fdashboard%3Ftab%3D1"
    )
    assert client.get("/dashboard", headers=basic("bo")).text == "dashboard"


def test_requires_redirects_from_a_router_without_an_app(
    test_client_factory: TestClientFactory,
) -> None:
    router = Router(routes=[Route("/dashboard", dashboard), Route("/login", login, name="login")])
    app = AuthenticationMiddleware(router, backend=BasicAuth())
    client = test_client_factory(app, follow_redirects=False)
    # Sent without credentials: sent to the login page, the handler never ran.
    redirect = client.get("/dashboard")
    assert (redirect.status_code, redirect.headers["location"]) == (
        303,
        "http://testserver/login?next=http%3A%2F%2Ftestserver%2Fdashboard",
    )
    assert client.get("/dashboard", headers=basic("bo")).text == "dashboard"


def test_requires_on_resource_classes_and_methods(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(auth_app())
    assert client.get("/admin", headers=basic("bo")).status_code == 403
    assert client.get("/admin", headers=basic("ann")).json() == {
        "user": "ann",
        "scopes": ["authenticated", "admin"],
    }
    assert client.post("/reports", headers=basic("bo")).status_code == 403, "inherited"
    assert client.post("/reports", headers=basic("ann")).json() == "report made"
    assert client.get("/mixed").json() == "open"
    assert client.delete("/mixed", headers=basic("bo")).status_code == 403
    assert client.delete("/mixed", headers=basic("ann")).status_code == 204
    followed = client.get("/inbox")
    assert (followed.text, followed.url.path) == ("login page", "/login")
    assert client.get("/inbox", headers=basic("bo")).json() == "inbox"


def test_requires_on_websockets(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(auth_app())
    with client.websocket_connect("/feed", headers=basic("bo")) as session:
        assert session.receive_text() == "bo"
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/feed"))
    assert info.value.code == 1008
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/admin-socket", headers=basic("bo")))
    assert info.value.code == 1008
    with client.websocket_connect("/admin-socket", headers=basic("ann")) as session:
        assert session.receive_text() == "admin socket"
    # The client sent wrong credentials to a websocket.
    bad = {"authorization": "Bearer x"}
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/feed", headers=bad))
    assert (info.value.code, info.value.reason) == (1008, "Invalid basic auth credentials")


def test_requires_in_a_plain_router(test_client_factory: TestClientFactory) -> None:
    router = Router([Route("/private", private), WebSocketRoute("/feed", feed)])
    app = AuthenticationMiddleware(router, backend=BasicAuth())
    client = test_client_factory(app)
    with pytest.raises(HTTPException) as info:
        client.get("/private")
    assert info.value.status_code == 403
    assert client.get("/private", headers=basic("bo")).text == "private"


def test_custom_on_error(test_client_factory: TestClientFactory) -> None:
    def on_error(conn: HTTPConnection, exc: AuthenticationError) -> Response:
        return PlainTextResponse(f"nope: {exc}", status_code=401)

    app = App(
        routes=[Route("/whoami", whoami)],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth(), on_error=on_error)],
    )
    response = test_client_factory(app).get("/whoami", headers={"authorization": "Bearer x"})
    assert (response.status_code, response.text) == (401, "nope: Invalid basic auth credentials")


async def needs_user(user: BaseUser) -> None: ...


def test_user_injection_needs_the_middleware(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(DependencyError, match="no AuthenticationMiddleware is installed"):
        test_client_factory(App(routes=[Route("/", needs_user)])).get("/")


def test_user_classes() -> None:
    assert SimpleUser("ann").is_authenticated
    assert SimpleUser("ann").identity == "ann"
    anonymous = UnauthenticatedUser()
    assert (anonymous.is_authenticated, anonymous.display_name, anonymous.identity) == (
        False,
        "",
        "",
    )
    assert AuthCredentials().scopes == []


async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        middleware = AuthenticationMiddleware(inner, backend=BasicAuth())
        await middleware({"type": "lifespan"}, receiver.receive, sender.send)
    assert seen == ["lifespan"]


# requires() fails closed: the decorated function checks its requirement itself, so a
# decorator that drops the router's mark (or calls it some other way) cannot switch it off.


def inject_extra(func: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator shaped like those of Starlette's suite: copies nothing, passes by name."""
    if inspect.iscoroutinefunction(func):

        async def endpoint(connection: HTTPConnection) -> Any:
            return await func(request=connection, extra="payload")

        return endpoint

    def sync_endpoint(connection: HTTPConnection) -> Any:
        return func(request=connection, extra="payload")

    return sync_endpoint


def traced(func: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator that keeps the signature through functools.wraps."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await func(*args, **kwargs)

    return wrapper


def method_without_copy(func: Callable[..., Any]) -> Callable[..., Any]:
    async def handler(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await func(self, *args, **kwargs)

    return handler


@inject_extra
@requires("authenticated")
async def outer_async(request: Request, extra: str) -> Response:
    return PlainTextResponse(extra)


@inject_extra
@requires("authenticated")
def outer_sync(request: Request, extra: str) -> Response:
    return PlainTextResponse(extra)


@requires("authenticated")
@inject_extra
async def inner_async(request: Request, extra: str) -> Response:
    return PlainTextResponse(extra)


@traced
@requires("authenticated")
async def injected_only(limit: int = 1) -> str:
    return f"limit {limit}"


@requires("authenticated")
async def with_extras(**extras: Any) -> str:
    return f"extras {sorted(extras)}"


@requires("authenticated")
async def variadic(*args: Any, **kwargs: Any) -> Response:
    return PlainTextResponse(type(args[0]).__name__)


@requires("admin")
@requires("authenticated")
async def stacked(request: Request) -> str:
    return "stacked"


@requires("authenticated")
@requires("admin")
async def stacked_injected() -> str:
    return "stacked"


@inject_extra
@requires("authenticated")
async def outer_socket(request: WebSocket, extra: str) -> None:
    await request.accept()
    await request.send_text(extra)
    await request.close()


@requires("admin")
@requires("authenticated")
class Twice(HTTPResource):
    async def get(self) -> str:
        return "twice"


class Vault(HTTPResource):
    @method_without_copy
    @requires("admin")
    async def get(self) -> str:
        return "vault"


class OpenVault(Vault):
    async def get(self) -> str:  # no requirement of its own; the parent's still holds
        return str(await super().get())


class AdminChat(WebSocketResource):
    encoding = "text"

    @requires("admin")
    async def on_receive(self, websocket: WebSocket, data: str) -> None:
        await websocket.send_text(f"admin says {data}")


def fail_closed_app() -> App:
    return App(
        routes=[
            Route("/outer-async", outer_async),
            Route("/outer-sync", outer_sync),
            Route("/inner-async", inner_async),
            Route("/injected-only", injected_only),
            Route("/with-extras", with_extras),
            Route("/variadic", variadic),
            Route("/stacked", stacked),
            Route("/stacked-injected", stacked_injected),
            Route("/twice", Twice),
            Route("/vault", Vault),
            Route("/open-vault", OpenVault),
            WebSocketRoute("/outer-socket", outer_socket),
            WebSocketRoute("/admin-chat", AdminChat),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth())],
    )


@pytest.mark.parametrize("path", ["/outer-async", "/outer-sync", "/inner-async"])
def test_requires_holds_inside_decorators_that_copy_nothing(
    test_client_factory: TestClientFactory, path: str
) -> None:
    client = test_client_factory(fail_closed_app())
    # The client sent no credentials to an endpoint whose mark a decorator dropped.
    assert client.get(path).status_code == 403
    assert client.get(path, headers=basic("bo")).text == "payload"


def test_requires_holds_under_a_decorator_that_keeps_the_signature(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(fail_closed_app())
    assert client.get("/injected-only?limit=3").status_code == 403
    assert client.get("/injected-only?limit=3", headers=basic("bo")).json() == "limit 3"
    assert client.get("/with-extras").status_code == 403
    assert client.get("/with-extras", headers=basic("bo")).json() == "extras []"
    assert client.get("/variadic").status_code == 403
    assert client.get("/variadic", headers=basic("bo")).text == "Request"


@pytest.mark.parametrize("path", ["/stacked", "/stacked-injected", "/twice"])
def test_stacked_requirements_all_hold(test_client_factory: TestClientFactory, path: str) -> None:
    client = test_client_factory(fail_closed_app())
    assert client.get(path, headers=basic("bo")).status_code == 403, "authenticated only"
    assert client.get(path, headers=basic("cy")).status_code == 403, "admin only"
    assert client.get(path, headers=basic("ann")).status_code == 200


@pytest.mark.parametrize("path", ["/vault", "/open-vault"])
def test_requires_on_a_method_holds_when_reached_another_way(
    test_client_factory: TestClientFactory, path: str
) -> None:
    client = test_client_factory(fail_closed_app())
    assert client.get(path, headers=basic("bo")).status_code == 403
    assert client.get(path, headers=basic("ann")).json() == "vault"


def test_requires_holds_on_websocket_endpoints_and_handlers(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(fail_closed_app())
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
        stack.enter_context(client.websocket_connect("/outer-socket"))
    assert info.value.code == 1008
    with client.websocket_connect("/outer-socket", headers=basic("bo")) as session:
        assert session.receive_text() == "payload"
    with client.websocket_connect("/admin-chat", headers=basic("ann")) as session:
        session.send_text("hi")
        assert session.receive_text() == "admin says hi"
    with client.websocket_connect("/admin-chat", headers=basic("bo")) as session:
        # An authenticated user without the admin scope sends a message to the admin hook.
        session.send_text("hi")
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
    assert info.value.code == 1008


async def test_a_protected_function_called_directly_checks_too() -> None:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    anonymous = Request({**scope, "auth": AuthCredentials(), "user": UnauthenticatedUser()})
    with pytest.raises(HTTPException) as info:
        await stacked(anonymous)
    assert info.value.status_code == 403
    admin = Request({**scope, "auth": AuthCredentials(["authenticated", "admin"])})
    assert await stacked(admin) == "stacked"
    for arguments in [(), ("not a connection",)]:
        with pytest.raises(TypeError, match="called without the request or websocket"):
            await stacked_injected(*arguments)


def test_requires_refuses_what_it_cannot_protect() -> None:
    with pytest.raises(TypeError, match="decorates functions, methods and resource classes"):
        requires("admin")("not a function")


async def report(request: Request) -> Response:
    return PlainTextResponse(f"report for {request.user.display_name}")


class Board(HTTPResource):
    async def get(self, user: BaseUser) -> str:
        return f"board of {user.display_name}"


async def admin_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"feed for {websocket.user.display_name}")
    await websocket.close()


def mounted_app() -> tuple[App, Router]:
    """An app whose ``/admin`` mount requires the admin scope, and whose ``/members`` mount
    sends the others to log in."""
    admin = Router(
        routes=[
            Route("/report", report),
            Route("/board", Board),
            WebSocketRoute("/feed", admin_feed),
        ]
    )
    app = App(
        routes=[
            Mount("/admin", app=admin, requires="admin"),
            Mount(
                "/members",
                routes=[Route("/board", Board)],
                requires=requires("authenticated", redirect="login"),
            ),
            Route("/login", login, name="login"),
            Route("/whoami", whoami),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=BasicAuth())],
    )
    return app, admin


def test_requires_on_a_mount_refuses_every_route_under_it(
    test_client_factory: TestClientFactory,
) -> None:
    app, admin = mounted_app()
    admin.add_route("/late", report)  # added after the mount was made
    with test_client_factory(app, follow_redirects=False) as client:
        for path in ["/admin/report", "/admin/board", "/admin/late"]:
            # Sent without credentials, then as a user without the admin scope.
            assert client.get(path).status_code == 403, path
            assert client.get(path, headers=basic("bo")).status_code == 403, path
        assert client.get("/admin/report", headers=basic("ann")).text == "report for ann"
        assert client.get("/admin/board", headers=basic("cy")).json() == "board of cy"
        assert client.get("/admin/late", headers=basic("ann")).text == "report for ann"
        assert client.get("/whoami").text == "anonymous []", "outside the mount: open"
        redirect = client.get("/members/board")
        assert (redirect.status_code, redirect.headers["location"]) == (
            303,
            "http://testserver/login?next=http%3A%2F%2Ftestserver%2Fmembers%2Fboard",
        )
        assert client.get("/members/board", headers=basic("bo")).json() == "board of bo"


def test_requires_on_a_mount_denies_its_websockets(test_client_factory: TestClientFactory) -> None:
    app, _ = mounted_app()
    with test_client_factory(app) as client:
        for headers in [{}, basic("bo")]:  # no credentials, then no admin scope
            with ExitStack() as stack, pytest.raises(WebSocketDisconnect) as info:
                stack.enter_context(client.websocket_connect("/admin/feed", headers=headers))
            assert info.value.code == 1008
        with client.websocket_connect("/admin/feed", headers=basic("ann")) as session:
            assert session.receive_text() == "feed for ann"


def test_a_mounts_requirement_is_documented_on_its_operations() -> None:
    from resourceful.openapi import OpenAPI

    app, _ = mounted_app()
    document = OpenAPI().document(app)
    responses = document["paths"]["/admin/report"]["get"]["responses"]
    assert "403" in responses
    assert "403" not in document["paths"]["/whoami"]["get"]["responses"]
    assert "303" in document["paths"]["/members/board"]["get"]["responses"]
