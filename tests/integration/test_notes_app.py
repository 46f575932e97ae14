"""The notes example, served by ``resourceful run`` on 127.0.0.1 and used as a person would:
sign up, log in, add notes through the form and the API, see them live, log out."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.integration.conftest import session_cookie

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return found[1]


@contextmanager
def signed_up(base_url: str, name: str) -> Iterator[httpx.Client]:
    """A client of a new user ``name``, signed in."""
    with httpx.Client(base_url=base_url) as client:
        token = csrf_of(client.get("/account/signup"))
        response = client.post(
            "/account/signup", data={"name": name, "password": "correct horse", "csrf_token": token}
        )
        assert (response.status_code, response.headers["location"]) == (303, f"{base_url}/")
        yield client


def test_sign_up_add_notes_and_log_out(notes_server: str) -> None:
    with signed_up(notes_server, "ada") as client:
        home = client.get("/")
        assert '<span id="user">ada</span>' in home.text
        token = csrf_of(home)
        added = client.post("/notes", data={"text": "Buy <milk>", "csrf_token": token})
        assert added.status_code == 303
        assert "<li data-id=" in client.get("/").text
        assert "Buy &lt;milk&gt;" in client.get("/").text  # escaped, never markup
        assert [n["text"] for n in client.get("/api/notes").json()] == ["Buy <milk>"]
        out = client.post("/account/logout", data={"csrf_token": token})
        assert (out.status_code, out.headers["location"]) == (303, f"{notes_server}/account/login")
        # Signed out: the page sends the visitor to log in, and back afterwards.
        away = client.get("/")
        assert away.status_code == 303
        assert away.headers["location"].startswith(f"{notes_server}/account/login?next=")
        assert client.get("/api/notes").status_code == 403


def test_log_in_with_the_right_password_only(notes_server: str) -> None:
    with signed_up(notes_server, "bob"):
        pass
    with httpx.Client(base_url=notes_server) as client:
        token = csrf_of(client.get("/account/login"))
        # The client sent a wrong password, then the right one.
        form = {"name": "bob", "password": "nope", "csrf_token": token}
        wrong = client.post("/account/login", data=form)
        assert wrong.status_code == 403
        assert "Wrong name or password." in wrong.text
        right = client.post(
            "/account/login", data={"name": "bob", "password": "correct horse", "csrf_token": token}
        )
        assert right.status_code == 303
        assert '<span id="user">bob</span>' in client.get("/").text


def test_bad_sign_ups_are_refused(notes_server: str) -> None:
    with signed_up(notes_server, "cy"):
        pass
    with httpx.Client(base_url=notes_server) as client:
        token = csrf_of(client.get("/account/signup"))
        # The client sent a taken name, a short password, and a form without the password.
        taken = client.post(
            "/account/signup", data={"name": "cy", "password": "long enough", "csrf_token": token}
        )
        assert (taken.status_code, "is taken" in taken.text) == (409, True)
        short = client.post(
            "/account/signup", data={"name": "dee", "password": "short", "csrf_token": token}
        )
        assert short.status_code == 422
        missing = client.post("/account/signup", data={"name": "dee", "csrf_token": token})
        assert missing.status_code == 422


def test_a_forged_or_missing_csrf_token_is_refused(notes_server: str) -> None:
    with signed_up(notes_server, "eve") as client:
        token = csrf_of(client.get("/"))
        raw, _, signature = token.partition(".")
        forged = f"{raw}.{'0' * len(signature)}"
        # The client sent a forged token, and then none at all.
        assert client.post("/notes", data={"text": "x", "csrf_token": forged}).status_code == 403
        assert client.post("/notes", data={"text": "x"}).status_code == 403
        assert client.post("/api/notes", json={"text": "x"}).status_code == 403
        assert client.get("/api/notes").json() == []


def test_the_api_takes_typed_notes_and_refuses_bad_ones(notes_server: str) -> None:
    with signed_up(notes_server, "fay") as client:
        headers = {"x-csrf-token": csrf_of(client.get("/"))}
        created = client.post("/api/notes", json={"text": "From a script"}, headers=headers)
        assert created.status_code == 201
        assert created.json()["text"] == "From a script"
        # The note is located, tagged, and changed only by who holds its current tag.
        location = created.headers["location"]
        tag = client.get(location).headers["etag"]
        assert client.get(location, headers={"if-none-match": tag}).status_code == 304
        changed = client.put(
            location, json={"text": "Changed"}, headers={**headers, "if-match": tag}
        )
        assert (changed.status_code, changed.json()["text"]) == (200, "Changed")
        stale = client.put(location, json={"text": "Lost"}, headers={**headers, "if-match": tag})
        assert stale.status_code == 412
        assert client.get(location).json()["text"] == "Changed"
        # The client sent a number as the text, and a limit of 0.
        bad = client.post("/api/notes", json={"text": 5}, headers=headers)
        assert bad.status_code == 422
        assert client.get("/api/notes", params={"limit": 0}).status_code == 422
        document = client.get("/openapi.json").json()
        assert document["paths"]["/api/notes"]["get"]["parameters"][0]["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "default": 20,
        }


def test_a_note_added_in_one_page_appears_live_in_another(notes_server: str) -> None:
    with signed_up(notes_server, "gus") as client:
        token = csrf_of(client.get("/"))
        cookie = session_cookie(client)
        url = notes_server.replace("http://", "ws://") + "/live"
        with connect(url, additional_headers={"Cookie": cookie}, open_timeout=5) as live:
            client.post("/notes", data={"text": "Seen live", "csrf_token": token})
            message = json.loads(live.recv(timeout=5))
            assert message["text"] == "Seen live"
        # Another user's page does not hear of it.
        with signed_up(notes_server, "hal") as other:
            cookie = session_cookie(other)
            with connect(url, additional_headers={"Cookie": cookie}, open_timeout=5) as live:
                headers = {"x-csrf-token": token}
                client.post("/api/notes", json={"text": "Only for gus"}, headers=headers)
                with pytest.raises(TimeoutError):
                    live.recv(timeout=0.5)


def test_a_signed_out_websocket_is_refused(notes_server: str) -> None:
    url = notes_server.replace("http://", "ws://") + "/live"
    # The client sent no session cookie: the handshake itself is refused.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5)
    assert refused.value.response.status_code == 403


def test_the_stylesheet_is_served(notes_server: str) -> None:
    style = httpx.get(notes_server + "/static/style.css")
    assert style.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    ("next_page", "landing"),
    [
        ("/api/notes", "/api/notes"),
        # Links anyone may send, naming another site: the login lands on the home page.
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_goes_on_to_this_site_only(notes_server: str, next_page: str, landing: str) -> None:
    name = f"next{sum(map(ord, next_page))}"
    with signed_up(notes_server, name) as client:
        client.post("/account/logout", data={"csrf_token": csrf_of(client.get("/"))})
        page = client.get("/account/login", params={"next": next_page})
        token = csrf_of(page)
        form = {"name": name, "password": "correct horse", "csrf_token": token}
        hidden = re.search(r'name="next" value="([^"]*)"', page.text)
        assert hidden is not None
        form["next"] = html.unescape(hidden[1])
        response = client.post("/account/login", data=form)
        assert response.status_code == 303
        location = response.headers["location"]
        expected = landing if landing.startswith("/api") else f"{notes_server}/"
        assert location == expected


def test_pages_carry_security_headers(notes_server: str) -> None:
    page = httpx.get(notes_server + "/account/login")
    assert page.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script for the policy to refuse


def test_a_forged_host_header_is_refused(notes_server: str) -> None:
    # The client named another host: no page (and no link built from that name) is served.
    response = httpx.get(notes_server + "/account/login", headers={"Host": "evil.example"})
    assert (response.status_code, response.text) == (400, "Invalid host header")
    assert httpx.get(notes_server + "/account/login").status_code == 200


def test_schemathesis_signed_in_finds_nothing(notes_server: str, tmp_path: Path) -> None:
    # Signed in, with the CSRF token a page's script sends: every operation is reached, the
    # API's and the forms' alike, and every check holds (no 500, every response as
    # documented, its media type included, schema-valid requests taken, invalid refused),
    # with the statuses of preconditions expected where they apply (notes_schemathesis.toml).
    config = Path(__file__).with_name("notes_schemathesis.toml")
    with signed_up(notes_server, "schemathesis") as client:
        token = csrf_of(client.get("/"))
        cookie = session_cookie(client)
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            notes_server + "/openapi.json",
            "--max-examples",
            "30",
            "--request-timeout",
            "5",
            "--seed",
            "20261208",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            f"X-CSRF-Token: {token}",
        ]
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        summary = run.stdout[run.stdout.find("SUMMARY") :]
        assert run.returncode == 0, run.stdout[-6000:]
        assert "No issues found" in summary
        assert "Warnings:" not in summary, "every operation reached as it should be"
        # The notes were changed with the tags of the versions read, through the links.
        notes = client.get("/api/notes", params={"limit": 100}).json()
        assert any(note["version"] > 1 for note in notes)
