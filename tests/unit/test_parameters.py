"""Values from the path, query string, headers, cookies and JSON body, typed and checked."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
import uuid
from typing import Annotated, Any, Literal

import attrs
import pytest

from resourceful import (
    App,
    Body,
    Cookie,
    Header,
    Inject,
    JSONResponse,
    Path,
    Query,
    Request,
    RequestValidationError,
    Response,
    Route,
    WebSocketRoute,
)
from resourceful.di import DependencyError, Provider
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Item:
    name: str
    price: int
    tags: list[str] = attrs.field(factory=list)


@attrs.frozen
class Order:
    customer: str
    items: list[Item]
    note: str | None = None


def app_with(*routes: Any, **kwargs: Any) -> App:
    return App(routes=list(routes), **kwargs)


async def search(
    q: str,
    limit: int = 50,
    verbose: bool = False,
    tags: list[str] | None = None,
    price: decimal.Decimal | None = None,
    color: Color = Color.RED,
    sort: Literal["asc", "desc"] = "asc",
) -> dict[str, Any]:
    return {
        "q": q,
        "limit": limit,
        "verbose": verbose,
        "tags": tags,
        "price": price,
        "color": color,
        "sort": sort,
    }


def test_scalars_come_from_the_query_string(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/search", search)))
    url = "/search?q=milk&limit=10&verbose=yes&tags=a&tags=b&price=1.50&color=blue&sort=desc"
    assert client.get(url).json() == {
        "q": "milk",
        "limit": 10,
        "verbose": True,
        "tags": ["a", "b"],
        "price": "1.50",
        "color": "blue",
        "sort": "desc",
    }
    assert client.get("/search?q=x").json() == {
        "q": "x",
        "limit": 50,
        "verbose": False,
        "tags": None,
        "price": None,
        "color": "red",
        "sort": "asc",
    }


def test_every_bad_value_is_reported_at_once(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/search", search)))
    # The client left out q, and sent words where a number, a boolean and a color belong.
    response = client.get("/search?limit=ten&verbose=maybe&color=green&sort=up&price=abc")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["title"] == "Unprocessable Content"
    assert problem["status"] == 422
    assert problem["detail"] == "6 request parameters are invalid."
    errors = {tuple(error["location"]): error["message"] for error in problem["errors"]}
    assert errors[("query", "q")] == "field required"
    assert errors[("query", "limit")] == "expected an integer, got 'ten'"
    assert errors[("query", "verbose")] == "expected true or false, got 'maybe'"
    assert errors[("query", "price")] == "expected a decimal number, got 'abc'"
    assert "'green' is not a valid Color" in errors[("query", "color")]
    assert ("query", "sort") in errors


async def typed_values(
    when: datetime.date,
    at: datetime.datetime,
    starts: datetime.time,
    ref: uuid.UUID,
    ratio: float,
) -> dict[str, str]:
    return {
        "when": when.isoformat(),
        "at": at.isoformat(),
        "starts": starts.isoformat(),
        "ref": str(ref),
        "ratio": repr(ratio),
    }


def test_dates_uuids_and_floats(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/", typed_values)))
    ref = uuid.UUID(int=5)
    good = client.get(
        "/",
        params={
            "when": "2026-11-25",
            "at": "2026-11-25T10:00:00",
            "starts": "09:30",
            "ref": str(ref),
            "ratio": "0.5",
        },
    )
    assert good.json() == {
        "when": "2026-11-25",
        "at": "2026-11-25T10:00:00",
        "starts": "09:30:00",
        "ref": str(ref),
        "ratio": "0.5",
    }
    # The client sent values of the right names but the wrong shapes.
    bad = client.get(
        "/", params={"when": "25/11/2026", "at": "now", "starts": "late", "ref": "x", "ratio": "y"}
    )
    messages = [error["message"] for error in bad.json()["errors"]]
    assert messages == [
        "expected a date (YYYY-MM-DD), got '25/11/2026'",
        "expected a date and time (ISO 8601), got 'now'",
        "expected a time (HH:MM:SS), got 'late'",
        "expected a UUID, got 'x'",
        "expected a number, got 'y'",
    ]


async def headers_and_cookies(
    x_request_id: Annotated[str, Header()],
    agent: Annotated[str, Header("user-agent")],
    accept: Annotated[list[str], Header()],
    session: Annotated[str, Cookie()],
    theme: Annotated[str, Cookie("ui-theme")] = "light",
    page: Annotated[int, Query("p")] = 1,
) -> dict[str, Any]:
    return {
        "id": x_request_id,
        "agent": agent,
        "accept": accept,
        "session": session,
        "theme": theme,
        "page": page,
    }


def test_headers_cookies_and_aliases(test_client_factory: TestClientFactory) -> None:
    app = app_with(Route("/", headers_and_cookies))
    client = test_client_factory(app, cookies={"session": "s1", "ui-theme": "dark"})
    response = client.get(
        "/?p=3", headers=[("X-Request-Id", "r1"), ("Accept", "a/b"), ("Accept", "c/d")]
    )
    assert response.json() == {
        "id": "r1",
        "agent": "testclient",
        "accept": ["a/b", "c/d"],
        "session": "s1",
        "theme": "dark",
        "page": 3,
    }
    # The client sent no X-Request-Id header and no session cookie.
    missing = test_client_factory(app).get("/", headers={"Accept": "*/*"})
    locations = [error["location"] for error in missing.json()["errors"]]
    assert locations == [["header", "x-request-id"], ["cookie", "session"]]


async def optional_marked(
    token: Annotated[str | None, Header("x-token")] = None,
    theme: Annotated[str | None, Cookie()] = None,
    trace: Annotated[str, Header("x-trace")] | None = None,  # the marker inside, on purpose
) -> dict[str, Any]:
    return {"token": token, "theme": theme, "trace": trace}


def test_optional_marked_values_default_to_none(test_client_factory: TestClientFactory) -> None:
    # Python 3.10 wraps these annotations in Optional, around their markers.
    app = app_with(Route("/", optional_marked))
    client = test_client_factory(app, cookies={"theme": "dark"})
    sent = client.get("/", headers={"x-token": "t1", "x-trace": "r1"})
    assert sent.json() == {"token": "t1", "theme": "dark", "trace": "r1"}
    none = {"token": None, "theme": None, "trace": None}
    assert test_client_factory(app).get("/").json() == none


async def item_by_id(
    item_id: int, slug: Annotated[str, Path("name")], note: Annotated[str | None, "free text"]
) -> dict[str, Any]:
    return {"item_id": item_id, "slug": slug, "note": note}


async def typed_path(item_id: int) -> int:
    return item_id


def test_path_parameters_convert_to_the_annotation(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/items/{item_id}/{name}", item_by_id)))
    assert client.get("/items/42/milk").json() == {"item_id": 42, "slug": "milk", "note": None}
    assert client.get("/items/42/milk?note=fresh").json()["note"] == "fresh"
    typed = test_client_factory(app_with(Route("/typed/{item_id:int}", typed_path)))
    assert typed.get("/typed/7").json() == 7
    # A convertor's value for a str parameter is handed over as text.
    as_text = test_client_factory(app_with(Route("/text/{item_id}/{name:int}", item_by_id)))
    assert as_text.get("/text/1/7").json()["slug"] == "7"
    # The client put a word where the item id belongs.
    response = client.get("/items/forty/milk")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": ["path", "item_id"], "message": "expected an integer, got 'forty'"}
    ]


async def create_order(order: Order) -> Response:
    total = sum(item.price for item in order.items)
    return JSONResponse({"customer": order.customer, "total": total}, status_code=201)


def test_attrs_parameter_is_the_json_body(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/orders", create_order, methods=["POST"])))
    body = {"customer": "ann", "items": [{"name": "milk", "price": 2}, {"name": "tea", "price": 3}]}
    response = client.post("/orders", json=body)
    assert (response.status_code, response.json()) == (201, {"customer": "ann", "total": 5})


def test_body_errors_name_their_full_location(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/orders", create_order, methods=["POST"])))
    # The client left out the customer, sent a string price and an item with no price.
    body = {"items": [{"name": "a", "price": 1}, {"name": "b", "price": "2"}, {"name": "c"}]}
    response = client.post("/orders", json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": ["body", "customer"], "message": "field required"},
        {"location": ["body", "items", 1, "price"], "message": "expected an integer, got '2'"},
        {"location": ["body", "items", 2, "price"], "message": "field required"},
    ]


@attrs.frozen
class Reading:
    label: str
    value: float


async def echo_reading(reading: Reading) -> Reading:
    return reading


def test_bodies_json_cannot_respond_with_are_refused_or_escaped(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(app_with(Route("/readings", echo_reading, methods=["POST"])))
    # The client sent numbers Python's JSON reads but JSON cannot hold: NaN, Infinity, 1e999.
    for number in (b"NaN", b"-Infinity", b"1e999"):
        sent = b'{"label": "x", "value": ' + number + b"}"
        response = client.post("/readings", content=sent, headers=json_type())
        assert response.status_code == 422
        assert response.json()["errors"][0]["location"] == ["body", "value"]
    # The client sent a lone surrogate escape: it is kept, and escaped in the response.
    sent = b'{"label": "\\ud800", "value": 1}'
    response = client.post("/readings", content=sent, headers=json_type())
    assert response.status_code == 200
    assert response.content == b'{"label":"\\ud800","value":1.0}'


def test_bad_bodies(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/orders", create_order, methods=["POST"])))
    # The client sent JSON cut off in the middle.
    broken = client.post("/orders", content=b'{"customer": ', headers=json_type())
    assert broken.status_code == 400
    assert broken.text.startswith("Malformed JSON body")
    # The client sent a form where JSON belongs.
    form = client.post("/orders", data={"customer": "ann"})
    assert form.status_code == 415
    assert "application/x-www-form-urlencoded" in form.text
    # The client sent no body at all.
    empty = client.post("/orders")
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"location": ["body"], "message": "a JSON body is required"}]
    # The client sent a JSON list where an object belongs.
    wrong_shape = client.post("/orders", json=[1, 2])
    assert wrong_shape.status_code == 422
    # The client sent JSON with a vendor media type.
    vendor = client.post(
        "/orders",
        content=b'{"customer": "a", "items": []}',
        headers=json_type("application/vnd.x+json"),
    )
    assert vendor.status_code == 201


def json_type(value: str = "application/json") -> dict[str, str]:
    return {"content-type": value}


async def optional_body(order: Order | None = None) -> str:
    return "none" if order is None else order.customer


async def numbers_body(numbers: Annotated[list[int], Body()]) -> int:
    return sum(numbers)


def test_optional_and_marked_bodies(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(
        app_with(
            Route("/optional", optional_body, methods=["POST"]),
            Route("/sum", numbers_body, methods=["POST"]),
        )
    )
    assert client.post("/optional").json() == "none"
    assert client.post("/optional", json={"customer": "bo", "items": []}).json() == "bo"
    assert client.post("/sum", json=[1, 2, 3]).json() == 6
    # The client sent a boolean inside a list of integers.
    response = client.post("/sum", json=[1, True])
    assert response.json()["errors"] == [
        {"location": ["body", 1], "message": "expected an integer, got True"}
    ]


class Store:
    def __init__(self) -> None:
        self.name = "store"


class SpecialStore(Store):
    pass


async def injected(
    store: Annotated[Store, Inject()], special: Annotated[Store, Inject(SpecialStore)]
) -> list[str]:
    return [type(store).__name__, type(special).__name__]


class Clock:
    def __init__(self, now: str) -> None:
        self.now = now


FIXED_CLOCK = Clock("noon")


async def with_fallback(clock: Clock = FIXED_CLOCK) -> str:
    return clock.now


def test_unknown_types_with_defaults_keep_them(test_client_factory: TestClientFactory) -> None:
    assert test_client_factory(app_with(Route("/", with_fallback))).get("/").json() == "noon"


def test_inject_marker(test_client_factory: TestClientFactory) -> None:
    app = app_with(
        Route("/", injected), providers=[Store, Provider(SpecialStore, provides=SpecialStore)]
    )
    assert test_client_factory(app).get("/").json() == ["Store", "SpecialStore"]


async def socket_with_query(
    websocket: WebSocket, room: str, token: Annotated[str, Header()]
) -> None:
    await websocket.accept()
    await websocket.send_json({"room": room, "token": token})
    await websocket.close()


def test_websocket_parameters(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(WebSocketRoute("/ws", socket_with_query)))
    with client.websocket_connect("/ws?room=lobby", headers={"token": "t"}) as session:
        assert session.receive_json() == {"room": "lobby", "token": "t"}


def test_validation_format_can_be_replaced(test_client_factory: TestClientFactory) -> None:
    async def plain_errors(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"problems": len(exc.errors)}, status_code=400)

    app = app_with(
        Route("/search", search), exception_handlers={RequestValidationError: plain_errors}
    )
    response = test_client_factory(app).get("/search")
    assert (response.status_code, response.json()) == (400, {"problems": 1})


async def two_bodies(first: Order, second: Item) -> None: ...


async def socket_with_body(websocket: WebSocket, order: Annotated[Order, Body()]) -> None: ...


async def missing_path(value: Annotated[int, Path()]) -> None: ...


async def untextual(order: Annotated[Order, Query()]) -> None: ...


async def unregistered(store: Annotated[Store, Inject()]) -> None: ...


async def ambiguous(value: Annotated[int | str | None, Query()]) -> None: ...


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route("/", two_bodies), "the parameters 'first', 'second' all read the request body"),
        (WebSocketRoute("/", socket_with_body), "reads a request body, but websockets have none"),
        (Route("/", missing_path), "reads the path parameter 'value', which the route does not"),
        (Route("/", untextual), "the query parameter 'order' has the type Order"),
        (Route("/", unregistered), "cannot inject the parameter 'store' (Store)"),
        (Route("/", ambiguous), "the query parameter 'value' has the type"),
    ],
    ids=["two-bodies", "websocket-body", "missing-path", "untextual", "unregistered", "union"],
)
def test_parameter_definition_errors_at_startup(
    test_client_factory: TestClientFactory, route: Any, message: str
) -> None:
    with pytest.raises(DependencyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        test_client_factory(app_with(route)).get("/")


async def bounded(
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(gt=0, lt=101)] = 20,
    ratio: Annotated[float | None, Query(le=1.5)] = None,
    tags: Annotated[list[str], Query("tag", min_length=2, max_length=5, pattern="^[a-z]+$")] = [],  # noqa: B006 (never changed)
    version: Annotated[int, Path(ge=1, le=3)] = 1,
) -> dict[str, Any]:
    return {"page": page, "size": size, "ratio": ratio, "tags": tags, "version": version}


def test_bounded_values_are_checked(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(app_with(Route("/v{version:int}/items", bounded)))
    response = client.get("/v2/items?page=3&size=100&ratio=1.5&tag=ab&tag=abcde")
    assert response.json() == {
        "page": 3,
        "size": 100,
        "ratio": 1.5,
        "tags": ["ab", "abcde"],
        "version": 2,
    }
    # The client sent a page of 0, a size of 101, a ratio of 2, tags too short, too long and
    # with a capital, and version 4.
    refused = client.get("/v4/items?page=0&size=101&ratio=2&tag=a&tag=abcdef&tag=Ab")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"location": ["query", "page"], "message": "must be at least 1"},
        {"location": ["query", "size"], "message": "must be less than 101"},
        {"location": ["query", "ratio"], "message": "must be at most 1.5"},
        {"location": ["query", "tag", 0], "message": "must be at least 2 characters long"},
        {"location": ["query", "tag", 1], "message": "must be at most 5 characters long"},
        {"location": ["query", "tag", 2], "message": "must match the pattern '^[a-z]+$'"},
        {"location": ["path", "version"], "message": "must be at most 3"},
    ]
    # A size of 0 is not greater than 0.
    zero = client.get("/v1/items?size=0").json()["errors"]
    assert zero == [{"location": ["query", "size"], "message": "must be greater than 0"}]


async def misbounded_number(name: Annotated[str, Query(ge=1)]) -> None:
    raise NotImplementedError


async def misbounded_text(count: Annotated[list[int], Query(max_length=3)]) -> None:
    raise NotImplementedError


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (misbounded_number, r"'name' has the type str, but its bounds are for numbers"),
        (misbounded_text, r"'count' has the type list\[int\], but its bounds are for text"),
    ],
)
def test_bounds_that_do_not_fit_the_type_fail_at_startup(endpoint: Any, message: str) -> None:
    with pytest.raises(DependencyError, match=message):
        app_with(Route("/", endpoint)).build_middleware_stack()


def test_a_broken_pattern_fails_where_it_is_written() -> None:
    with pytest.raises(re.error):
        Query(pattern="([a-z")


def test_markers_with_other_bounds_differ() -> None:
    # typing caches Annotated[...] by its markers' equality.
    assert Query(ge=1) == Query(ge=1)
    assert Query(ge=1) != Query(ge=2)
    assert Query() != Query(ge=1)
    assert Annotated[int, Query(ge=1)] != Annotated[int, Query(le=1)]
