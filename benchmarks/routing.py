"""How matching cost grows with the position of the route: the 1st of 100 against the 100th.

The router holds 100 parametrised routes (``/route{i}/{id:int}``) and is called directly, as
an ASGI app, for requests to its first and to its last route. Run it with
``python -m benchmarks.routing``.
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
        msg = f"the router responded {body[-1]!r} for {path}"
        raise RuntimeError(msg)
    return elapsed / iterations


ROUTE_COUNT = 100


async def measure(iterations: int, rounds: int) -> dict[int, float]:
    """The median seconds per request to route 1 and to route 100, interleaved over rounds."""
    samples: dict[int, list[float]] = {1: [], ROUTE_COUNT: []}
    router = build(ROUTE_COUNT)
    for _ in range(rounds):
        for position in samples:
            path = f"/route{position - 1}/42"
            samples[position].append(await time_router(router, path, iterations))
    return {position: statistics.median(values) for position, values in samples.items()}


def main(argv: list[str] | None = None) -> dict[int, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    result = anyio.run(measure, args.iterations, args.rounds)
    for position, seconds in result.items():
        print(f"route {position:>3} of {ROUTE_COUNT}: {seconds * 1e6:7.2f} µs per request")
    print(f"route {ROUTE_COUNT} costs {result[ROUTE_COUNT] / result[1]:.2f}x what route 1 costs")
    return result


if __name__ == "__main__":
    main()
