"""End to end: each framework's app under a real server on 127.0.0.1, loaded by wrk.

One worker of uvicorn (or of granian, a server written in Rust, with ``--server granian``),
access log off; wrk (Debian's ``wrk`` package) runs one thread with 32 connections for a
few seconds against plaintext and json (after a second of warming up), and the requests
per second it reports are compared: the median of many short rounds, each framework
taking each place in the order in turn, since this machine's speed drifts from one minute
to the next. Where ``taskset`` is found and there are two cores or
more, the server runs on the first and wrk on the second. Each server's response is checked
before it is loaded. Run it with ``python -m benchmarks.endtoend`` (``--seconds 1`` for a
quick check).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.apps import FRAMEWORKS, load
from benchmarks.inprocess import table
from benchmarks.scenarios import JSON, PLAINTEXT, Scenario

SCENARIOS = [PLAINTEXT, JSON]
HOST = "127.0.0.1"


def create_app() -> Any:
    """The app uvicorn serves: the framework and scenario the environment names."""
    name = os.environ["BENCH_SCENARIO"]
    return load(os.environ["BENCH_FRAMEWORK"])[name]()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, server: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Return once the server accepts connections; raise if it exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            msg = f"the server exited with {server.returncode} before it served"
            raise RuntimeError(msg)
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    msg = f"nothing responded on {HOST}:{port} within {timeout} s"
    raise RuntimeError(msg)


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def pinned(cpu: int) -> list[str]:
    """The command prefix that keeps a process on ``cpu``, when this machine can: the
    server and wrk on a core each, so that neither takes the other's turns (which made
    figures swing by a third from one run to the next)."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "--cpu-list", str(cpu)]


def load_test(port: int, path: str, seconds: int, connections: int) -> float:
    """Requests per second wrk measured against ``path``, after a second of warming up."""
    url = f"http://{HOST}:{port}{path}"
    warm_up = [*pinned(1), "wrk", "-t1", f"-c{connections}", "-d1s", url]
    subprocess.run(warm_up, check=True, capture_output=True)
    command = [*pinned(1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", output)
    if found is None or errors is not None:
        msg = f"wrk reported errors or no rate:\n{output}"
        raise RuntimeError(msg)
    return float(found.group(1))


#: The servers, by name: the command that serves ``benchmarks.endtoend:create_app`` on a port.
SERVERS = {
    "uvicorn": lambda port: [
        *(sys.executable, "-m", "uvicorn", "--factory", "benchmarks.endtoend:create_app"),
        *("--host", HOST, "--port", str(port), "--workers", "1", "--no-access-log"),
        *("--log-level", "warning"),
    ],
    "granian": lambda port: [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--host", HOST, "--port", str(port), "--workers", "1", "--no-access-log"),
        *("--log-level", "warning", "benchmarks.endtoend:create_app"),
    ],
}


def serve_and_load(
    framework: str, scenario: Scenario, seconds: int, connections: int, server_name: str = "uvicorn"
) -> float:
    """Start the server with ``framework``'s app, check its response, and load it."""
    port = free_port()
    environment = {**os.environ, "BENCH_FRAMEWORK": framework, "BENCH_SCENARIO": scenario.name}
    server = subprocess.Popen([*pinned(0), *SERVERS[server_name](port)], env=environment)
    try:
        wait_for(port, server)
        scenario.check(framework, fetch(port, scenario.path))
        return load_test(port, scenario.path, seconds, connections)
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure(
    seconds: int, rounds: int, connections: int, server_name: str = "uvicorn"
) -> dict[str, dict[str, float]]:
    """Median requests per second by scenario and framework, rounds interleaved."""
    builders = {name: load(name) for name in FRAMEWORKS}
    results: dict[str, dict[str, float]] = {}
    for scenario in SCENARIOS:
        # The frameworks installed that serve this scenario (the GraphQL peers serve only theirs).
        installed = [name for name, found in builders.items() if scenario.name in found]
        samples: dict[str, list[float]] = {name: [] for name in installed}
        for _ in range(rounds):
            for name in installed:
                samples[name].append(
                    serve_and_load(name, scenario, seconds, connections, server_name)
                )
            installed.append(installed.pop(0))  # each framework takes each place in turn
        results[scenario.name] = {name: statistics.median(v) for name, v in samples.items()}
    return results


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", choices=sorted(SERVERS), default="uvicorn")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        msg = "wrk is not installed: install Debian's wrk package (apt-get install wrk)."
        raise SystemExit(msg)
    results = measure(args.seconds, args.rounds, args.connections, args.server)
    print(table(results))
    return results


if __name__ == "__main__":
    main()
