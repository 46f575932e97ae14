"""Content negotiation (RFC 9110 §12.5.1): Accept parsed with its weights, the most specific
range deciding, and a resource offering several representations of one return value."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful import App, HTTPResource, Route
from resourceful.conditional import ETag, Validators
from resourceful.negotiation import (
    MediaRange,
    Representations,
    choose,
    parse_accept,
    represents,
)
from resourceful.openapi import OpenAPI
from resourceful.requests import Request
from resourceful.responses import HTMLResponse, PlainTextResponse, Response
from tests.conftest import TestClientFactory

PAGE_AND_JSON = ["text/html", "application/json"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_accept_is_parsed_with_weights_and_junk_left_out() -> None:
    assert parse_accept("text/html;flag") == [MediaRange("text", "html", 1.0)]
    assert parse_accept("text/html;level=1;q=0.5, */*") == [
        MediaRange("text", "html", 0.5, (("level", "1"),)),
        MediaRange("*", "*", 1.0),
    ]
    # Sent a range without a subtype, "*/html", and weights that are no number, above 1,
    # not a number at all to float(), and with too many digits.
    assert parse_accept("text, */html, a/b;q=high, c/d;q=7, e/f;q=nan, g/h;q=0.5555") == [
        MediaRange("a", "b", 0.0),
        MediaRange("c", "d", 0.0),
        MediaRange("e", "f", 0.0),
        MediaRange("g", "h", 0.0),
    ]
    assert parse_accept("a/b;q=0.5, c/d;q=1.000, e/f;q=0") == [
        MediaRange("a", "b", 0.5),
        MediaRange("c", "d", 1.0),
        MediaRange("e", "f", 0.0),
    ]


@given(st.text())
def test_any_accept_value_is_read_without_error(value: str) -> None:
    assert choose(value, PAGE_AND_JSON) in (*PAGE_AND_JSON, None)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("junk", "text/html"),
        (BROWSER, "text/html"),
        ("application/json", "application/json"),
        ("*/*", "text/html"),
        ("application/*", "application/json"),
        ("text/*;q=0.5, application/json;q=0.9", "application/json"),
        ("text/html;q=0, */*", "application/json"),  # q=0 excludes, the more specific wins
        ("*/*;q=0.1, text/html;q=0.1, application/json;q=0.1", "text/html"),  # a tie: ours
        ("application/xml", None),
        ("text/html;level=1", None),  # a parameter the offer lacks
        ("*/*;q=0", None),
    ],
)
def test_the_preferred_offer_is_chosen(accept: str | None, expected: str | None) -> None:
    assert choose(accept, PAGE_AND_JSON) == expected


def test_a_parameter_the_offer_has_matches_more_closely() -> None:
    offered = ["text/plain;charset=utf-8", "text/html"]
    assert choose("text/plain;charset=utf-8;q=0.9, text/*;q=0.1", offered) == offered[0]
    assert choose("text/plain;charset=latin-1, text/html;q=0.5", offered) == "text/html"
    assert choose(None, []) is None
    assert choose("text/html", []) is None


def test_representations_are_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="needs at least one media type"):
        Representations({})
    with pytest.raises(ValueError, match=r"cannot offer 'text/\*': name a type/subtype"):
        Representations({"text/*": None})
    with pytest.raises(ValueError, match="The fallback 'text/plain' is not one of"):
        Representations({"text/html": None}, fallback="text/plain")


def page(notes: list[str], request: Request) -> Response:
    return HTMLResponse("".join(f"<li>{note}</li>" for note in notes))


async def text(notes: list[str], request: Request) -> Response:
    return PlainTextResponse("\n".join(notes))


class Notes(HTTPResource):
    representations: ClassVar = Representations({"text/html": page, "application/json": None})

    def validators(self) -> Validators:
        changed = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
        return Validators(ETag("n1", weak=True), changed)

    async def get(self) -> list[str]:
        return ["one", "two"]

    @represents({"text/plain": text}, fallback="text/plain")
    async def post(self) -> list[str]:
        return ["posted"]


def test_a_resource_responds_to_each_client_in_the_representation_it_accepts(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(App(routes=[Route("/notes", Notes)])) as client:
        browser = client.get("/notes", headers={"accept": BROWSER})
        assert (browser.headers["content-type"], browser.text) == (
            "text/html; charset=utf-8",
            "<li>one</li><li>two</li>",
        )
        assert browser.headers["vary"] == "Accept"
        api = client.get("/notes", headers={"accept": "application/json"})
        assert (api.json(), api.headers["vary"]) == (["one", "two"], "Accept")
        # Sent no Accept: the first offered, still varying on Accept.
        plain = client.get("/notes", headers={"accept": ""})
        assert plain.headers["content-type"].startswith("text/html")
        assert plain.headers["vary"] == "Accept"
        fresh = client.get("/notes", headers={"accept": BROWSER, "if-none-match": 'W/"n1"'})
        assert (fresh.status_code, fresh.headers["vary"]) == (304, "Accept")


def test_nothing_acceptable_is_a_406_unless_there_is_a_fallback(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(App(routes=[Route("/notes", Notes)])) as client:
        # The client accepts only XML.
        refused = client.get("/notes", headers={"accept": "application/xml"})
        assert (refused.status_code, refused.headers["content-type"]) == (
            406,
            "application/problem+json",
        )
        assert refused.json()["detail"] == (
            "This resource is available as text/html, application/json: accept one of them."
        )
        assert refused.headers["vary"] == "Accept"
        fallen_back = client.post("/notes", headers={"accept": "application/xml"})
        assert (fallen_back.status_code, fallen_back.text) == (200, "posted")


@represents({"application/json": None, "text/plain": text})
async def listing() -> Any:
    return ["a", "b"]


def test_a_function_endpoint_offers_representations(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(App(routes=[Route("/list", listing)])) as client:
        assert client.get("/list").json() == ["a", "b"]
        assert client.get("/list", headers={"accept": "text/plain"}).text == "a\nb"


def test_the_document_lists_each_representation() -> None:
    app = App(routes=[Route("/notes", Notes), Route("/list", listing)])
    paths = OpenAPI(title="Negotiation", version="1").document(app)["paths"]
    get = paths["/notes"]["get"]["responses"]
    assert list(get["200"]["content"]) == ["text/html", "application/json"]
    assert get["200"]["content"]["text/html"]["schema"] == {"type": "string"}
    assert get["406"]["content"].keys() == {"application/problem+json"}
    assert "406" not in paths["/notes"]["post"]["responses"], "it falls back"
