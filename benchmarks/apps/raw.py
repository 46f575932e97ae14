"""The floor: each scenario as a hand-written ASGI app, with no framework at all."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.apps import Builder
from benchmarks.scenarios import GRAPHQL_SDL, HELLO, ROUTE_COUNT
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
JSON = [(b"content-type", b"application/json")]


async def respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    length = (b"content-length", b"%d" % len(body))
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body", False):
            return body


def json_app(make: Any) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, JSON, json.dumps(await make(scope, receive)).encode())

    return app


def graphql_app() -> ASGIApp:
    """graphql-core alone: documents parsed and validated once, by hand, then executed."""
    import graphql

    from benchmarks.apps import Database, Profiles

    schema = graphql.build_schema(GRAPHQL_SDL)
    database = Database()
    documents: dict[str, graphql.DocumentNode] = {}

    # The root value's callables are called by graphql-core as (info, **arguments).
    def profile(info: Any, name: str) -> dict[str, Any]:
        return Profiles(database).get(name)

    def rename(info: Any, name: str, to: str) -> str:
        return f"{name} is now {to}"

    root = {"profile": profile, "rename": rename}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = json.loads(await read_body(receive))
        query = request["query"]
        document = documents.get(query)
        if document is None:
            document = documents[query] = graphql.parse(query)
            graphql.validate(schema, document)
        result = graphql.execute(schema, document, root, None, request.get("variables"))
        body = {"data": result.data}  # type: ignore[union-attr]
        await respond(send, 200, JSON, json.dumps(body).encode())

    return app


def apps() -> dict[str, Builder]:
    def plaintext() -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await respond(send, 200, TEXT, HELLO.encode())

        return app

    async def hello(scope: Scope, receive: Receive) -> Any:
        return {"message": HELLO}

    async def user(scope: Scope, receive: Receive) -> Any:
        user_id = int(scope["path"].rsplit("/", 1)[1])
        query = dict(parse_qsl(scope["query_string"].decode()))
        return {"id": user_id, "verbose": query.get("verbose") == "true"}

    def body() -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            data = json.loads(await read_body(receive))
            item = {"name": str(data["name"]), "price": float(data["price"]), "tags": data["tags"]}
            await respond(send, 201, JSON, json.dumps(item).encode())

        return app

    async def login(scope: Scope, receive: Receive) -> Any:
        form = dict(parse_qsl((await read_body(receive)).decode()))
        return {"username": form["username"], "remember": form.get("remember") == "true"}

    async def profile(scope: Scope, receive: Receive) -> Any:
        return {"name": "alice", "visits": 3}

    def routing() -> ASGIApp:
        pattern = re.compile(r"^/route(\d+)/(\d+)$")

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            found = pattern.match(scope["path"])
            if found is None or int(found[1]) >= ROUTE_COUNT:
                await respond(send, 404, TEXT, b"Not Found")
                return
            route = {"route": int(found[1]), "id": int(found[2])}
            await respond(send, 200, JSON, json.dumps(route).encode())

        return app

    def echo() -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            while True:
                message: Message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                await send({"type": "websocket.send", "text": message["text"]})

        return app

    return {
        "plaintext": plaintext,
        "json": lambda: json_app(hello),
        "params": lambda: json_app(user),
        "body": body,
        "form": lambda: json_app(login),
        "di": lambda: json_app(profile),
        "middleware": plaintext,
        "routing": routing,
        "websocket": echo,
        "graphql": graphql_app,
        "graphql-mutation": graphql_app,
    }
