"""In-process benchmark: each framework's ASGI app called directly, side by side.

Every scenario (:mod:`benchmarks.scenarios`) is written idiomatically in every framework
that is installed (:mod:`benchmarks.apps`: resourceful, a raw ASGI app as the floor,
Starlette, FastAPI, Litestar, BlackSheep; Strawberry and Ariadne for GraphQL). Each app's
response is checked once per scenario, so a broken app cannot score; then many short rounds
are interleaved between the frameworks (each taking each place in the order in turn, so
that a machine that speeds up or slows down in the meantime favours none) and the median
requests per second is reported, with the ratio resourceful / peer. Run it with
``tox -e bench`` (``-- --full`` to measure).
"""

from __future__ import annotations

import argparse
import statistics

import anyio

from benchmarks.apps import FRAMEWORKS, load
from benchmarks.scenarios import SCENARIOS, Scenario


async def measure(
    iterations: int, rounds: int, scenarios: list[Scenario] | None = None
) -> dict[str, dict[str, float]]:
    """Median requests per second, by scenario and framework."""
    builders = {name: load(name) for name in FRAMEWORKS}
    results: dict[str, dict[str, float]] = {}
    for scenario in SCENARIOS if scenarios is None else scenarios:
        apps = {
            name: found[scenario.name]()
            for name, found in builders.items()
            if scenario.name in found
        }
        for name, app in apps.items():
            scenario.check(name, await scenario.call(app))
        samples: dict[str, list[float]] = {name: [] for name in apps}
        order = list(apps)
        for _ in range(rounds):
            for name in order:
                samples[name].append(await scenario.requests_per_second(apps[name], iterations))
            order.append(order.pop(0))  # each framework takes each place in turn
        results[scenario.name] = {
            name: statistics.median(values) for name, values in samples.items()
        }
    return results


#: An empty cell: an en dash, which reStructuredText does not read as a bullet list ("-" is).
NONE = "\N{EN DASH}"


def table(results: dict[str, dict[str, float]]) -> str:
    """The results as a reStructuredText table, ratios against resourceful."""
    names = [name for name in FRAMEWORKS if any(name in row for row in results.values())]
    peers = [name for name in names if name != "resourceful"]
    header = ["scenario", *[f"{name} req/s" for name in names], *[f"vs {n}" for n in peers]]
    rows = []
    for scenario, row in results.items():
        ours = row.get("resourceful", 0.0)
        cells = [scenario, *[f"{row[name]:,.0f}" if name in row else NONE for name in names]]
        cells += [f"{ours / row[name]:.2f}x" if name in row else NONE for name in peers]
        rows.append(cells)
    return rst_table(header, rows)


def rst_table(header: list[str], rows: list[list[str]]) -> str:
    """``rows`` under ``header`` as a reStructuredText simple table (every benchmark's)."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    rule = "  ".join("=" * width for width in widths)
    lines = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.append(rule)
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scenario", action="append", help="run only this one (repeatable)")
    parser.add_argument(
        "--quick", action="store_true", help="one short round, to check the harness"
    )
    args = parser.parse_args(argv)
    iterations, rounds = (200, 1) if args.quick else (args.iterations, args.rounds)
    chosen = [s for s in SCENARIOS if args.scenario is None or s.name in args.scenario]
    results = anyio.run(measure, iterations, rounds, chosen)
    print(table(results))
    return results


if __name__ == "__main__":
    main()
