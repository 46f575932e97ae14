"""Memory: the peak RSS of many in-process requests, and whether it grows as they go on.

Each framework serves the json and DI scenarios in a process of its own, so each peak is
its own. The resident set size is read after each quarter of the requests (after a
garbage collection); a leak shows as growth between the first quarter and the last. Run it
with ``python -m benchmarks.memory`` (``--requests 2000`` for a quick check).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys

import anyio

from benchmarks.apps import FRAMEWORKS, load
from benchmarks.inprocess import rst_table
from benchmarks.scenarios import DI, JSON, Scenario

SCENARIOS = [JSON, DI]
QUARTERS = 4


def _status_kib(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` reading of /proc/self/status in KiB; None where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def resident_kib() -> int:
    """The current resident set size in KiB (the peak where /proc is missing)."""
    return _status_kib("VmRSS") or peak_kib()


def peak_kib() -> int:
    """The peak resident set size of this process so far, in KiB.

    On Linux it is this program's own peak: getrusage() would also count the peak of the
    process that started it, which the kernel carries across exec.
    """
    peak = _status_kib("VmHWM")
    if peak is not None:
        return peak
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == "darwin" else usage  # macOS counts bytes


async def serve(framework: str, scenario: Scenario, requests: int) -> dict[str, int] | None:
    """Serve ``requests`` requests; the resident size after each quarter and the peak.

    None when the framework is not installed.
    """
    builders = load(framework)
    if scenario.name not in builders:
        return None
    app = builders[scenario.name]()
    scenario.check(framework, await scenario.call(app))
    readings = []
    for _ in range(QUARTERS):
        await scenario.requests_per_second(app, requests // QUARTERS)
        gc.collect()
        readings.append(resident_kib())
    return {"first": readings[0], "last": readings[-1], "peak": peak_kib()}


def measure(requests: int) -> dict[str, dict[str, dict[str, int]]]:
    """By scenario and framework: the readings of a process of its own."""
    results: dict[str, dict[str, dict[str, int]]] = {}
    for scenario in SCENARIOS:
        row = results.setdefault(scenario.name, {})
        for framework in FRAMEWORKS:
            # Each in a process of its own; this one never imports the frameworks.
            command = [sys.executable, "-m", "benchmarks.memory", "--requests", str(requests)]
            command += ["--child", framework, scenario.name]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            reading = json.loads(output)
            if reading is not None:
                row[framework] = reading
    return results


def table(results: dict[str, dict[str, dict[str, int]]], requests: int) -> str:
    """The readings as a reStructuredText table."""
    quarter = requests // QUARTERS
    header = ["scenario", "framework", "peak RSS (MiB)", f"growth, quarter 1 to 4 of {requests:,}"]
    rows = [
        [
            scenario,
            framework,
            f"{reading['peak'] / 1024:.1f}",
            f"{reading['last'] - reading['first']:+,} KiB ({quarter:,} requests each)",
        ]
        for scenario, row in results.items()
        for framework, reading in row.items()
    ]
    return rst_table(header, rows)


def main(argv: list[str] | None = None) -> dict[str, dict[str, dict[str, int]]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument(
        "--child", nargs=2, metavar=("FRAMEWORK", "SCENARIO"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child is not None:
        framework, name = args.child
        scenario = next(s for s in SCENARIOS if s.name == name)
        print(json.dumps(anyio.run(serve, framework, scenario, args.requests)))
        return {}
    results = measure(args.requests)
    print(table(results, args.requests))
    return results


if __name__ == "__main__":
    main()
