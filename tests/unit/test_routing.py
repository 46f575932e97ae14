from __future__ import annotations

import functools
from contextlib import ExitStack
from typing import Any

import anyio
import pytest

from resourceful._paths import route_path
from resourceful.datastructures import URLPath
from resourceful.middleware import Middleware
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.routing import (
    BaseRoute,
    Host,
    Match,
    Mount,
    NoMatchFound,
    Route,
    Router,
    WebSocketRoute,
)
from resourceful.types import Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect
from tests.conftest import TestClientFactory


async def homepage(request: Request) -> Response:
    return PlainTextResponse("home")


def sync_page(request: Request) -> Response:
    return PlainTextResponse(f"sync {request.method}")


async def show_params(request: Request) -> Response:
    return JSONResponse(
        {
            "params": request.path_params,
            "path": request.url.path,
            "root_path": request.scope.get("root_path", ""),
        }
    )


async def echo_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(f"hello {websocket.path_params.get('room', '')}".strip())
    await websocket.close()


class ScopeApp:
    """A plain ASGI app that reports the scope it was given."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        data = {"path": scope["path"], "root_path": scope["root_path"], "method": scope["method"]}
        await JSONResponse(data)(scope, receive, send)


users = Router(
    [
        Route("/", homepage, name="user_list"),
        Route("/{username}", show_params, name="user"),
    ]
)

router = Router(
    [
        Route("/", homepage),
        Route("/sync", sync_page, methods=["GET", "POST"]),
        Route("/items/{id:int}", show_params, name="item"),
        Route("/files/{path:path}", show_params, name="file"),
        Route("/trailing/", homepage, name="trailing"),
        Route("/app", ScopeApp(), name="asgi"),
        Mount("/users", users, name="users"),
        Mount("/static", ScopeApp(), name="static"),
        WebSocketRoute("/ws", echo_socket, name="ws"),
        WebSocketRoute("/ws/{room}", echo_socket, name="room"),
    ]
)


def test_function_endpoints_async_and_sync(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    assert client.get("/").text == "home"
    assert client.get("/sync").text == "sync GET"
    assert client.post("/sync").text == "sync POST"
    assert client.head("/sync").status_code == 200


def test_wrong_method_is_405_with_allow(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    # The client used a method the route does not serve.
    response = client.delete("/sync")
    assert response.status_code == 405
    assert response.text == "Method Not Allowed"
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert client.post("/").headers["allow"] == "GET, HEAD"


def test_no_match_is_404(test_client_factory: TestClientFactory) -> None:
    response = test_client_factory(router).get("/nowhere")
    assert response.status_code == 404
    assert response.text == "Not Found"


def test_path_parameters_are_converted(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    assert client.get("/items/7").json()["params"] == {"id": 7}
    assert client.get("/files/a/b.txt").json()["params"] == {"path": "a/b.txt"}


def test_asgi_app_endpoint_serves_every_method(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    assert client.put("/app").json()["method"] == "PUT"


def test_mount_gives_the_sub_app_its_root_path(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    assert client.get("/static/css/site.css").json() == {
        "path": "/static/css/site.css",
        "root_path": "/static",
        "method": "GET",
    }
    assert client.get("/users/alice").json() == {
        "params": {"username": "alice"},
        "path": "/users/alice",
        "root_path": "/users",
    }
    assert client.get("/users/").text == "home"


def test_root_path_of_the_server_is_respected(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router, root_path="/prefix")
    data = client.get("/prefix/users/bob").json()
    assert data["path"] == "/prefix/users/bob"
    assert data["root_path"] == "/prefix/users"
    app_data = client.get("/prefix/static/x").json()
    assert app_data["root_path"] == "/prefix/static"


def test_redirect_slashes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router, follow_redirects=False)
    to_slash = client.get("/trailing")
    assert to_slash.status_code == 307
    assert to_slash.headers["location"] == "http://testserver/trailing/"
    from_slash = client.get("/items/3/?x=1")
    assert from_slash.headers["location"] == "http://testserver/items/3?x=1"
    mount = client.get("/users")
    assert mount.headers["location"] == "http://testserver/users/"
    # Neither form exists: a plain 404, not a redirect loop.
    assert client.get("/nowhere/").status_code == 404
    assert client.get("/").text == "home"


def test_redirect_slashes_can_be_turned_off(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(Router([Route("/a/", homepage)], redirect_slashes=False))
    assert client.get("/a", follow_redirects=False).status_code == 404


def test_websocket_routes(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(router)
    with client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hello"
    with client.websocket_connect("/ws/lobby") as session:
        assert session.receive_text() == "hello lobby"
    # Nothing is there: the socket is closed before it is accepted.
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect):
        stack.enter_context(client.websocket_connect("/nowhere"))


def test_reverse_routing(test_client_factory: TestClientFactory) -> None:
    assert router.url_path_for("item", id=3) == "/items/3"
    assert router.url_path_for("file", path="a/b") == "/files/a/b"
    assert router.url_path_for("users:user", username="bo") == "/users/bo"
    assert router.url_path_for("users:user_list") == "/users/"
    assert router.url_path_for("static", path="/css/x.css") == "/static/css/x.css"
    ws = router.url_path_for("room", room="r1")
    assert (ws, ws.protocol) == ("/ws/r1", "websocket")
    assert router.url_path_for("item", id=3).protocol == "http"
    assert router.url_path_for("asgi") == "/app"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("item", {}),
        ("item", {"id": 1, "extra": 2}),
        ("missing", {}),
        ("users:missing", {}),
        ("static", {}),
        ("ws", {"x": 1}),
        ("static", {"path": "x", "extra": 1}),
    ],
)
def test_no_match_found_names_what_was_asked(name: str, params: dict[str, Any]) -> None:
    with pytest.raises(NoMatchFound, match=f"No route is named '{name}'"):
        router.url_path_for(name, **params)


def test_no_match_found_lists_the_parameters() -> None:
    with pytest.raises(NoMatchFound, match=r"with the path parameters \(a, b\)"):
        router.url_path_for("item", b=1, a=2)
    with pytest.raises(NoMatchFound, match=r"with the path parameters \(none\)"):
        router.url_path_for("nothing")


def test_url_for_from_a_request_inside_a_mount(test_client_factory: TestClientFactory) -> None:
    async def links(request: Request) -> Response:
        return JSONResponse(
            {
                "self": str(request.url_for("api:note", id=request.path_params["id"])),
                "home": str(request.url_for("home")),
            }
        )

    app = Router(
        [
            Route("/", homepage, name="home"),
            Mount("/api", routes=[Route("/notes/{id:int}", links, name="note")], name="api"),
        ]
    )
    client = test_client_factory(app, root_path="/site")
    assert client.get("/site/api/notes/5").json() == {
        "self": "http://testserver/site/api/notes/5",
        "home": "http://testserver/site/",
    }


def test_nested_mounts_reverse_through_every_level() -> None:
    app = Router(
        [
            Mount(
                "/outer",
                routes=[
                    Mount("/static", ScopeApp(), name="static"),
                    Mount("/orgs/{org}", routes=[Route("/", homepage, name="home")], name="org"),
                ],
                name="outer",
            ),
            Host("{tenant}.example.org", Router([Route("/", homepage, name="home")]), name="t"),
        ]
    )
    assert app.url_path_for("outer:static", path="/a.css") == "/outer/static/a.css"
    assert app.url_path_for("outer:org:home", org="acme") == "/outer/orgs/acme/"
    # A parameter that an enclosing mount or host needs is missing.
    with pytest.raises(NoMatchFound):
        app.url_path_for("outer:org:home")
    with pytest.raises(NoMatchFound):
        app.url_path_for("t:home")
    with pytest.raises(NoMatchFound):
        app.url_path_for("t", path="/")


def test_mount_at_the_root(test_client_factory: TestClientFactory) -> None:
    app = Router([Route("/own", homepage), Mount("", ScopeApp(), name="rest")])
    client = test_client_factory(app)
    assert client.get("/own").text == "home"
    assert client.get("/any/thing").json() == {
        "path": "/any/thing",
        "root_path": "",
        "method": "GET",
    }
    assert app.url_path_for("rest", path="/x") == "/x"


def test_router_runs_its_lifespan_alone(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(Router([Route("/", homepage)])) as client:
        assert client.get("/").text == "home"


def test_unnamed_mount_passes_names_through() -> None:
    app = Router([Mount("/v1", routes=[Route("/ping", homepage, name="ping")])])
    assert app.url_path_for("ping") == "/v1/ping"
    with pytest.raises(NoMatchFound):
        app.url_path_for("pong")


def test_mount_parameters_reach_routes_without_their_own(
    test_client_factory: TestClientFactory,
) -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(websocket.path_params)
        await websocket.close()

    app = Router(
        [
            Mount(
                "/orgs/{org}",
                routes=[Route("/", show_params), WebSocketRoute("/live", socket)],
            )
        ]
    )
    client = test_client_factory(app)
    assert client.get("/orgs/acme/").json()["params"] == {"org": "acme"}
    with client.websocket_connect("/orgs/acme/live") as session:
        assert session.receive_json() == {"org": "acme"}


def test_mount_with_parameters(test_client_factory: TestClientFactory) -> None:
    app = Router(
        [
            Mount(
                "/orgs/{org}", routes=[Route("/repos/{repo}", show_params, name="repo")], name="org"
            )
        ]
    )
    client = test_client_factory(app)
    assert client.get("/orgs/acme/repos/web").json()["params"] == {"org": "acme", "repo": "web"}
    assert app.url_path_for("org:repo", org="acme", repo="web") == "/orgs/acme/repos/web"


def test_host_routing(test_client_factory: TestClientFactory) -> None:
    api = Router([Route("/users", homepage, name="users")])
    app = Router(
        [
            Host("{tenant}.example.org", api, name="tenant"),
            Host("static.example.org", ScopeApp(), name="static"),
            Route("/", homepage),
        ]
    )
    client = test_client_factory(app, base_url="http://acme.example.org:8000")
    assert client.get("/users").text == "home"
    other = test_client_factory(app, base_url="http://other.org")
    assert other.get("/users").status_code == 404
    url = app.url_path_for("tenant:users", tenant="acme")
    assert (url, url.host) == ("/users", "acme.example.org")
    assert url.make_absolute_url("https://x.org") == "https://acme.example.org/users"
    static = app.url_path_for("static", path="/logo.png")
    assert (static, static.host) == ("/logo.png", "static.example.org")
    with pytest.raises(NoMatchFound):
        app.url_path_for("tenant:missing", tenant="acme")
    with pytest.raises(NoMatchFound):
        app.url_path_for("static", path="/x", extra="y")
    assert Host("a.org", api).url_path_for("users") == "/users"
    assert Host("a.org", ScopeApp()).routes == []


@pytest.mark.parametrize(
    ("host", "status", "text"),
    [
        ("Acme.EXAMPLE.org", 200, "acme"),  # host names are case-insensitive
        ("acme.example.org:000080", 200, "acme"),
        ("acme.example.org:65536", 200, "acme"),  # the port plays no part
        ("[::1]", 200, "loopback"),
        ("acme.example.org:evil", 404, ""),  # no valid Host header at all
        ("acme.example.org@evil.org", 404, ""),
        ("[::1]evil", 404, ""),
    ],
)
def test_hosts_are_read_as_hosts(
    test_client_factory: TestClientFactory, host: str, status: int, text: str
) -> None:
    async def tenant(request: Request) -> Response:
        return PlainTextResponse(request.path_params["tenant"])

    app = Router(
        [
            Host("{tenant}.Example.ORG", Router([Route("/", tenant)])),
            Host("[::1]", PlainTextResponse("loopback")),
        ]
    )
    # The client sent this Host header.
    response = test_client_factory(app).get("/", headers={"host": host})
    assert response.status_code == status
    if status == 200:
        assert response.text == text


def test_host_route_serves_websockets(test_client_factory: TestClientFactory) -> None:
    app = Router([Host("chat.example.org", Router([WebSocketRoute("/", echo_socket)]))])
    client = test_client_factory(app)
    with client.websocket_connect("ws://chat.example.org/") as session:
        assert session.receive_text() == "hello"


def test_first_match_wins_in_order(test_client_factory: TestClientFactory) -> None:
    async def specific(request: Request) -> Response:
        return PlainTextResponse("specific")

    app = Router([Route("/items/new", specific), Route("/items/{name}", show_params)])
    client = test_client_factory(app)
    assert client.get("/items/new").text == "specific"
    assert client.get("/items/old").json()["params"] == {"name": "old"}


def test_parameter_in_first_segment_is_tried_for_every_path(
    test_client_factory: TestClientFactory,
) -> None:
    app = Router([Route("/static", homepage), Route("/{page}", show_params)])
    client = test_client_factory(app)
    assert client.get("/static").text == "home"
    assert client.get("/about").json()["params"] == {"page": "about"}


def test_paths_without_parameters_keep_the_route_order(
    test_client_factory: TestClientFactory,
) -> None:
    async def literal(request: Request) -> Response:
        return PlainTextResponse(f"literal {request.method}")

    async def tagged(request: Request) -> Response:
        return PlainTextResponse(request.scope.get("tag", "untagged"))

    class Tagging(Route):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child_scope = super().matches(scope)
            return match, {**child_scope, "tag": "tagged"}

    app = Router(
        [
            Route("/pages/{page}", show_params),
            Route("/pages/about", literal),
            Mount("/docs", ScopeApp()),
            Route("/docs/index", literal),
            WebSocketRoute("/chat", echo_socket),
            Route("/chat", literal),
            Route("/form", literal, methods=["GET"]),
            Route("/form/", literal, methods=["GET"]),
            Route("/form/", sync_page, methods=["POST"]),
            Tagging("/shout/", tagged),
            Host("admin.example.org", ScopeApp()),
            Route("/shout/quiet", literal),
        ]
    )
    client = test_client_factory(app)
    # An earlier route with a parameter or a mount that matches the same path comes first.
    assert client.get("/pages/about").json()["params"] == {"page": "about"}
    assert client.get("/docs/index").json()["root_path"] == "/docs"
    # A websocket route does not hide an HTTP route at the same path, nor the other way round.
    assert client.get("/chat").text == "literal GET"
    with client.websocket_connect("/chat") as session:
        assert session.receive_text() == "hello"
    # A method the first route does not serve goes on to the next route with that path.
    assert client.get("/form/").text == "literal GET"
    assert client.post("/form/").text == "sync POST"
    assert client.post("/form").status_code == 405
    # A route class with its own matching is asked, never bypassed.
    assert client.get("/shout/").text == "tagged"
    # A host route decides before the routes after it.
    admin = test_client_factory(app, base_url="http://admin.example.org")
    assert admin.get("/shout/quiet").json()["path"] == "/shout/quiet"
    assert client.get("/shout/quiet").text == "literal GET"


def test_literal_paths_inside_a_mount_keep_outer_parameters(
    test_client_factory: TestClientFactory,
) -> None:
    inner = Router([Route("/settings", show_params)])
    app = Router([Mount("/teams/{team}", inner)])
    body = test_client_factory(app).get("/teams/blue/settings").json()
    assert body == {
        "params": {"team": "blue"},
        "path": "/teams/blue/settings",
        "root_path": "/teams/blue",
    }


def test_websocket_paths_without_parameters_keep_the_route_order(
    test_client_factory: TestClientFactory,
) -> None:
    async def named_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.scope.get("tag", websocket.url.path))
        await websocket.close()

    async def literal(request: Request) -> Response:
        return PlainTextResponse("literal")

    class Tagging(WebSocketRoute):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child_scope = super().matches(scope)
            return match, {**child_scope, "tag": "tagged"}

    app = Router(
        [
            WebSocketRoute("/rooms/{room}", echo_socket),
            WebSocketRoute("/rooms/lobby", named_socket),
            Route("/talk", literal),
            WebSocketRoute("/talk", named_socket),
            Mount("/live", routes=[WebSocketRoute("/feed", echo_socket)]),
            WebSocketRoute("/live/feed", named_socket),
            Tagging("/shout", named_socket),
            Mount("/teams/{room}", routes=[WebSocketRoute("/chat", echo_socket)]),
        ]
    )
    client = test_client_factory(app)
    # An earlier websocket route with a parameter, or a mount, that matches the path comes first.
    with client.websocket_connect("/rooms/lobby") as session:
        assert session.receive_text() == "hello lobby"
    with client.websocket_connect("/live/feed") as session:
        assert session.receive_text() == "hello"
    # An HTTP route at the same path does not hide a websocket route, nor the other way round.
    with client.websocket_connect("/talk") as session:
        assert session.receive_text() == "/talk"
    assert client.get("/talk").text == "literal"
    # A websocket route class with its own matching is asked, never bypassed.
    with client.websocket_connect("/shout") as session:
        assert session.receive_text() == "tagged"
    # A literal route inside a mount keeps the mount's parameters.
    with client.websocket_connect("/teams/blue/chat") as session:
        assert session.receive_text() == "hello blue"
    # A literal websocket path is not served to an HTTP request.
    assert client.get("/shout").status_code == 404


def test_changing_the_route_list_takes_effect(test_client_factory: TestClientFactory) -> None:
    app = Router([])
    client = test_client_factory(app)
    assert client.get("/late").status_code == 404
    app.routes.append(Route("/late", homepage))
    assert client.get("/late").text == "home"
    app.routes[0] = Route("/late", sync_page)
    assert client.get("/late").text == "sync GET"
    app.routes.insert(0, Route("/early", homepage))
    del app.routes[0]
    assert client.get("/early").status_code == 404
    app.routes += [Route("/more", homepage)]
    assert client.get("/more").text == "home"
    app.routes.clear()
    assert client.get("/more").status_code == 404
    app.routes = [Route("/replaced", homepage)]
    assert client.get("/replaced").text == "home"


def test_router_helpers_add_routes(test_client_factory: TestClientFactory) -> None:
    app = Router()
    app.add_route("/page", homepage, methods=["GET"], name="page")
    app.add_websocket_route("/socket", echo_socket, name="socket")
    app.mount("/sub", ScopeApp(), name="sub")
    app.host("api.example.org", ScopeApp(), name="api")
    client = test_client_factory(app)
    assert client.get("/page").text == "home"
    with client.websocket_connect("/socket") as session:
        assert session.receive_text() == "hello"
    assert client.get("/sub/x").json()["root_path"] == "/sub"
    assert app.url_path_for("socket") == "/socket"
    api_client = test_client_factory(app, base_url="http://api.example.org")
    assert api_client.get("/anything").json()["path"] == "/anything"


def test_custom_default_app(test_client_factory: TestClientFactory) -> None:
    app = Router([], default=PlainTextResponse("fallback", status_code=418))
    assert test_client_factory(app).get("/x").status_code == 418


def test_route_middleware_wraps_only_that_route(test_client_factory: TestClientFactory) -> None:
    class AddHeader:
        def __init__(self, app: Any, name: str) -> None:
            self.app = app
            self.name = name

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            async def sender(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (self.name.encode(), b"1")]
                await send(message)

            await self.app(scope, receive, sender)

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    app = Router(
        [
            Route("/wrapped", homepage, middleware=[Middleware(AddHeader, "x-route")]),
            Mount(
                "/m", routes=[Route("/", homepage)], middleware=[Middleware(AddHeader, "x-mount")]
            ),
            WebSocketRoute("/ws", socket, middleware=[Middleware(AddHeader, name="x-ws")]),
            Route("/plain", homepage),
        ],
        middleware=[Middleware(AddHeader, name="x-router")],
    )
    client = test_client_factory(app)
    wrapped = client.get("/wrapped").headers
    assert wrapped["x-route"] == "1"
    assert wrapped["x-router"] == "1"
    assert client.get("/m/").headers["x-mount"] == "1"
    assert "x-route" not in client.get("/plain").headers
    with client.websocket_connect("/ws"):
        pass


def test_standalone_route_is_an_asgi_app(test_client_factory: TestClientFactory) -> None:
    route = Route("/only", homepage, methods=["GET"])
    client = test_client_factory(route)
    assert client.get("/only").text == "home"
    assert client.get("/other").status_code == 404
    assert client.post("/only").status_code == 405
    ws_route = WebSocketRoute("/ws", echo_socket)
    ws_client = test_client_factory(ws_route)
    with ws_client.websocket_connect("/ws") as session:
        assert session.receive_text() == "hello"
    with ExitStack() as stack, pytest.raises(WebSocketDisconnect):
        stack.enter_context(ws_client.websocket_connect("/elsewhere"))


async def test_standalone_route_ignores_lifespan() -> None:
    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await Route("/", homepage)({"type": "lifespan"}, receiver.receive, sender.send)
        assert receiver.statistics().current_buffer_used == 0, "nothing was sent"


def test_partial_endpoints_are_functions(test_client_factory: TestClientFactory) -> None:
    async def greet(request: Request, greeting: str) -> Response:
        return PlainTextResponse(greeting)

    route = Route("/hi", functools.partial(greet, greeting="hi"), name="hi")
    assert route.methods == {"GET", "HEAD"}
    assert test_client_factory(Router([route])).get("/hi").text == "hi"


def test_definition_errors() -> None:
    with pytest.raises(ValueError, match="Route paths must start with '/'"):
        Route("items", homepage)
    with pytest.raises(ValueError, match="WebSocketRoute paths must start with '/'"):
        WebSocketRoute("ws", echo_socket)
    with pytest.raises(ValueError, match="Mount paths must start with '/'"):
        Mount("api", ScopeApp())
    with pytest.raises(TypeError, match="either an app or a list of routes"):
        Mount("/api")
    with pytest.raises(TypeError, match="either an app or a list of routes"):
        Mount("/api", ScopeApp(), routes=[])
    with pytest.raises(ValueError, match="host name template, not a path"):
        Host("/x", ScopeApp())
    with pytest.raises(ValueError, match="Duplicated param name a"):
        Route("/{a}/{a}", homepage)


def test_reversed_paths_keep_their_values_as_given() -> None:
    router = Router(
        [
            Route("/{path:path}", homepage, name="anything"),
            Route("/{category}/{id}", homepage, name="item"),
        ]
    )
    assert router.url_path_for("item", category="{id}", id="42") == "/{id}/42"
    # A value that would make the path read as another host, or a Windows share.
    assert router.url_path_for("anything", path="/evil.org/a") == "/%2Fevil.org/a"
    assert router.url_path_for("anything", path="\\evil.org/a") == "/%5Cevil.org/a"


def test_reprs_and_properties() -> None:
    route = Route("/x/{id:int}", homepage, methods=["post"])
    assert repr(route) == "Route(path='/x/{id:int}', name='homepage', methods=['POST'])"
    assert set(route.param_convertors) == {"id"}
    assert (
        repr(WebSocketRoute("/ws", echo_socket)) == "WebSocketRoute(path='/ws', name='echo_socket')"
    )
    assert repr(Mount("/m", routes=[])).startswith("Mount(path='/m', name='', app=<")
    assert repr(Host("a.org", ScopeApp())).startswith("Host(host='a.org', name='', app=<")
    assert Mount("/m", ScopeApp()).routes == []
    assert Route("/asgi", ScopeApp()).name == "ScopeApp"


def test_match_results() -> None:
    route = Route("/x", homepage)
    http_scope = {"type": "http", "path": "/x", "method": "GET", "headers": []}
    assert route.matches(http_scope)[0] is Match.FULL
    assert route.matches({**http_scope, "method": "POST"})[0] is Match.PARTIAL
    assert route.matches({**http_scope, "path": "/y"})[0] is Match.NONE
    assert route.matches({"type": "websocket", "path": "/x"})[0] is Match.NONE
    assert Mount("/m", ScopeApp()).matches({"type": "lifespan"})[0] is Match.NONE
    assert Host("a.org", ScopeApp()).matches({"type": "lifespan"})[0] is Match.NONE
    socket_route = WebSocketRoute("/x", echo_socket)
    assert socket_route.matches(http_scope)[0] is Match.NONE
    assert socket_route.matches({"type": "websocket", "path": "/y"})[0] is Match.NONE


def test_root_path_that_is_only_a_prefix_of_a_segment(
    test_client_factory: TestClientFactory,
) -> None:
    app = Router([Route("/apiary", homepage)])
    assert test_client_factory(app).get("/apiary").text == "home"
    # A root path "/api" does not cut "/apiary" in the middle of its segment.
    assert route_path({"path": "/apiary", "root_path": "/api"}) == "/apiary"
    assert route_path({"path": "/api", "root_path": "/api"}) == ""
    assert route_path({"path": "/api/x", "root_path": "/api"}) == "/x"
    assert route_path({"path": "/other", "root_path": "/api"}) == "/other"


def test_a_root_path_with_a_trailing_slash_mounts_the_app_at_the_prefix(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(Router([Route("/", homepage)]), root_path="/site/")

    response = client.get("/site/", follow_redirects=False)

    assert (response.status_code, response.text) == (200, "home")
    assert route_path({"path": "/site/x", "root_path": "/site/"}) == "/x"


def test_base_route_is_abstract() -> None:
    route = BaseRoute()
    with pytest.raises(NotImplementedError):
        route.matches({})
    with pytest.raises(NotImplementedError):
        route.url_path_for("x")


def test_url_path_is_returned() -> None:
    assert isinstance(router.url_path_for("item", id=1), URLPath)


def test_reversing_skips_routes_of_another_name_whatever_their_convertors() -> None:
    router = Router(
        [
            Route("/int/{param:int}", homepage_for_reverse, name="number"),
            Route("/path/{param:path}", homepage_for_reverse, name="anything"),
        ]
    )

    assert router.url_path_for("anything", param="some/where") == "/path/some/where"
    assert router.url_path_for("number", param=5) == "/int/5"


async def homepage_for_reverse(request: Request) -> Response:
    return PlainTextResponse("unused")  # pragma: no cover (only reversed to)


class Stamp:
    """Middleware that changes nothing: a mount with it is served through its frames."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def where_am_i(request: Request) -> JSONResponse:
    scope = request.scope
    return JSONResponse(
        {
            "root_path": scope["root_path"],
            "app_root_path": scope.get("app_root_path"),
            "path_params": scope["path_params"],
            "route": scope["route"].path,
            "endpoint": scope["endpoint"] is where_am_i,
            "url": str(request.url_for("here")),
            "base": str(request.base_url),
        }
    )


async def live_here(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"root_path": websocket.scope["root_path"]})
    await websocket.close()


async def params_here(request: Request) -> JSONResponse:
    return JSONResponse(request.path_params)


def nested_router(*, plain: bool, endpoint: Any = where_am_i) -> Router:
    """Three literal mounts deep, plain ones or each with middleware of its own."""
    middleware = None if plain else [Middleware(Stamp)]
    inner = Mount(
        "/three",
        routes=[Route("/here", endpoint, name="here"), WebSocketRoute("/live", live_here)],
        middleware=middleware,
    )
    two = Mount("/two", routes=[inner], middleware=middleware)
    return Router([Mount("/one", routes=[two], middleware=middleware)])


@pytest.mark.parametrize("root_path", ["", "/prefix"])
def test_a_route_under_plain_mounts_is_served_as_through_the_mounts(
    test_client_factory: TestClientFactory, root_path: str
) -> None:
    seen = []
    for plain in (True, False):
        client = test_client_factory(nested_router(plain=plain), root_path=root_path)
        seen.append(client.get(f"{root_path}/one/two/three/here").json())
        with client.websocket_connect(f"{root_path}/one/two/three/live") as websocket:
            seen.append(websocket.receive_json())
        # A path without the root path in it, as some servers send: no route under mounts.
        assert client.get("/one/two/three/here").status_code == (404 if root_path else 200)
    assert seen[0] == seen[2]
    assert seen[1] == seen[3] == {"root_path": f"{root_path}/one/two/three"}
    assert seen[0]["url"] == f"http://testserver{root_path}/one/two/three/here"
    assert seen[0]["route"] == "/here"
    assert seen[0]["endpoint"] is True


def test_the_host_parameters_reach_a_route_under_plain_mounts(
    test_client_factory: TestClientFactory,
) -> None:
    router = Router([Host("{tenant}.example.org", nested_router(plain=True, endpoint=params_here))])
    client = test_client_factory(router, base_url="http://acme.example.org")
    assert client.get("/one/two/three/here").json() == {"tenant": "acme"}


def test_a_route_tried_before_a_plain_mount_still_wins(
    test_client_factory: TestClientFactory,
) -> None:
    async def catch_all(request: Request) -> PlainTextResponse:
        return PlainTextResponse("caught")

    router = nested_router(plain=True)
    router.routes.insert(0, Route("/one/{rest:path}", catch_all))
    client = test_client_factory(router)
    assert client.get("/one/two/three/here").text == "caught"


def test_routes_changed_under_plain_mounts_are_served_as_they_are_now(
    test_client_factory: TestClientFactory,
) -> None:
    async def late(request: Request) -> PlainTextResponse:
        return PlainTextResponse("late")

    router = nested_router(plain=True)
    inner = router.routes[0].routes[0].routes[0].routes  # type: ignore[attr-defined]
    inner.append(Route("/late", late))
    client = test_client_factory(router)
    assert client.get("/one/two/three/late").text == "late"
    del inner[0]
    assert client.get("/one/two/three/here").status_code == 404
    # The client sent a method the route does not serve: a 405, as through the mounts.
    assert client.post("/one/two/three/late").status_code == 405
