"""A real uvicorn server on 127.0.0.1, started in its own process for the integration tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def example_server() -> Iterator[str]:
    """Serve ``examples/hello.py`` with uvicorn and yield its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT / "examples"),
        "hello:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base_url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:  # pragma: no cover
                    msg = "uvicorn did not start; its output follows the test"
                    raise RuntimeError(msg) from None  # pragma: no cover - only a broken setup
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
        sys.stdout.write(output.decode(errors="replace"))
