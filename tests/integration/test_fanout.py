"""Two server processes, one Redis: a page open on the first hears of a note added on the
second. The notes example, served twice by ``resourceful run`` on two ports."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.integration.conftest import ROOT, free_port, serving, session_cookie
from tests.integration.test_notes_app import csrf_of
from tests.redis_server import RedisServer, redis_server


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The notes app in two processes sharing a database, a secret key and a Redis."""
    database = tmp_path_factory.mktemp("fanout") / "notes.sqlite3"
    with ExitStack() as stack:
        redis: RedisServer = stack.enter_context(redis_server())
        env = {
            "NOTES_DATABASE": str(database),
            "NOTES_SECRET_KEY": "fan-out-tests-only",
            "NOTES_BROADCAST_URL": redis.url,
        }
        urls = []
        for _ in range(2):
            port = free_port()
            command = [sys.executable, "-m", "resourceful", "run", "examples.notes:app"]
            command += ["--port", str(port)]
            urls.append(stack.enter_context(serving(command, port, cwd=ROOT, env=env)))
        yield urls[0], urls[1]


def test_a_note_added_on_one_server_reaches_a_page_on_the_other(
    two_servers: tuple[str, str], tmp_path: Path
) -> None:
    first, second = two_servers
    with httpx.Client(base_url=first) as on_first:
        token = csrf_of(on_first.get("/account/signup"))
        form = {"name": "ivy", "password": "correct horse", "csrf_token": token}
        assert on_first.post("/account/signup", data=form).status_code == 303
        cookie = session_cookie(on_first)
        cookies = dict(on_first.cookies.items())
    live_url = first.replace("http://", "ws://") + "/live"
    with (
        connect(live_url, additional_headers={"Cookie": cookie}, open_timeout=5) as page,
        httpx.Client(base_url=second, cookies=cookies) as on_second,
    ):
        # The same signed session works on the second server; a note added there...
        token = csrf_of(on_second.get("/"))
        added = on_second.post(
            "/api/notes", json={"text": "Fanned out"}, headers={"x-csrf-token": token}
        )
        assert added.status_code == 201
        # ...reaches the page whose websocket is open on the first.
        heard = {"id": added.json()["id"], "text": "Fanned out", "etag": added.headers["etag"]}
        assert json.loads(page.recv(timeout=5)) == heard
        # And the form on the second server too.
        on_second.post("/notes", data={"text": "By form", "csrf_token": token})
        assert json.loads(page.recv(timeout=5))["text"] == "By form"
