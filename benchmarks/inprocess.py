"""In-process benchmark: each framework's ASGI app called directly, side by side.

Every scenario is written idiomatically in every framework that is installed (resourceful,
a raw ASGI app as the floor, Starlette, FastAPI, Litestar). Each app's answer is checked
once per scenario, so a broken app cannot score; then rounds of many requests are
interleaved between the frameworks and the median requests per second is reported, with
the ratio resourceful / peer. Run it with ``tox -e bench`` (``-- --rounds 7`` for more).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import anyio

from resourceful import App, JSONResponse, PlainTextResponse, Request, Route
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

HELLO = "Hello, world!"
Builder = Callable[[], Any]  # each framework types its app its own way


class Scenario:
    """One request, its expected answer, and the apps that serve it."""

    def __init__(
        self, name: str, path: str, status: int, body: Callable[[bytes], Any], expected: Any
    ) -> None:
        self.name = name
        self.path = path
        self.status = status
        self.decode = body
        self.expected = expected
        self.builders: dict[str, Builder] = {}

    def scope(self) -> Scope:
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }


def _text(body: bytes) -> Any:
    return body.decode()


def _json(body: bytes) -> Any:
    return json.loads(body)


PLAINTEXT = Scenario("plaintext", "/plaintext", 200, _text, HELLO)
JSON = Scenario("json", "/json", 200, _json, {"message": HELLO})
SCENARIOS = [PLAINTEXT, JSON]


def framework(name: str) -> Callable[[Callable[[], dict[str, Builder]]], None]:
    """Register a framework's apps, one per scenario name, if the framework is installed."""

    def register(build: Callable[[], dict[str, Builder]]) -> None:
        try:
            builders = build()
        except ImportError:
            return
        for scenario in SCENARIOS:
            if scenario.name in builders:
                scenario.builders[name] = builders[scenario.name]

    return register


@framework("raw")
def _raw() -> dict[str, Builder]:
    def plaintext() -> ASGIApp:
        body = HELLO.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")]

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return app

    def json_app() -> ASGIApp:
        headers = [(b"content-type", b"application/json")]

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            body = json.dumps({"message": HELLO}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})

        return app

    return {"plaintext": plaintext, "json": json_app}


@framework("resourceful")
def _resourceful() -> dict[str, Builder]:
    async def plaintext(request: Request) -> PlainTextResponse:
        return PlainTextResponse(HELLO)

    async def hello_json(request: Request) -> JSONResponse:
        return JSONResponse({"message": HELLO})

    return {
        "plaintext": lambda: App(routes=[Route("/plaintext", plaintext)]),
        "json": lambda: App(routes=[Route("/json", hello_json)]),
    }


@framework("starlette")
def _starlette() -> dict[str, Builder]:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse as StarletteJSON
    from starlette.responses import PlainTextResponse as StarlettePlain
    from starlette.routing import Route as StarletteRoute

    async def plaintext(request: Any) -> Any:
        return StarlettePlain(HELLO)

    async def hello_json(request: Any) -> Any:
        return StarletteJSON({"message": HELLO})

    return {
        "plaintext": lambda: Starlette(routes=[StarletteRoute("/plaintext", plaintext)]),
        "json": lambda: Starlette(routes=[StarletteRoute("/json", hello_json)]),
    }


@framework("fastapi")
def _fastapi() -> dict[str, Builder]:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse as FastPlain

    def plaintext() -> Any:
        app = FastAPI()

        @app.get("/plaintext", response_class=FastPlain)
        async def hello() -> str:
            return HELLO

        return app

    def hello_json() -> Any:
        app = FastAPI()

        @app.get("/json")
        async def hello() -> dict[str, str]:
            return {"message": HELLO}

        return app

    return {"plaintext": plaintext, "json": hello_json}


@framework("litestar")
def _litestar() -> dict[str, Builder]:
    from litestar import Litestar, MediaType, get

    @get("/plaintext", media_type=MediaType.TEXT)
    async def plaintext() -> str:
        return HELLO

    @get("/json")
    async def hello_json() -> dict[str, str]:
        return {"message": HELLO}

    return {
        "plaintext": lambda: Litestar(route_handlers=[plaintext]),
        "json": lambda: Litestar(route_handlers=[hello_json]),
    }


async def call(app: ASGIApp, scope: Scope) -> tuple[int, bytes]:
    """One request; the status and body the app answered."""
    status = 0
    body = bytearray()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(dict(scope), receive, send)
    return status, bytes(body)


async def requests_per_second(app: ASGIApp, scope: Scope, iterations: int) -> float:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    start = time.perf_counter()
    for _ in range(iterations):
        await app(dict(scope), receive, send)
    return iterations / (time.perf_counter() - start)


async def measure(iterations: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median requests per second, by scenario and framework."""
    results: dict[str, dict[str, float]] = {}
    for scenario in SCENARIOS:
        scope = scenario.scope()
        apps = {name: build() for name, build in scenario.builders.items()}
        for name, app in apps.items():
            status, body = await call(app, scope)
            if status != scenario.status or scenario.decode(body) != scenario.expected:
                msg = f"{name} answered {scenario.name} wrongly: {status} {body[:80]!r}"
                raise RuntimeError(msg)
        samples: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(rounds):
            for name, app in apps.items():
                samples[name].append(await requests_per_second(app, scope, iterations))
        results[scenario.name] = {
            name: statistics.median(values) for name, values in samples.items()
        }
    return results


def table(results: dict[str, dict[str, float]]) -> str:
    """The results as a reStructuredText table, ratios against resourceful."""
    names = sorted({name for row in results.values() for name in row}, key=_order)
    header = [
        "scenario",
        *[f"{name} req/s" for name in names],
        *[f"vs {n}" for n in names if n != "resourceful"],
    ]
    rows = []
    for scenario, row in results.items():
        ours = row.get("resourceful", 0.0)
        cells = [scenario, *[f"{row[name]:,.0f}" if name in row else "-" for name in names]]
        cells += [
            f"{ours / row[name]:.2f}x" if name in row else "-"
            for name in names
            if name != "resourceful"
        ]
        rows.append(cells)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    rule = "  ".join("=" * width for width in widths)
    lines = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.append(rule)
    return "\n".join(lines)


def _order(name: str) -> tuple[int, str]:
    return (["resourceful", "raw", "starlette", "fastapi", "litestar"].index(name), name)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="one short round, to check the harness"
    )
    args = parser.parse_args(argv)
    iterations, rounds = (200, 1) if args.quick else (args.iterations, args.rounds)
    results = anyio.run(measure, iterations, rounds)
    print(table(results))
    return results


if __name__ == "__main__":
    main()
