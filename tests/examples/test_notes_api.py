"""The notes example's JSON API, built alone: its own provider, the sign-in it requires,
its problem details and its OpenAPI tag, with the unit of work overridden by a fake."""

from __future__ import annotations

from examples.notes import api
from examples.notes.store import UnitOfWork
from resourceful import App, Middleware
from resourceful.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from resourceful.broadcast import broadcast_provider
from resourceful.di import Provider
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
