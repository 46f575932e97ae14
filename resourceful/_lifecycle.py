"""The request lifecycle: what runs around every handler, of a function endpoint or a resource.

A function endpoint is one plan; a resource is a plan per method plus its hooks. Both are
served here, so that what goes around a handler (requirements, the injection context, the
response, teardown, background tasks) is written once:

1. the connection is made (the resource's instance, for a method), and the requirements
   recorded with ``requires()`` are checked;
2. an injection context is opened when some value is provided;
3. ``before`` runs (a response from it skips the handler), then the handler, whose return
   becomes the response, then ``after``; the response is sent;
4. after it went out: background tasks, then teardown; after an error: teardown, the error
   thrown into generator providers.

What declares none of steps 2 to 4 takes a direct path with nothing to tear down.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import cattrs

from resourceful._endpoints import HandledByLayer
from resourceful._handlers import handlers_of
from resourceful._locations import Location
from resourceful._requirements import Requirement, check_all, guard, requirements_of
from resourceful.background import BackgroundTasks
from resourceful.caching import CacheControl, policy_of
from resourceful.conditional import (
    KEPT_ON_304,
    SAFE_METHODS,
    Validators,
    evaluate_preconditions,
    kept_on_304,
)
from resourceful.di import Container
from resourceful.di._framework import (
    DEFAULT_CONVERTER,
    EndpointPlan,
    InjectionContext,
    responder,
    response_settings,
    validators_of_result,
)
from resourceful.exceptions import NotAcceptable, PreconditionFailed, PreconditionRequired
from resourceful.negotiation import Representations, representations_of
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import Response
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocket

#: What makes the instance of a resource class for one request, given the request when the
#: lifecycle made one: the class itself, whose ``request`` is that request (or its own).
Resource = Callable[[Scope, Receive, Send, "Request | None"], Any]
#: What makes the instance of a websocket resource class for one connection.
WebSocketResourceClass = Callable[[Scope, Receive, Send], Any]
#: A websocket session, given the resource instance (None for a function), the websocket and
#: the injection context (None when nothing is provided).
Session = Callable[[Any, WebSocket, InjectionContext | None], Awaitable[None]]


#: The methods that ``require_if_match`` guards: those that change the resource in place.
_CHANGING = frozenset({"PUT", "PATCH", "DELETE"})
#: The changing methods whose successful response can hold the new representation.
_REPLACING = frozenset({"PUT", "PATCH"})
_NOT_IN_STATE = "The resource is not in the state the request's preconditions name."


class Conditional:
    """What a resource declares about its representation's state: the plan of its
    ``validators`` method, and whether its changing methods require ``If-Match``."""

    __slots__ = ("plan", "require_if_match")

    def __init__(self, plan: EndpointPlan, require_if_match: bool) -> None:
        self.plan = plan
        self.require_if_match = require_if_match

    async def check(
        self,
        instance: Any,
        request: Request,
        context: InjectionContext | None,
        kept: dict[str, str],
    ) -> Response | Validators:
        """The current validators, when the request's preconditions hold; else the 304
        (with the headers ``kept`` of those the 200 would have had: its cache policy...).

        Raises:
            PreconditionRequired: a changing method came without ``If-Match``.
            PreconditionFailed: a precondition is false.
        """
        method, headers = request.method, request.headers
        if self.require_if_match and method in _CHANGING and "if-match" not in headers:
            msg = (
                f"{method} changes this resource only for the state you read: send "
                "If-Match with the ETag you got, so no one else's change is lost."
            )
            raise PreconditionRequired(msg)
        validators = await self.current(instance, request, context)
        status = evaluate_preconditions(method, headers, validators)
        if status == 304:
            return Response(status_code=304, headers={**kept, **validators.headers()})
        if status == 412:
            raise PreconditionFailed(_NOT_IN_STATE)
        return validators

    async def current(
        self, instance: Any, request: Request, context: InjectionContext | None
    ) -> Validators:
        """The resource's validators now."""
        plan = self.plan
        kwargs = await plan.arguments(request, context)
        validators: Validators = await (
            plan.call(**kwargs) if instance is None else plan.call(instance, **kwargs)
        )
        return validators

    async def stamp_changed(
        self,
        response: Response,
        instance: Any,
        request: Request,
        context: InjectionContext | None,
    ) -> None:
        """Give the successful response to a PUT or PATCH, which holds the resource's new
        representation, that representation's validators, and say it is the resource's
        (``Content-Location``)."""
        if request.method in _REPLACING and 200 <= response.status_code < 300:
            headers = response.headers
            for name, value in (await self.current(instance, request, context)).headers().items():
                headers[name] = value
            headers["content-location"] = request.scope["path"]


def _validated(response: Response, validators: Validators, request: Request) -> Response:
    """The response with the validators of what it holds; to a GET or HEAD, the 304 (or
    412) its preconditions give with those validators."""
    headers = response.headers
    for name, value in validators.headers().items():
        headers[name] = value
    if request.method in SAFE_METHODS and response.status_code == 200:
        status = evaluate_preconditions(request.method, request.headers, validators)
        if status == 304:
            return not_modified(response)
        if status == 412:
            raise PreconditionFailed(_NOT_IN_STATE)
    return response


def not_modified(response: Response) -> Response:
    """The 304 in place of ``response``: its headers that a 304 keeps (RFC 9110 §15.4.5),
    its background task, and no body."""
    found = Response(status_code=304, background=response.background)
    found.raw_headers = kept_on_304(response.raw_headers)
    return found


def _own_kept_on_304(headers: dict[str, str] | None, cache_control: str | None) -> dict[str, str]:
    """Of a handler's own headers and cache policy, those its 304s carry."""
    kept = {k: v for k, v in (headers or {}).items() if k.lower().encode() in KEPT_ON_304}
    if cache_control is not None:
        kept["cache-control"] = cache_control
    return kept


def _apply_policy(response: Response, cache_control: str) -> None:
    """Give a response to a GET or HEAD the cache policy declared for it, unless it is an
    error or its handler set its own."""
    if 200 <= response.status_code < 300 or response.status_code == 304:
        response.headers.setdefault("cache-control", cache_control)


def _stamp(response: Response, validators: Validators, method: str) -> None:
    """Give a successful GET or HEAD response the validators of what it represents (those
    its handler did not set itself)."""
    if method in SAFE_METHODS and response.status_code == 200:
        headers = response.headers
        for name, value in validators.headers().items():
            if name not in headers:
                headers[name] = value


class Handler:
    """What responds to requests for one method of an endpoint.

    Attributes:
        plan: the plan of the function or method that handles them.
        respond: what turns the handler's return value into a response.
        requirements: what ``requires()`` recorded on the handler (and its class).
        resource: the resource class whose method ``plan`` is; None for a function endpoint.
        before: the plan of the resource's ``before`` hook, if it has one.
        after: the plan of the resource's ``after`` hook, if it has one.
        conditional: the resource's validators and preconditions, if it declares them.
        cache_control: the ``Cache-Control`` value of its responses to GET and HEAD, if a
            cache policy holds for it.
        location: where what it returns is served, for the ``Location`` of its responses.
        representations: the representations it offers, chosen by ``Accept``.
        result_validators: what gives the validators of what it returns, if
            ``@responds(validators=...)`` said.
    """

    __slots__ = (
        "after",
        "before",
        "cache_control",
        "conditional",
        "location",
        "plan",
        "representations",
        "requirements",
        "resource",
        "respond",
        "result_validators",
    )

    def __init__(
        self,
        plan: EndpointPlan,
        respond: Callable[[Any], Response],
        requirements: tuple[Requirement, ...] = (),
        *,
        resource: Resource | None = None,
        before: EndpointPlan | None = None,
        after: EndpointPlan | None = None,
        conditional: Conditional | None = None,
        cache_control: CacheControl | None = None,
        location: Location | None = None,
        representations: Representations | None = None,
    ) -> None:
        self.plan = plan
        self.respond = respond
        self.requirements = requirements
        self.resource = resource
        self.before = before
        self.after = after
        self.conditional = conditional
        self.cache_control = None if cache_control is None else str(cache_control)
        self.location = location
        self.representations = representations
        self.result_validators = validators_of_result(plan.func)

    @property
    def plans(self) -> list[EndpointPlan]:
        """Every plan that runs for a request: the hooks' and the handler's."""
        validators = None if self.conditional is None else self.conditional.plan
        found = (self.before, validators, self.plan, self.after)
        return [plan for plan in found if plan is not None]

    @property
    def declares_more(self) -> bool:
        """Whether more than the handler's function makes its response: hooks, validators,
        a cache policy, a location, representations."""
        declared = (
            self.before,
            self.after,
            self.conditional,
            self.cache_control,
            self.location,
            self.representations,
            self.result_validators,
        )
        return any(part is not None for part in declared)

    @property
    def is_direct(self) -> bool:
        """Whether nothing runs around the handler: no hooks, nothing provided or read from a
        form, and an async handler that takes nothing or only the request."""
        plan = self.plan
        return (
            not self.declares_more
            and plan.is_async
            and not plan.needs_context
            and (plan.only_connection or not plan.parameters)
        )


def function_app(
    plan: EndpointPlan,
    container: Container,
    converter: cattrs.Converter = DEFAULT_CONVERTER,
    cache_control: CacheControl | None = None,
    conditional: Conditional | None = None,
    location: Location | None = None,
) -> ASGIApp:
    """The ASGI app serving the function endpoint ``plan`` plans, for HTTP requests, under
    the cache policy ``cache_control`` (unless the function declares its own), evaluating
    the preconditions of ``conditional`` first, if given."""
    func = plan.func
    respond = responder(converter, *response_settings(func))
    policy = policy_of(func) or cache_control
    handler = Handler(
        plan,
        respond,
        requirements_of(func),
        conditional=conditional,
        cache_control=policy,
        location=location,
        representations=representations_of(func),
    )
    app = http_app(handler, container)
    return handled_by_its_own(app, func)


def handled_by_its_own(app: ASGIApp, func: Any) -> ASGIApp:
    """``app``, serving ``func``, inside the exception handlers ``@handles`` gave ``func``."""
    handlers = handlers_of(func)
    return app if handlers is None else HandledByLayer(app, handlers)


def http_app(handler: Handler, container: Container) -> ASGIApp:
    """The ASGI app serving ``handler``: the lifecycle of every HTTP request."""
    if handler.is_direct:
        return _direct(handler)
    return _injected(handler, container)


def _direct(handler: Handler) -> ASGIApp:
    # A function takes the request or nothing; a method takes its instance, then the request
    # or nothing, and its instance is given the request only when something reads it.
    func, respond, requirements = handler.plan.func, handler.respond, handler.requirements
    resource = handler.resource
    takes_request = handler.plan.only_connection
    if resource is None:
        call: Callable[[Request], Awaitable[Any]] = (
            func if takes_request else lambda request: func()
        )

        async def direct_function(scope: Scope, receive: Receive, send: Send) -> None:
            result = await call(Request(scope, receive, send))
            if not isinstance(result, Response):
                result = respond(result)
            await result(scope, receive, send)

        # Requirements are rare here (a wrapper that hides its function's signature): checked
        # in front, so that the common function pays nothing for them.
        return guard(direct_function, requirements)

    if not takes_request and not requirements:
        # Nothing reads the request: the instance gets none, and the call is the method's.

        async def direct_method(scope: Scope, receive: Receive, send: Send) -> None:
            result = await func(resource(scope, receive, send, None))
            if not isinstance(result, Response):
                result = respond(result)
            await result(scope, receive, send)

        return direct_method
    method: Callable[[Any, Request], Awaitable[Any]] = (
        func if takes_request else lambda instance, request: func(instance)
    )

    async def direct_method_with_request(scope: Scope, receive: Receive, send: Send) -> None:
        instance = resource(scope, receive, send, Request(scope, receive, send))
        request = instance.request
        if requirements:
            refusal = check_all(requirements, request)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        result = await method(instance, request)
        if not isinstance(result, Response):
            result = respond(result)
        await result(scope, receive, send)

    return direct_method_with_request


#: What makes the response of a handler that declares more than its function: its hooks,
#: validators, cache policy or location. Given the instance, the request, its context and
#: the scope.
Responding = Callable[[Any, Request, "InjectionContext | None", Scope], Awaitable[Response]]


def _injected(handler: Handler, container: Container) -> ASGIApp:
    plan, respond, requirements = handler.plan, handler.respond, handler.requirements
    resource, call = handler.resource, plan.call
    plans = handler.plans
    needs_context = any(plan.needs_context for plan in plans)
    reads_form = any(plan.reads_form for plan in plans)
    full = _full_response(handler) if handler.declares_more else None

    async def injected(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        instance = None
        if resource is not None:
            instance = resource(scope, receive, send, request)
            request = instance.request  # its own, if its class makes one
        if requirements:
            refusal = check_all(requirements, request)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        context = None
        if needs_context:
            context = InjectionContext(container, {Request: request, HTTPConnection: request})
        try:
            if full is None:
                kwargs = await plan.arguments(request, context)
                result = await (call(**kwargs) if instance is None else call(instance, **kwargs))
                response = result if isinstance(result, Response) else respond(result)
            else:
                response = await full(instance, request, context, scope)
            await response(scope, receive, send)
        except BaseException as exc:
            await _end_request(request, context, reads_form, exc)
            raise
        if context is None:
            if reads_form:
                await request.close()
        elif context.has_teardowns or BackgroundTasks in context.cache or reads_form:
            await _finish_request(request, context, reads_form)

    return injected


def _full_response(handler: Handler) -> Responding:
    """How the response of ``handler`` is made when it declares more than its function:
    ``before``, the preconditions, the handler (with its location and validators),
    ``after``, then the cache policy."""
    plan, respond, call = handler.plan, handler.respond, handler.plan.call
    before, after, conditional = handler.before, handler.after, handler.conditional
    cache_control, location = handler.cache_control, handler.location
    representations, result_validators = handler.representations, handler.result_validators
    kept = _own_kept_on_304(response_settings(plan.func)[1], cache_control)

    async def full_response(
        instance: Any, request: Request, context: InjectionContext | None, scope: Scope
    ) -> Response:
        response = validators = render = None
        if before is not None:
            response = await before.call(instance, **await before.arguments(request, context))
        if response is None and representations is not None:
            render = _renderer(representations, request)
        if response is None and conditional is not None:
            checked = await conditional.check(instance, request, context, kept)
            if isinstance(checked, Response):
                response = checked
            else:
                validators = checked
        if response is None:
            kwargs = await plan.arguments(request, context)
            result = await (call(**kwargs) if instance is None else call(instance, **kwargs))
            if isinstance(result, Response):
                response = result
            else:
                response = respond(result) if render is None else await render(result, request)
                if location is not None:
                    response.headers["location"] = location.of(result, scope)
                if conditional is not None:
                    await conditional.stamp_changed(response, instance, request, context)
                if result_validators is not None:
                    response = _validated(response, result_validators(result), request)
            if validators is not None:
                _stamp(response, validators, request.method)
        if after is not None:
            given = {"response": response}
            response = await after.call(instance, **await after.arguments(request, context, given))
        if cache_control is not None and request.method in SAFE_METHODS:
            _apply_policy(response, cache_control)
        if representations is not None:
            response.headers.add_vary_header("Accept")
        return response

    return full_response


Rendering = Callable[[Any, Request], Awaitable[Response]]


def _renderer(representations: Representations, request: Request) -> Rendering | None:
    """What renders the representation the request accepts (None: the handler's JSON).

    Raises:
        NotAcceptable: it accepts none of them.
    """
    media_type = representations.choose(request.headers.get("accept"))
    if media_type is None:
        raise NotAcceptable(representations.offered)
    render = representations.renderers[media_type]
    if render is None:
        return None

    async def rendered(value: Any, request: Request) -> Response:
        response = render(value, request)
        if inspect.isawaitable(response):
            response = await response
        return typing.cast(Response, response)

    return rendered


async def _finish_request(request: Request, context: InjectionContext, reads_form: bool) -> None:
    """After the response went out: run the injected background tasks, then tear down.

    The client has its response, so a failing task is not thrown into the providers (a unit
    of work still commits what the response reported); its error goes on to the server's log.
    """
    tasks = context.cache.get(BackgroundTasks)
    try:
        if tasks is not None:
            await tasks()
    finally:
        await _end_request(request, context, reads_form, None)


async def _end_request(
    request: Request, context: InjectionContext | None, reads_form: bool, exc: BaseException | None
) -> None:
    """Tear down the request's injected values (``exc`` thrown into them), then close the
    files of the form its handler read."""
    await _close_context(context, exc)
    if reads_form:
        await request.close()


async def _close_context(context: InjectionContext | None, exc: BaseException | None) -> None:
    """Run the teardowns of ``context`` (if any), even when the request was cancelled."""
    if context is not None and context.has_teardowns:
        with anyio.CancelScope(shield=True):
            await context.close(exc)


def function_websocket_app(plan: EndpointPlan, container: Container) -> ASGIApp:
    """The ASGI app serving the function endpoint ``plan`` plans, for websockets."""
    func = plan.func
    session: Session
    if plan.only_connection and plan.is_async:

        def session(instance: Any, websocket: WebSocket, context: Any) -> Awaitable[None]:
            return func(websocket)  # type: ignore[no-any-return]

    else:

        async def session(
            instance: Any, websocket: WebSocket, context: InjectionContext | None
        ) -> None:
            # A websocket endpoint can only talk through awaitables: a plain function here is
            # a decorator's wrapper that returns the endpoint's coroutine, called as it is (a
            # thread would leave that coroutine to no one).
            result = func(**await plan.arguments(websocket, context))
            if inspect.isawaitable(result):
                await result

    app = websocket_app(
        session, container, needs_context=plan.needs_context, requirements=requirements_of(func)
    )
    return handled_by_its_own(app, func)


def websocket_app(
    session: Session,
    container: Container,
    *,
    needs_context: bool,
    requirements: tuple[Requirement, ...],
    resource: WebSocketResourceClass | None = None,
) -> ASGIApp:
    """The ASGI app running ``session`` for each websocket: the lifecycle of every websocket.

    Request-scoped values live for the whole connection, and are torn down after it.
    """

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if resource is None:
            instance = None
            websocket = WebSocket(scope, receive, send)
        else:
            instance = resource(scope, receive, send)
            websocket = instance.websocket
        context = None
        if needs_context:
            context = InjectionContext(container, {WebSocket: websocket, HTTPConnection: websocket})
        try:
            await session(instance, websocket, context)
        except BaseException as exc:
            await _close_context(context, exc)
            raise
        if context is not None:
            await _close_context(context, None)

    return guard(serve, requirements)
