"""The converters behind typed parameters, on values a client might send."""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections.abc import MutableSequence, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import attrs
import pytest
from cattrs.errors import ClassValidationError, IterableValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from resourceful.di import Body, Header, Inject, Query
from resourceful.di._convert import (
    ConversionError,
    field_errors,
    make_body_converter,
    make_text_converter,
)

text = make_text_converter()
body = make_body_converter()


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("42", int, 42),
        (" -7 ", int, -7),
        (3, int, 3),
        ("2.5", float, 2.5),
        (2, float, 2.0),
        ("ON", bool, True),
        ("0", bool, False),
        (True, bool, True),
        ("1.10", decimal.Decimal, decimal.Decimal("1.10")),
        (5, decimal.Decimal, decimal.Decimal("5")),
        ("00000000-0000-0000-0000-000000000001", uuid.UUID, uuid.UUID(int=1)),
        ("2026-01-02", datetime.date, datetime.date(2026, 1, 2)),
        ("12:30", datetime.time, datetime.time(12, 30)),
        # RFC 3339 (OpenAPI's date-time and time formats) writes UTC as Z, on every Python.
        (
            "2026-01-02T03:04:05Z",
            datetime.datetime,
            datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        ),
        ("03:04:05z", datetime.time, datetime.time(3, 4, 5, tzinfo=datetime.timezone.utc)),
        # What a path convertor made, for a str parameter, is written back as text.
        (42, str, "42"),
        (2.5, str, "2.5"),
        (uuid.UUID(int=1), str, "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_text_values_convert(value: Any, kind: Any, expected: Any) -> None:
    assert text.structure(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("4.5", int, "expected an integer, got '4.5'"),
        ("٣", int, "expected an integer, got '٣'"),
        ("9" * 5000, int, "expected an integer, got " + repr("9" * 5000)[:37] + "..."),
        (True, int, "expected an integer, got True"),
        ("abc", float, "expected a number, got 'abc'"),
        (False, float, "expected a number, got False"),
        ("nan", float, "expected a finite number, got 'nan'"),
        ("-Infinity", float, "expected a finite number, got '-Infinity'"),
        ("1e999", float, "expected a finite number, got '1e999'"),
        (10**400, float, "expected a finite number, got " + repr(10**400)[:37] + "..."),
        ("maybe", bool, "expected true or false, got 'maybe'"),
        (1, bool, "expected true or false, got 1"),
        ("NaN", decimal.Decimal, "expected a decimal number, got 'NaN'"),
        ("1,5", decimal.Decimal, "expected a decimal number, got '1,5'"),
        (True, decimal.Decimal, "expected a decimal number, got True"),
        (5, uuid.UUID, "expected a UUID, got 5"),
        (5, datetime.date, "expected a date (YYYY-MM-DD), got 5"),
        (True, str, "expected a string, got True"),
        (["a"], str, "expected a string, got ['a']"),
    ],
)
def test_text_values_that_do_not_convert(value: Any, kind: Any, message: str) -> None:
    with pytest.raises(ConversionError) as info:
        text.structure(value, kind)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [
        (1, int, True),
        ("1", int, False),
        (1.5, int, False),
        (True, int, False),
        (1, float, True),
        ("1.5", float, False),
        (math.nan, float, False),
        (math.inf, float, False),
        (10**400, float, False),
        (True, bool, True),
        ("true", bool, False),
        ("x", str, True),
        (1, str, False),
    ],
)
def test_json_bodies_are_strict_about_types(value: Any, kind: Any, ok: bool) -> None:
    if ok:
        assert body.structure(value, kind) == value
    else:
        with pytest.raises(ConversionError):
            body.structure(value, kind)


@pytest.mark.parametrize(
    "kind", [int, float, bool, decimal.Decimal, uuid.UUID, datetime.date, datetime.datetime]
)
@given(value=st.text(max_size=30))
@example(value="12")
def test_text_conversion_converts_or_explains(kind: Any, value: str) -> None:
    converted: Any = None
    message = ""
    try:
        converted = text.structure(value, kind)
    except ConversionError as exc:
        message = str(exc)
    if message:
        assert message.startswith("expected ")
    else:
        assert isinstance(converted, kind)


@attrs.frozen
class Point:
    x: int


def test_field_errors_of_groups_without_notes() -> None:
    group = ClassValidationError("while structuring", [ValueError("bad")], Point)
    assert field_errors(group, ("body",)) == [(("body",), "invalid value: bad")]
    assert field_errors(TypeError(), ("query", "x")) == [
        (("query", "x"), "invalid value (TypeError)")
    ]


def test_markers_compare_and_show_themselves() -> None:
    assert Query("p") == Query("p")
    assert Query("p") != Header("p")
    assert Query() != "p"
    assert len({Query("p"), Query("p"), Body()}) == 2
    assert repr(Header("x-id")) == "Header('x-id')"
    assert repr(Body()) == "Body()"
    assert repr(Inject()) == "Inject()"
    assert repr(Inject(int)) == "Inject(<class 'int'>)"


def test_markers_with_different_options_differ() -> None:
    from resourceful.di import File

    assert File() != File(max_size=10)
    assert File(content_types=["a/b"]) == File(content_types=["a/b"])
    assert hash(File(max_size=1)) == hash(File(max_size=1))


@attrs.frozen
class Tagged:
    tags: list[str]
    groups: Sequence[list[int]] = ()


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (["a", "b"], list[str], ["a", "b"]),
        (["a"], list, ["a"]),
        (["a"], Sequence[str], ["a"]),
        (["a", "a", "b"], set[str], {"a", "b"}),
        (["a"], frozenset[str], frozenset({"a"})),
        (["a"], AbstractSet[str], frozenset({"a"})),
        ([1, 2], tuple[int, ...], (1, 2)),
        ([1, "x"], tuple, (1, "x")),
        ([1, "x"], tuple[int, str], (1, "x")),  # a fixed-shape tuple is left to cattrs
        ({"tags": ["a"], "groups": [[1], [2, 3]]}, Tagged, Tagged(["a"], [[1], [2, 3]])),
    ],
)
def test_json_lists_convert(value: Any, kind: Any, expected: Any) -> None:
    assert body.structure(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "where", "message"),
    [
        # The client sent text, or an object, where a list belongs.
        ("abc", list[str], (), "expected a list, got 'abc'"),
        ({"a": 1}, MutableSequence[str], (), "expected a list, got {'a': 1}"),
        ("ab", set[str], (), "expected a list, got 'ab'"),
        ("ab", tuple[str, ...], (), "expected a list, got 'ab'"),
        ([1, "2"], frozenset[int], (1,), "expected an integer, got '2'"),
        ({"tags": "abc"}, Tagged, ("tags",), "expected a list, got 'abc'"),
        ({"tags": [], "groups": ["12"]}, Tagged, ("groups", 0), "expected a list, got '12'"),
    ],
)
def test_json_lists_take_arrays_only(
    value: Any, kind: Any, where: tuple[Any, ...], message: str
) -> None:
    with pytest.raises((ConversionError, ClassValidationError, IterableValidationError)) as info:
        body.structure(value, kind)
    assert field_errors(info.value, ()) == [(where, message)]
