"""The hello example application, served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.integration.conftest import TEST_APPS, free_port, uvicorn_command, uvicorn_server


def test_home_page_is_html(example_server: str) -> None:
    response = httpx.get(example_server + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Hello from resourceful</h1>" in response.text


def test_api_responds_with_json(example_server: str) -> None:
    response = httpx.get(example_server + "/api/hello", params={"name": "Zoë"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Hello, Zoë!"}


def test_path_parameter_and_injected_service(example_server: str) -> None:
    assert httpx.get(example_server + "/api/notes/1").json() == {"id": 1, "text": "Try resourceful"}
    missing = httpx.get(example_server + "/api/notes/99")
    assert (missing.status_code, missing.json()) == (404, {"error": "No note 99"})
    # The client sent a note id that is not a number: no route matches.
    assert httpx.get(example_server + "/api/notes/one").status_code == 404


def test_typed_body_and_query(example_server: str) -> None:
    created = httpx.post(example_server + "/api/notes", json={"text": "Over a real socket"})
    assert created.status_code == 201
    note = created.json()
    assert note["text"] == "Over a real socket"
    listed = httpx.get(example_server + "/api/notes", params={"limit": 100}).json()
    assert note in listed
    # The client sent a number where the note's text belongs, and a word as the limit.
    bad_body = httpx.post(example_server + "/api/notes", json={"text": 5})
    assert bad_body.status_code == 422
    assert bad_body.headers["content-type"] == "application/problem+json"
    assert bad_body.json()["errors"] == [
        {"location": ["body", "text"], "message": "expected a string, got 5"}
    ]
    assert httpx.get(example_server + "/api/notes", params={"limit": "all"}).status_code == 422


def test_routing_errors(example_server: str) -> None:
    unknown = httpx.get(example_server + "/nowhere")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not Found"})
    wrong_method = httpx.delete(example_server + "/api/hello")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD, OPTIONS"
    redirect = httpx.get(example_server + "/api/hello/", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/api/hello")


def test_streaming_response_arrives_in_chunks(example_server: str) -> None:
    with httpx.stream("GET", example_server + "/api/count", params={"to": 5}) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        body = "".join(response.iter_text())
    assert body == "1\n2\n3\n4\n5\n"


def test_websocket_echo(example_server: str) -> None:
    url = example_server.replace("http://", "ws://") + "/ws/echo"
    with connect(url) as websocket:
        websocket.send("hello")
        assert websocket.recv(timeout=5) == "hello"
        websocket.send("again")
        assert websocket.recv(timeout=5) == "again"


def test_websocket_to_an_unknown_path_is_refused(example_server: str) -> None:
    url = example_server.replace("http://", "ws://") + "/ws/nowhere"
    with ExitStack() as stack, pytest.raises(InvalidStatus) as info:
        stack.enter_context(connect(url))
    assert info.value.response.status_code == 403


def test_failed_startup_makes_the_server_exit_with_the_error() -> None:
    command = uvicorn_command("failing_startup:app", TEST_APPS, free_port())
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode != 0
    assert "the database at 127.0.0.1:1 refused the connection" in result.stderr
    assert "Application startup failed" in result.stderr


def test_a_server_that_cannot_start_is_reported() -> None:
    with ExitStack() as stack, pytest.raises(RuntimeError, match="did not start") as info:
        stack.enter_context(uvicorn_server("hello:missing"))
    assert 'Attribute "missing" not found' in str(info.value)


def test_notes_over_graphql(example_server: str) -> None:
    url = example_server + "/graphql"
    added = httpx.post(
        url, json={"query": 'mutation { addNote(text: "Over GraphQL") { id text } }'}
    )
    note = added.json()["data"]["addNote"]
    assert note["text"] == "Over GraphQL"
    listed = httpx.post(url, json={"query": "{ notes(first: 100) { id text } }"}).json()
    assert note in listed["data"]["notes"]
    page = httpx.get(url, headers={"accept": "text/html"})
    assert "GraphiQL" in page.text


def test_a_graphql_subscription_hears_a_mutation(example_server: str) -> None:
    url = example_server.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as websocket:  # type: ignore[list-item]
        websocket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(websocket.recv(timeout=5)) == {"type": "connection_ack"}
        subscription = {"query": "subscription { noteAdded { text } }"}
        websocket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscription}))
        # A query sent after it responds to once the subscription is in place (in order).
        query = {"query": "{ notes(first: 1) { id } }"}
        websocket.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        assert json.loads(websocket.recv(timeout=5))["id"] == "2"
        assert json.loads(websocket.recv(timeout=5)) == {"id": "2", "type": "complete"}
        mutation = 'mutation { addNote(text: "Heard live") { id } }'
        assert httpx.post(example_server + "/graphql", json={"query": mutation}).status_code == 200
        assert json.loads(websocket.recv(timeout=5)) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"noteAdded": {"text": "Heard live"}}},
        }


def test_the_openapi_document_is_valid_and_schemathesis_finds_nothing(
    example_server: str, tmp_path: Path
) -> None:
    document = httpx.get(example_server + "/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == {
        "/api/hello",
        "/api/notes",
        "/api/notes/{id}",
        "/api/count",
    }
    # Every phase (examples, coverage, fuzzing, stateful), every check: no 500, every response
    # as documented, schema-valid requests taken and invalid ones refused.
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        example_server + "/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "30",
        "--request-timeout",
        "5",
        "--seed",
        "20261130",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    assert run.returncode == 0, run.stdout[-4000:]
    assert "No issues found" in summary
