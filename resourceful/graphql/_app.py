"""GraphQLApp: serve a graphql-core schema over HTTP, by the GraphQL-over-HTTP specification."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, cast

import anyio.from_thread
import anyio.to_thread
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
)
from graphql.execution.values import get_variable_values

from resourceful._json import compact_json
from resourceful.di import Container, InjectionContext
from resourceful.graphql._documents import DocumentCache, Limits
from resourceful.graphql._http import (
    GRAPHQL_RESPONSE,
    HTML,
    BadRequest,
    Params,
    params_from_body,
    params_from_query,
    response_type,
)
from resourceful.graphql._inject import OPERATION, inject_resolvers
from resourceful.graphql._page import GRAPHIQL_CDN, graphiql_page
from resourceful.graphql._ws import OnConnect, TransportSession
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import HTMLResponse, Response
from resourceful.types import Receive, Scope, Send
from resourceful.websockets import WebSocket

logger = logging.getLogger("resourceful.graphql")

#: What a client sees of an error the server did not mean to show (outside debug).
MASKED = {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


class GraphQLApp:
    """An ASGI app that responds to GraphQL requests for ``schema``.

    Mount it at a route: ``Route("/graphql", GraphQLApp(schema), methods=["GET", "POST"])``.
    Queries come by POST (a JSON body) or GET (the query string); mutations only by POST.
    The response is ``application/graphql-response+json`` for clients that name it, else
    ``application/json``, with the status codes of the GraphQL-over-HTTP specification.

    Args:
        schema: the graphql-core schema (from SDL with :func:`make_schema`, or built in code).
        root_value: the root value resolvers of top-level fields get.
        context_value: the context resolvers get as ``info.context``: a value, or a function
            of the request (sync or async) that makes one per request. By default a dict
            ``{"request": request}``.
        graphiql: respond to browsers (a GET that prefers HTML) with the GraphiQL page.
        graphiql_cdn: where the page loads its scripts from.
        limits: the limits on query documents (size, depth, aliases, introspection).
        debug: show the real message of unexpected errors; otherwise clients get a generic
            one and the server logs the error.
        on_connect: ``on_connect(websocket, payload)`` (sync or async) checks a websocket's
            ``connection_init``: False refuses it (4403), a dict is the ack's payload.
        connection_init_timeout: seconds a websocket client has to send ``connection_init``.
        max_operations: operations one websocket may run at once; more get an ``error``.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        root_value: Any = None,
        context_value: Any = None,
        graphiql: bool = True,
        graphiql_cdn: str = GRAPHIQL_CDN,
        limits: Limits | None = None,
        debug: bool = False,
        on_connect: OnConnect | None = None,
        connection_init_timeout: float = 3.0,
        max_operations: int = 100,
    ) -> None:
        self.schema = schema
        self.root_value = root_value
        self.context_value = context_value
        self.graphiql = graphiql
        self.page = graphiql_page("GraphiQL", graphiql_cdn)
        self.documents = DocumentCache(schema, Limits() if limits is None else limits)
        self.debug = debug
        self.on_connect = on_connect
        self.connection_init_timeout = connection_init_timeout
        self.max_operations = max_operations
        self.container: Container | None = None

    def use_container(self, container: Container) -> None:
        """Inject the values resolvers ask for by type from ``container`` (an App calls this
        at startup for the apps of its routes).

        Raises:
            DependencyError: a resolver asks for something nothing provides.
        """
        if self.container is container:
            return
        inject_resolvers(self.schema, container)
        self.container = container

    @contextlib.asynccontextmanager
    async def operation(self, connection: Request | WebSocket) -> AsyncIterator[None]:
        """The injection context of one operation over ``connection``: made before it runs,
        torn down after it ends (a subscription's, once the subscription stops)."""
        if self.container is None:
            yield
            return
        kind = Request if isinstance(connection, Request) else WebSocket
        injection = InjectionContext(self.container, {kind: connection, HTTPConnection: connection})
        token = OPERATION.set(injection)
        failure: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            failure = exc
            raise
        finally:
            OPERATION.reset(token)
            if injection.has_teardowns:
                with anyio.CancelScope(shield=True):
                    await injection.close(failure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await TransportSession(self, WebSocket(scope, receive, send)).serve()
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive, send)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        """The response to one HTTP request."""
        media_type = GRAPHQL_RESPONSE
        try:
            if request.method not in ("GET", "POST"):
                msg = "GraphQL requests are GET (queries) or POST."
                raise BadRequest(msg, 405, {"Allow": "GET, POST"})
            html = self.graphiql and request.method == "GET"
            media_type = response_type(request.headers.get("accept"), html=html)
            if media_type == HTML:
                return HTMLResponse(self.page)
            if request.method == "GET":
                params = params_from_query(request.query_params)
            else:
                params = params_from_body(request.headers.get("content-type"), await request.body())
            return await self._execute(request, params, media_type)
        except BadRequest as exc:
            body = compact_json({"errors": [{"message": str(exc)}]})
            return Response(body, exc.status, exc.headers, media_type)

    async def _execute(self, request: Request, params: Params, media_type: str) -> Response:
        checked = self.documents.check(params.query)
        document = checked.document
        if document is None:
            return self._refused(checked.errors, media_type)
        operation = get_operation_ast(document, params.operation_name)
        if operation is None:
            name = params.operation_name
            msg = (
                f"The document has no operation named {name!r}."
                if name is not None
                else "The document has several operations: name one with 'operationName'."
            )
            return self._refused([GraphQLError(msg)], media_type)
        if operation.operation is OperationType.SUBSCRIPTION:
            msg = "Subscriptions are served over a websocket, not over HTTP."
            return self._refused([GraphQLError(msg)], media_type)
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            msg = f"A {operation.operation.value} is sent with POST; GET is for queries."
            raise BadRequest(msg, 405, {"Allow": "POST"})
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), params.variables or {}
        )
        if isinstance(coerced, list):
            return self._refused(coerced, media_type)
        context = await self.context_for(request)
        async with self.operation(request):
            result = await self.run(document, context, params.variables, params.operation_name)
        return self._respond(result, media_type)

    async def run(
        self,
        document: DocumentNode,
        context: Any,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        root_value: Any = None,
    ) -> ExecutionResult:
        """Execute a checked ``document`` (for a subscription's event, from that event)."""
        run = functools.partial(
            execute,
            self.schema,
            document,
            self.root_value if root_value is None else root_value,
            context,
            variables,
            operation_name,
        )
        if _on_asyncio():
            result = run()
            if inspect.isawaitable(result):
                result = await result
        else:
            # graphql-core gathers awaitables with asyncio: elsewhere (trio) it runs in a
            # worker thread, each awaitable a resolver returns awaited on the event loop.
            result = await anyio.to_thread.run_sync(
                functools.partial(run, middleware=[_awaited_on_the_loop])
            )
        return cast(ExecutionResult, result)

    async def context_for(self, connection: Request | WebSocket) -> Any:
        """The context of the operations of ``connection`` (a request, or a websocket)."""
        if self.context_value is None:
            return {"request": connection}
        if not callable(self.context_value):
            return self.context_value
        context = self.context_value(connection)
        if inspect.isawaitable(context):
            context = await context
        return context

    def _refused(self, errors: Sequence[GraphQLError], media_type: str) -> Response:
        """A request error: nothing ran. 400 for the specification's media type; 200 for
        ``application/json``, whose clients read errors from the body."""
        status = 400 if media_type == GRAPHQL_RESPONSE else 200
        body = compact_json({"errors": [error.formatted for error in errors]})
        return Response(body, status, media_type=media_type)

    def _respond(self, result: ExecutionResult, media_type: str) -> Response:
        return Response(compact_json(self.body(result)), 200, media_type=media_type)

    def body(self, result: ExecutionResult) -> dict[str, Any]:
        """``result`` as the client sees it, unexpected errors masked."""
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [self.shown(error) for error in result.errors]
        return body

    def shown(self, error: GraphQLError) -> dict[str, Any]:
        """What the client sees of an error raised while resolving."""
        original = error.original_error
        formatted: dict[str, Any] = dict(error.formatted)
        if original is None or isinstance(original, GraphQLError) or self.debug:
            return formatted
        logger.error("A resolver failed at %s", error.path, exc_info=original)
        return {**formatted, **MASKED}


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _awaited_on_the_loop(resolve: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
    """A graphql-core middleware for execution in a worker thread: a resolver's awaitable
    is awaited on the event loop, so graphql-core only ever sees values."""
    value = resolve(root, info, **args)
    if inspect.isawaitable(value):
        return anyio.from_thread.run(_awaited, value)
    return value


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def make_schema(
    type_defs: str, resolvers: dict[str, dict[str, Callable[..., Any]]] | None = None
) -> GraphQLSchema:
    """A schema from SDL ``type_defs``, each ``resolvers[type][field]`` bound to its field.

    A field of the subscription type takes the function that gives its events (an async
    generator function, say); each event is the field's value.

    Raises:
        ValueError: a resolver names a type or field the SDL does not define.
    """
    from graphql import GraphQLObjectType, build_schema

    schema = build_schema(type_defs)
    for type_name, fields in (resolvers or {}).items():
        kind = schema.get_type(type_name)
        if not isinstance(kind, GraphQLObjectType):
            msg = f"Resolvers are given for {type_name!r}, which is no object type of the schema."
            raise ValueError(msg)
        is_subscription = kind is schema.subscription_type
        for field_name, resolve in fields.items():
            if field_name not in kind.fields:
                msg = f"A resolver is given for {type_name}.{field_name}, which is no field."
                raise ValueError(msg)
            if is_subscription:
                # A subscription's function gives the events (an async generator, say);
                # each event is the field's value.
                kind.fields[field_name].subscribe = resolve
                kind.fields[field_name].resolve = _the_event
            else:
                kind.fields[field_name].resolve = resolve
    return schema


def _the_event(event: Any, info: Any, **args: Any) -> Any:
    return event
