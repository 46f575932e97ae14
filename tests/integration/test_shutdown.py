"""The server shuts down with a request and a websocket in flight (uvicorn, on SIGTERM)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.integration.conftest import TEST_APPS, free_port, server_process, uvicorn_command


def read_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_shutdown_finishes_requests_closes_websockets_and_tears_down(tmp_path: Path) -> None:
    log = tmp_path / "teardowns.log"
    port = free_port()
    command = [
        *uvicorn_command("inflight:app", TEST_APPS, port),
        "--timeout-graceful-shutdown",
        "5",
    ]
    responses: list[httpx.Response] = []
    env = {"INFLIGHT_LOG": str(log)}
    with (
        server_process(command, port, env=env) as (base_url, process),
        connect(base_url.replace("http://", "ws://") + "/ws") as socket,
    ):
        socket.send("hello")
        assert socket.recv(timeout=5) == "hello"
        slow = threading.Thread(
            target=lambda: responses.append(httpx.get(base_url + "/slow", timeout=10))
        )
        slow.start()
        deadline = time.monotonic() + 10
        while "slow request started" not in read_lines(log) and time.monotonic() < deadline:
            time.sleep(0.02)  # until the slow request is in its handler
        process.terminate()  # SIGTERM, as a process manager stops a server
        slow.join(timeout=10)
        # The server closes the websocket: 1012, "service restart".
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1012
        output = process.communicate(timeout=10)[0].decode()
    assert "Exception" not in output, output
    # The request in flight got its whole response.
    assert [(response.status_code, response.text) for response in responses] == [(200, '"done"')]
    lines = read_lines(log)
    # Every request-scoped teardown ran exactly once, and the app-scoped one last, at shutdown.
    assert sorted(lines[:-1]) == [
        "slow request closed",
        "slow request started",
        "websocket closed",
        "websocket left with 1012",
    ]
    assert lines[-1] == "pool closed"
