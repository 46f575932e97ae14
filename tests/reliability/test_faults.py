"""Faults: the client leaves at every stage, providers and background tasks fail.

Whatever happens, every request-scoped teardown runs exactly once, app-scoped ones run at
shutdown, an error after the response never changes the response the client has, and nothing is
left behind: no open files, no spooled uploads, no tasks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.lowlevel
import pytest

from resourceful import App, BackgroundTasks, Route
from resourceful.di import Provider
from resourceful.testclient import TestClient
from resourceful.types import ASGIApp, Message
from tests.conftest import TestClientFactory
from tests.reliability.app import Store, make_app
from tests.reliability.harness import HANG_SECONDS, RawRequest, Received, exchange, still_responds
from tests.reliability.test_fuzz import websocket_session

HOST = (b"host", b"testserver")


def open_files() -> int:
    """How many files this process has open."""
    return len(os.listdir("/proc/self/fd"))


async def running_tasks() -> int:
    return len(anyio.get_running_tasks())


async def leave_early(
    app: ASGIApp, request: RawRequest, *, chunks_before: int, messages_before: int
) -> list[Message]:
    """The client sends ``chunks_before`` chunks of the body, or takes ``messages_before``
    messages of the response, then leaves; the messages the app sent before it left."""
    sent: list[Message] = []
    pending = list(request.chunks)[:chunks_before]
    more = chunks_before < len(request.chunks)
    gone = anyio.Event()

    async def receive() -> Message:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or more}
        if not more:  # the whole body was sent: the client waits for the response, then leaves
            await gone.wait()
        gone.set()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if gone.is_set():
            if request.spec_version == "2.4":
                raise OSError("the client has gone")
            return
        sent.append(message)
        if len(sent) >= messages_before:
            gone.set()

    with anyio.fail_after(HANG_SECONDS):
        await app(request.scope(), receive, send)
    return sent


def multipart(size: int) -> tuple[bytes, bytes]:
    """A sign-up form with an upload of ``size`` bytes, and its content type."""
    body = (
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nada\r\n'
        b'--b\r\nContent-Disposition: form-data; name="age"\r\n\r\n36\r\n'
        b'--b\r\nContent-Disposition: form-data; name="avatar"; filename="a.bin"\r\n\r\n'
        + b"x" * size
        + b"\r\n--b--\r\n"
    )
    return body, b"multipart/form-data; boundary=b"


def in_chunks(body: bytes, size: int = 256 * 1024) -> tuple[bytes, ...]:
    return tuple(body[start : start + size] for start in range(0, len(body), size))


UPLOAD, UPLOAD_TYPE = multipart(3 * 1024 * 1024)  # past the spool size: written to disk
STAGES = {
    # The client sent the headers and left before the body.
    "before the body": (
        RawRequest(
            "PUT",
            b"/items/1",
            headers=(HOST, (b"content-type", b"application/json")),
            chunks=(b'{"name": "a", ', b'"price": "1"}'),
        ),
        0,
        99,
    ),
    # The client sent 1 MiB of a 3 MiB upload and left (the upload had spooled to disk).
    "mid-body": (
        RawRequest(
            "POST",
            b"/forms",
            headers=(HOST, (b"content-type", UPLOAD_TYPE)),
            chunks=in_chunks(UPLOAD),
        ),
        4,
        99,
    ),
    # The client took the first lines of a streamed response and left.
    "mid-stream": (RawRequest("GET", b"/count", b"to=1000", headers=(HOST,)), 1, 3),
    # The client took the start of a 4 MiB file and left.
    "mid-file": (RawRequest("GET", b"/download", headers=(HOST,)), 1, 2),
    # The client left as the response started.
    "at the response": (RawRequest("GET", b"/items/1", headers=(HOST,)), 1, 1),
}


@pytest.fixture
def served(
    test_client_factory: TestClientFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> Iterator[tuple[TestClient, Store]]:
    """The representative app and its store; nothing was logged as an error at the end."""
    store = Store()
    with caplog.at_level(logging.WARNING), test_client_factory(make_app(tmp_path, store)) as client:
        yield client, store
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, [record.getMessage() for record in errors]


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_the_client_leaves(served: tuple[TestClient, Store], stage: str, spec_version: str) -> None:
    client, store = served
    assert client.portal is not None
    request, chunks_before, messages_before = STAGES[stage]
    request = RawRequest(
        request.method,
        request.raw_path,
        request.query_string,
        request.headers,
        request.chunks,
        spec_version,
    )
    still_responds(client.portal, client.app)  # files and tasks of a first request are there
    files, tasks = open_files(), client.portal.call(running_tasks)
    for _ in range(5):
        client.portal.call(
            lambda: leave_early(
                client.app, request, chunks_before=chunks_before, messages_before=messages_before
            )
        )
    still_responds(client.portal, client.app)
    assert store.opened == store.closed, "a request-scoped teardown did not run exactly once"
    if stage not in ("before the body", "mid-body"):  # the body is read before providers run
        assert store.opened >= 5
    assert open_files() == files, "a file (an upload spooled to disk?) was left open"
    assert client.portal.call(running_tasks) == tasks, "a task was left running"


def test_the_client_leaves_a_websocket(served: tuple[TestClient, Store]) -> None:
    client, store = served
    assert client.portal is not None
    tasks = client.portal.call(running_tasks)
    frame: Message = {"type": "websocket.receive", "text": '{"a": 1}'}
    none: list[Message] = []
    # The client connected and left at once; then sent three frames and left without
    # reading the responses (the resource's provider is made for its first frame).
    for frames, made in ((none, 0), ([frame] * 3, 1)):
        received = client.portal.call(websocket_session, client.app, b"/ws/json", [HOST], frames)
        assert received[0]["type"] == "websocket.accept"
        assert (store.opened, store.closed) == (made, made)
    assert client.portal.call(running_tasks) == tasks


# -- failing providers and background tasks ----------------------------------------------------

events: list[str] = []


class Database:
    """App-scoped, with a teardown."""


class Broken:
    """A provider that fails where the test says."""


class Unit:
    """Request-scoped, with a teardown that sees the error."""


async def database() -> AsyncIterator[Database]:
    events.append("database up")
    yield Database()
    events.append("database down")


async def unit() -> AsyncIterator[Unit]:
    events.append("unit up")
    try:
        yield Unit()
    except Exception as exc:
        events.append(f"unit rolled back: {exc}")
        raise
    events.append("unit committed")


def broken_at_startup() -> Broken:
    raise RuntimeError("no connection")


def broken_per_request(unit: Unit) -> Broken:
    raise RuntimeError("provider failed")


async def broken_in_teardown() -> AsyncIterator[Broken]:
    yield Broken()
    raise RuntimeError("teardown failed")


async def uses(database: Database, unit: Unit, broken: Broken) -> str:
    return "response"


async def with_task(unit: Unit, tasks: BackgroundTasks) -> str:
    async def fail() -> None:
        events.append("task ran")
        raise RuntimeError("task failed")

    tasks.add_task(fail)
    return "response"


def provider_app(broken: Any, scope: Literal["app", "request"] = "request") -> App:
    return App(
        routes=[Route("/", uses), Route("/task", with_task)],
        providers=[
            Provider(database, scope="app"),
            unit,
            Provider(broken, scope=scope, provides=Broken),
        ],
    )


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


def test_a_provider_that_fails_at_startup(test_client_factory: TestClientFactory) -> None:
    app = provider_app(broken_at_startup, scope="app")
    with pytest.raises(RuntimeError, match="no connection"), test_client_factory(app):
        pass  # pragma: no cover (startup fails)
    # The app-scoped value made before it was torn down again.
    assert events == ["database up", "database down"]


def test_a_provider_that_fails_per_request(test_client_factory: TestClientFactory) -> None:
    app = provider_app(broken_per_request)
    with test_client_factory(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            response = client.get("/")
            assert (response.status_code, response.text) == (500, "Internal Server Error")
        assert events == ["database up"] + ["unit up", "unit rolled back: provider failed"] * 3
    assert events[-1] == "database down"


def test_a_teardown_that_fails_keeps_the_response(test_client_factory: TestClientFactory) -> None:
    app = provider_app(broken_in_teardown)
    with test_client_factory(app) as client:
        assert client.portal is not None
        for _ in range(3):
            # The client has its whole response; the error goes on to the server, which logs it.
            response = Received()
            with pytest.raises(RuntimeError, match="teardown failed"):
                client.portal.call(exchange, app, RawRequest(), response)
            assert (response.status, response.body) == (200, b'"response"')
            assert not response.messages[-1].get("more_body", False)
    # Teardowns nest as ``with`` blocks do: one made earlier sees the later one's error.
    rolled_back = ["unit up", "unit rolled back: teardown failed"]
    assert events == ["database up", *rolled_back * 3, "database down"]


def test_a_background_task_that_fails(test_client_factory: TestClientFactory) -> None:
    app = provider_app(broken_in_teardown)
    with test_client_factory(app, raise_server_exceptions=False) as client:
        response = client.get("/task")
        assert (response.status_code, response.text) == (200, '"response"')
        assert client.get("/task").status_code == 200
    # The response said the work was done: the unit of work commits, the task's error is logged.
    assert events == [
        "database up",
        *["unit up", "task ran", "unit committed"] * 2,
        "database down",
    ]


def test_faults_leave_no_tasks(test_client_factory: TestClientFactory) -> None:
    app = provider_app(broken_per_request)
    with test_client_factory(app, raise_server_exceptions=False) as client:
        assert client.portal is not None
        client.get("/")
        tasks = client.portal.call(running_tasks)
        for _ in range(10):
            client.get("/")
            client.get("/task")
        assert client.portal.call(running_tasks) == tasks
