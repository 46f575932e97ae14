"""A resource costs no more than a function: the same endpoints written both ways, one app.

The plaintext and JSON endpoints of the in-process scenarios are served twice by one app,
as function endpoints and as :class:`~resourceful.HTTPResource` classes; every response is
checked, then the four are timed in interleaved rounds and the ratio resource / function
printed (1.00x: the class costs nothing). Run it with ``python -m benchmarks.classes``.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

import anyio

from benchmarks.scenarios import HELLO, Scenario, json_body, text
from resourceful import App, HTTPResource, JSONResponse, PlainTextResponse, Request, Route


async def plaintext(request: Request) -> PlainTextResponse:
    return PlainTextResponse(HELLO)


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"message": HELLO})


class Plaintext(HTTPResource):
    async def get(self) -> PlainTextResponse:
        return PlainTextResponse(HELLO)


class Hello(HTTPResource):
    async def get(self) -> JSONResponse:
        return JSONResponse({"message": HELLO})


def build() -> App:
    """The app serving each endpoint as a function and as a resource."""
    return App(
        routes=[
            Route("/function/plaintext", plaintext),
            Route("/resource/plaintext", Plaintext),
            Route("/function/json", hello),
            Route("/resource/json", Hello),
        ]
    )


#: Per endpoint, its request as a function and as a resource.
PAIRS: dict[str, tuple[Scenario, Scenario]] = {
    "plaintext": (
        Scenario("function", "/function/plaintext", HELLO, decode=text),
        Scenario("resource", "/resource/plaintext", HELLO, decode=text),
    ),
    "json": (
        Scenario("function", "/function/json", {"message": HELLO}, decode=json_body),
        Scenario("resource", "/resource/json", {"message": HELLO}, decode=json_body),
    ),
}


async def measure(iterations: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Per endpoint, the median requests per second as a function and as a resource."""
    return await compare(build(), PAIRS, iterations, rounds)


async def compare(
    app: App, pairs: dict[str, tuple[Scenario, Scenario]], iterations: int, rounds: int
) -> dict[str, tuple[float, float]]:
    """Per pair of scenarios of ``app``, the median requests per second of each, every
    response checked first and the two timed in interleaved rounds."""
    results = {}
    for name, pair in pairs.items():
        for scenario in pair:
            scenario.check("resourceful", await scenario.call(app))
        samples: list[list[float]] = [[], []]
        for round_number in range(rounds):
            order = (0, 1) if round_number % 2 == 0 else (1, 0)  # each goes first in turn
            for index in order:
                rate = await pair[index].requests_per_second(app, iterations)
                samples[index].append(rate)
        results[name] = (statistics.median(samples[0]), statistics.median(samples[1]))
    return results


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    return run_pairs(argv, __doc__, build, PAIRS)


def run_pairs(
    argv: list[str] | None,
    description: str | None,
    build: Callable[[], App],
    pairs: dict[str, tuple[Scenario, Scenario]],
) -> dict[str, tuple[float, float]]:
    """Measure the ``pairs`` of the app ``build`` makes, as the command line asks, and print
    each pair's rates and the ratio of the second to the first."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--iterations", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    results = anyio.run(compare, build(), pairs, args.iterations, args.rounds)
    for name, (one, other) in results.items():
        first, second = (scenario.name for scenario in pairs[name])
        print(
            f"{name}: {first} {one:,.0f} req/s, {second} {other:,.0f} req/s, "
            f"{second} / {first} {other / one:.2f}x"
        )
    return results


if __name__ == "__main__":
    main()
