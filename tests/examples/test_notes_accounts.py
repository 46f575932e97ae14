"""The notes example's accounts module, built alone: sign up, log in, log out, with its
``Accounts`` service real (on a database of the test's own) or overridden."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.notes import accounts
from examples.notes.app import middleware, static
from examples.notes.settings import NotesSettings
from examples.notes.store import Database, unit_of_work
from resourceful import App, Route
from resourceful.datastructures import Secret
from resourceful.di import DependencyError, Provider
from resourceful.openapi import OpenAPI
from tests.conftest import TestClientFactory
from tests.examples.conftest import csrf_of, signed_in_home


def accounts_alone(database: Path) -> App:
    """The accounts module with what it needs of the app: its middleware, the database and
    a unit of work, and the page a sign-in leads to."""
    settings = NotesSettings(
        database=str(database), allowed_hosts=["testserver"], secret_key=Secret("test")
    )
    return App(
        routes=[accounts.module, Route("/", signed_in_home, name="home"), static],
        middleware=middleware(settings),
        providers=[Provider(Database(settings)), unit_of_work],
    )


@pytest.fixture
def client(test_client_factory: TestClientFactory, tmp_path: Path) -> Iterator[Any]:
    with test_client_factory(accounts_alone(tmp_path / "notes.sqlite3")) as client:
        yield client


def sign_up(client: Any, name: str, password: str = "correct horse") -> Any:
    token = csrf_of(client.get("/account/signup"))
    form = {"name": name, "password": password, "csrf_token": token}
    return client.post("/account/signup", data=form, follow_redirects=False)


def test_sign_up_signs_the_new_user_in(client: Any) -> None:
    response = sign_up(client, "ada")
    assert (response.status_code, response.headers["location"]) == (303, "http://testserver/")
    assert client.get("/").text == "home of ada"


def test_bad_sign_ups_are_refused(client: Any) -> None:
    sign_up(client, "cy")
    token = csrf_of(client.get("/account/signup"))
    # The client sent a taken name: the page again, saying so.
    taken = sign_up(client, "cy")
    assert (taken.status_code, "is taken" in taken.text) == (409, True)
    assert taken.headers["content-type"] == "text/html; charset=utf-8"
    # Then what the form's fields do not allow (a browser would not send them): a short
    # password, a name of spaces, a name too long, and a form without the password.
    for name, password, field in [
        ("dee", "short", "password"),
        ("   ", "long enough", "name"),
        ("d" * 41, "long enough", "name"),
    ]:
        refused = sign_up(client, name, password)
        assert refused.status_code == 422
        assert [e["location"] for e in refused.json()["errors"]] == [["form", field]]
    missing = client.post("/account/signup", data={"name": "dee", "csrf_token": token})
    assert missing.status_code == 422
    assert sign_up(client, "  dee ").headers["location"] == "http://testserver/"
    assert client.get("/").text == "home of dee"


def test_log_in_takes_the_right_password_only_and_log_out_ends_the_session(
    client: Any,
) -> None:
    sign_up(client, "bob")
    client.cookies.clear()
    token = csrf_of(client.get("/account/login"))
    # The client sent a wrong password, then the right one.
    form = {"name": "bob", "password": "nope", "csrf_token": token}
    assert client.post("/account/login", data=form).status_code == 403
    form["password"] = "correct horse"
    assert client.post("/account/login", data=form, follow_redirects=False).status_code == 303
    assert client.get("/").text == "home of bob"
    token = csrf_of(client.get("/account/login"))  # the session is new: so is its token
    out = client.post("/account/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.headers["location"] == "http://testserver/account/login"
    assert client.get("/").text == "home of nobody"


class EveryoneIn:
    """Stands for the accounts service: any password is the right one."""

    def check_password(self, name: str, password: str) -> bool:
        return True


def test_the_accounts_service_can_be_overridden(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    app = accounts_alone(tmp_path / "notes.sqlite3")
    with app.container.override(accounts.Accounts, EveryoneIn), test_client_factory(app) as client:
        token = csrf_of(client.get("/account/login"))
        form = {"name": "zoe", "password": "anything", "csrf_token": token}
        assert client.post("/account/login", data=form).text == "home of zoe"


def test_only_the_accounts_module_has_the_accounts_service(tmp_path: Path) -> None:
    app = accounts_alone(tmp_path / "notes.sqlite3")
    app.add_route("/elsewhere", accounts.SignUp)  # outside the module that provides Accounts
    with pytest.raises(DependencyError, match=r"provided only under Mount\('/account'\)"):
        app.build_middleware_stack()


def test_the_document_says_what_the_forms_take_and_what_they_refuse(tmp_path: Path) -> None:
    app = accounts_alone(tmp_path / "notes.sqlite3")
    paths = OpenAPI(title="Accounts", version="1").document(app)["paths"]
    sign_up = paths["/account/signup"]["post"]
    form = sign_up["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["name"] == {"type": "string", "maxLength": 40, "pattern": r"\S"}
    assert form["properties"]["password"] == {"type": "string", "minLength": 8}
    log_in = paths["/account/login"]["post"]
    # The page again for what the form said wrong; plain text for a form that does not
    # parse at all.
    assert set(sign_up["responses"]["409"]["content"]) == {"text/html"}
    assert set(log_in["responses"]["403"]["content"]) == {"text/html"}
    for operation in (sign_up, log_in):
        assert set(operation["responses"]["400"]["content"]) == {"text/plain"}
