"""Validators and preconditions (RFC 9110 §8.8, §13): parsing, the evaluation order, and a
resource that declares its validators."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful import App, HTTPResource, Route, responds
from resourceful.background import BackgroundTasks
from resourceful.conditional import (
    ETag,
    Validators,
    conditional,
    evaluate_preconditions,
    parse_entity_tags,
    parse_http_date,
)
from resourceful.di import Provider
from resourceful.openapi import OpenAPI
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from tests.conftest import TestClientFactory

NOON = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=datetime.timezone.utc)
NOON_HTTP = "Mon, 07 Dec 2026 12:00:00 GMT"
BEFORE_HTTP = "Mon, 07 Dec 2026 11:59:59 GMT"
AFTER_HTTP = "Mon, 07 Dec 2026 12:00:01 GMT"
CURRENT = Validators(ETag("v2"), NOON)


def test_entity_tags_are_parsed_and_junk_members_left_out() -> None:
    assert parse_entity_tags(" * ") == "*"
    assert parse_entity_tags('"a", W/"b",  "c"') == [ETag("a"), ETag("b", weak=True), ETag("c")]
    assert parse_entity_tags('""') == [ETag("")]
    # Sent unquoted tags, a bad prefix, a quote inside, an unfinished one, and nothing.
    assert parse_entity_tags('a, w/"b", "c"d", "e') == []
    assert parse_entity_tags('junk, "ok", more junk') == [ETag("ok")]
    assert parse_entity_tags("") == []


@given(
    st.lists(
        st.tuples(st.text(st.characters(min_codepoint=0x23, max_codepoint=0x7E)), st.booleans())
    )
)
def test_entity_tags_read_back_as_written(tags: list[tuple[str, bool]]) -> None:
    written = [ETag(value, weak) for value, weak in tags]
    assert parse_entity_tags(", ".join(map(str, written))) == written


def test_an_entity_tag_refuses_what_a_header_cannot_hold() -> None:
    with pytest.raises(ValueError, match="An entity tag cannot hold 'a\"b'"):
        ETag('a"b')
    with pytest.raises(ValueError, match="cannot hold 'a b'"):
        ETag("a b")


def test_weak_and_strong_comparison() -> None:
    strong, weak = ETag("1"), ETag("1", weak=True)
    assert strong.matches_strongly(ETag("1"))
    assert not strong.matches_strongly(weak)
    assert not weak.matches_strongly(weak)
    assert strong.matches_weakly(weak)
    assert weak.matches_weakly(weak)
    assert not strong.matches_weakly(ETag("2"))
    assert (str(strong), str(weak)) == ('"1"', 'W/"1"')


def test_http_dates_in_their_three_formats_and_junk() -> None:
    for text in [NOON_HTTP, "Monday, 07-Dec-26 12:00:00 GMT", "Mon Dec  7 12:00:00 2026"]:
        assert parse_http_date(text) == NOON, text
    # Sent junk, and a list of dates.
    assert parse_http_date("yesterday") is None
    assert parse_http_date(f"{NOON_HTTP}, {AFTER_HTTP}") is None


@given(st.text(), st.sampled_from(["GET", "PUT"]))
def test_any_precondition_value_is_evaluated_without_error(value: str, method: str) -> None:
    headers = dict.fromkeys(
        ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"], value
    )
    assert evaluate_preconditions(method, headers, CURRENT) in (200, 304, 412)
    parsed = parse_http_date(value)
    assert parsed is None or parsed.tzinfo is not None


def test_validators_make_their_headers_and_need_an_aware_date() -> None:
    assert CURRENT.headers() == {"etag": '"v2"', "last-modified": NOON_HTTP}
    assert Validators().headers() == {}
    with pytest.raises(ValueError, match="timezone-aware"):
        Validators(last_modified=datetime.datetime(2026, 12, 7))


# Each row: the method, the request's precondition headers, and what RFC 9110 §13.2.2 says.
ROWS: list[tuple[str, dict[str, str], int]] = [
    ("GET", {}, 200),
    # If-Match alone: strong comparison, "*", a list, a weak tag never matches.
    ("PUT", {"if-match": '"v2"'}, 200),
    ("PUT", {"if-match": '"v1"'}, 412),
    ("PUT", {"if-match": 'W/"v2"'}, 412),
    ("PUT", {"if-match": '"v1", "v2"'}, 200),
    ("PUT", {"if-match": "*"}, 200),
    ("PUT", {"if-match": "junk"}, 412),
    # If-Unmodified-Since alone, and ignored when If-Match is there or the date is junk.
    ("PUT", {"if-unmodified-since": NOON_HTTP}, 200),
    ("PUT", {"if-unmodified-since": BEFORE_HTTP}, 412),
    ("PUT", {"if-unmodified-since": "junk"}, 200),
    ("PUT", {"if-match": '"v2"', "if-unmodified-since": BEFORE_HTTP}, 200),
    ("PUT", {"if-match": '"v1"', "if-unmodified-since": AFTER_HTTP}, 412),
    # If-None-Match alone: weak comparison; 304 for GET and HEAD, 412 for the others.
    ("GET", {"if-none-match": '"v2"'}, 304),
    ("HEAD", {"if-none-match": 'W/"v2"'}, 304),
    ("GET", {"if-none-match": '"v1"'}, 200),
    ("GET", {"if-none-match": "*"}, 304),
    ("PUT", {"if-none-match": "*"}, 412),
    ("DELETE", {"if-none-match": '"v2"'}, 412),
    ("GET", {"if-none-match": "junk"}, 200),
    # If-Modified-Since alone: GET and HEAD only, ignored when If-None-Match is there.
    ("GET", {"if-modified-since": NOON_HTTP}, 304),
    ("HEAD", {"if-modified-since": AFTER_HTTP}, 304),
    ("GET", {"if-modified-since": BEFORE_HTTP}, 200),
    ("GET", {"if-modified-since": "junk"}, 200),
    ("PUT", {"if-modified-since": NOON_HTTP}, 200),
    ("GET", {"if-none-match": '"v1"', "if-modified-since": NOON_HTTP}, 200),
    ("GET", {"if-none-match": '"v2"', "if-modified-since": BEFORE_HTTP}, 304),
    # The order: a failed If-Match wins over a matching If-None-Match.
    ("GET", {"if-match": '"v1"', "if-none-match": '"v2"'}, 412),
    ("GET", {"if-match": '"v2"', "if-none-match": '"v2"'}, 304),
    ("PUT", {"if-unmodified-since": BEFORE_HTTP, "if-none-match": '"v1"'}, 412),
]


@pytest.mark.parametrize(("method", "headers", "expected"), ROWS)
def test_preconditions_are_evaluated_in_the_rfcs_order(
    method: str, headers: dict[str, str], expected: int
) -> None:
    assert evaluate_preconditions(method, headers, CURRENT) == expected


def test_preconditions_without_a_validator_to_compare() -> None:
    # No tag: no If-Match tag can match; no date: the date preconditions are ignored.
    dated, tagged = Validators(last_modified=NOON), Validators(ETag("v2"))
    assert evaluate_preconditions("PUT", {"if-match": '"v2"'}, dated) == 412
    assert evaluate_preconditions("PUT", {"if-match": "*"}, dated) == 200
    assert evaluate_preconditions("GET", {"if-modified-since": NOON_HTTP}, tagged) == 200
    assert evaluate_preconditions("PUT", {"if-unmodified-since": BEFORE_HTTP}, tagged) == 200
    # No representation yet: "*" matches nothing, so If-None-Match: * lets a creation go on.
    absent = Validators(exists=False)
    assert evaluate_preconditions("PUT", {"if-none-match": "*"}, absent) == 200
    assert evaluate_preconditions("PUT", {"if-match": "*"}, absent) == 412
    assert evaluate_preconditions("PUT", {"if-match": '"v2"'}, absent) == 412


class Store:
    """A note with a version, as a database would keep it."""

    def __init__(self) -> None:
        self.text = "first"
        self.version = 1
        self.reads = 0

    @property
    def validators(self) -> Validators:
        return Validators(ETag(f"v{self.version}"), NOON)


class Note(HTTPResource):
    require_if_match: ClassVar[bool] = True

    def validators(self, store: Store) -> Validators:
        return store.validators

    async def get(self, request: Request, store: Store) -> Any:
        store.reads += 1
        if "own" in request.query_params:  # a representation with a tag of its own
            return PlainTextResponse(store.text, headers={"etag": '"own"'})
        return {"text": store.text}

    async def put(self, request: Request, store: Store) -> Response:
        store.text = (await request.body()).decode()
        store.version += 1
        return Response(status_code=204, headers=store.validators.headers())

    async def delete(self, store: Store) -> None:
        store.text = ""

    async def post(self, store: Store) -> PlainTextResponse:
        return PlainTextResponse("appended", headers={"etag": '"own"'})

    async def patch(self, request: Request, store: Store) -> dict[str, str]:
        store.text += (await request.body()).decode()
        store.version += 1
        return {"text": store.text}


def note_app(store: Store) -> App:
    return App(routes=[Route("/note", Note)], providers=[Provider(store)])


def test_a_get_carries_the_validators_and_a_304_skips_the_handler(
    test_client_factory: TestClientFactory,
) -> None:
    store = Store()
    with test_client_factory(note_app(store)) as client:
        first = client.get("/note")
        assert (first.headers["etag"], first.headers["last-modified"]) == ('"v1"', NOON_HTTP)
        # The client sent the tag it has, then its date, then a HEAD with the tag.
        for headers in ({"if-none-match": '"v1"'}, {"if-modified-since": NOON_HTTP}):
            again = client.get("/note", headers=headers)
            assert (again.status_code, again.content) == (304, b"")
            assert again.headers["etag"] == '"v1"'
            assert again.headers["last-modified"] == NOON_HTTP
        assert client.head("/note", headers={"if-none-match": '"v1"'}).status_code == 304
        assert store.reads == 1, "the 304s skipped the handler"
        own = client.get("/note?own")
        assert (own.headers["etag"], own.headers["last-modified"]) == ('"own"', NOON_HTTP)


def test_a_change_needs_the_current_tag(test_client_factory: TestClientFactory) -> None:
    store = Store()
    with test_client_factory(note_app(store)) as client:
        # The client sent no If-Match, then a stale tag, then the current one.
        missing = client.put("/note", content=b"lost?")
        assert (missing.status_code, missing.headers["content-type"]) == (
            428,
            "application/problem+json",
        )
        assert "send If-Match with the ETag you got" in missing.json()["detail"]
        stale = client.put("/note", content=b"lost?", headers={"if-match": '"v0"'})
        assert (stale.status_code, stale.json()["title"]) == (412, "Precondition Failed")
        assert store.text == "first", "nothing changed"
        done = client.put("/note", content=b"second", headers={"if-match": '"v1"'})
        assert (done.status_code, done.headers["etag"]) == (204, '"v2"')
        # The response to a PATCH holds the new representation, and its validators.
        patched = client.patch("/note", content=b"+", headers={"if-match": '"v2"'})
        assert (patched.status_code, patched.json()) == (200, {"text": "second+"})
        assert (patched.headers["etag"], patched.headers["content-location"]) == ('"v3"', "/note")
        assert client.delete("/note", headers={"if-match": '"v1"'}).status_code == 412
        deleted = client.delete("/note", headers={"if-match": '"v3"'})
        assert (deleted.status_code, "etag" in deleted.headers) == (204, False)
        # POST changes no state in place: no If-Match needed; its own ETag is kept.
        assert client.post("/note").headers["etag"] == '"own"'
    assert store.text == ""


def test_of_clients_updating_with_the_tag_they_read_exactly_one_wins(
    test_client_factory: TestClientFactory,
) -> None:
    @given(st.integers(min_value=2, max_value=6))
    def check(clients: int) -> None:
        store = Store()
        with test_client_factory(note_app(store)) as client:
            tags = [client.get("/note").headers["etag"] for _ in range(clients)]
            statuses = [
                client.put("/note", content=f"by {n}".encode(), headers={"if-match": tag})
                for n, tag in enumerate(tags)
            ]
        assert [response.status_code for response in statuses] == [204] + [412] * (clients - 1)
        assert (store.text, store.version) == ("by 0", 2)

    check()


def test_require_if_match_needs_validators() -> None:
    class Blind(HTTPResource):
        require_if_match: ClassVar[bool] = True
        put = Note.put  # a handler, but no validators for If-Match to be compared with

    app = App(routes=[Route("/blind", Blind)], providers=[Provider(Store())])
    with pytest.raises(TypeError, match="Blind sets require_if_match but defines no validators"):
        app.build_middleware_stack()


def test_a_before_hook_that_responds_skips_the_validators(
    test_client_factory: TestClientFactory,
) -> None:
    seen: list[str] = []

    class Closed(HTTPResource):
        def before(self, request: Request) -> Response | None:
            closed = "closed" in request.query_params
            return PlainTextResponse("closed", status_code=503) if closed else None

        def validators(self) -> Validators:
            seen.append("validators")
            return CURRENT

        async def get(self) -> Any:
            seen.append("get")
            return "open"

    with test_client_factory(App(routes=[Route("/closed", Closed)])) as client:
        closed = client.get("/closed?closed", headers={"if-none-match": '"v2"'})
        assert closed.status_code == 503
        assert seen == []
        # Open: the validators are asked, and the client's current tag gets a 304.
        assert client.get("/closed", headers={"if-none-match": '"v2"'}).status_code == 304
        assert client.get("/closed").json() == "open"
    assert seen == ["validators", "validators", "get"]


def note_validators(store: Store) -> Validators:
    return store.validators


@conditional(note_validators, require_if_match=True)
async def note_function(request: Request, store: Store) -> Any:
    if request.method == "GET":
        store.reads += 1
        return {"text": store.text}
    store.text = (await request.body()).decode()
    store.version += 1
    return None


def test_a_function_endpoint_declares_its_validators(
    test_client_factory: TestClientFactory,
) -> None:
    store = Store()
    route = Route("/note", note_function, methods=["GET", "PUT"])
    with test_client_factory(App(routes=[route], providers=[Provider(store)])) as client:
        assert client.get("/note").headers["etag"] == '"v1"'
        assert client.get("/note", headers={"if-none-match": '"v1"'}).status_code == 304
        # The client sent no If-Match, a stale tag, then the current one.
        assert client.put("/note", content=b"x").status_code == 428
        assert client.put("/note", content=b"x", headers={"if-match": '"v0"'}).status_code == 412
        assert client.put("/note", content=b"y", headers={"if-match": '"v1"'}).status_code == 204
    assert (store.reads, store.text) == (1, "y")


@attrs.frozen
class Version:
    text: str
    number: int


def version_validators(version: Version) -> Validators:
    return Validators(ETag(f"n{version.number}"), NOON)


KEPT = {"Content-Location": "/versions/3", "Expires": AFTER_HTTP, "X-Served-By": "a"}


@responds(headers=KEPT, validators=version_validators)
async def latest_version(tasks: BackgroundTasks) -> Version:
    tasks.add_task(TASKS_RUN.append, "logged")
    return Version("third", 3)


@responds(201, validators=version_validators)
async def new_version() -> Version:
    return Version("fourth", 4)


TASKS_RUN: list[str] = []


def test_a_handler_gives_the_validators_of_what_it_returns(
    test_client_factory: TestClientFactory,
) -> None:
    routes = [Route("/latest", latest_version), Route("/new", new_version, methods=["POST"])]
    TASKS_RUN.clear()
    with test_client_factory(App(routes=routes)) as client:
        first = client.get("/latest")
        assert (first.status_code, first.headers["etag"]) == (200, '"n3"')
        assert first.headers["last-modified"] == NOON_HTTP
        # The client sent the tag it has: a 304 with what a 304 keeps of the 200's headers,
        # and the handler's background task run all the same.
        again = client.get("/latest", headers={"if-none-match": '"n3"'})
        assert (again.status_code, again.content) == (304, b"")
        assert {name: again.headers.get(name) for name in ("etag", *KEPT.keys())} == {
            "etag": '"n3"',
            "Content-Location": "/versions/3",
            "Expires": AFTER_HTTP,
            "X-Served-By": None,
        }
        assert "content-length" not in again.headers
        assert "content-type" not in again.headers
        assert TASKS_RUN == ["logged", "logged"]
        # A stale tag: the representation itself; a tag it must match and does not: 412.
        assert client.get("/latest", headers={"if-none-match": '"n2"'}).status_code == 200
        refused = client.get("/latest", headers={"if-match": '"n2"'})
        assert (refused.status_code, refused.headers["content-type"]) == (
            412,
            "application/problem+json",
        )
        # A created representation carries its validators; its method is no GET, so the
        # request's If-None-Match decides nothing after the fact.
        created = client.post("/new", headers={"if-none-match": '"n4"'})
        assert (created.status_code, created.headers["etag"]) == (201, '"n4"')


@responds(headers={"Expires": AFTER_HTTP, "X-Served-By": "a"})
@conditional(lambda: CURRENT)
async def expiring() -> str:
    return "text"


def test_a_304_before_the_handler_keeps_the_handlers_own_headers_that_a_304_carries(
    test_client_factory: TestClientFactory,
) -> None:
    with test_client_factory(App(routes=[Route("/expiring", expiring)])) as client:
        assert client.get("/expiring").headers["x-served-by"] == "a"
        response = client.get("/expiring", headers={"if-none-match": '"v2"'})
        assert response.status_code == 304
        assert response.headers["expires"] == AFTER_HTTP
        assert "x-served-by" not in response.headers


def test_the_document_names_the_preconditions_and_their_responses() -> None:
    app = App(
        routes=[Route("/note", Note), Route("/function", note_function, methods=["GET", "PUT"])],
        providers=[Provider(Store())],
    )
    paths = OpenAPI(title="Conditional", version="1").document(app)["paths"]
    get, put, post = (paths["/note"][method] for method in ("get", "put", "post"))
    assert {"304", "412"} <= get["responses"].keys()
    assert [(p["name"], p["required"]) for p in get["parameters"]] == [
        ("If-None-Match", False),
        ("If-Modified-Since", False),
    ]
    assert {"412", "428"} <= put["responses"].keys()
    assert ("If-Match", True) in [(p["name"], p["required"]) for p in put["parameters"]]
    assert put["responses"]["428"]["content"].keys() == {"application/problem+json"}
    # POST changes no state in place: If-Match is optional there, and there is no 428.
    assert "428" not in post["responses"]
    assert ("If-Match", False) in [(p["name"], p["required"]) for p in post["parameters"]]
    assert "304" in paths["/function"]["get"]["responses"]
