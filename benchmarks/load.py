"""Load: the example app under uvicorn, held at 256 connections by wrk, must never fail.

``examples/hello.py`` is served by one uvicorn worker on 127.0.0.1; wrk (one thread, so
that on a 2-core machine the server keeps a core of its own; 256 connections; 30 s by
default) loads its JSON endpoint and its DI endpoint in turn. Every
request must succeed: a socket error (connect, read, write, timeout) or a response other
than 2xx fails the run. Run it with ``python -m benchmarks.load`` (``--seconds 3`` for a
quick check).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.endtoend import HOST, fetch, free_port, wait_for
from benchmarks.inprocess import rst_table

EXAMPLES = Path(__file__).parents[1] / "examples"
#: The endpoints loaded: one that responds with JSON from a query, one that injects a service.
ENDPOINTS = {"json": "/api/hello?name=load", "di": "/api/notes?limit=2"}


def wrk(port: int, path: str, seconds: int, connections: int) -> dict[str, str]:
    """wrk's figures for ``path``: requests, rate, latency percentiles, errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    output = subprocess.run(
        [*command, f"http://{HOST}:{port}{path}"], check=True, capture_output=True, text=True
    ).stdout
    figures = {
        "requests": _search(r"(\d+) requests in", output),
        "req/s": _search(r"Requests/sec:\s+([\d.]+)", output),
        "p50": _search(r"\s50%\s+(\S+)", output),
        "p99": _search(r"\s99%\s+(\S+)", output),
        "socket errors": "0",
        "non-2xx": _search(r"Non-2xx or 3xx responses: (\d+)", output) or "0",
    }
    errors = re.search(r"Socket errors: (.*)", output)
    if errors is not None:
        figures["socket errors"] = errors.group(1)
    return figures


def _search(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return "" if found is None else found.group(1)


def run(seconds: int, connections: int) -> dict[str, dict[str, str]]:
    """Serve the example and load each endpoint; the figures by endpoint."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES), "hello:app"]
    command += ["--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    server = subprocess.Popen(command)
    try:
        wait_for(port, server)
        results = {}
        for name, path in ENDPOINTS.items():
            status, _ = fetch(port, path)
            if status != 200:
                msg = f"{path} responded {status} before the load"
                raise RuntimeError(msg)
            results[name] = wrk(port, path, seconds, connections)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def table(results: dict[str, dict[str, str]]) -> str:
    header = ["endpoint", *next(iter(results.values()))]
    rows = [[name, *figures.values()] for name, figures in results.items()]
    return rst_table(header, rows)


def main(argv: list[str] | None = None) -> dict[str, dict[str, str]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        msg = "wrk is not installed: install Debian's wrk package (apt-get install wrk)."
        raise SystemExit(msg)
    results = run(args.seconds, args.connections)
    print(table(results))
    failed = [
        name
        for name, figures in results.items()
        if figures["socket errors"] != "0" or figures["non-2xx"] != "0"
    ]
    if failed:
        msg = f"requests failed under load: {', '.join(failed)}"
        raise SystemExit(msg)
    return results


if __name__ == "__main__":
    main()
