"""Routes: what a route is (match, handle, reverse) and the endpoint routes, HTTP and websocket.

:mod:`resourceful.routing` holds the rest (Mount, Host, Router) and exports all of them.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from resourceful._endpoints import is_function, request_response, websocket_session, wrap
from resourceful._paths import CompiledPath, route_path
from resourceful.datastructures import URLPath
from resourceful.exceptions import HTTPException
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocketClose

if TYPE_CHECKING:
    from resourceful.middleware import Middleware


class NoMatchFound(Exception):
    """No route has this name and takes exactly these parameters."""

    def __init__(self, name: str, path_params: Collection[str]) -> None:
        params = ", ".join(sorted(path_params)) or "none"
        msg = f"No route is named {name!r} with the path parameters ({params})."
        super().__init__(msg)


class Match(enum.Enum):
    """How well a route fits a request: not at all, all but the method, or fully."""

    NONE = 0
    PARTIAL = 1
    FULL = 2


# Plain names for the matches the router compares on every request: reading an enum member
# off its class is slow.
NO_MATCH = Match.NONE
PARTIAL = Match.PARTIAL
FULL = Match.FULL


def check_path(path: str, kind: str) -> None:
    if not path.startswith("/"):
        msg = f"{kind} paths must start with '/', got {path!r}."
        raise ValueError(msg)


def merge_params(scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    """The path parameters of enclosing mounts and hosts, plus this route's own."""
    outer: dict[str, Any] | None = scope.get("path_params")
    return {**outer, **params} if outer else params


class BaseRoute:
    """What the router asks of every route."""

    #: The literal first path segment every match starts with, or None if it varies.
    first_segment: str | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        raise NotImplementedError

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NotImplementedError

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """What serves a matched request: a coroutine (an ``async def handle`` does)."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request on its own, outside a router."""
        match, child_scope = self.matches(scope)
        if match is Match.NONE:
            if scope["type"] == "http":
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            elif scope["type"] == "websocket":
                await WebSocketClose()(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class EndpointRoute(BaseRoute):
    """What Route and WebSocketRoute share: a path template, an endpoint and the app serving it.

    ``protocol`` is the scope type served, and the protocol of the URLs reversed to it.
    """

    protocol = "http"

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None,
        middleware: Sequence[Middleware] | None,
        function_app: Callable[[Callable[..., Any]], ASGIApp],
        max_body_size: int | None = None,
    ) -> None:
        check_path(path, type(self).__name__)
        self.path = path
        self.endpoint = endpoint
        self.name = getattr(endpoint, "__name__", type(endpoint).__name__) if name is None else name
        self.is_function_endpoint = is_function(endpoint)
        self.middleware = middleware
        self.max_body_size = max_body_size
        app = function_app(endpoint) if self.is_function_endpoint else endpoint
        self.app = wrap(app, middleware, max_body_size)
        # What each app that planned the endpoint serves it with, once there are several.
        self._by_owner: weakref.WeakKeyDictionary[Any, ASGIApp] | None = None
        self.compiled = CompiledPath(path)
        self.first_segment = self.compiled.first_segment

    @property
    def path_format(self) -> str:
        """The path template with bare ``{name}`` placeholders: ``/notes/{id}``."""
        return self.compiled.format

    def use_endpoint_app(self, app: ASGIApp, owner: Any) -> None:
        """Serve the endpoint through ``app`` (inside this route's middleware) from now on,
        for the requests of ``owner``.

        An application uses it to put dependency injection in front of endpoints, naming
        itself the owner: a route several apps serve (a module built into more than one)
        serves each app's requests with what that app gave it.
        """
        served = wrap(app, self.middleware, self.max_body_size)
        if self._by_owner is None:
            self._by_owner = weakref.WeakKeyDictionary()
        by_owner = self._by_owner
        by_owner[owner] = served
        if len(by_owner) == 1:
            self.app = served
            return

        def owners_app(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
            # A request outside those apps gets what was planned last.
            app = by_owner.get(scope["app"], served) if "app" in scope else served
            return app(scope, receive, send)

        self.app = owners_app

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        # The name first: another route's parameters need not suit this one's convertors.
        filled = None if name != self.name else self.compiled.replace_params(path_params)
        if filled is None or filled[1]:
            raise NoMatchFound(name, path_params)
        return URLPath(filled[0], protocol=self.protocol)


class Route(EndpointRoute):
    """An HTTP endpoint at a path template such as ``/notes/{id:int}``.

    Args:
        endpoint: a function ``(request) -> Response`` (async or sync), or an ASGI app.
        methods: the HTTP methods served (``GET`` also serves ``HEAD``); all when omitted
            for an ASGI app, ``GET`` for a function.
        name: the name for ``url_path_for``; the function's name by default.
        middleware: ASGI middleware around this route only.
        max_body_size: the largest request body this route takes, in place of the app's.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        max_body_size: int | None = None,
    ) -> None:
        super().__init__(path, endpoint, name, middleware, request_response, max_body_size)
        self.include_in_schema = include_in_schema
        if methods is None and self.is_function_endpoint:
            methods = ["GET"]
        self.methods: set[str] | None = None
        if methods is not None:
            self.methods = {method.upper() for method in methods}
            if "GET" in self.methods:
                self.methods.add("HEAD")
        self._allow = ", ".join(sorted(self.methods or ()))

    @property
    def param_convertors(self) -> dict[str, Any]:
        return self.compiled.convertors

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return NO_MATCH, {}
        params = self.compiled.match(route_path(scope))
        if params is None:
            return NO_MATCH, {}
        path_params = merge_params(scope, params)
        child_scope = {"endpoint": self.endpoint, "path_params": path_params}
        if self.methods is not None and scope["method"] not in self.methods:
            return PARTIAL, child_scope
        return FULL, child_scope

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # The endpoint's own coroutine, without a frame of the route's in between.
        if self.methods is not None and scope["method"] not in self.methods:
            return self._not_allowed(scope, receive, send)
        return self.app(scope, receive, send)

    async def _not_allowed(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {"Allow": self._allow}
        if "app" in scope:
            raise HTTPException(405, headers=headers)
        response = PlainTextResponse("Method Not Allowed", status_code=405, headers=headers)
        await response(scope, receive, send)

    def __repr__(self) -> str:
        methods = sorted(self.methods or ())
        return f"Route(path={self.path!r}, name={self.name!r}, methods={methods!r})"


class WebSocketRoute(EndpointRoute):
    """A websocket endpoint: a function ``(websocket) -> None`` or an ASGI app."""

    protocol = "websocket"

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        super().__init__(path, endpoint, name, middleware, websocket_session)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "websocket":
            return NO_MATCH, {}
        params = self.compiled.match(route_path(scope))
        if params is None:
            return NO_MATCH, {}
        path_params = merge_params(scope, params)
        return FULL, {"endpoint": self.endpoint, "path_params": path_params}

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.app(scope, receive, send)

    def __repr__(self) -> str:
        return f"WebSocketRoute(path={self.path!r}, name={self.name!r})"
