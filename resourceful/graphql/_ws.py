"""GraphQL over a websocket, by the ``graphql-transport-ws`` protocol (of the graphql-ws library).

The client opens with ``connection_init`` and the server responds ``connection_ack``; then each
``subscribe`` runs one operation under the client's id: a subscription sends a ``next`` per
event until its source ends (``complete``) or the client sends ``complete``; a query or a
mutation sends one ``next`` and ``complete``; a document that cannot run gets ``error``.
A client that breaks the protocol is closed with the protocol's code.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import anyio
from anyio.abc import TaskGroup
from graphql import (
    DocumentNode,
    ExecutionResult,
    Executor,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    get_operation_ast,
)
from graphql.execution import create_source_event_stream

from resourceful._json import compact_json
from resourceful.concurrency import collapse_excgroups
from resourceful.graphql._documents import DocumentCache
from resourceful.graphql._http import BadRequest, params_from_mapping
from resourceful.websockets import WebSocket, WebSocketDisconnect

PROTOCOL = "graphql-transport-ws"

#: ``on_connect(websocket, payload)``: False refuses the connection (4403); a dict is sent
#: back as the ``connection_ack`` payload; None (or True) accepts it.
OnConnect = Callable[[WebSocket, dict[str, Any] | None], Any]


class Server(Protocol):
    """What a session needs of the GraphQL app it speaks for (``GraphQLApp``)."""

    schema: GraphQLSchema
    root_value: Any
    documents: DocumentCache
    on_connect: OnConnect | None
    connection_init_timeout: float
    max_operations: int

    async def context_for(self, connection: WebSocket) -> Any: ...

    def operation(self, connection: WebSocket) -> AbstractAsyncContextManager[None]: ...

    async def run(
        self,
        document: DocumentNode,
        context: Any,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        root_value: Any = None,
    ) -> ExecutionResult: ...

    def body(self, result: ExecutionResult) -> dict[str, Any]: ...

    def shown(self, error: GraphQLError) -> dict[str, Any]: ...


class _Closed(Exception):
    """The session ends: close the socket with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class TransportSession:
    """One websocket connection speaking graphql-transport-ws to ``app``."""

    def __init__(self, app: Server, websocket: WebSocket) -> None:
        self.app = app
        self.websocket = websocket
        self.is_initialised = False
        self.is_acknowledged = False
        self.operations: dict[str, anyio.CancelScope] = {}
        self.context: Any = None

    async def serve(self) -> None:
        """Run the connection until the client leaves or breaks the protocol."""
        if PROTOCOL not in self.websocket.scope.get("subprotocols", ()):
            await self.websocket.accept()
            await self.websocket.close(4406, "Subprotocol not acceptable")
            return
        await self.websocket.accept(subprotocol=PROTOCOL)
        try:
            with collapse_excgroups():
                async with anyio.create_task_group() as group:
                    group.start_soon(self._expect_init)
                    try:
                        await self._read(group)
                    finally:
                        group.cancel_scope.cancel()
        except _Closed as closed:
            await self.websocket.close(closed.code, closed.reason)

    async def _expect_init(self) -> None:
        await anyio.sleep(self.app.connection_init_timeout)
        if not self.is_initialised:
            raise _Closed(4408, "Connection initialisation timeout")

    async def _read(self, group: TaskGroup) -> None:
        while True:
            try:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
            except WebSocketDisconnect:  # pragma: no cover (receive() reports it as a message)
                return
            text = message.get("text")
            if text is None:
                raise _Closed(4400, "Messages are JSON text")
            await self._handle(_parsed(text), group)

    async def _handle(self, message: dict[str, Any], group: TaskGroup) -> None:
        kind = message["type"]
        if kind == "connection_init":
            await self._init(message.get("payload"))
        elif kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "subscribe":
            if not self.is_acknowledged:
                raise _Closed(4401, "Unauthorized")
            operation_id = _id(message)
            if operation_id in self.operations:
                raise _Closed(4409, f"Subscriber for {operation_id} already exists")
            payload = message.get("payload")
            if not isinstance(payload, dict):
                raise _Closed(4400, "A subscribe message has a payload object")
            try:
                params = params_from_mapping(payload)
            except BadRequest as exc:
                raise _Closed(4400, str(exc)) from None
            if len(self.operations) >= self.app.max_operations:
                msg = f"At most {self.app.max_operations} operations run at once on a socket."
                await self._errors(operation_id, [GraphQLError(msg)])
                return
            scope = self.operations[operation_id] = anyio.CancelScope()
            group.start_soon(self._operation, operation_id, params, scope)
        elif kind == "complete":
            running = self.operations.pop(_id(message), None)
            if running is not None:
                running.cancel()
        else:
            raise _Closed(4400, f"Unknown message type {kind!r}")

    async def _init(self, payload: Any) -> None:
        if self.is_initialised:
            raise _Closed(4429, "Too many initialisation requests")
        self.is_initialised = True
        if payload is not None and not isinstance(payload, dict):
            raise _Closed(4400, "The connection_init payload is an object")
        accepted = None
        if self.app.on_connect is not None:
            accepted = self.app.on_connect(self.websocket, payload)
            if inspect.isawaitable(accepted):
                accepted = await accepted
            if accepted is False:
                raise _Closed(4403, "Forbidden")
        self.context = await self.app.context_for(self.websocket)
        self.is_acknowledged = True
        ack: dict[str, Any] = {"type": "connection_ack"}
        if isinstance(accepted, dict):
            ack["payload"] = accepted
        await self._send(ack)

    async def _operation(self, operation_id: str, params: Any, scope: anyio.CancelScope) -> None:
        with scope:
            try:
                async with self.app.operation(self.websocket):
                    await self._run(operation_id, params)
            except Exception as exc:  # a subscription's source failed: the operation ends
                error = GraphQLError(str(exc), original_error=exc)
                await self._errors(operation_id, [self.app.shown(error)])
                return
        if self.operations.pop(operation_id, None) is not None:
            await self._send({"id": operation_id, "type": "complete"})

    async def _run(self, operation_id: str, params: Any) -> None:
        app = self.app
        checked = app.documents.check(params.query)
        document = checked.document
        if document is None:
            await self._errors(operation_id, checked.errors)
            return
        operation = get_operation_ast(document, params.operation_name)
        if operation is None:
            msg = "The document has no operation to run by that name."
            await self._errors(operation_id, [GraphQLError(msg)])
            return
        if operation.operation is not OperationType.SUBSCRIPTION:
            result = await app.run(document, self.context, params.variables, params.operation_name)
            await self._next(operation_id, result)
            return
        executor = Executor.build(
            app.schema,
            document,
            app.root_value,
            self.context,
            params.variables,
            params.operation_name,
        )
        if isinstance(executor, list):  # the variables do not coerce
            await self._errors(operation_id, executor)
            return
        source = create_source_event_stream(executor)
        if inspect.isawaitable(source):
            source = await source
        if isinstance(source, ExecutionResult):
            await self._errors(operation_id, source.errors or [])
            return
        await self._events(operation_id, source, document, params)

    async def _events(
        self, operation_id: str, source: AsyncIterable[Any], document: Any, params: Any
    ) -> None:
        iterator = source.__aiter__()
        try:
            async for event in iterator:
                result = await self.app.run(
                    document, self.context, params.variables, params.operation_name, event
                )
                await self._next(operation_id, result)
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:  # the source's teardown runs now, even when cancelled
                with anyio.CancelScope(shield=True):
                    await close()

    async def _next(self, operation_id: str, result: ExecutionResult) -> None:
        await self._send({"id": operation_id, "type": "next", "payload": self.app.body(result)})

    async def _errors(self, operation_id: str, errors: Any) -> None:
        self.operations.pop(operation_id, None)  # an error ends the operation: no complete
        payload = [error if isinstance(error, dict) else error.formatted for error in errors]
        await self._send({"id": operation_id, "type": "error", "payload": payload})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(compact_json(message).decode())


def _parsed(text: str) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError:
        raise _Closed(4400, "Messages are JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise _Closed(4400, "A message is an object with a 'type'")
    return message


def _id(message: dict[str, Any]) -> str:
    operation_id = message.get("id")
    if not isinstance(operation_id, str) or not operation_id:
        raise _Closed(4400, "The message needs an 'id', a non-empty string")
    return operation_id
