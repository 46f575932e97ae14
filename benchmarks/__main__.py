"""Run every benchmark and print the tables: ``python -m benchmarks [--full]``.

Without ``--full`` each benchmark runs one short round, to check that the harness works
(that is what CI does); with it, the measurement that goes into RESULTS.rst, and
``--chart docs/_static/benchmarks.svg`` draws its in-process results for the documentation.
A quick run draws its chart into a temporary folder, to check the drawing.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import tempfile
from importlib import metadata
from pathlib import Path

from benchmarks import (
    broadcast,
    chart,
    classes,
    conditional,
    endtoend,
    inprocess,
    layers,
    load,
    memory,
    openapi,
    routing,
)

PACKAGES = [
    "resourceful-asgi",
    "starlette",
    "fastapi",
    "litestar",
    "blacksheep",
    "uvicorn",
    "granian",
]


def versions() -> str:
    """The Python and package versions the tables were measured with."""
    installed = {dist.metadata["Name"].lower(): dist.version for dist in metadata.distributions()}
    found = [f"{name} {installed[name]}" for name in PACKAGES if name in installed]
    return ", ".join([f"Python {platform.python_version()}", *found])


def heading(title: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="measure, not just check")
    parser.add_argument("--chart", type=Path, help="draw the in-process results here (SVG)")
    arguments = parser.parse_args(argv)
    full = arguments.full
    measured = f"{datetime.date.today()} on {platform.machine()}: {versions()}"
    print(measured)
    heading("In process (requests per second)")
    results = inprocess.main([] if full else ["--quick"])
    with tempfile.TemporaryDirectory() as folder:
        path = arguments.chart or Path(folder, "benchmarks.svg")
        title = f"In process, {datetime.date.today()}, Python {platform.python_version()}"
        chart.draw(results, path, title)
        print(f"\n(chart: {path}, {path.stat().st_size:,} bytes)")
    heading("Classes: the same endpoints as resources and as functions")
    classes.main([] if full else ["--iterations", "200", "--rounds", "1"])
    heading("Conditional requests: a GET responded to with 304 against the same GET with 200")
    conditional.main([] if full else ["--iterations", "200", "--rounds", "1"])
    heading("Layers: providers per mount against providers of the app")
    layers.main([] if full else ["--iterations", "200", "--rounds", "1"])
    heading("Routing: the 100th of 100 routes against the 1st")
    routing.main([] if full else ["--iterations", "200", "--rounds", "1"])
    heading("OpenAPI: the document of an app of 200 routes")
    openapi.main([] if full else ["--rounds", "1"])
    heading("Broadcast: messages a second through each backend")
    broadcast.main([] if full else ["--messages", "1000"])
    heading("Memory")
    memory.main([] if full else ["--requests", "2000"])
    heading("End to end under uvicorn (requests per second)")
    endtoend.main([] if full else ["--seconds", "1", "--rounds", "1"])
    heading("End to end under granian (requests per second)")
    endtoend.main(["--server", "granian"] + ([] if full else ["--seconds", "1", "--rounds", "1"]))
    heading("Load: the example app under uvicorn at 256 connections")
    load.main([] if full else ["--seconds", "2"])


if __name__ == "__main__":
    main()
