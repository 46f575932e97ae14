"""The notes example linted by REDbot (HTTP's lint, ``pip install redbot``), signed in and
signed out: no response may get a WARN or a BAD note.

REDbot is no test dependency of the README's command: without it these tests skip; with
``RESOURCEFUL_REQUIRE_REDBOT=1`` (``tox -e redbot``, which CI runs) the skip is an error.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import httpx
import pytest

from tests.examples.conftest import csrf_of
from tests.integration.conftest import session_cookie

HAS_REDBOT = importlib.util.find_spec("redbot") is not None
MISSING = "REDbot is not installed (pip install redbot, or tox -e redbot)"
if not HAS_REDBOT and os.environ.get("RESOURCEFUL_REQUIRE_REDBOT") != "1":
    pytest.skip(MISSING, allow_module_level=True)


def lint(url: str, headers: list[tuple[str, str]]) -> list[str]:
    """What REDbot notes as WARN or BAD about ``url``'s response to a GET with ``headers``
    (its active checks included: conditional requests, ranges, content codings)."""
    if not HAS_REDBOT:
        pytest.fail(f"RESOURCEFUL_REQUIRE_REDBOT=1, but {MISSING}")
    from configparser import ConfigParser

    import thor
    from httplint.note import levels
    from redbot.resource import HttpResource
    from redbot.resource.fetch import RedFetcher, RedHttpClient

    # A client of its own for each URL: one kept across runs of the loop can stall it.
    RedFetcher.client = RedHttpClient()
    parser = ConfigParser()
    parser.read_dict({"redbot": {"enable_local_access": "True"}})
    resource = HttpResource(parser["redbot"])
    resource.set_request(url, headers=headers)

    resource.on("check_done", thor.stop)
    resource.check()
    thor.run()
    notes = [one for note in resource.response.notes for one in (note, *note.subnotes)]
    return [f"{n.level.value}: {n.summary}" for n in notes if n.level in (levels.WARN, levels.BAD)]


@pytest.fixture(scope="module")
def signed_in(notes_server: str) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A user signed up on the notes server with one note: its URL, and the cookie."""
    with httpx.Client(base_url=notes_server) as client:
        token = csrf_of(client.get("/account/signup"))
        form = {"name": "lint", "password": "long enough", "csrf_token": token}
        client.post("/account/signup", data=form)
        token = csrf_of(client.get("/"))
        created = client.post(
            "/api/notes", json={"text": "Linted"}, headers={"x-csrf-token": token}
        )
        cookie = session_cookie(client)
        yield created.headers["location"], [("Cookie", cookie)]


PAGES = ["/", "/account/login", "/account/signup"]
STATIC = ["/static/live.js", "/static/edit.js", "/static/style.css"]
DOCUMENTS = ["/openapi.json", "/docs"]


def test_redbot_notes_nothing_wrong_signed_out(notes_server: str) -> None:
    paths = [*PAGES, *STATIC, *DOCUMENTS, "/api/notes"]
    found = [f"{path}: {note}" for path in paths for note in lint(notes_server + path, [])]
    assert found == []


def test_redbot_notes_nothing_wrong_signed_in(
    notes_server: str, signed_in: tuple[str, list[tuple[str, str]]]
) -> None:
    note, cookie = signed_in
    requests = [(path, cookie) for path in [*PAGES, *STATIC, *DOCUMENTS, "/api/notes", note]]
    requests.append(("/", [*cookie, ("Accept", "application/json")]))
    found = [
        f"{path} {dict(headers).get('Accept', '')}: {note}"
        for path, headers in requests
        for note in lint(notes_server + path, headers)
    ]
    assert found == []
