"""Providers and policies declared per mount or router: visible to everything under it,
the innermost layer winning, planned and checked when the app is built."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from typing import Any, ClassVar

import attrs
import pytest

from resourceful import (
    App,
    HTTPResource,
    Middleware,
    Mount,
    Route,
    Router,
    WebSocketResource,
    WebSocketRoute,
)
from resourceful.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    SimpleUser,
    requires,
)
from resourceful.di import Container, DependencyError, Provider, injects
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.openapi import OpenAPI
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


@attrs.frozen
class Greeting:
    text: str


class Accounts:
    """The accounts module's service: only the module provides it."""

    def __init__(self, greeting: Greeting) -> None:
        self.greeting = greeting


class Repository:
    """Request-scoped: made once per request, in the layer that provides it."""

    made = 0

    def __init__(self) -> None:
        Repository.made += 1
        self.number = Repository.made


class Service:
    """Provided by the app, needing a Repository: resolved with the app's."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository


@attrs.frozen
class Shop:
    """The shop module's service, which needs the accounts module's."""

    accounts: Accounts


class ScopesHeader(AuthenticationBackend):
    """Grants the scopes the client lists in its ``scopes`` header."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        header = conn.headers.get("scopes")
        if header is None:
            return None
        return AuthCredentials(header.split()), SimpleUser("someone")


AUTHENTICATION = [Middleware(AuthenticationMiddleware, backend=ScopesHeader())]


async def greet(greeting: Greeting) -> PlainTextResponse:
    return PlainTextResponse(greeting.text)


async def welcome(accounts: Accounts) -> PlainTextResponse:
    return PlainTextResponse(f"accounts: {accounts.greeting.text}")


def test_a_mount_provider_serves_everything_under_it(
    test_client_factory: TestClientFactory,
) -> None:
    class Profile(HTTPResource):
        async def get(self, accounts: Accounts) -> PlainTextResponse:
            return PlainTextResponse(f"profile: {accounts.greeting.text}")

    async def live(websocket: WebSocket, accounts: Accounts) -> None:
        await websocket.accept()
        await websocket.send_text(accounts.greeting.text)
        await websocket.close()

    accounts = Mount(
        "/accounts",
        routes=[
            Route("/", welcome),
            Route("/profile", Profile),
            WebSocketRoute("/live", live),
            Mount("/deeper", routes=[Route("/", welcome)]),
        ],
        providers=[Accounts],
    )
    app = App(routes=[accounts], providers=[Provider(Greeting("hello"))])
    with test_client_factory(app) as client:
        assert client.get("/accounts/").text == "accounts: hello"
        assert client.get("/accounts/profile").text == "profile: hello"
        assert client.get("/accounts/deeper/").text == "accounts: hello"
        with client.websocket_connect("/accounts/live") as websocket:
            assert websocket.receive_text() == "hello"


def test_an_endpoint_outside_the_mount_cannot_have_its_provider() -> None:
    app = App(
        routes=[
            Route("/welcome", welcome),
            Mount("/accounts", routes=[Route("/", welcome)], providers=[Accounts]),
        ],
        providers=[Provider(Greeting("hello"))],
    )
    with pytest.raises(DependencyError) as info:
        app.build_middleware_stack()
    message = str(info.value)
    assert "welcome: cannot inject the parameter 'accounts' (Accounts)" in message
    assert "provided only under Mount('/accounts'), and the app is not under it" in message


def test_a_provider_out_of_its_dependencys_reach_fails_at_startup(
    test_client_factory: TestClientFactory,
) -> None:
    async def shop(shop: Shop) -> PlainTextResponse:
        return PlainTextResponse(f"shop of {shop.accounts.greeting.text}")

    # Served where the accounts are in reach, the shop works.
    reached = App(
        routes=[Mount("/shop", routes=[Route("/", shop)], providers=[Shop, Accounts])],
        providers=[Provider(Greeting("hello"))],
    )
    with test_client_factory(reached) as client:
        assert client.get("/shop/").text == "shop of hello"
    # Its provider needs Accounts, which here only the sibling mount provides.
    app = App(
        routes=[
            Mount("/accounts", routes=[Route("/", welcome)], providers=[Accounts]),
            Mount("/shop", routes=[Route("/", shop)], providers=[Shop]),
        ],
        providers=[Provider(Greeting("hello"))],
    )
    with pytest.raises(DependencyError) as info:
        app.build_middleware_stack()
    message = str(info.value)
    assert "No provider for Accounts, needed by Shop (under Mount('/shop'))." in message
    assert "provided only under Mount('/accounts'), and Mount('/shop') is not under it" in message


def test_the_innermost_provider_of_a_type_wins(test_client_factory: TestClientFactory) -> None:
    inner = Mount("/inner", routes=[Route("/", greet)], providers=[Provider(Greeting("inner"))])
    outer = Mount(
        "/outer", routes=[Route("/", greet), inner], providers=[Provider(Greeting("outer"))]
    )
    app = App(routes=[Route("/", greet), outer], providers=[Provider(Greeting("app"))])
    with test_client_factory(app) as client:
        assert client.get("/").text == "app"
        assert client.get("/outer/").text == "outer"
        assert client.get("/outer/inner/").text == "inner"


def test_a_providers_dependencies_resolve_where_it_is_declared(
    test_client_factory: TestClientFactory,
) -> None:
    # The app's Service takes the app's Repository, even under a mount that provides its own;
    # one request holds both, each made once.
    async def both(repository: Repository, service: Service, again: Repository) -> JSONResponse:
        return JSONResponse(
            {
                "same": repository is again,
                "apart": repository is not service.repository,
                "mount": repository.number - service.repository.number,
            }
        )

    app = App(
        routes=[Mount("/m", routes=[Route("/", both)], providers=[Repository])],
        providers=[Repository, Service],
    )
    with test_client_factory(app) as client:
        body = client.get("/m/").json()
    assert (body["same"], body["apart"], abs(body["mount"])) == (True, True, 1)


def test_app_scoped_mount_providers_start_after_the_apps_and_stop_before(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []

    def recorded(name: str) -> Provider:
        class Resource:
            def __init__(self) -> None:
                events.append(f"start {name}")

        async def provide() -> AsyncIterator[object]:
            resource = Resource()
            yield resource
            events.append(f"stop {name}")

        return Provider(provide, scope="app", provides=Resource)

    first, second, inner = recorded("first"), recorded("second"), recorded("inner")
    app = App(
        routes=[
            Mount(
                "/first",
                routes=[Mount("/inner", routes=[], providers=[inner])],
                providers=[first],
            ),
            Mount("/second", routes=[], providers=[second]),
        ],
        providers=[recorded("app")],
    )
    with test_client_factory(app):
        assert events == ["start app", "start first", "start inner", "start second"]
    assert events[4:] == ["stop second", "stop inner", "stop first", "stop app"]


def test_a_mount_provider_that_fails_at_startup_stops_what_started(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []

    async def database() -> AsyncIterator[Greeting]:
        events.append("open")
        yield Greeting("db")
        events.append("close")

    def broken() -> Accounts:
        raise RuntimeError("the accounts store is down")

    app = App(
        routes=[Mount("/a", routes=[], providers=[Provider(broken, scope="app")])],
        providers=[Provider(database, scope="app")],
    )
    with ExitStack() as stack, pytest.raises(RuntimeError, match="the accounts store is down"):
        stack.enter_context(test_client_factory(app))
    assert events == ["open", "close"]


def test_an_override_reaches_a_mount_provider(test_client_factory: TestClientFactory) -> None:
    module = Mount(
        "/accounts",
        routes=[Route("/", welcome), Route("/greet", greet)],
        providers=[Accounts, Provider(Greeting("module"))],
    )
    fake = Accounts(Greeting("fake"))
    app = App(routes=[module, Route("/greet", greet)], providers=[Provider(Greeting("app"))])
    # Overridden before the app is built, and again once it runs.
    with app.container.override(Accounts, fake), test_client_factory(app) as client:
        assert client.get("/accounts/").text == "accounts: fake"
        with app.container.override(Greeting, Greeting("test")):
            assert client.get("/accounts/greet").text == "test"
            assert client.get("/greet").text == "test"
        assert client.get("/accounts/greet").text == "module"
        assert client.get("/greet").text == "app"
    with test_client_factory(app) as client:
        assert client.get("/accounts/").text == "accounts: module"


def test_a_router_is_a_module_with_the_same_options(
    test_client_factory: TestClientFactory,
) -> None:
    class Missing(Exception):
        pass

    async def find(accounts: Accounts) -> Response:
        raise Missing

    async def missing(request: Request, exc: Exception) -> Response:
        return JSONResponse({"title": "Not here"}, status_code=404)

    api = Router(
        [Route("/", welcome), Route("/find", find)],
        providers=[Accounts],
        requires="api",
        exception_handlers={Missing: missing},
    )
    app = App(
        routes=[Mount("/api", app=api, providers=[Provider(Greeting("api"))])],
        middleware=AUTHENTICATION,
        providers=[Provider(Greeting("app"))],
    )
    with test_client_factory(app) as client:
        # The client sent no scopes, then the right one.
        assert client.get("/api/").status_code == 403
        assert client.get("/api/", headers={"scopes": "api"}).text == "accounts: api"
        found = client.get("/api/find", headers={"scopes": "api"})
        assert (found.status_code, found.json()) == (404, {"title": "Not here"})


def test_a_mount_that_requires_scopes_needs_authentication_middleware() -> None:
    app = App(routes=[Mount("/admin", routes=[Route("/", welcome)], requires="admin")])
    with pytest.raises(RuntimeError, match=r"Mount\('/admin'\) requires scopes, but no Auth"):
        app.build_middleware_stack()


def test_the_innermost_requirement_and_handler_apply(
    test_client_factory: TestClientFactory,
) -> None:
    async def refused(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"{request.url.path} refused", status_code=403)

    async def ok() -> Response:
        return PlainTextResponse("ok")

    inner = Mount(
        "/admin",
        routes=[Route("/", ok)],
        requires=requires("admin", status_code=404),
        exception_handlers={404: refused},
    )
    app = App(
        routes=[Mount("/site", routes=[Route("/", ok), inner], requires="member")],
        middleware=AUTHENTICATION,
    )
    with test_client_factory(app) as client:
        # The client is no member; a member without admin; then both.
        assert client.get("/site/admin/").status_code == 403
        member = client.get("/site/admin/", headers={"scopes": "member"})
        assert (member.status_code, member.text) == (403, "/site/admin/ refused")
        assert client.get("/site/admin/", headers={"scopes": "member admin"}).text == "ok"
        assert client.get("/site/", headers={"scopes": "member"}).text == "ok"


def test_a_rebuilt_app_keeps_its_layers(test_client_factory: TestClientFactory) -> None:
    module = Mount("/m", routes=[Route("/", greet)], providers=[Provider(Greeting("m"))])
    app = App(routes=[module])
    app.build_middleware_stack()
    app.debug = True  # the stack is built again, with the same layer
    with test_client_factory(app) as client:
        assert client.get("/m/").text == "m"
    assert len(app.container.layers) == 1
    assert app.container_of(module).where_provided(Greeting) == "Mount('/m')"
    assert app.container_of(module).where_provided(Request) is None


def test_a_layer_is_named_by_where_it_is() -> None:
    app_container = Container()
    outer = Container(app_container, where="Mount('/a')")
    inner = Container(outer, where="Mount('/b')")
    outer.register(Greeting("a"), provides=Greeting)
    inner.register(Accounts)
    assert inner.where == "Mount('/a') > Mount('/b')"
    assert inner.where_provided(Greeting) == "Mount('/a')"
    assert inner.where_provided(Accounts) == "Mount('/a') > Mount('/b')"
    assert app_container.where_provided(Greeting) is None
    assert inner.provided() == [Accounts]


async def test_a_layer_resolves_its_own_values_and_its_parents() -> None:
    app_container = Container()
    app_container.register(Greeting("app"), provides=Greeting)
    layer = Container(app_container, where="Mount('/a')")
    layer.register(Accounts, scope="app")
    layer.register(Repository, scope="transient")
    layer.compile()
    try:
        accounts = await layer.resolve(Accounts)
        assert accounts.greeting is await app_container.resolve(Greeting)
        assert await layer.resolve(Accounts) is accounts
        async with layer.context() as context:
            assert await context.get(Repository) is not await context.get(Repository)
    finally:
        await app_container.aclose()


def test_a_layers_app_scoped_provider_cannot_need_an_outer_request_value() -> None:
    app_container = Container()
    app_container.register(Repository)
    layer = Container(app_container, where="Mount('/a')")
    layer.register(Service, scope="app")
    with pytest.raises(DependencyError, match="The app-scoped Service needs Repository"):
        app_container.compile()


def test_providers_cannot_be_given_to_the_mount_of_an_app() -> None:
    inner = App(routes=[Route("/", greet)], providers=[Provider(Greeting("inner"))])
    app = App(routes=[Mount("/inner", app=inner, providers=[Accounts])])
    with pytest.raises(TypeError, match=r"Mount\('/inner'\) mounts an App, which injects"):
        app.build_middleware_stack()


def test_an_app_mounted_in_an_app_keeps_its_own_layers(
    test_client_factory: TestClientFactory,
) -> None:
    inner = App(
        routes=[Mount("/m", routes=[Route("/", greet)], providers=[Provider(Greeting("m"))])]
    )
    app = App(routes=[Mount("/inner", app=inner)], providers=[Provider(Greeting("outer"))])
    with test_client_factory(app) as client:
        assert client.get("/inner/m/").text == "m"
    assert app.container.layers == []
    assert len(inner.container.layers) == 1


def test_a_router_that_requires_scopes_still_runs_its_lifespan(
    test_client_factory: TestClientFactory,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    router = Router([Route("/", greet)], lifespan=lifespan, requires="admin")
    with test_client_factory(router):
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


class Ledger(HTTPResource):
    """A resource with a provider of its own, replacing the mount's Greeting for it alone."""

    providers: ClassVar[Sequence[Any]] = [Provider(Greeting("ledger")), Accounts]

    async def get(self, greeting: Greeting, accounts: Accounts) -> PlainTextResponse:
        return PlainTextResponse(f"{greeting.text}, {accounts.greeting.text}")


class Tape(WebSocketResource):
    providers: ClassVar[Sequence[Any]] = [Provider(Greeting("tape"))]

    async def on_connect(self, websocket: WebSocket, greeting: Greeting) -> None:
        await websocket.accept()
        await websocket.send_text(greeting.text)
        await websocket.close()


def test_a_resource_classs_providers_serve_it_alone(
    test_client_factory: TestClientFactory,
) -> None:
    module = Mount(
        "/books",
        routes=[Route("/ledger", Ledger), Route("/", greet), WebSocketRoute("/tape", Tape)],
        providers=[Provider(Greeting("books"))],
    )
    app = App(routes=[module])
    with test_client_factory(app) as client:
        assert client.get("/books/ledger").text == "ledger, ledger"
        assert client.get("/books/").text == "books"
        with client.websocket_connect("/books/tape") as websocket:
            assert websocket.receive_text() == "tape"
    ledger = app.container_of(module.routes[0])
    assert ledger.where == "Mount('/books') > Ledger"
    # Outside the class, what only it provides is out of reach.
    app = App(routes=[Route("/ledger", Ledger), Route("/welcome", welcome)])
    with pytest.raises(DependencyError, match=r"provided only under Ledger, and the app"):
        app.build_middleware_stack()


def test_the_openapi_document_plans_each_endpoint_in_its_layer(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(
        routes=[
            Mount("/books", routes=[Route("/ledger", Ledger)], tags=["books"]),
            Mount("/accounts", routes=[Route("/", welcome)], providers=[Accounts]),
        ],
        providers=[Provider(Greeting("app"))],
        openapi=OpenAPI(title="Layers", version="1"),
    )
    with test_client_factory(app) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert paths["/books/ledger"]["get"]["tags"] == ["books"]
    assert "/accounts/" in paths


def test_a_module_built_into_two_apps_serves_each_with_its_providers(
    test_client_factory: TestClientFactory,
) -> None:
    class Shelf(HTTPResource):
        async def get(self, greeting: Greeting) -> PlainTextResponse:
            return PlainTextResponse(f"shelf of {greeting.text}")

    module = Mount("/m", routes=[Route("/", greet), Route("/shelf", Shelf)])
    first = App(routes=[module], providers=[Provider(Greeting("first"))])
    second = App(routes=[module], providers=[Provider(Greeting("second"))])
    with test_client_factory(first) as one, test_client_factory(second) as two:
        assert (one.get("/m/").text, two.get("/m/").text) == ("first", "second")
        assert one.get("/m/").text == "first", "planned again by the second app"
        assert (one.get("/m/shelf").text, two.get("/m/shelf").text) == (
            "shelf of first",
            "shelf of second",
        )
    # Outside either app, the route serves what was planned last.
    with test_client_factory(module) as alone:
        assert alone.get("/m/").text == "second"


class Counter(HTTPResource):
    providers: ClassVar[Sequence[Any]] = [Provider(Greeting("class"))]

    @injects(Provider(Greeting("get")))
    async def get(self, greeting: Greeting) -> PlainTextResponse:
        return PlainTextResponse(greeting.text)

    async def post(self, greeting: Greeting) -> PlainTextResponse:
        return PlainTextResponse(greeting.text)

    @injects(Accounts)
    async def put(self, accounts: Accounts) -> PlainTextResponse:
        return PlainTextResponse(f"accounts of {accounts.greeting.text}")


@injects(Provider(Greeting("function")), Accounts)
async def tally(accounts: Accounts, greeting: Greeting) -> PlainTextResponse:
    return PlainTextResponse(f"{greeting.text}, {accounts.greeting.text}")


def test_a_handlers_own_providers_serve_it_alone(test_client_factory: TestClientFactory) -> None:
    app = App(
        routes=[
            Mount("/shop", routes=[Route("/counter", Counter), Route("/tally", tally)]),
        ],
        providers=[Provider(Greeting("app"))],
        openapi=OpenAPI(title="Handlers", version="1"),
    )
    with test_client_factory(app) as client:
        assert client.get("/shop/counter").text == "get"
        assert client.post("/shop/counter").text == "class", "the class's, for post"
        # A handler's provider resolves its dependencies where it is declared.
        assert client.put("/shop/counter").text == "accounts of class"
        assert client.get("/shop/tally").text == "function, function"
        assert "/shop/counter" in client.get("/openapi.json").json()["paths"]
    counter = app.routes[0].routes[0]  # type: ignore[attr-defined]
    assert app.container_of((counter, "get")).where == "Mount('/shop') > Counter > Counter.get"
    class_layer = app.container_of(counter)
    assert app.container_of((counter, "post"), class_layer).where == "Mount('/shop') > Counter"


def test_what_one_handler_injects_is_out_of_the_others_reach(
    test_client_factory: TestClientFactory,
) -> None:
    class Till(HTTPResource):
        @injects(Accounts)
        async def get(self, accounts: Accounts) -> str:
            return accounts.greeting.text

        async def post(self, accounts: Accounts) -> str:
            return accounts.greeting.text

    # Where the app provides Accounts too, both handlers are served.
    both = App(routes=[Route("/till", Till)], providers=[Provider(Greeting("app")), Accounts])
    with test_client_factory(both) as client:
        assert (client.get("/till").json(), client.post("/till").json()) == ("app", "app")
    app = App(routes=[Route("/till", Till)], providers=[Provider(Greeting("app"))])
    with pytest.raises(DependencyError, match=r"provided only under \S*Till.get, and the app"):
        app.build_middleware_stack()


def test_routes_added_to_a_running_app_are_planned(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[Route("/", greet)], providers=[Provider(Greeting("app"))])

    async def feed(websocket: WebSocket, greeting: Greeting) -> None:
        await websocket.accept()
        await websocket.send_text(greeting.text)
        await websocket.close()

    with test_client_factory(app) as client:
        assert client.get("/").text == "app"
        app.add_route("/later", greet)
        app.add_websocket_route("/feed", feed)
        app.mount("/m", Router([Route("/", welcome)], providers=[Accounts]))
        app.host("accounts.example.org", Router([Route("/hosted", welcome)], providers=[Accounts]))
        assert client.get("/later").text == "app"
        with client.websocket_connect("/feed") as websocket:
            assert websocket.receive_text() == "app"
        assert client.get("/m/").text == "accounts: app"
        assert client.get("http://accounts.example.org/hosted").text == "accounts: app"
