"""Fuzzing through a real server: raw HTTP/1.1 bytes over TCP to uvicorn serving the
representative app. Never a 5xx, and never an error in the server's log."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from tests.integration.conftest import ROOT, free_port, server_process
from tests.reliability.harness import RawRequest
from tests.reliability.strategies import http_requests

Server = tuple[int, subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    static = tmp_path_factory.mktemp("static")
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory"]
    command += ["tests.integration.apps.representative:create", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log"]
    env = {"RELIABILITY_STATIC": str(static)}
    with server_process(command, port, cwd=ROOT, env=env) as (_, process):
        yield port, process
        process.terminate()
        output = process.communicate(timeout=10)[0].decode(errors="replace")
    # Nothing the clients sent made the app fail: the server logged no error.
    assert "Traceback" not in output, output
    assert "Exception in ASGI application" not in output, output


def wire(request: RawRequest) -> bytes:
    """``request`` as HTTP/1.1 bytes: its own Content-Length, and the connection closed."""
    target = request.raw_path + (b"?" + request.query_string if request.query_string else b"")
    body = b"".join(request.chunks)
    lines = [request.method.encode() + b" " + target + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in request.headers if name != b"content-length"]
    lines += [b"content-length: " + str(len(body)).encode(), b"connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def status_of(port: int, data: bytes) -> int:
    """The status the server responded ``data`` with."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # The server may refuse early (a body over the limit) and close before all is sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        status_line = sock.makefile("rb").readline()
    assert status_line.startswith(b"HTTP/1.1 "), status_line
    return int(status_line[9:12])


@settings(
    max_examples=50 if os.environ.get("HYPOTHESIS_PROFILE") != "deep" else 1000,
    deadline=None,
    derandomize=os.environ.get("HYPOTHESIS_PROFILE") != "deep",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=http_requests())
def test_raw_requests_through_uvicorn(server: Server, request: RawRequest) -> None:
    port, _ = server
    assert status_of(port, wire(request)) < 500
