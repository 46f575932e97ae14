"""Class-based resources: one class per URL, one method per HTTP verb or websocket event."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeGuard

import cattrs

from resourceful._json import json_loads_strict
from resourceful._requirements import check_all, guard, requirements_of
from resourceful.di import Container
from resourceful.di.framework import (
    DEFAULT_CONVERTER,
    EndpointPlan,
    InjectionContext,
    Protocol,
    close_context,
    end_request,
    finish_request,
    has_work_after,
    plan_endpoint,
    responder,
    responds,
    response_settings,
)
from resourceful.exceptions import HTTPException
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.types import ASGIApp, Message, Receive, Scope, Send
from resourceful.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from resourceful.middleware import Middleware

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "options", "query")


class _Plans:
    """The plans of a resource class's handlers and hooks, for one container."""

    def __init__(
        self,
        cls: type[Any],
        container: Container,
        protocol: Protocol,
        names: Sequence[str],
        path_params: frozenset[str],
        given: dict[str, tuple[str, ...]],
    ) -> None:
        self.plans: dict[str, EndpointPlan] = {}
        for name in names:
            func = getattr(cls, name, None)
            if func is None:
                continue
            self.plans[name] = plan_endpoint(
                func,
                container,
                protocol=protocol,
                path_params=path_params,
                given=given.get(name, ()),
                skip_first=True,
            )
        self.needs_context = any(plan.needs_context for plan in self.plans.values())


class HTTPResource:
    """An HTTP resource: define ``get``, ``post``, ``put``, ``patch``, ``delete``, ``options``.

    Handler parameters are injected like function endpoints'. ``HEAD`` is served by ``get``
    without a body; ``OPTIONS`` is answered with ``Allow`` unless defined; any other verb is
    a 405 listing what the class implements. Define ``before(self, ...)`` (return a response to
    answer without the handler) and ``after(self, response, ...)`` (return the response to
    send) to run code around every handler; they are injected too. Class attributes:
    ``middleware`` (ASGI middleware around the resource) and ``converter`` (the cattrs
    converter for JSON answers; the app's when None). All are inherited and can be
    overridden.
    """

    middleware: ClassVar[Sequence[Middleware]] = ()
    converter: ClassVar[cattrs.Converter | None] = None
    #: Answer ``OPTIONS`` with ``204`` and ``Allow`` when the class defines no ``options``.
    answers_options: ClassVar[bool] = True

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.request = Request(scope, receive, send)

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this class answers, for ``Allow``."""
        verbs = {verb.upper() for verb in HTTP_VERBS if callable(getattr(cls, verb, None))}
        if "GET" in verbs:
            verbs.add("HEAD")
        if cls.answers_options:
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
) -> ASGIApp:
    cls.check_routable()
    plans = _Plans(
        cls,
        container,
        "http",
        (*HTTP_VERBS, "before", "after"),
        path_params,
        {"after": ("response",)},
    )
    allow = ", ".join(cls.allowed_methods())
    answers_options = cls.answers_options
    handlers = {verb.upper(): plans.plans[verb] for verb in HTTP_VERBS if verb in plans.plans}
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])
    if cls.converter is not None:
        converter = cls.converter
    # Per method: the handler's plan, the requires() on the class (inherited) and on the
    # handler, and what makes its response (with what @responds set).
    served = {
        method: (
            plan,
            requirements_of(cls, plan.func),
            responder(converter, *response_settings(plan.func)),
        )
        for method, plan in handlers.items()
    }
    needs_context = plans.needs_context
    reads_form = any(plan.reads_form for plan in plans.plans.values())
    before = plans.plans.get("before")
    after = plans.plans.get("after")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        found = served.get(scope["method"])
        if found is None:
            await _not_handled(scope, receive, send, allow, answers_options)
            return
        plan, requirements, respond = found
        resource = cls(scope, receive, send)
        request = resource.request
        refusal = check_all(requirements, request) if requirements else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        context = None
        if needs_context:
            context = InjectionContext(container, {Request: request, HTTPConnection: request})
        try:
            response = None
            if before is not None:
                response = await before.call(resource, **await before.arguments(request, context))
            if response is None:
                result = await plan.call(resource, **await plan.arguments(request, context))
                response = respond(result)
            if after is not None:
                given = {"response": response}
                response = await after.call(
                    resource, **await after.arguments(request, context, given)
                )
            await response(scope, receive, send)
        except BaseException as exc:
            await end_request(request, context, reads_form, exc)
            raise
        if has_work_after(context, reads_form):
            await finish_request(request, context, reads_form)

    return app


async def _not_handled(
    scope: Scope, receive: Receive, send: Send, allow: str, answers_options: bool
) -> None:
    headers = {"Allow": allow}
    if answers_options and scope["method"] == "OPTIONS":
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
        app = _STANDALONE[key] = resource_app(cls, Container(), key[1])
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
    plans = _Plans(
        cls,
        container,
        "websocket",
        ("on_connect", "on_receive", "on_disconnect"),
        path_params,
        {"on_receive": ("data",), "on_disconnect": ("close_code",)},
    )
    on_connect = plans.plans.get("on_connect")
    on_receive = plans.plans.get("on_receive")
    on_disconnect = plans.plans.get("on_disconnect")
    encoding = cls.encoding
    decode = getattr(cls, "decode", None)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        resource = cls(scope, receive, send)
        websocket = resource.websocket
        context = None
        if plans.needs_context:
            context = InjectionContext(container, {WebSocket: websocket, HTTPConnection: websocket})
        close_code = 1000
        try:
            if on_connect is None:
                await websocket.accept()
            else:
                await on_connect.call(resource, **await on_connect.arguments(websocket, context))
            while websocket.application_state is WebSocketState.CONNECTED:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    close_code = int(message.get("code") or 1000)
                    break
                if decode is not None:
                    data = await decode(resource, websocket, message)
                else:
                    try:
                        data = _decode(encoding, message)
                    except _BadFrame as exc:
                        close_code = 1003
                        await websocket.close(code=1003, reason=str(exc))
                        break
                if on_receive is not None:
                    given = {"data": data}
                    await on_receive.call(
                        resource, **await on_receive.arguments(websocket, context, given)
                    )
        except WebSocketDisconnect as exc:
            close_code = exc.code
        except BaseException as exc:
            close_code = 1011
            await _run_disconnect(on_disconnect, resource, websocket, context, close_code)
            await close_context(context, exc)
            raise
        await _run_disconnect(on_disconnect, resource, websocket, context, close_code)
        await close_context(context, None)

    connect = [] if on_connect is None else [on_connect.func]
    return guard(app, requirements_of(cls, *connect))


async def _run_disconnect(
    plan: EndpointPlan | None,
    resource: WebSocketResource,
    websocket: WebSocket,
    context: InjectionContext | None,
    close_code: int,
) -> None:
    if plan is not None:
        given = {"close_code": close_code}
        await plan.call(resource, **await plan.arguments(websocket, context, given))


class HTTPEndpoint(HTTPResource):
    """Starlette's ``HTTPEndpoint``: an :class:`HTTPResource` that, like Starlette's, leaves
    ``OPTIONS`` unanswered (405) unless it defines ``options``."""

    answers_options = False


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


def is_resource(endpoint: Any) -> TypeGuard[type[HTTPResource | WebSocketResource]]:
    """Whether ``endpoint`` is an HTTPResource or WebSocketResource subclass."""
    return isinstance(endpoint, type) and issubclass(endpoint, HTTPResource | WebSocketResource)


def resource_app(
    cls: type[Any],
    container: Container,
    path_params: frozenset[str],
    converter: cattrs.Converter = DEFAULT_CONVERTER,
) -> ASGIApp:
    """The ASGI app serving resource class ``cls``, its handlers planned against ``container``.

    ``converter`` turns typed returns into JSON unless the class sets its own.
    """
    if issubclass(cls, HTTPResource):
        app = _resource_http_app(cls, container, path_params, converter)
    else:
        app = _resource_websocket_app(cls, container, path_params)
    for middleware_cls, args, kwargs in reversed(cls.middleware):
        app = middleware_cls(app, *args, **kwargs)
    return app


__all__ = [
    "HTTPEndpoint",
    "HTTPResource",
    "WebSocketEndpoint",
    "WebSocketResource",
    "is_resource",
    "resource_app",
    "responds",
]
