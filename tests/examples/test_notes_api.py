"""The notes example's JSON API, built alone: its own provider, the sign-in it requires,
its problem details and its OpenAPI tag, with the unit of work overridden by a fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examples.notes import api
from examples.notes.settings import NotesSettings
from examples.notes.store import Database, UnitOfWork, unit_of_work
from resourceful import App, Middleware
from resourceful.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from resourceful.broadcast import broadcast_provider
from resourceful.di import Provider
from resourceful.exceptions import PreconditionFailed
from resourceful.middleware.authentication import AuthenticationMiddleware
from resourceful.openapi import OpenAPI
from resourceful.requests import HTTPConnection
from tests.conftest import TestClientFactory
from tests.examples.conftest import FakeWork

PROBLEM = "application/problem+json"


class UserHeader(AuthenticationBackend):
    """Signs in the user the ``user`` header names (the app signs in by the session)."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("user")
        return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))


def api_alone(work: FakeWork) -> App:
    """The API with what it needs of the app: a signed-in user, a unit of work (the fake)
    and a broadcast."""
    return App(
        routes=[api.module],
        middleware=[Middleware(AuthenticationMiddleware, backend=UserHeader())],
        providers=[Provider(work, provides=UnitOfWork), broadcast_provider("memory://")],
        openapi=OpenAPI(title="Notes API", version="1.0"),
    )


def test_everything_under_the_api_requires_a_signed_in_user(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(api_alone(FakeWork())) as client:
        # The client sent no user, to each route of the module.
        for response in (client.get("/api/notes"), client.get("/api/notes/1")):
            assert response.status_code == 403
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["title"] == "Sign in first."


def test_the_api_lists_and_adds_the_users_notes(test_client_factory: TestClientFactory) -> None:
    work = FakeWork()
    work.add_note("bob", "Not for ada")
    ada = {"user": "ada"}
    with test_client_factory(api_alone(work)) as client:
        created = client.post("/api/notes", json={"text": "From a script"}, headers=ada)
        assert (created.status_code, created.json()["text"]) == (201, "From a script")
        listed = client.get("/api/notes", headers=ada).json()
        assert [note["text"] for note in listed] == ["From a script"]
        assert client.get("/api/notes/2", headers=ada).json()["text"] == "From a script"
    assert work.commits == 1


def test_the_api_refuses_bad_requests_with_problem_details(
    test_client_factory: TestClientFactory,
) -> None:
    work = FakeWork()
    work.add_note("bob", "Not for ada")
    ada = {"user": "ada"}
    with test_client_factory(api_alone(work)) as client:
        # The client sent a number as the text, a limit of 0, and the id of bob's note.
        bad = client.post("/api/notes", json={"text": 5}, headers=ada)
        assert (bad.status_code, bad.headers["content-type"]) == (422, PROBLEM)
        assert client.get("/api/notes", params={"limit": 0}, headers=ada).status_code == 422
        other = client.get("/api/notes/1", headers=ada)
        assert (other.status_code, other.headers["content-type"]) == (404, PROBLEM)
        assert other.json() == {"type": "about:blank", "title": "No such note.", "status": 404}
    assert work.notes_of("bob")[0].text == "Not for ada"


def test_the_api_operations_carry_the_modules_tag(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(api_alone(FakeWork())) as client:
        paths = client.get("/openapi.json").json()["paths"]
    operations = [paths["/api/notes"]["get"], paths["/api/notes"]["post"]]
    operations.append(paths["/api/notes/{id}"]["get"])
    assert all(operation["tags"] == ["notes"] for operation in operations)
    assert {"403", "404"} <= paths["/api/notes/{id}"]["get"]["responses"].keys()


def test_a_created_note_is_located_and_tagged(test_client_factory: TestClientFactory) -> None:
    ada = {"user": "ada"}
    with test_client_factory(api_alone(FakeWork())) as client:
        created = client.post("/api/notes", json={"text": "Tagged"}, headers=ada)
        assert (created.status_code, created.headers["location"]) == (201, "/api/notes/1")
        assert created.headers["etag"] == '"1.1"'
        note = client.get("/api/notes/1", headers=ada)
        assert (note.headers["etag"], note.headers["last-modified"]) == (
            '"1.1"',
            "Mon, 07 Dec 2026 00:00:00 GMT",
        )
        # The client sent the tag it holds: the note did not change.
        fresh = client.get("/api/notes/1", headers={**ada, "if-none-match": '"1.1"'})
        assert (fresh.status_code, fresh.content) == (304, b"")


def ada_and_bob() -> FakeWork:
    """Ada's note 1 and Bob's note 2."""
    work = FakeWork()
    work.add_note("ada", "First")
    work.add_note("bob", "Bob's")
    return work


def reading(tag: str) -> dict[str, str]:
    """Ada's headers, with the tag of the version she read."""
    return {"user": "ada", "if-match": tag}


def test_a_note_changes_only_for_the_version_read(test_client_factory: TestClientFactory) -> None:
    work = ada_and_bob()
    with test_client_factory(api_alone(work)) as client:
        # The client sent no If-Match, a stale tag, the current one, then bob's note's id.
        missing = client.put("/api/notes/1", json={"text": "x"}, headers={"user": "ada"})
        assert (missing.status_code, missing.headers["content-type"]) == (428, PROBLEM)
        stale = client.put("/api/notes/1", json={"text": "x"}, headers=reading('"1.0"'))
        assert (stale.status_code, stale.headers["content-type"]) == (412, PROBLEM)
        done = client.put("/api/notes/1", json={"text": "Second"}, headers=reading('"1.1"'))
        assert (done.status_code, done.json()["text"]) == (200, "Second")
        assert done.headers["etag"] == '"1.2"'
        assert client.delete("/api/notes/2", headers=reading('"2.1"')).status_code == 404
        assert client.delete("/api/notes/1", headers=reading('"1.1"')).status_code == 412
        assert client.delete("/api/notes/1", headers=reading('"1.2"')).status_code == 204
        assert client.get("/api/notes/1", headers={"user": "ada"}).status_code == 404
    assert [note.text for _, note in work.notes] == ["Bob's"]


MERGE_PATCH = "application/merge-patch+json"


def patching(tag: str) -> dict[str, str]:
    """Ada's headers for a merge patch of the version she read."""
    return {**reading(tag), "content-type": MERGE_PATCH}


def test_a_note_is_changed_by_a_merge_patch_of_the_version_read(
    test_client_factory: TestClientFactory,
) -> None:
    work = ada_and_bob()
    with test_client_factory(api_alone(work)) as client:
        # The client sent no If-Match, then a stale tag: nothing changed.
        body = b'{"text": "Second"}'
        missing = {"user": "ada", "content-type": MERGE_PATCH}
        assert client.patch("/api/notes/1", content=body, headers=missing).status_code == 428
        assert (
            client.patch("/api/notes/1", content=body, headers=patching('"1.0"')).status_code == 412
        )
        # The current tag: the note changed, with its new tag and where it is.
        done = client.patch("/api/notes/1", content=body, headers=patching('"1.1"'))
        assert (done.status_code, done.json()["text"]) == (200, "Second")
        assert done.headers["etag"] == '"1.2"'
        assert done.headers["content-location"] == "/api/notes/1"
        # An empty patch changes nothing but the version; a patch removing the text, or
        # giving it a number, is a 422 naming the field; a JSON body of another type, 415.
        assert (
            client.patch("/api/notes/1", content=b"{}", headers=patching('"1.2"')).json()["text"]
            == "Second"
        )
        for bad in (b'{"text": null}', b'{"text": 5}'):
            refused = client.patch("/api/notes/1", content=bad, headers=patching('"1.3"'))
            assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
            assert refused.json()["errors"][0]["location"] == ["body", "text"]
        as_json = {**reading('"1.3"'), "content-type": "application/json"}
        wrong_type = client.patch("/api/notes/1", content=body, headers=as_json)
        assert (wrong_type.status_code, wrong_type.headers["accept-patch"]) == (415, MERGE_PATCH)
        # Bob's note is no note of ada's.
        assert (
            client.patch("/api/notes/2", content=body, headers=patching('"2.1"')).status_code == 404
        )
    assert [note.text for _, note in work.notes] == ["Second", "Bob's"]


def test_of_clients_changing_one_note_with_the_tag_they_read_one_wins(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    settings = NotesSettings(database=str(tmp_path / "notes.sqlite3"))
    database = Database(settings)
    ada = {"user": "ada"}

    @given(st.integers(min_value=2, max_value=5))
    def check(clients: int) -> None:
        app = App(
            routes=[api.module],
            middleware=[Middleware(AuthenticationMiddleware, backend=UserHeader())],
            providers=[Provider(database), unit_of_work, broadcast_provider("memory://")],
        )
        with test_client_factory(app) as client:
            location = client.post("/api/notes", json={"text": "?"}, headers=ada).headers[
                "location"
            ]
            tags = [client.get(location, headers=ada).headers["etag"] for _ in range(clients)]
            statuses = [
                client.put(location, json={"text": f"by {n}"}, headers={**ada, "if-match": tag})
                for n, tag in enumerate(tags)
            ]
            assert [r.status_code for r in statuses] == [200] + [412] * (clients - 1)
            assert client.get(location, headers=ada).json()["text"] == "by 0"

    check()


async def test_a_change_made_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    # Between the preconditions and the change, another request changed the note: the
    # database refuses the change for the version this request read.
    database = Database(NotesSettings(database=str(tmp_path / "notes.sqlite3")))
    connection = database.connect()
    work = UnitOfWork(connection)
    note = work.add_note("ada", "first")
    user = type("Connection", (), {"user": SimpleUser("ada")})()
    notes = api.MyNotes(user, work, None)  # type: ignore[arg-type]
    notes.one(note.id)
    assert work.replace_note("ada", note.id, "meanwhile", note.version) is not None
    with pytest.raises(PreconditionFailed, match="The note changed meanwhile"):
        await notes.replace(note.id, "mine")
    with pytest.raises(PreconditionFailed, match="The note changed meanwhile"):
        await notes.delete(note.id)
    assert work.note_of("ada", note.id).text == "meanwhile"  # type: ignore[union-attr]
    connection.close()
