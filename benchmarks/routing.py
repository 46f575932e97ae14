"""How matching cost grows with the number of routes: 10 routes against 100.

Each router holds N parametrised routes (``/route{i}/{id:int}``) and is called directly, as
an ASGI app, for a request to its last route. Run it with ``python -m benchmarks.routing``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio

from resourceful import PlainTextResponse, Request, Response, Route, Router
from resourceful.types import Message


async def endpoint(request: Request) -> Response:
    return PlainTextResponse("ok")


def build(route_count: int) -> Router:
    return Router([Route(f"/route{i}/{{id:int}}", endpoint) for i in range(route_count)])


async def time_router(router: Router, path: str, iterations: int) -> float:
    """Seconds per request, routing included, for ``iterations`` requests to ``path``."""
    body: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            body.append(message["body"])

    base = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    start = time.perf_counter()
    for _ in range(iterations):
        await router(dict(base), receive, send)
    elapsed = time.perf_counter() - start
    if body[-1] != b"ok":
        msg = f"the router answered {body[-1]!r} for {path}"
        raise RuntimeError(msg)
    return elapsed / iterations


async def measure(iterations: int, rounds: int) -> dict[int, float]:
    """The median seconds per request for 10 and for 100 routes, interleaved over rounds."""
    samples: dict[int, list[float]] = {10: [], 100: []}
    routers = {count: build(count) for count in samples}
    for _ in range(rounds):
        for count, router in routers.items():
            path = f"/route{count - 1}/42"
            samples[count].append(await time_router(router, path, iterations))
    return {count: statistics.median(values) for count, values in samples.items()}


def main(argv: list[str] | None = None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    result = anyio.run(measure, args.iterations, args.rounds)
    for count, seconds in result.items():
        print(f"{count:>4} routes: {seconds * 1e6:7.2f} µs per request to the last route")
    print(f"100 routes cost {result[100] / result[10]:.2f}x what 10 routes cost")
    return result


if __name__ == "__main__":
    main()
