"""The benchmark scenarios: each one request (or websocket session) and its expected response.

The apps that serve them live in :mod:`benchmarks.apps`, one module per framework; every
framework writes every scenario idiomatically. A scenario drives an app the way a server
would, with a prepared scope and trivial ``receive``/``send``, and checks the response, so a
broken app cannot score.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from resourceful.types import ASGIApp, Message, Receive, Scope

HELLO = "Hello, world!"
ITEM = {"name": "widget", "price": 9.5, "tags": ["blue", "small"]}
ROUTE_COUNT = 100
ECHO_MESSAGES = [f"message {index}" for index in range(10)]


def text(body: bytes) -> Any:
    return body.decode()


def json_body(body: bytes) -> Any:
    return json.loads(body)


class Scenario:
    """One HTTP request and the status and (decoded) body every framework must respond with."""

    def __init__(
        self,
        name: str,
        path: str,
        expected: Any,
        *,
        decode: Callable[[bytes], Any] = json_body,
        status: int = 200,
        method: str = "GET",
        query: bytes = b"",
        headers: tuple[tuple[bytes, bytes], ...] = (),
        body: bytes = b"",
        description: str = "",
    ) -> None:
        self.name = name
        self.path = path
        self.expected = expected
        self.decode = decode
        self.status = status
        self.method = method
        self.query = query
        self.headers = [(b"host", b"bench"), (b"user-agent", b"bench"), *headers]
        self.body = body
        self.description = description

    def scope(self) -> Scope:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": self.query,
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }

    async def call(self, app: ASGIApp) -> tuple[int, bytes]:
        """One request; the status and body the app sent."""
        status = 0
        body = bytearray()

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await app(self.scope(), self._receive(), send)
        return status, bytes(body)

    def check(self, framework: str, response: tuple[int, bytes]) -> None:
        """Raise unless ``response`` is the expected one."""
        status, body = response
        try:
            right = status == self.status and self.decode(body) == self.expected
        except ValueError:
            right = False
        if not right:
            msg = f"{framework} responded {self.name} wrongly: {status} {body[:80]!r}"
            raise RuntimeError(msg)

    def _receive(self) -> Receive:
        # The whole body in one message, every time it is asked for: each framework reads it
        # once, and a constant channel costs every framework the same.
        message = {"type": "http.request", "body": self.body, "more_body": False}

        async def receive() -> Message:
            return message

        return receive

    async def requests_per_second(self, app: ASGIApp, iterations: int) -> float:
        """Serve ``iterations`` requests; how many per second."""
        scope = self.scope()
        receive = self._receive()

        async def send(message: Message) -> None:
            pass

        start = time.perf_counter()
        for _ in range(iterations):
            await app(dict(scope), receive, send)
        return iterations / (time.perf_counter() - start)


class WebSocketScenario(Scenario):
    """A websocket session: connect, send each message, expect each echoed, disconnect."""

    def __init__(self, name: str, path: str, messages: list[str], description: str = "") -> None:
        super().__init__(name, path, messages, status=101, description=description)
        self.messages = messages

    def scope(self) -> Scope:
        scope = {**super().scope(), "type": "websocket", "scheme": "ws", "subprotocols": []}
        del scope["method"]  # websocket scopes have none
        return scope

    def _session(self) -> tuple[Receive, list[Message]]:
        incoming: list[Message] = [
            {"type": "websocket.connect"},
            *({"type": "websocket.receive", "text": text} for text in self.messages),
            {"type": "websocket.disconnect", "code": 1000},
        ]
        incoming.reverse()
        sent: list[Message] = []

        async def receive() -> Message:
            return incoming.pop()

        return receive, sent

    async def call(self, app: ASGIApp) -> tuple[int, bytes]:
        """One session; 101 if accepted, and the texts echoed as a JSON list."""
        receive, sent = self._session()

        async def send(message: Message) -> None:
            sent.append(message)

        await app(self.scope(), receive, send)
        accepted = any(message["type"] == "websocket.accept" for message in sent)
        texts = [message["text"] for message in sent if message["type"] == "websocket.send"]
        return (101 if accepted else 0), json.dumps(texts).encode()

    async def requests_per_second(self, app: ASGIApp, iterations: int) -> float:
        """Run ``iterations`` sessions; how many per second."""
        scope = self.scope()

        async def send(message: Message) -> None:
            pass

        start = time.perf_counter()
        for _ in range(iterations):
            receive, _ = self._session()
            await app(dict(scope), receive, send)
        return iterations / (time.perf_counter() - start)


PLAINTEXT = Scenario("plaintext", "/plaintext", HELLO, decode=text, description="GET, a text body")
JSON = Scenario("json", "/json", {"message": HELLO}, description="GET, a JSON object")
PARAMS = Scenario(
    "params",
    "/users/42",
    {"id": 42, "verbose": True},
    query=b"verbose=true",
    description="a typed int path parameter and a bool query parameter, as JSON",
)
BODY = Scenario(
    "body",
    "/items",
    ITEM,
    status=201,
    method="POST",
    headers=((b"content-type", b"application/json"),),
    body=json.dumps(ITEM).encode(),
    description="a JSON body into a typed object, echoed with 201",
)
FORM = Scenario(
    "form",
    "/login",
    {"username": "alice", "remember": True},
    method="POST",
    headers=((b"content-type", b"application/x-www-form-urlencoded"),),
    body=b"username=alice&password=secret&remember=true",
    description="an urlencoded form into typed fields",
)
DI = Scenario(
    "di",
    "/profile",
    {"name": "alice", "visits": 3},
    description="a request-scoped service that depends on an app-scoped one",
)
MIDDLEWARE = Scenario(
    "middleware",
    "/plaintext",
    HELLO,
    decode=text,
    headers=((b"origin", b"http://example.org"),),
    description="plaintext behind three pass-through middlewares, CORS and TrustedHost",
)
ROUTING = Scenario(
    "routing",
    f"/route{ROUTE_COUNT - 1}/42",
    {"route": ROUTE_COUNT - 1, "id": 42},
    description=f"the last of {ROUTE_COUNT} parametrised routes",
)
WEBSOCKET = WebSocketScenario(
    "websocket", "/echo", ECHO_MESSAGES, description="a session echoing 10 text messages"
)

GRAPHQL_QUERY = "query Profile($name: String!) { profile(name: $name) { name visits } }"
GRAPHQL_MUTATION = "mutation Rename($name: String!, $to: String!) { rename(name: $name, to: $to) }"
#: The schema every GraphQL app serves (each builds it its own way).
GRAPHQL_SDL = """
type Profile { name: String!, visits: Int! }
type Query { profile(name: String!): Profile! }
type Mutation { rename(name: String!, to: String!): String! }
"""
GRAPHQL = Scenario(
    "graphql",
    "/graphql",
    {"data": {"profile": {"name": "alice", "visits": 3}}},
    method="POST",
    headers=((b"content-type", b"application/json"), (b"accept", b"application/json")),
    body=json.dumps({"query": GRAPHQL_QUERY, "variables": {"name": "alice"}}).encode(),
    description="a GraphQL query with a variable, resolved by an injected service",
)
GRAPHQL_MUTATION_SCENARIO = Scenario(
    "graphql-mutation",
    "/graphql",
    {"data": {"rename": "alice is now ada"}},
    method="POST",
    headers=((b"content-type", b"application/json"), (b"accept", b"application/json")),
    body=json.dumps(
        {"query": GRAPHQL_MUTATION, "variables": {"name": "alice", "to": "ada"}}
    ).encode(),
    description="a GraphQL mutation with two variables",
)

SCENARIOS = [
    PLAINTEXT,
    JSON,
    PARAMS,
    BODY,
    FORM,
    DI,
    MIDDLEWARE,
    ROUTING,
    WEBSOCKET,
    GRAPHQL,
    GRAPHQL_MUTATION_SCENARIO,
]
