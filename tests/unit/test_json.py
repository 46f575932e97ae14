from __future__ import annotations

import json
from typing import Any

import pytest

from resourceful._json import json_decode, json_encoder, json_loads_strict


def test_compact_utf8_like_json_dumps_with_those_options() -> None:
    value = {"text": 'héllo \u2028 "quoted"', "list": [1, 2.5, None, True], "empty": {}}
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert json_encoder()(value) == expected
    assert json_encoder()("top-level text") == b'"top-level text"'


def test_values_json_cannot_hold_are_refused() -> None:
    encode = json_encoder()
    with pytest.raises(ValueError, match="not JSON compliant"):
        encode({"ratio": float("nan")})
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        encode({"tags": {"a"}})


def test_default_turns_other_values_into_json() -> None:
    encode = json_encoder(default=sorted)
    assert encode({"tags": {"b", "a"}}) == b'{"tags":["a","b"]}'


def test_a_value_that_contains_itself_is_a_recursion_error() -> None:
    looped: list[Any] = []
    looped.append(looped)
    encode = json_encoder()
    with pytest.raises(RecursionError):
        encode(looped)
    # A failed call leaves nothing behind for the next one.
    assert encode([[1], [1]]) == b"[[1],[1]]"


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":[1,2.5,"\\u00e9",null]}',
        '{"é":"ü"}'.encode(),
        b' {"padded": true} ',
        "\ufeff[1]".encode(),  # a UTF-8 byte order mark
        '{"x":1}'.encode("utf-16"),
        b"42",
    ],
)
def test_decoding_agrees_with_json_loads(body: bytes) -> None:
    assert json_decode(body) == json.loads(body)


@pytest.mark.parametrize("body", [b"", b"{", b'{"a":1}x', b"nope", b"\xff\xfe\xfa"])
def test_malformed_documents_raise_what_json_loads_raises(body: bytes) -> None:
    # The client sent a body that is not one JSON document.
    errors = (json.JSONDecodeError, UnicodeDecodeError)
    with pytest.raises(errors) as ours:
        json_decode(body)
    with pytest.raises(errors) as theirs:
        json.loads(body)
    assert repr(ours.value) == repr(theirs.value)


def test_text_with_a_lone_surrogate_is_written_escaped() -> None:
    # A JSON body can carry "\ud800", which has no UTF-8 form: it goes back out escaped.
    value = json.loads('{"name": "\\ud800", "other": "é"}')
    encoded = json_encoder()(value)
    assert encoded == b'{"name":"\\ud800","other":"\\u00e9"}'
    assert json.loads(encoded) == value


def test_strict_decoding_of_too_deep_nesting_is_a_value_error() -> None:
    # A client sent 100,000 nested arrays: a ValueError, like any other text that is not JSON.
    with pytest.raises(ValueError, match="JSON nested too deeply"):
        json_loads_strict("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("text", ["1e999", "[-1.5e400]", '{"a": 2E+999}'])
def test_strict_decoding_refuses_numbers_no_float_holds(text: str) -> None:
    # A client sent a number that would be infinite: it could never be written back as JSON.
    with pytest.raises(ValueError, match="out of range"):
        json_loads_strict(text)
    assert json_loads_strict("[1e308, -2.5, 0.1]") == [1e308, -2.5, 0.1]
