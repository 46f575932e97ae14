"""The ``resourceful`` command, run for real: serving with each server, routes and check."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tests.integration.conftest import EXAMPLES, ROOT, TEST_APPS, free_port, serving

COMMAND = [sys.executable, "-m", "resourceful"]


@pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "granian"])
def test_run_serves_the_example_with_each_server(server: str) -> None:
    port = free_port()
    command = [*COMMAND, "run", "hello:app", "--port", str(port), "--server", server]
    with serving(command, port, cwd=EXAMPLES) as base_url:
        response = httpx.get(base_url + "/api/hello", params={"name": server})
        assert response.json() == {"message": f"Hello, {server}!"}


def test_routes_and_check_on_the_example() -> None:
    routes = subprocess.run(
        [*COMMAND, "routes", "hello:app"], cwd=EXAMPLES, capture_output=True, text=True, check=True
    )
    assert "POST       /api/notes" in routes.stdout
    parameters = "note: body, store: provider NoteStore (the app), journal: provider Journal"
    assert parameters in routes.stdout
    check = subprocess.run(
        [*COMMAND, "check", "hello:app"], cwd=EXAMPLES, capture_output=True, text=True
    )
    assert (check.returncode, check.stdout) == (0, "ok: 11 routes read, their endpoints planned\n")
    notes = subprocess.run(
        [*COMMAND, "check", "examples.notes:app"], cwd=ROOT, capture_output=True, text=True
    )
    assert notes.returncode == 0, notes.stderr
    assert notes.stdout.splitlines() == [
        "ok: 17 routes read, their endpoints planned",
        "ok: NotesSettings loaded",
    ]
    layers = subprocess.run(
        [*COMMAND, "routes", "examples.notes:app"], cwd=ROOT, capture_output=True, text=True
    )
    rows = {" ".join(line.split()[:2]): line for line in layers.stdout.splitlines()}
    assert "accounts: provider Accounts (Mount('/account'))" in rows["POST /account/login"]
    assert "notes: provider MyNotes (Mount('/api'))" in rows["GET /api/notes/{id}"]
    assert "work: provider UnitOfWork (the app)" in rows["GET /"]


def test_check_fails_on_a_broken_app_and_a_wrong_path() -> None:
    broken = subprocess.run(
        [*COMMAND, "check", "broken_injection:app"],
        cwd=TEST_APPS,
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 1
    assert "cannot inject the parameter 'clock'" in broken.stderr
    wrong = subprocess.run(
        [*COMMAND, "run", "hello:nothing"], cwd=EXAMPLES, capture_output=True, text=True
    )
    assert wrong.returncode == 2
    assert wrong.stderr == "resourceful: error: The module 'hello' has no attribute 'nothing'.\n"
