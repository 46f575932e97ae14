"""Routing: match a request to a route by path (and method, host), and reverse names to URLs."""

from __future__ import annotations

import inspect
import re
import traceback
import weakref
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from resourceful._endpoints import request_response, websocket_session, wrap
from resourceful._handlers import ExceptionHandler, HandlerKey
from resourceful._hosts import parse_host
from resourceful._layers import Layer, make_layer
from resourceful._paths import CompiledPath, first_segment, route_path
from resourceful._requirements import Requires
from resourceful._routelist import RouteList
from resourceful._routes import (
    FULL,
    PARTIAL,
    BaseRoute,
    EndpointRoute,
    Match,
    NoMatchFound,
    Route,
    WebSocketRoute,
    check_path,
    merge_params,
)
from resourceful.caching import CacheControl
from resourceful.datastructures import URL, URLPath
from resourceful.exceptions import HTTPException
from resourceful.responses import PlainTextResponse, RedirectResponse, Response
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocketClose

if TYPE_CHECKING:
    from resourceful.middleware import Middleware

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _reverse_nested(
    routes: Sequence[BaseRoute], name: str, path_params: dict[str, Any]
) -> URLPath | None:
    for route in routes:
        url = _try_reverse(route, name, path_params)
        if url is not None:
            return url
    return None


def _try_reverse(route: BaseRoute, name: str, path_params: dict[str, Any]) -> URLPath | None:
    try:
        return route.url_path_for(name, **path_params)
    except NoMatchFound:
        return None


class Mount(BaseRoute):
    """Serve an ASGI app, or a list of routes, under a path prefix: a module of the app.

    The mounted app sees the full ``path`` and a ``root_path`` that includes the prefix, so
    its own URLs come out right. ``middleware`` wraps the mounted app; ``max_body_size``
    limits the request bodies it takes, in place of the app's limit.

    What a mount declares holds for everything under it, routes added later included, and
    an inner mount, router, resource or endpoint refines it (see :doc:`/larger`):
    ``providers`` (as the app's) are injectable under the mount, in place of an outer
    layer's provider of the same type; ``requires`` lets in only connections whose
    credentials have its scopes (a scope, a list of them, or what
    :func:`~resourceful.authentication.requires` makes, for its status or redirect);
    ``exception_handlers`` (keyed as the app's) respond to the errors raised under the mount
    before an outer layer's; ``tags`` and ``responses`` (a description, or an OpenAPI
    ``ResponseSpec``, by status) go to the OpenAPI operations under the mount, merged with
    theirs (theirs win per status); ``cache_control`` (a
    :class:`~resourceful.caching.CacheControl`) is the cache policy of the responses to
    ``GET`` and ``HEAD`` under it.
    """

    def __init__(
        self,
        path: str,
        app: ASGIApp | None = None,
        routes: Sequence[BaseRoute] | None = None,
        name: str | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
        providers: Sequence[Any] | None = None,
        requires: str | Sequence[str] | Requires | None = None,
        exception_handlers: Mapping[HandlerKey, ExceptionHandler] | None = None,
        tags: Sequence[str] = (),
        responses: Mapping[int, Any] | None = None,
        cache_control: CacheControl | None = None,
    ) -> None:
        if path:
            check_path(path, "Mount")
        if (app is None) == (routes is None):
            msg = "Mount() takes either an app or a list of routes, exactly one of them."
            raise TypeError(msg)
        self.path = path.rstrip("/")
        self.name = name
        self._base_app: ASGIApp = app if app is not None else Router(routes=routes)
        #: What the mount declares for everything under it.
        self.layer = make_layer(
            f"Mount({path!r})",
            providers=providers,
            requires=requires,
            exception_handlers=exception_handlers,
            tags=tags,
            responses=responses,
            cache_control=cache_control,
        )
        self.app = wrap(self.layer.around(self._base_app), middleware, max_body_size)
        self.compiled = CompiledPath(self.path + "/{path:path}")
        self.first_segment = self.compiled.first_segment

    @property
    def layers(self) -> tuple[Layer, ...]:
        """What the mount declares, then what the router it mounts declares, if it does."""
        return _layers(self.layer, self._base_app)

    @property
    def base_app(self) -> ASGIApp:
        """The mounted app itself, without the mount's middleware."""
        return self._base_app

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the mounted router (empty for another kind of app)."""
        routes: list[BaseRoute] = getattr(self._base_app, "routes", [])
        return routes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        path = route_path(scope)
        params = self.compiled.match(path)
        if params is None:
            return Match.NONE, {}
        remaining = "/" + params.pop("path")
        matched = path[: len(path) - len(remaining)]
        root_path = scope.get("root_path", "")
        child_scope = {
            "path_params": merge_params(scope, params),
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + matched,
            "endpoint": self.app,
        }
        return Match.FULL, child_scope

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and name == self.name and "path" in path_params:
            params = {**path_params, "path": str(path_params["path"]).lstrip("/")}
            filled = self.compiled.replace_params(params)
            if filled is not None and not filled[1]:
                return URLPath(filled[0])
        elif self.name is None or name.startswith(self.name + ":"):
            child_name = name if self.name is None else name[len(self.name) + 1 :]
            filled = self.compiled.replace_params({**path_params, "path": ""})
            if filled is not None:
                prefix, child_params = filled
                if "path" in path_params:
                    child_params["path"] = path_params["path"]
                url = _reverse_nested(self.routes, child_name, child_params)
                if url is not None:
                    return URLPath(prefix.rstrip("/") + url, protocol=url.protocol, host=url.host)
        raise NoMatchFound(name, path_params)

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.app(scope, receive, send)

    def __repr__(self) -> str:
        return f"Mount(path={self.path!r}, name={self.name or ''!r}, app={self._base_app!r})"


class Host(BaseRoute):
    """Serve an ASGI app for requests whose ``Host`` header matches, e.g. ``{sub}.example.org``."""

    def __init__(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        if host.startswith("/"):
            msg = f"Host() takes a host name template, not a path: {host!r}."
            raise ValueError(msg)
        self.host = host
        self.app = app
        self.name = name
        # Host names are case-insensitive: the template's literal parts are matched lowered.
        self.compiled = CompiledPath(
            "".join(
                part if part.startswith("{") else part.lower()
                for part in re.split(r"(\{[^}]*\})", host)
            )
        )

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the app served for this host (empty for another kind of app)."""
        routes: list[BaseRoute] = getattr(self.app, "routes", [])
        return routes

    @property
    def layers(self) -> tuple[Layer, ...]:
        """What the router served for the host declares, if it is one."""
        return _layers(None, self.app)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        header = next((value for name, value in scope["headers"] if name == b"host"), b"")
        host = parse_host(header.decode("latin-1"))  # a Host header that is no host: no match
        params = None if host is None else self.compiled.match(host.host.lower())
        if params is None:
            return Match.NONE, {}
        return Match.FULL, {"path_params": merge_params(scope, params), "endpoint": self.app}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if self.name is not None and name == self.name and "path" in path_params:
            params = dict(path_params)
            path = str(params.pop("path"))
            filled = self.compiled.replace_params(params)
            if filled is not None and not filled[1]:
                return URLPath(path, host=filled[0])
        elif self.name is None or name.startswith(self.name + ":"):
            child_name = name if self.name is None else name[len(self.name) + 1 :]
            filled = self.compiled.replace_params(path_params)
            if filled is not None:
                host, child_params = filled
                url = _reverse_nested(self.routes, child_name, child_params)
                if url is not None:
                    return URLPath(str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.app(scope, receive, send)

    def __repr__(self) -> str:
        return f"Host(host={self.host!r}, name={self.name or ''!r}, app={self.app!r})"


_Plain = TypeVar("_Plain", Route, WebSocketRoute)


def _is_literal(route: BaseRoute, kind: type[_Plain]) -> TypeGuard[_Plain]:
    """Whether ``route`` is a plain ``kind`` of route whose path has no parameters."""
    return (
        type(route).matches is kind.matches
        and type(route).handle is kind.handle
        and isinstance(route, kind)
        and not route.compiled.convertors
    )


def _plainly_mounted(route: BaseRoute) -> tuple[Mount, Router] | None:
    """``route`` and the router it mounts, if it is a plain mount at a literal path of a plain
    router (nothing of the mount's or the router's runs between them and the routes)."""
    if not isinstance(route, Mount) or route.first_segment is None:
        return None
    router = route.base_app
    if (
        type(route).matches is not Mount.matches
        or type(route).handle is not Mount.handle
        or route.app is not router
        or route.compiled.convertors.keys() != {"path"}
        or not isinstance(router, Router)
        or type(router).app is not Router.app
        or router.middleware_stack != router.app
    ):
        return None
    return route, router


def _may_match(route: BaseRoute, path: str, kind: str) -> bool:
    """Whether ``route`` could match a connection of ``kind`` for ``path`` (True when unsure)."""
    plain = type(route).matches in (Route.matches, WebSocketRoute.matches, Mount.matches)
    if not plain or not isinstance(route, EndpointRoute | Mount):
        return True
    if isinstance(route, EndpointRoute) and route.protocol != kind:
        return False
    return route.compiled.regex.match(path) is not None


@asynccontextmanager
async def _no_lifespan(app: Any) -> AsyncIterator[None]:
    yield


def lifespan_context(lifespan: Any) -> Lifespan:
    """``lifespan`` as an async context manager factory; a plain generator function (sync or
    async) that yields once is taken too, as ``contextlib`` would wrap it."""
    if lifespan is None:
        return _no_lifespan
    if inspect.isasyncgenfunction(lifespan):
        return asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        in_sync = contextmanager(lifespan)

        @asynccontextmanager
        async def in_async(app: Any) -> AsyncIterator[Any]:
            with in_sync(app) as state:
                yield state

        return in_async
    lifespan_context: Lifespan = lifespan
    return lifespan_context


def _layers(outer: Layer | None, app: ASGIApp) -> tuple[Layer, ...]:
    inner = app.layer if isinstance(app, Router) else None
    return tuple(layer for layer in (outer, inner) if layer is not None)


class Router:
    """Dispatches each request to the first route that matches it.

    A router mounted in an app (``Mount("/api", app=router)``) is a module of it: what it
    declares with ``providers``, ``requires``, ``exception_handlers``, ``tags`` and
    ``responses`` holds for its routes as a :class:`Mount`'s does, inside the mount's.

    Args:
        routes: the routes, tried in order.
        redirect_slashes: redirect ``/x/`` to ``/x`` (and back) when only the other exists.
        default: the ASGI app for requests no route matches (a 404 by default).
        lifespan: an async context manager factory ``lifespan(app)`` run at startup and
            shutdown; a mapping it yields becomes the initial ``request.state``.
        middleware: ASGI middleware around the whole router.
        max_body_size: the largest request body the router takes (413 past it); no limit
            when omitted.
        providers: what its endpoints can have injected, besides the app's.
        requires: the scopes every connection it serves must have.
        exception_handlers: handlers by status code or exception class for its errors.
        tags: OpenAPI tags of its operations.
        responses: OpenAPI responses of its operations, by status.
        cache_control: the cache policy of its responses to GET and HEAD.
    """

    def __init__(
        self,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        lifespan: Lifespan | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
        providers: Sequence[Any] | None = None,
        requires: str | Sequence[str] | Requires | None = None,
        exception_handlers: Mapping[HandlerKey, ExceptionHandler] | None = None,
        tags: Sequence[str] = (),
        responses: Mapping[int, Any] | None = None,
        cache_control: CacheControl | None = None,
    ) -> None:
        # The routers that serve literal routes of this one themselves (mounting it plainly).
        self._outer: weakref.WeakSet[Router] = weakref.WeakSet()
        self.routes = list(routes or [])
        self.redirect_slashes = redirect_slashes
        self.default: ASGIApp = self.not_found if default is None else default
        self.lifespan_context: Lifespan = lifespan_context(lifespan)
        #: What the router declares for its routes.
        self.layer = make_layer(
            "Router",
            providers=providers,
            requires=requires,
            exception_handlers=exception_handlers,
            tags=tags,
            responses=responses,
            cache_control=cache_control,
        )
        self.middleware_stack = wrap(self.layer.around(self.app), middleware, max_body_size)

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes, in the order they are tried; changes to this list take effect."""
        return self._routes

    @routes.setter
    def routes(self, routes: Iterable[BaseRoute]) -> None:
        self._routes: RouteList[BaseRoute] = RouteList(routes, self._reindex)
        self._reindex()

    def _reindex(self) -> None:
        # Routes whose first path segment is literal are only tried for paths that start with
        # that segment, so matching cost does not grow with every route the app has.
        segments = {route.first_segment for route in self._routes}
        self._by_segment = {
            segment: [route for route in self._routes if route.first_segment in (segment, None)]
            for segment in segments
            if segment is not None
        }
        self._unindexed = [route for route in self._routes if route.first_segment is None]
        self._literal_http = self._literal_routes(Route)
        self._literal_websocket = self._literal_routes(WebSocketRoute)
        self._nested_http = self._nested_routes(Route)
        self._nested_websocket = self._nested_routes(WebSocketRoute)
        for outer in list(self._outer):
            outer._reindex()

    def _literal_routes(self, kind: type[_Plain]) -> dict[str, _Plain]:
        # A route without parameters is found by a dict lookup of its path, as long as no
        # route tried before it could match that path too.
        literal: dict[str, _Plain] = {}
        for route in self._routes:
            if not _is_literal(route, kind):
                continue
            earlier = self._by_segment[route.first_segment]  # type: ignore[index]
            for other in earlier[: earlier.index(route)]:
                if _may_match(other, route.path, kind.protocol):
                    break
            else:
                literal[route.path] = route
        return literal

    def _nested_routes(self, kind: type[_Plain]) -> dict[str, tuple[_Plain, str]]:
        # The literal routes of routers mounted plainly at a literal path (no middleware or
        # policy of the mount's or the router's in between), by their path from here, each
        # with the mount paths it is under: found by one lookup, as this router's own are,
        # where no route tried before the mount could match the path.
        nested: dict[str, tuple[_Plain, str]] = {}
        for route in self._routes:
            plain = _plainly_mounted(route)
            if plain is None:
                continue
            mount, router = plain
            router._outer.add(self)
            earlier = self._candidates(mount.path)
            before = earlier[: earlier.index(mount)]
            for sub_path, (inner, prefix) in router._literal_table(kind).items():
                path = mount.path + sub_path
                if not any(_may_match(other, path, kind.protocol) for other in before):
                    nested[path] = (inner, mount.path + prefix)
        return nested

    def _literal_table(self, kind: type[_Plain]) -> dict[str, tuple[_Plain, str]]:
        """Every literal route this router finds by one lookup, with the mount paths it is
        under (none for its own)."""
        if kind.protocol == "http":
            table: dict[str, Any] = {
                path: (route, "") for path, route in self._literal_http.items()
            }
            table.update(self._nested_http)
        else:
            table = {path: (route, "") for path, route in self._literal_websocket.items()}
            table.update(self._nested_websocket)
        return table

    def _nested(
        self,
        table: dict[str, tuple[Route, str]] | dict[str, tuple[WebSocketRoute, str]],
        scope: Scope,
        receive: Receive,
        send: Send,
        kind: str,
        path: str,
    ) -> Awaitable[None]:
        """Serve a literal route of a plainly mounted router as the mounts would, with the
        scope they would set, but without their frames."""
        found = table.get(path)
        if found is None:
            return self._route(scope, receive, send, kind, path)
        route, prefix = found
        if kind == "http":
            methods = route.methods  # type: ignore[union-attr]
            if methods is not None and scope["method"] not in methods:
                return self._route(scope, receive, send, kind, path)
        root_path = scope.get("root_path", "")
        if root_path and not scope["path"].startswith(root_path):
            # A server that leaves the root path out of the path: the mounts below would not
            # find the route (each takes the whole path for its own), so neither does this.
            return self._route(scope, receive, send, kind, path)
        if "app_root_path" not in scope:
            scope["app_root_path"] = root_path
        scope["root_path"] = root_path + prefix
        outer = scope.get("path_params")
        scope["endpoint"] = route.endpoint
        scope["route"] = route
        scope["path_params"] = {**outer} if outer else {}
        return route.app(scope, receive, send)

    def _candidates(self, path: str) -> list[BaseRoute]:
        return self._by_segment.get(first_segment(path), self._unindexed)

    async def not_found(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The default response when nothing matches: a 404, or closing the websocket."""
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
        elif "app" in scope:
            raise HTTPException(404)
        else:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    async def lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the lifespan context across the ASGI lifespan protocol."""
        started = False
        await receive()
        try:
            async with self.lifespan_context(scope.get("app")) as state:
                if state is not None:
                    if "state" not in scope:
                        msg = 'The server does not support "state" in the lifespan scope.'
                        raise RuntimeError(msg)
                    scope["state"].update(state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except BaseException:
            phase = "shutdown" if started else "startup"
            message = traceback.format_exc()
            await send({"type": f"lifespan.{phase}.failed", "message": message})
            raise
        await send({"type": "lifespan.shutdown.complete"})

    def app(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Route one connection (the router without its middleware).

        A request for a literal path gets its endpoint's own coroutine, without a frame of
        the router's in between: most requests are these.
        """
        if "router" not in scope:
            scope["router"] = self
        kind = scope["type"]
        if kind == "lifespan":
            return self.lifespan(scope, receive, send)
        path = route_path(scope) if scope.get("root_path") else scope["path"]
        literal: Route | WebSocketRoute | None
        if kind == "http":
            literal = self._literal_http.get(path)
            if literal is None and self._nested_http:
                return self._nested(self._nested_http, scope, receive, send, kind, path)
            methods = None if literal is None else literal.methods
            if methods is not None and scope["method"] not in methods:
                literal = None
        else:
            literal = self._literal_websocket.get(path) if kind == "websocket" else None
            if literal is None and kind == "websocket" and self._nested_websocket:
                return self._nested(self._nested_websocket, scope, receive, send, kind, path)
        if literal is None:
            return self._route(scope, receive, send, kind, path)
        outer = scope.get("path_params")
        scope["endpoint"] = literal.endpoint
        scope["route"] = literal
        scope["path_params"] = {**outer} if outer else {}
        return literal.app(scope, receive, send)

    def _route(
        self, scope: Scope, receive: Receive, send: Send, kind: str, path: str
    ) -> Awaitable[None]:
        # The matched route's own awaitable, as for a literal path.
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for route in self._candidates(path):
            match, child_scope = route.matches(scope)
            if match is FULL:
                scope.update(child_scope)
                scope["route"] = route
                return route.handle(scope, receive, send)
            if match is PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope.update(partial_scope)
            scope["route"] = partial
            return partial.handle(scope, receive, send)
        if kind == "http" and self.redirect_slashes and path != "/":
            redirect = self._slash_redirect(scope)
            if redirect is not None:
                return redirect(scope, receive, send)
        return self.default(scope, receive, send)

    def _slash_redirect(self, scope: Scope) -> Response | None:
        other = dict(scope)
        path: str = scope["path"]
        other["path"] = path[:-1] if path.endswith("/") else path + "/"
        for route in self._candidates(route_path(other)):
            match, _ = route.matches(other)
            if match is not Match.NONE:
                return RedirectResponse(URL(scope=other))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.middleware_stack(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route called ``name`` (``"api:note"`` for one inside a named mount).

        Raises:
            NoMatchFound: no route has that name and takes exactly those parameters.
        """
        url = _reverse_nested(self._routes, name, path_params)
        if url is None:
            raise NoMatchFound(name, path_params)
        return url

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Add a :class:`Mount` of ``app`` at ``path``."""
        self.routes.append(Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Add a :class:`Host` route serving ``app`` for ``host``."""
        self.routes.append(Host(host, app=app, name=name))

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add a :class:`Route`."""
        route = Route(
            path, endpoint, methods=methods, name=name, include_in_schema=include_in_schema
        )
        self.routes.append(route)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        """Add a :class:`WebSocketRoute`."""
        self.routes.append(WebSocketRoute(path, endpoint, name=name))


__all__ = [
    "BaseRoute",
    "Host",
    "Match",
    "Mount",
    "NoMatchFound",
    "Route",
    "Router",
    "WebSocketRoute",
    "request_response",
    "websocket_session",
]
