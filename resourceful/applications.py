"""The application: a router inside a middleware stack, with lifespan and exception handlers."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import cattrs

from resourceful._bodylimit import (
    DEFAULT_BODY,
    DEFAULT_UPLOAD,
    BodyLimitMiddleware,
    Unset,
    body_limits,
)
from resourceful._lifecycle import Conditional, function_app, function_websocket_app
from resourceful._locations import Location
from resourceful._paths import CompiledPath
from resourceful.authentication import AuthCredentials, BaseUser
from resourceful.background import BackgroundTasks
from resourceful.caching import CacheControl
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.conditional import conditions_of
from resourceful.datastructures import State, URLPath
from resourceful.di import Container, Provider, ScopeName
from resourceful.di._framework import (
    DEFAULT_CONVERTER,
    Protocol,
    form_data,
    location_of,
    plan_endpoint,
    providers_of,
)
from resourceful.middleware import Middleware
from resourceful.middleware._boundary import ErrorBoundary
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.middleware.errors import ServerErrorMiddleware
from resourceful.middleware.exceptions import ExceptionHandler, ExceptionMiddleware, HandlerKey
from resourceful.middleware.sessions import Session, SessionMiddleware
from resourceful.requests import HTTPConnection, Request
from resourceful.resources import (
    HTTP_VERBS,
    HTTPResource,
    WebSocketResource,
    _is_resource,
    _resource_app,
)
from resourceful.routing import (
    BaseRoute,
    Host,
    Lifespan,
    Mount,
    Route,
    Router,
    WebSocketRoute,
    lifespan_context,
)
from resourceful.settings import Settings
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocket

F = TypeVar("F", bound=Callable[..., Any])


class ServesRoutes(typing.Protocol):
    """Something that brings routes of its own to an app, such as
    :class:`~resourceful.openapi.OpenAPI`."""

    def routes(self) -> Sequence[BaseRoute]:
        """The routes to add after the app's own."""
        ...


def _hooks_lifespan(
    on_startup: Sequence[Callable[[], Any]], on_shutdown: Sequence[Callable[[], Any]]
) -> Lifespan:
    """A lifespan that runs the startup hooks, then, at shutdown, the shutdown hooks."""

    async def run(hooks: Sequence[Callable[[], Any]]) -> None:
        for hook in hooks:
            if is_async_callable(hook):
                await hook()
            else:
                await run_in_threadpool(hook)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        await run(on_startup)
        yield
        await run(on_shutdown)

    return lifespan


_NO_SESSIONS = (
    "no SessionMiddleware is installed",
    "add Middleware(SessionMiddleware, secret_key=...) to App(middleware=[...]).",
)


_NO_AUTHENTICATION = (
    "no AuthenticationMiddleware is installed",
    "add Middleware(AuthenticationMiddleware, backend=...) to App(middleware=[...]).",
)


async def user_of(connection: HTTPConnection) -> BaseUser:
    """The user the authentication middleware found (an UnauthenticatedUser if none)."""
    user: BaseUser = connection.user
    return user


async def credentials_of(connection: HTTPConnection) -> AuthCredentials:
    """The credentials the authentication middleware found."""
    credentials: AuthCredentials = connection.auth
    return credentials


def _is_settings_class(key: Any) -> bool:
    return isinstance(key, type) and issubclass(key, Settings) and key is not Settings


def _settings_provider(cls: type[Settings]) -> Provider:
    def load_settings() -> Settings:
        return cls.load()

    return Provider(load_settings, scope="app", provides=cls)


async def session_of(connection: HTTPConnection) -> Session:
    """The session of the request or websocket (kept by SessionMiddleware)."""
    session: Session = connection.session  # type: ignore[assignment]
    return session


def _build(entry: Middleware, app: ASGIApp) -> Any:
    cls, args, kwargs = entry
    return cls(app, *args, **kwargs)


def _conditional_of(
    endpoint: Callable[..., Any], container: Container, params: frozenset[str]
) -> Conditional | None:
    """What ``@conditional`` declared on a function endpoint, its validators planned."""
    declared = conditions_of(endpoint)
    if declared is None:
        return None
    validators, require_if_match = declared
    plan = plan_endpoint(validators, container, protocol="http", path_params=params)
    return Conditional(plan, require_if_match)


class App:
    """A resourceful application.

    The middleware stack is ServerErrorMiddleware (outermost), then ``middleware`` in the
    order given, then ExceptionMiddleware (innermost), then the router. It is built once, on
    the first request or lifespan event; with no middleware of your own, the fixed layers run
    as one, responding alike.

    Args:
        debug: respond to unhandled errors with a traceback page. Never in production.
        routes: the routes to serve.
        middleware: :class:`~resourceful.middleware.Middleware` entries, outermost first.
        exception_handlers: handlers by status code or exception class; a handler for 500
            or ``Exception`` responds to unhandled errors.
        on_startup: callables (sync or async) run at startup.
        on_shutdown: callables (sync or async) run at shutdown.
        lifespan: an async context manager factory ``lifespan(app)``; a mapping it yields
            becomes the initial ``request.state``. Not together with the hooks.
        providers: what endpoints and other providers can have injected by type: classes,
            functions, generators, ready values or :class:`~resourceful.di.Provider` entries.
        converter: the cattrs converter that turns typed return values into JSON (one that
            handles attrs classes, dates, UUIDs, decimals and enums by default).
        max_body_size: the largest request body in bytes (1 MiB); a larger one is a 413.
            None turns the limit off; routes, mounts and resources can set their own.
        max_upload_size: the same for ``multipart/form-data`` bodies: ``max_body_size``
            when that is given, else 100 MiB.
        openapi: an :class:`~resourceful.openapi.OpenAPI` serving the app's OpenAPI document
            and docs page; None serves neither.
        cache_control: the cache policy (a :class:`~resourceful.caching.CacheControl`) of the
            responses of its endpoints to GET and HEAD, unless a mount, a resource class or
            a handler declares its own.
    """

    def __init__(
        self,
        debug: bool = False,
        routes: Sequence[BaseRoute] | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[HandlerKey, ExceptionHandler] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Lifespan | None = None,
        providers: Sequence[Any] | None = None,
        converter: cattrs.Converter | None = None,
        max_body_size: int | Unset | None = DEFAULT_BODY,
        max_upload_size: int | Unset | None = DEFAULT_UPLOAD,
        openapi: ServesRoutes | None = None,
        cache_control: CacheControl | None = None,
    ) -> None:
        if lifespan is not None and (on_startup or on_shutdown):
            msg = "Give App() either lifespan= or on_startup=/on_shutdown=, not both."
            raise TypeError(msg)
        if lifespan is None and (on_startup or on_shutdown):
            lifespan = _hooks_lifespan(list(on_startup or []), list(on_shutdown or []))
        self._debug = debug
        self.converter = DEFAULT_CONVERTER if converter is None else converter
        self.body_limits = body_limits(max_body_size, max_upload_size)
        self._body_limit_arguments = (max_body_size, max_upload_size)
        self.state = State()
        self.container = Container()
        self.container.register(Provider(self, provides=App))
        self.container.register(BackgroundTasks)
        self.container.register(form_data)
        self.container.register(session_of)
        self.container.register(user_of)
        self.container.register(credentials_of)
        self.container.add_context_type(Request, "a Request exists only in HTTP endpoints")
        self.container.add_context_type(WebSocket, "a WebSocket exists only in websocket endpoints")
        self.container.add_context_type(HTTPConnection, "it exists only inside a request")
        self.container.add_rule(_is_settings_class, _settings_provider)
        for provider in providers or ():
            self.container.register(provider)
        if openapi is not None:
            routes = [*(routes or ()), *openapi.routes()]
        self.openapi = openapi
        self.cache_control = cache_control
        self.router = Router(routes, lifespan=self._container_lifespan(lifespan))
        self.user_middleware = list(middleware or [])
        self.exception_handlers: dict[HandlerKey, ExceptionHandler] = dict(exception_handlers or {})
        self.middleware_stack: ASGIApp | None = None
        # The container of each mount (and host) under the app, made when it is built.
        self._layer_containers: dict[Any, Container] = {}
        # Where each endpoint is served, found when the app is built.
        self._served_at: dict[Any, list[Location]] = {}

    def _container_lifespan(self, lifespan: Lifespan | None) -> Lifespan:
        """The user's lifespan, inside the making and tearing down of app-scoped values."""

        user_lifespan = lifespan_context(lifespan)

        @asynccontextmanager
        async def with_container(app: Any) -> AsyncIterator[Any]:
            await self.container.startup()
            try:
                async with user_lifespan(app) as state:
                    yield state
            finally:
                await self.container.aclose()

        return with_container

    def add_provider(
        self, provider: Any, *, scope: ScopeName | None = None, provides: Any = None
    ) -> None:
        """Register a provider (see :class:`~resourceful.di.Provider`) before the app starts."""
        if self.middleware_stack is not None:
            msg = "Cannot add providers after the application has started."
            raise RuntimeError(msg)
        self.container.register(provider, scope=scope, provides=provides)

    def _inject(
        self,
        routes: Sequence[BaseRoute],
        outer_params: frozenset[str],
        container: Container,
        policy: CacheControl | None,
    ) -> None:
        """Put dependency injection in front of every endpoint, planned now against the
        container of the layer it is in, under the cache policy of the innermost layer that
        declares one."""
        for route in routes:
            if isinstance(route, Route | WebSocketRoute):
                params = outer_params | route.compiled.convertors.keys()
                self._inject_route(route, params, self.container_of(route, container), policy)
            elif isinstance(route, Mount | Host):
                mounted = route.app if isinstance(route, Host) else route.base_app
                if isinstance(mounted, App):
                    # It plans its own routes, with its own providers: now, to fail at startup.
                    if mounted.middleware_stack is None:
                        mounted.middleware_stack = mounted.build_middleware_stack()
                    continue
                inner = outer_params | (route.compiled.convertors.keys() - {"path"})
                inner_policy = policy
                for layer in route.layers:
                    if layer.cache_control is not None:
                        inner_policy = layer.cache_control
                layer_container = self.container_of(route, container)
                self._inject(route.routes, inner, layer_container, inner_policy)

    def _make_layers(self, routes: Sequence[BaseRoute], container: Container) -> None:
        """Make the container of every mount, host and resource class with providers first,
        so that planning an endpoint knows every layer (and can say which one provides what
        it cannot have)."""
        for route in routes:
            if isinstance(route, Route | WebSocketRoute):
                self._make_route_layers(route, container)
            elif isinstance(route, Mount | Host):
                if isinstance(route.app if isinstance(route, Host) else route.base_app, App):
                    if isinstance(route, Mount) and route.layer.providers:
                        msg = (
                            f"Mount({route.path!r}) mounts an App, which injects what its own "
                            "providers make: give the providers to that App(providers=[...])."
                        )
                        raise TypeError(msg)
                    continue
                where = repr(route.path) if isinstance(route, Mount) else repr(route.host)
                where = f"{type(route).__name__}({where})"
                if any(layer.requirements for layer in route.layers):
                    self._check_authentication(where)
                providers = [p for layer in route.layers for p in layer.providers]
                self._make_layers(route.routes, self._layer(route, container, where, providers))

    def _make_route_layers(self, route: Route | WebSocketRoute, container: Container) -> None:
        """The layers of a resource class's providers and of its handlers' (``@injects``),
        or of a function endpoint's."""
        endpoint = route.endpoint
        if not _is_resource(endpoint):
            own = providers_of(endpoint) if route.is_function_endpoint else ()
            if own:
                self._layer(route, container, getattr(endpoint, "__qualname__", route.name), own)
            return
        if endpoint.providers:
            container = self._layer(route, container, endpoint.__qualname__, endpoint.providers)
        if issubclass(endpoint, HTTPResource):
            for verb in HTTP_VERBS:
                own = providers_of(getattr(endpoint, verb, None))
                if own:
                    self._layer((route, verb), container, f"{endpoint.__qualname__}.{verb}", own)

    def _index_endpoints(
        self, routes: Sequence[BaseRoute], mounts: tuple[CompiledPath, ...]
    ) -> None:
        """Note where each endpoint is served, for the ``Location`` of what is created."""
        for route in routes:
            if isinstance(route, Route):
                where = getattr(route.endpoint, "__qualname__", route.name)
                location = Location(mounts, route.compiled, where)
                self._served_at.setdefault(route.endpoint, []).append(location)
            elif isinstance(route, Mount | Host):
                mounted = route.app if isinstance(route, Host) else route.base_app
                if not isinstance(mounted, App):
                    inner = mounts if isinstance(route, Host) else (*mounts, route.compiled)
                    self._index_endpoints(route.routes, inner)

    def _locate(self, func: Any) -> Location | None:
        """Where the endpoint ``@responds(location=...)`` names for ``func`` is served."""
        target = location_of(func)
        if target is None:
            return None
        found = self._served_at.get(target, [])
        if len(found) != 1:
            name = getattr(target, "__qualname__", repr(target))
            owner = getattr(func, "__qualname__", repr(func))
            count = "no route" if not found else f"{len(found)} routes"
            msg = (
                f"{owner}: @responds(location={name}) names an endpoint this app serves with "
                f"{count}: route {name} once in this app, so the Location is known."
            )
            raise TypeError(msg)
        return found[0]

    def _check_authentication(self, where: str) -> None:
        if not self._has_middleware(AuthenticationMiddleware):
            msg = (
                f"{where} requires scopes, but no AuthenticationMiddleware is installed to "
                "give connections their credentials: add Middleware(AuthenticationMiddleware, "
                "backend=...) to App(middleware=[...])."
            )
            raise RuntimeError(msg)

    def _layer(
        self, route: Any, parent: Container, where: str, providers: Sequence[Any]
    ) -> Container:
        """The container of the layer ``route`` (a route, or a route and a verb) makes:
        ``providers``, over ``parent``'s."""
        found = self._layer_containers.get(route)
        if found is None:
            found = self._layer_containers[route] = Container(parent, where=where)
            for provider in providers:
                found.register(provider)
        return found

    def container_of(self, route: Any, outer: Container | None = None) -> Container:
        """The container the endpoints of ``route`` resolve from, once the app is built: the
        layer of a mount or host (at any depth), of a resource class or function endpoint
        with providers, or, for ``(route, verb)``, of a resource method with providers of its
        own; otherwise ``outer``, the container of the layer around it (the app's by
        default)."""
        found = self._layer_containers.get(route)
        if found is not None:
            return found
        return self.container if outer is None else outer

    def _inject_route(
        self,
        route: Route | WebSocketRoute,
        params: frozenset[str],
        container: Container,
        policy: CacheControl | None,
    ) -> None:
        if _is_resource(route.endpoint):
            expected = HTTPResource if isinstance(route, Route) else WebSocketResource
            if not issubclass(route.endpoint, expected):
                kind = "Route" if isinstance(route, Route) else "WebSocketRoute"
                other = "WebSocketRoute" if kind == "Route" else "Route"
                msg = (
                    f"{route.endpoint.__qualname__} cannot be served by a {kind}: route it "
                    f"with {other}."
                )
                raise TypeError(msg)
            handlers = {
                verb: self._layer_containers[route, verb]
                for verb in HTTP_VERBS
                if (route, verb) in self._layer_containers
            }
            endpoint = route.endpoint
            app = _resource_app(
                endpoint, container, params, self.converter, handlers, policy, self._locate
            )
            route.use_endpoint_app(app, self)
        elif route.is_function_endpoint:
            protocol: Protocol = "http" if isinstance(route, Route) else "websocket"
            plan = plan_endpoint(route.endpoint, container, protocol=protocol, path_params=params)
            if isinstance(route, Route):
                conditional = _conditional_of(route.endpoint, container, params)
                location = self._locate(route.endpoint)
                app = function_app(plan, container, self.converter, policy, conditional, location)
                route.use_endpoint_app(app, self)
            else:
                route.use_endpoint_app(function_websocket_app(plan, container), self)
        else:
            # An ASGI app with injection of its own (GraphQLApp) plans it now.
            use_container = getattr(route.endpoint, "use_container", None)
            if callable(use_container):
                use_container(container)

    def _has_middleware(self, kind: type[Any]) -> bool:
        return any(
            isinstance(entry.cls, type) and issubclass(entry.cls, kind)
            for entry in self.user_middleware
        )

    def build_middleware_stack(self) -> ASGIApp:
        """Check the providers, plan every endpoint, and assemble the middleware stack."""
        unavailable: dict[Any, tuple[str, str]] = {}
        if not self._has_middleware(SessionMiddleware):
            unavailable[Session] = _NO_SESSIONS
        if not self._has_middleware(AuthenticationMiddleware):
            unavailable[BaseUser] = unavailable[AuthCredentials] = _NO_AUTHENTICATION
        self.container.unavailable = unavailable
        self._make_layers(self.routes, self.container)
        self._served_at = {}
        self._index_endpoints(self.routes, ())
        self.container.compile()
        self._inject(self.routes, frozenset(), self.container, self.cache_control)
        error_handler = None
        handlers: dict[HandlerKey, ExceptionHandler] = {}
        for key, handler in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = handler
            else:
                handlers[key] = handler
        limits = (
            []
            if self.body_limits == (None, None)
            else [Middleware(BodyLimitMiddleware, *self._body_limit_arguments)]
        )
        errors = Middleware(ServerErrorMiddleware, handler=error_handler, debug=self.debug)
        exceptions = Middleware(ExceptionMiddleware, handlers=handlers, debug=self.debug)
        router = self.router.middleware_stack  # the router without a call of its own
        if not self.user_middleware:
            # Nothing in between: the three fixed layers run as one.
            return ErrorBoundary(
                router,
                _build(errors, router),
                _build(limits[0], router) if limits else None,
                _build(exceptions, router),
            )
        inner: ASGIApp = _build(exceptions, router)
        for entry in reversed(self.user_middleware):
            inner = _build(entry, inner)
        # The outer two fixed layers run as one around the app's own middleware.
        return ErrorBoundary(
            inner, _build(errors, inner), _build(limits[0], inner) if limits else None, None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        await self.middleware_stack(scope, receive, send)

    @property
    def debug(self) -> bool:
        """Whether unhandled errors get a traceback page as their response."""
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        self._debug = value
        self.middleware_stack = None

    @property
    def routes(self) -> list[BaseRoute]:
        """The router's routes; changes to this list take effect."""
        return self.router.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of the route called ``name``.

        See :meth:`~resourceful.routing.Router.url_path_for`.
        """
        return self.router.url_path_for(name, **path_params)

    def add_middleware(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        """Add a middleware outside the ones added before (it sees requests before them)."""
        if self.middleware_stack is not None:
            msg = "Cannot add middleware after the application has started."
            raise RuntimeError(msg)
        self.user_middleware.insert(0, Middleware(cls, *args, **kwargs))

    def add_exception_handler(self, key: HandlerKey, handler: ExceptionHandler) -> None:
        """Handle exceptions of class ``key``, or HTTPExceptions of status ``key``."""
        if self.middleware_stack is not None:
            msg = "Cannot add exception handlers after the application has started."
            raise RuntimeError(msg)
        self.exception_handlers[key] = handler

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add a :class:`~resourceful.routing.Route` (planned at once if the app runs)."""
        self.router.add_route(path, endpoint, methods, name, include_in_schema)
        self._plan_added()

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        """Add a :class:`~resourceful.routing.WebSocketRoute` (planned at once if the app
        runs)."""
        self.router.add_websocket_route(path, endpoint, name)
        self._plan_added()

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` under ``path`` (a :class:`~resourceful.routing.Mount`)."""
        self.router.mount(path, app, name)
        self._plan_added()

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` for requests to ``host`` (a :class:`~resourceful.routing.Host`)."""
        self.router.host(host, app, name)
        self._plan_added()

    def _plan_added(self) -> None:
        """Plan the route just added, if the app was built already (it plans the others
        when it is built)."""
        if self.middleware_stack is None:
            return
        added = self.routes[-1:]
        self._make_layers(added, self.container)
        self._index_endpoints(added, ())
        self._inject(added, frozenset(), self.container, self.cache_control)

    def route(
        self,
        path: str,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> Callable[[F], F]:
        """Decorator form of :meth:`add_route`."""

        def decorator(func: F) -> F:
            self.add_route(path, func, methods, name, include_in_schema)
            return func

        return decorator

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[F], F]:
        """Decorator form of :meth:`add_websocket_route`."""

        def decorator(func: F) -> F:
            self.add_websocket_route(path, func, name)
            return func

        return decorator

    def exception_handler(self, key: HandlerKey) -> Callable[[F], F]:
        """Decorator form of :meth:`add_exception_handler`."""

        def decorator(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return decorator


__all__ = ["App"]
