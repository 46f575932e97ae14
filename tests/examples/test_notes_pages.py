"""The notes example's pages, built alone: the signed-in user's notes, the form that adds
one, and the live updates, with the unit of work overridden by a fake."""

from __future__ import annotations

import json

from examples.notes import api, pages
from examples.notes.app import create_app, middleware, static
from examples.notes.settings import NotesSettings
from examples.notes.store import UnitOfWork
from resourceful import App, Route
from resourceful.broadcast import broadcast_provider
from resourceful.datastructures import Secret
from resourceful.di import Provider
from tests.conftest import TestClientFactory
from tests.examples.conftest import FakeWork, csrf_of, sign_in_as


def pages_alone(work: FakeWork) -> App:
    """The pages with what they need of the app: its middleware, a broadcast, a unit of
    work (the fake), a stand-in for the accounts module's login and logout, and the API
    module (the page's script edits notes through it)."""
    settings = NotesSettings(allowed_hosts=["testserver"], secret_key=Secret("test"))
    return App(
        routes=[
            *pages.routes,
            Route("/login", sign_in_as, name="login"),
            Route("/logout", sign_in_as, name="logout"),
            api.module,
            static,
        ],
        middleware=middleware(settings),
        providers=[Provider(work, provides=UnitOfWork), broadcast_provider("memory://")],
    )


def test_a_visitor_is_sent_to_log_in_first(test_client_factory: TestClientFactory) -> None:
    with test_client_factory(pages_alone(FakeWork())) as client:
        away = client.get("/", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "http://testserver/login?next=http%3A%2F%2Ftestserver%2F"


def test_the_home_page_shows_the_users_notes_only(
    test_client_factory: TestClientFactory,
) -> None:
    work = FakeWork()
    work.add_note("ada", "Buy <milk>")
    work.add_note("bob", "Not for ada")
    with test_client_factory(pages_alone(work)) as client:
        home = client.get("/login", params={"user": "ada"})
    assert '<span id="user">ada</span>' in home.text
    assert "Buy &lt;milk&gt;" in home.text  # escaped, never markup
    assert "Not for ada" not in home.text


def test_a_note_added_by_the_form_is_stored_and_sent_live(
    test_client_factory: TestClientFactory,
) -> None:
    work = FakeWork()
    with test_client_factory(pages_alone(work)) as client:
        token = csrf_of(client.get("/login", params={"user": "ada"}))
        with client.websocket_connect("/live") as live:
            added = client.post("/notes", data={"text": "Seen live", "csrf_token": token})
            assert json.loads(live.receive_text()) == {
                "id": 1,
                "text": "Seen live",
                "etag": '"1.1"',
            }
        assert "Seen live" in added.text
        # The client sent an empty note.
        assert client.post("/notes", data={"text": "", "csrf_token": token}).status_code == 422
    assert [note.text for _, note in work.notes] == ["Seen live"]
    assert work.commits == 1


def test_the_pages_are_private_and_revalidated(test_client_factory: TestClientFactory) -> None:
    app = create_app(
        NotesSettings(database=":memory:", allowed_hosts=["testserver"], secret_key=Secret("t"))
    )
    with test_client_factory(app) as client:
        # The first page starts a session (for its CSRF token): no cache keeps it.
        first = client.get("/account/login")
        assert first.headers["cache-control"] == "no-store"
        again = client.get("/account/login")
        assert again.headers["cache-control"] == "private, no-cache"
        # The page's tag revalidates the browser's copy.
        fresh = client.get("/account/login", headers={"if-none-match": again.headers["etag"]})
        assert (fresh.status_code, fresh.headers["cache-control"]) == (304, "private, no-cache")
        script = client.get("/static/live.js")
        assert script.headers["cache-control"] == "max-age=3600, s-maxage=3600"


def test_the_home_page_is_json_to_a_client_that_asks_for_it(
    test_client_factory: TestClientFactory,
) -> None:
    work = FakeWork()
    work.add_note("ada", "As data")
    with test_client_factory(pages_alone(work)) as client:
        client.get("/login", params={"user": "ada"})
        data = client.get("/", headers={"accept": "application/json"})
        assert [note["text"] for note in data.json()] == ["As data"]
        assert data.headers["vary"] == "Accept, Cookie", "merged with the session's"
        # The client accepts only XML.
        assert client.get("/", headers={"accept": "application/xml"}).status_code == 406
