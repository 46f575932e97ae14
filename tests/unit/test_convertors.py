from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful._paths import CompiledPath
from resourceful.convertors import (
    CONVERTOR_TYPES,
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    StringConvertor,
    register_url_convertor,
)
from resourceful.requests import Request
from resourceful.responses import JSONResponse, Response
from resourceful.routing import Route, Router
from tests.conftest import TestClientFactory


class DateConvertor(Convertor[date]):
    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def convert(self, value: str) -> date:
        return date.fromisoformat(value)

    def to_string(self, value: date) -> str:
        return value.isoformat()


@pytest.fixture
def date_convertor() -> Iterator[None]:
    register_url_convertor("date", DateConvertor())
    yield
    del CONVERTOR_TYPES["date"]


async def echo(request: Request) -> Response:
    params = {key: [type(value).__name__, str(value)] for key, value in request.path_params.items()}
    return JSONResponse(params)


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/s/{value}", "/s/abc", {"value": ["str", "abc"]}),
        ("/p/{value:path}", "/p/a/b/c", {"value": ["str", "a/b/c"]}),
        ("/i/{value:int}", "/i/42", {"value": ["int", "42"]}),
        ("/f/{value:float}", "/f/2.5", {"value": ["float", "2.5"]}),
        (
            "/u/{value:uuid}",
            "/u/5D2C0C1A-8E3B-4F7A-9C2D-1E0F3A4B5C6D",
            {"value": ["UUID", "5d2c0c1a-8e3b-4f7a-9c2d-1e0f3a4b5c6d"]},
        ),
        (
            "/u/{value:uuid}",
            "/u/5D2C0C1A8E3B4F7A9C2D1E0F3A4B5C6D",
            {"value": ["UUID", "5d2c0c1a-8e3b-4f7a-9c2d-1e0f3a4b5c6d"]},
        ),
    ],
)
def test_each_convertor_converts_what_it_matches(
    test_client_factory: TestClientFactory, template: str, path: str, expected: dict[str, Any]
) -> None:
    client = test_client_factory(Router([Route(template, echo)]))
    assert client.get(path).json() == expected


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/i/{value:int}", "/i/-1"),
        ("/i/{value:int}", "/i/abc"),
        ("/f/{value:float}", "/f/1e5"),
        ("/u/{value:uuid}", "/u/not-a-uuid"),
        ("/s/{value}", "/s/"),
        ("/i/{value:int}", "/i/" + "9" * 5000),  # more digits than int() reads
        ("/f/{value:float}", "/f/" + "9" * 400),  # more than a float holds
    ],
)
def test_values_a_convertor_refuses_do_not_match(
    test_client_factory: TestClientFactory, template: str, path: str
) -> None:
    # The client sent a path whose parameter has the wrong shape.
    client = test_client_factory(Router([Route(template, echo)], redirect_slashes=False))
    assert client.get(path).status_code == 404


def test_text_convertors_hand_back_the_text_and_a_subclass_can_change_it(
    test_client_factory: TestClientFactory,
) -> None:
    # The route skips calling the text convertors (they change nothing), but not a subclass
    # that converts, which may still build on what its base gives.
    class Upper(StringConvertor):
        def convert(self, value: str) -> str:
            return super().convert(value).upper()

    assert CONVERTOR_TYPES["str"].convert("a b") == "a b"
    assert CONVERTOR_TYPES["path"].convert("a/b") == "a/b"
    register_url_convertor("upper", Upper())
    try:
        client = test_client_factory(Router([Route("/shout/{word:upper}/{rest:path}", echo)]))
        assert client.get("/shout/hey/a/b").json() == {
            "word": ["str", "HEY"],
            "rest": ["str", "a/b"],
        }
    finally:
        del CONVERTOR_TYPES["upper"]


def test_custom_convertor(test_client_factory: TestClientFactory, date_convertor: None) -> None:
    router = Router([Route("/day/{day:date}", echo, name="day")])
    assert test_client_factory(router).get("/day/2026-11-25").json() == {
        "day": ["date", "2026-11-25"]
    }
    assert router.url_path_for("day", day=date(2026, 1, 2)) == "/day/2026-01-02"


def test_to_string_refuses_values_that_cannot_be_in_a_url() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        IntegerConvertor().to_string(-1)
    with pytest.raises(ValueError, match="finite and not negative"):
        FloatConvertor().to_string(float("nan"))
    with pytest.raises(ValueError, match="finite and not negative"):
        FloatConvertor().to_string(-0.5)
    with pytest.raises(ValueError, match="cannot be empty or contain '/'"):
        StringConvertor().to_string("a/b")
    assert FloatConvertor().to_string(2.0) == "2"
    assert FloatConvertor().to_string(0.125) == "0.125"
    assert CONVERTOR_TYPES["uuid"].to_string(uuid.UUID(int=1)).endswith("0001")
    assert CONVERTOR_TYPES["path"].to_string("a/b") == "a/b"


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_float_round_trips_through_a_path(value: float) -> None:
    convertor = FloatConvertor()
    text = convertor.to_string(value)
    assert CompiledPath("/{x:float}").match("/" + text) is not None
    assert abs(convertor.convert(text) - value) <= 1e-9 * max(value, 1)


def test_template_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="Duplicated param name id at path /{id}/{id:int}"):
        CompiledPath("/{id}/{id:int}")
    with pytest.raises(ValueError, match="Duplicated param names b, a at path"):
        CompiledPath("/{b}/{a}/{b}/{a}/{c}")
    with pytest.raises(ValueError, match="Unknown path convertor 'nope'.*register_url_convertor"):
        CompiledPath("/{id:nope}")
