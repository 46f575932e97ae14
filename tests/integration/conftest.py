"""A real uvicorn server on 127.0.0.1, started in its own process for the integration tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


EXAMPLES = ROOT / "examples"
TEST_APPS = Path(__file__).parent / "apps"


def uvicorn_command(app: str, app_dir: Path, port: int) -> list[str]:
    """The command that serves ``app`` (``module:attribute`` in ``app_dir``) on 127.0.0.1."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(app_dir),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


@contextmanager
def uvicorn_server(app: str, app_dir: Path = EXAMPLES, *, timeout: float = 20) -> Iterator[str]:
    """Serve ``app`` (``module:attribute`` in ``app_dir``) and yield its base URL.

    The server runs in its own process and is stopped by its process id afterwards.
    Raises RuntimeError, with uvicorn's output, when the server does not come up.
    """
    port = free_port()
    with serving(uvicorn_command(app, app_dir, port), port, timeout=timeout) as base_url:
        yield base_url


@contextmanager
def serving(
    command: list[str],
    port: int,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 20,
) -> Iterator[str]:
    """Run ``command``, a server on 127.0.0.1:``port``, and yield its base URL once it responds.

    ``env`` adds to the environment. Raises RuntimeError, with the server's output, when it
    does not come up.
    """
    # Its output goes to a file: a pipe nobody reads fills up with a few thousand requests'
    # log lines, and the server then stops to wait for it.
    with (
        tempfile.TemporaryFile() as output,
        server_process(command, port, cwd=cwd, env=env, timeout=timeout, output=output) as (
            base_url,
            _,
        ),
    ):
        yield base_url


@contextmanager
def server_process(
    command: list[str],
    port: int,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 20,
    output: IO[bytes] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`serving`, yielding the server's process too (to signal it, and read what it
    wrote through ``communicate``, unless it writes to the file ``output``)."""
    environment = {**os.environ, **(env or {})}
    stdout = subprocess.PIPE if output is None else output
    process = subprocess.Popen(
        command, cwd=cwd, env=environment, stdout=stdout, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _is_serving(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.communicate()[0] if output is None else _written(output)
                msg = f"{' '.join(command)} did not start:\n{said.decode(errors='replace')}"
                raise RuntimeError(msg)
            time.sleep(0.1)
        yield base_url, process
    finally:
        process.terminate()
        process.communicate(timeout=10)


def session_cookie(client: httpx.Client) -> str:
    """The ``Cookie`` header of what ``client`` holds (its session), for another client."""
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _written(output: IO[bytes]) -> bytes:
    output.seek(0)
    return output.read()


def _is_serving(base_url: str) -> bool:
    try:
        httpx.get(base_url + "/", timeout=1)
    except httpx.TransportError:
        return False
    return True


@pytest.fixture(scope="module")
def example_server() -> Iterator[str]:
    """The README's example app, ``examples/hello.py``, served by uvicorn."""
    with uvicorn_server("hello:app") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def notes_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The notes example, served by ``resourceful run`` with a database of its own."""
    database = tmp_path_factory.mktemp("notes") / "notes.sqlite3"
    port = free_port()
    command = [sys.executable, "-m", "resourceful", "run", "examples.notes:app"]
    env = {"NOTES_DATABASE": str(database), "NOTES_SECRET_KEY": "integration-tests-only"}
    with serving([*command, "--port", str(port)], port, cwd=ROOT, env=env) as base_url:
        yield base_url
    assert database.is_file()
