"""ASGI apps that call an endpoint with its injected arguments, then tear down."""

from __future__ import annotations

import inspect

import anyio
import cattrs

from resourceful._requirements import guard, requirements_of
from resourceful.background import BackgroundTasks
from resourceful.di._container import Container, InjectionContext
from resourceful.di._parameters import EndpointPlan
from resourceful.di._returns import DEFAULT_CONVERTER, responder, response_settings
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import Response
from resourceful.types import ASGIApp, Receive, Scope, Send
from resourceful.websockets import WebSocket


async def close_context(context: InjectionContext | None, exc: BaseException | None) -> None:
    """Run the teardowns of ``context`` (if any), even when the request was cancelled."""
    if context is not None and context.has_teardowns:
        with anyio.CancelScope(shield=True):
            await context.close(exc)


async def end_request(
    request: Request, context: InjectionContext | None, reads_form: bool, exc: BaseException | None
) -> None:
    """Tear down the request's injected values (``exc`` thrown into them), then close the
    files of the form its endpoint read."""
    await close_context(context, exc)
    if reads_form:
        await request.close()


def has_work_after(context: InjectionContext | None, reads_form: bool) -> bool:
    """Whether :func:`finish_request` has anything to do: tasks to run, values to tear
    down, form files to close (most requests have none, and skip it)."""
    return reads_form or (
        context is not None and (context.has_teardowns or BackgroundTasks in context.cache)
    )


async def finish_request(
    request: Request, context: InjectionContext | None, reads_form: bool
) -> None:
    """After the answer went out: run the injected background tasks, then tear down.

    The client has its answer, so a failing task is not thrown into the providers (a unit
    of work still commits what the answer reported); its error goes on to the server's log.
    """
    tasks = context.cache.get(BackgroundTasks) if context is not None else None
    try:
        if tasks is not None:
            await tasks()
    finally:
        await end_request(request, context, reads_form, None)


def http_endpoint(
    plan: EndpointPlan, container: Container, converter: cattrs.Converter = DEFAULT_CONVERTER
) -> ASGIApp:
    """An ASGI app that serves ``plan``'s endpoint for HTTP requests."""
    func = plan.func
    reads_form = plan.reads_form
    respond = responder(converter, *response_settings(func))

    if plan.only_connection and plan.is_async:

        async def fast(scope: Scope, receive: Receive, send: Send) -> None:
            result = await func(Request(scope, receive, send))
            if not isinstance(result, Response):
                result = respond(result)
            await result(scope, receive, send)

        return guard(fast, requirements_of(func))

    if not plan.needs_context:

        async def plain(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive, send)
            try:
                result = await plan.call(**await plan.arguments(request, None))
                await respond(result)(scope, receive, send)
            finally:
                if reads_form:
                    await request.close()

        return guard(plain, requirements_of(func))

    async def injected(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        context = InjectionContext(container, {Request: request, HTTPConnection: request})
        try:
            result = await plan.call(**await plan.arguments(request, context))
            await respond(result)(scope, receive, send)
        except BaseException as exc:
            await end_request(request, context, reads_form, exc)
            raise
        if has_work_after(context, reads_form):
            await finish_request(request, context, reads_form)

    return guard(injected, requirements_of(func))


def websocket_endpoint(plan: EndpointPlan, container: Container) -> ASGIApp:
    """An ASGI app that serves ``plan``'s endpoint for websockets.

    Request-scoped values live for the whole connection.
    """
    func = plan.func
    if plan.only_connection and plan.is_async:

        async def fast(scope: Scope, receive: Receive, send: Send) -> None:
            await func(WebSocket(scope, receive, send))

        return guard(fast, requirements_of(func))

    async def injected(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        context = None
        if plan.needs_context:
            context = InjectionContext(container, {WebSocket: websocket, HTTPConnection: websocket})
        try:
            # A websocket endpoint can only talk through awaitables: a plain function here is
            # a decorator's wrapper that returns the endpoint's coroutine, called as it is (a
            # thread would leave that coroutine to no one).
            result = func(**await plan.arguments(websocket, context))
            if inspect.isawaitable(result):
                await result
        except BaseException as exc:
            await close_context(context, exc)
            raise
        if context is not None:
            await close_context(context, None)

    return guard(injected, requirements_of(func))
