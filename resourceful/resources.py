"""Class-based resources: one class per URL, one method per HTTP verb or websocket event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeGuard, overload

import cattrs

from resourceful._endpoints import HandledByLayer
from resourceful._handlers import ExceptionHandler, HandlerKey, handles, layer_handlers
from resourceful._json import json_loads_strict
from resourceful._lifecycle import (
    Conditional,
    Handler,
    Resource,
    handled_by_its_own,
    http_app,
    websocket_app,
)
from resourceful._locations import Location
from resourceful._requirements import requirements_of
from resourceful.caching import CacheControl, policy_of
from resourceful.di import Container
from resourceful.di._framework import (
    DEFAULT_CONVERTER,
    EndpointPlan,
    InjectionContext,
    Protocol,
    plan_endpoint,
    responder,
    responds,
    response_settings,
)
from resourceful.exceptions import HTTPException
from resourceful.negotiation import Representations, representations_of
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from resourceful.middleware import Middleware

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "options", "query")


def _plans(
    cls: type[Any],
    container: Container,
    protocol: Protocol,
    names: Sequence[str],
    path_params: frozenset[str],
    given: dict[str, tuple[str, ...]],
    containers: Mapping[str, Container] | None = None,
) -> dict[str, EndpointPlan]:
    """The plans of the methods of ``cls`` among ``names`` (those it defines), each against
    its own container in ``containers``, if it has one, else ``container``."""
    plans = {}
    for name in names:
        func = getattr(cls, name, None)
        if func is not None:
            plans[name] = plan_endpoint(
                func,
                (containers or {}).get(name, container),
                protocol=protocol,
                path_params=path_params,
                given=given.get(name, ()),
                skip_first=True,
            )
    return plans


class _RequestOf:
    """``HTTPResource.request``: the request of the instance, made when first read (a handler
    that never reads it makes none)."""

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> _RequestOf: ...
    @overload
    def __get__(self, instance: HTTPResource, owner: type[Any]) -> Request: ...
    def __get__(self, instance: HTTPResource | None, owner: type[Any]) -> Request | _RequestOf:
        if instance is None:
            return self
        request = Request(instance.scope, instance.receive, instance.send)
        instance.__dict__["request"] = request
        return request


class HTTPResource:
    """An HTTP resource: define ``get``, ``post``, ``put``, ``patch``, ``delete``, ``options``.

    Handler parameters are injected like function endpoints'. ``HEAD`` is served by ``get``
    without a body; ``OPTIONS`` gets a response with ``Allow`` unless defined; any other verb is
    a 405 listing what the class implements. Define ``before(self, ...)`` (return a response to
    respond without the handler) and ``after(self, response, ...)`` (return the response to
    send) to run code around every handler; they are injected too. Define
    ``validators(self, ...)`` (injected too) to return the resource's current
    :class:`~resourceful.conditional.Validators`: the request's preconditions are evaluated
    on them before the handler runs (a ``304`` or ``412`` skips it), and a ``GET`` response
    gets them as ``ETag`` and ``Last-Modified``. Class attributes:
    ``middleware`` (ASGI middleware around the resource), ``converter`` (the cattrs
    converter for JSON responses; the app's when None), ``exception_handlers`` (for the
    errors of its handlers and hooks, before a mount's and the app's), ``providers``
    (injectable into its handlers and hooks only, in place of an outer layer's of the same
    type), ``cache_control`` and ``require_if_match``. All are inherited and can be
    overridden.
    """

    middleware: ClassVar[Sequence[Middleware]] = ()
    #: What the class's handlers and hooks can have injected besides what the app and its
    #: mounts provide (the app plans the class against a layer of these).
    providers: ClassVar[Sequence[Any]] = ()
    converter: ClassVar[cattrs.Converter | None] = None
    #: Exception handlers for the errors of this class's handlers and hooks, keyed as the
    #: app's; they respond before an enclosing mount's and the app's.
    exception_handlers: ClassVar[Mapping[HandlerKey, ExceptionHandler]] = {}
    #: Respond to ``OPTIONS`` with ``204`` and ``Allow`` when the class defines no ``options``.
    responds_to_options: ClassVar[bool] = True
    #: The cache policy of the class's responses to GET and HEAD, in place of its mounts'
    #: and the app's (a handler's own, from ``@caching``, wins over it).
    cache_control: ClassVar[CacheControl | None] = None
    #: The representations of its handlers' return values, chosen by ``Accept`` (a handler's
    #: own, from ``@represents``, wins over them); the handlers' JSON when None.
    representations: ClassVar[Representations | None] = None
    #: Refuse ``PUT``, ``PATCH`` and ``DELETE`` without ``If-Match`` (428), so that a client
    #: changes only the state it read; needs a ``validators`` method.
    require_if_match: ClassVar[bool] = False

    def __init__(
        self, scope: Scope, receive: Receive, send: Send, request: Request | None = None
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        if request is not None:
            self.request = request

    request = _RequestOf()

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this class responds to, for ``Allow``."""
        verbs = {verb.upper() for verb in HTTP_VERBS if callable(getattr(cls, verb, None))}
        if "GET" in verbs:
            verbs.add("HEAD")
        if cls.responds_to_options:
            verbs.add("OPTIONS")
        return sorted(verbs)

    @classmethod
    def check_routable(cls) -> None:
        """Raise TypeError if the class has no handler, like an abstract base would."""
        if not any(callable(getattr(cls, verb, None)) for verb in HTTP_VERBS):
            msg = (
                f"{cls.__qualname__} defines no handler ({', '.join(HTTP_VERBS)}); it looks "
                "like an abstract base. Route one of its subclasses instead."
            )
            raise TypeError(msg)

    # Used as a plain ASGI app (a Router without an App): planned once, without providers.
    def __await__(self) -> Generator[Any, None, None]:
        return _standalone(self.scope, type(self), self.receive, self.send).__await__()


def _resource_http_app(
    cls: type[HTTPResource],
    container: Container,
    path_params: frozenset[str],
    converter: cattrs.Converter,
    handlers: Mapping[str, Container],
    cache_control: CacheControl | None,
    locate: Callable[[Any], Location | None],
) -> ASGIApp:
    """Each method a handler of ``cls`` serves, through the one request lifecycle (planned
    against its own container in ``handlers``, if it has one), under the innermost cache
    policy: the handler's, the class's, or ``cache_control`` (the layers'); ``locate`` gives
    a handler the location of what it returns."""
    cls.check_routable()
    names = (*HTTP_VERBS, "before", "after", "validators")
    given: dict[str, tuple[str, ...]] = {"after": ("response",)}
    plans = _plans(cls, container, "http", names, path_params, given, handlers)
    conditional = _conditional(cls, plans.get("validators"))
    if cls.converter is not None:
        converter = cls.converter
    before, after = plans.get("before"), plans.get("after")
    make: Resource = cls
    if cls.__init__ is not HTTPResource.__init__:
        # A constructor of its own takes (scope, receive, send), and makes its own request.
        make = lambda scope, receive, send, request: cls(scope, receive, send)  # noqa: E731
    served = {}
    for verb in HTTP_VERBS:
        plan = plans.get(verb)
        if plan is not None:
            # The requires() of the class (inherited) and of the handler, and what makes
            # the response (with what @responds set).
            respond = responder(converter, *response_settings(plan.func))
            handler = Handler(
                plan,
                respond,
                requirements_of(cls, plan.func),
                resource=make,
                before=before,
                after=after,
                conditional=conditional,
                cache_control=policy_of(plan.func) or cls.cache_control or cache_control,
                location=locate(plan.func),
                representations=representations_of(plan.func) or cls.representations,
            )
            app = http_app(handler, handlers.get(verb, container))
            served[verb.upper()] = handled_by_its_own(app, plan.func)
    if "GET" in served:
        served.setdefault("HEAD", served["GET"])
    return _dispatch(served, ", ".join(cls.allowed_methods()), cls.responds_to_options)


def _conditional(cls: type[HTTPResource], validators: EndpointPlan | None) -> Conditional | None:
    if validators is None:
        if cls.require_if_match:
            msg = (
                f"{cls.__qualname__} sets require_if_match but defines no validators method: "
                "define validators(self, ...) -> Validators, whose ETag If-Match is compared "
                "with."
            )
            raise TypeError(msg)
        return None
    return Conditional(validators, cls.require_if_match)


def _dispatch(served: dict[str, ASGIApp], allow: str, responds_to_options: bool) -> ASGIApp:
    """Hand each request to the app serving its method (its own awaitable, no frame between)."""

    def dispatch(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        app = served.get(scope["method"])
        if app is None:
            return _not_handled(scope, receive, send, allow, responds_to_options)
        return app(scope, receive, send)

    return dispatch


async def _not_handled(
    scope: Scope, receive: Receive, send: Send, allow: str, responds_to_options: bool
) -> None:
    headers = {"Allow": allow}
    if responds_to_options and scope["method"] == "OPTIONS":
        await Response(status_code=204, headers=headers)(scope, receive, send)
    elif "app" in scope:
        raise HTTPException(405, headers=headers)
    else:
        await PlainTextResponse("Method Not Allowed", 405, headers=headers)(scope, receive, send)


class WebSocketResource:
    """A websocket resource: define ``on_connect``, ``on_receive`` and ``on_disconnect``.

    ``on_connect(self, websocket, ...)`` runs first (without it, the connection is accepted);
    ``on_receive(self, data, ...)`` gets each message decoded according to ``encoding``:
    ``"text"``, ``"bytes"``, ``"json"``, or None for the raw ASGI message (a frame of the wrong
    kind closes the connection with 1003); ``on_disconnect(self, close_code, ...)`` runs last.
    Every hook is injected like a function endpoint, so each may take the parameters it
    needs; request-scoped values live for the whole connection.
    """

    encoding: ClassVar[Literal["text", "bytes", "json"] | None] = None
    middleware: ClassVar[Sequence[Middleware]] = ()
    #: What the class's hooks can have injected besides what the app and its mounts provide.
    providers: ClassVar[Sequence[Any]] = ()
    #: Exception handlers for the errors of this class's hooks, keyed as the app's.
    exception_handlers: ClassVar[Mapping[HandlerKey, ExceptionHandler]] = {}

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.websocket = WebSocket(scope, receive, send)

    def __await__(self) -> Generator[Any, None, None]:
        return _standalone(self.scope, type(self), self.receive, self.send).__await__()


_STANDALONE: dict[tuple[type[Any], frozenset[str]], ASGIApp] = {}


async def _standalone(scope: Scope, cls: type[Any], receive: Receive, send: Send) -> None:
    key = (cls, frozenset(scope.get("path_params", {})))
    app = _STANDALONE.get(key)
    if app is None:
        app = _STANDALONE[key] = _resource_app(cls, Container(), key[1])
    await app(scope, receive, send)


class _BadFrame(Exception):
    """A frame that does not fit the resource's encoding."""


def _decode(encoding: str | None, message: Message) -> Any:
    if encoding is None:
        return message
    text, data = message.get("text"), message.get("bytes")
    if encoding == "bytes":
        if data is None:
            raise _BadFrame("expected a binary frame")
        return data
    if text is None:
        raise _BadFrame("expected a text frame")
    if encoding == "text":
        return text
    try:
        return json_loads_strict(text)
    except ValueError:
        raise _BadFrame("expected JSON") from None


def _resource_websocket_app(
    cls: type[WebSocketResource], container: Container, path_params: frozenset[str]
) -> ASGIApp:
    """The hooks of ``cls`` run over each websocket, through the websocket lifecycle."""
    names = ("on_connect", "on_receive", "on_disconnect")
    given: dict[str, tuple[str, ...]] = {"on_receive": ("data",), "on_disconnect": ("close_code",)}
    plans = _plans(cls, container, "websocket", names, path_params, given)
    session = _Session(
        plans.get("on_connect"),
        plans.get("on_receive"),
        plans.get("on_disconnect"),
        cls.encoding,
        getattr(cls, "decode", None),
    )
    connect = [] if session.on_connect is None else [session.on_connect.func]
    return websocket_app(
        session,
        container,
        needs_context=any(plan.needs_context for plan in plans.values()),
        requirements=requirements_of(cls, *connect),
        resource=cls,
    )


class _Session:
    """A websocket resource's hooks over one connection: connect, each message, disconnect."""

    __slots__ = ("decode", "encoding", "on_connect", "on_disconnect", "on_receive")

    def __init__(
        self,
        on_connect: EndpointPlan | None,
        on_receive: EndpointPlan | None,
        on_disconnect: EndpointPlan | None,
        encoding: str | None,
        decode: Callable[[Any, WebSocket, Message], Awaitable[Any]] | None,
    ) -> None:
        self.on_connect = on_connect
        self.on_receive = on_receive
        self.on_disconnect = on_disconnect
        self.encoding = encoding
        self.decode = decode

    async def __call__(
        self, resource: Any, websocket: WebSocket, context: InjectionContext | None
    ) -> None:
        try:
            close_code = await self._converse(resource, websocket, context)
        except WebSocketDisconnect as exc:
            close_code = exc.code
        except BaseException:
            await self._disconnect(resource, websocket, context, 1011)
            raise
        await self._disconnect(resource, websocket, context, close_code)

    async def _converse(
        self, resource: Any, websocket: WebSocket, context: InjectionContext | None
    ) -> int:
        """Connect, then hand each message to ``on_receive``; the close code at the end."""
        on_connect, on_receive = self.on_connect, self.on_receive
        if on_connect is None:
            await websocket.accept()
        else:
            await on_connect.call(resource, **await on_connect.arguments(websocket, context))
        while websocket.application_state is WebSocketState.CONNECTED:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return int(message.get("code") or 1000)
            if self.decode is not None:
                data = await self.decode(resource, websocket, message)
            else:
                try:
                    data = _decode(self.encoding, message)
                except _BadFrame as exc:
                    await websocket.close(code=1003, reason=str(exc))
                    return 1003
            if on_receive is not None:
                given = {"data": data}
                await on_receive.call(
                    resource, **await on_receive.arguments(websocket, context, given)
                )
        return 1000

    async def _disconnect(
        self,
        resource: Any,
        websocket: WebSocket,
        context: InjectionContext | None,
        close_code: int,
    ) -> None:
        plan = self.on_disconnect
        if plan is not None:
            given = {"close_code": close_code}
            await plan.call(resource, **await plan.arguments(websocket, context, given))


class HTTPEndpoint(HTTPResource):
    """Starlette's ``HTTPEndpoint``: an :class:`HTTPResource` that, like Starlette's, leaves
    ``OPTIONS`` without a response of its own (405) unless it defines ``options``."""

    responds_to_options = False


class WebSocketEndpoint(WebSocketResource):
    """Starlette's ``WebSocketEndpoint``: a :class:`WebSocketResource` whose frames are decoded
    by :meth:`decode` as Starlette decodes them.

    With no ``encoding``, ``data`` is the frame's text or bytes; ``"json"`` takes text and
    binary frames. A frame that does not fit closes the connection with 1003 and raises
    :class:`RuntimeError`.
    """

    async def decode(self, websocket: WebSocket, message: Message) -> Any:
        """The data ``on_receive`` gets for ``message``; override to decode otherwise."""
        text, data = message.get("text"), message.get("bytes")
        if self.encoding == "text":
            if text is None:
                await _unsupported(websocket, "Expected text websocket messages, but got bytes")
            return text
        if self.encoding == "bytes":
            if data is None:
                await _unsupported(websocket, "Expected bytes websocket messages, but got text")
            return data
        if self.encoding == "json":
            try:
                return json_loads_strict(text if text is not None else (data or b"").decode())
            except ValueError:
                await _unsupported(websocket, "Malformed JSON data received.")
        return text if text is not None else data


async def _unsupported(websocket: WebSocket, message: str) -> NoReturn:
    await websocket.close(code=1003)
    raise RuntimeError(message)


def _is_resource(endpoint: Any) -> TypeGuard[type[HTTPResource | WebSocketResource]]:
    """Whether ``endpoint`` is an HTTPResource or WebSocketResource subclass."""
    return isinstance(endpoint, type) and issubclass(endpoint, HTTPResource | WebSocketResource)


def _resource_app(
    cls: type[Any],
    container: Container,
    path_params: frozenset[str],
    converter: cattrs.Converter = DEFAULT_CONVERTER,
    handlers: Mapping[str, Container] | None = None,
    cache_control: CacheControl | None = None,
    locate: Callable[[Any], Location | None] = lambda func: None,
) -> ASGIApp:
    """The ASGI app serving resource class ``cls``, its handlers planned against ``container``
    (or, for an HTTP method in ``handlers``, against the container of its own providers).

    ``converter`` turns typed returns into JSON unless the class sets its own.
    """
    if issubclass(cls, HTTPResource):
        app = _resource_http_app(
            cls, container, path_params, converter, handlers or {}, cache_control, locate
        )
    else:
        app = _resource_websocket_app(cls, container, path_params)
    if cls.exception_handlers:
        app = HandledByLayer(app, layer_handlers(cls.exception_handlers, cls.__qualname__))
    for middleware_cls, args, kwargs in reversed(cls.middleware):
        app = middleware_cls(app, *args, **kwargs)
    return app


__all__ = [
    "HTTPEndpoint",
    "HTTPResource",
    "WebSocketEndpoint",
    "WebSocketResource",
    "handles",
    "responds",
]
