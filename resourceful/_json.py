"""JSON for requests and responses: compact encoders made once, and a lean decoder."""

from __future__ import annotations

import json
import math
from _json import encode_basestring, encode_basestring_ascii, make_encoder, make_scanner
from collections.abc import Callable
from typing import Any

# The scanner json.loads() ends up calling, made once (a JSONDecoder holds its settings).
_scan: Callable[[str, int], tuple[Any, int]] = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_SPACE = " \t\n\r"


def _not_serializable(value: Any) -> Any:
    msg = f"Object of type {type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


def json_encoder(
    default: Callable[[Any], Any] | None = None,
    recover: Callable[[Any], bytes] | None = None,
) -> Callable[[Any], bytes]:
    """An encoder of values as compact UTF-8 JSON; NaN and infinities are refused.

    ``default`` turns what JSON cannot hold into what it can; ``recover`` encodes the
    values the encoder fails on (with a TypeError, ValueError or RecursionError), or the
    error is raised. The C encoder is made once here, where ``json.dumps`` makes one per
    call. It keeps no record of the containers it is in (that record would outlive a
    failed call), so a value that contains itself ends in a RecursionError rather than a
    ValueError.
    """
    hook = _not_serializable if default is None else default
    iterencode = _make(hook, encode_basestring)  # ensure_ascii=False
    iterencode_ascii = _make(hook, encode_basestring_ascii)

    def encode(value: Any) -> bytes:
        try:
            try:
                return "".join(iterencode(value, 0)).encode("utf-8")
            except UnicodeEncodeError:
                # Text with a lone surrogate (JSON bodies can carry "\ud800") has no UTF-8
                # form; JSON's \u escapes can write it.
                return "".join(iterencode_ascii(value, 0)).encode("ascii")
        except (TypeError, ValueError, RecursionError):
            if recover is None:
                raise
            return recover(value)

    return encode


def _make(default: Callable[[Any], Any], encode_string: Callable[[str], str]) -> make_encoder:
    return make_encoder(
        None,  # no circular-reference record
        default,
        encode_string,
        None,  # no indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )


#: Compact UTF-8 JSON of what JSON holds as it is (JSONResponse and websockets use it).
compact_json = json_encoder()


def json_decode(body: bytes) -> Any:
    """``body`` decoded as JSON, exactly as :func:`json.loads` decodes it.

    A UTF-8 document without surrounding whitespace is scanned directly; anything else
    (other encodings, a byte order mark, whitespace, malformed JSON) goes through
    ``json.loads``, which decodes it or raises its own error.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return json.loads(body)
    if not text or text[0] in _SPACE or text[-1] in _SPACE:
        return json.loads(body)
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(body)
    if end != len(text):
        return json.loads(body)
    return value


def _not_json(name: str) -> Any:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e999: no float holds it, and no JSON could write it back
        msg = f"{text[:20]} is out of range"
        raise ValueError(msg)
    return value


_strict_decoder = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite_float)


def json_loads_strict(text: str) -> Any:
    """``text`` decoded as JSON, without Python's ``NaN`` and ``Infinity`` extensions, and
    without numbers too large for a float (which would be infinite).

    Raises:
        ValueError: the text is not one JSON document, is nested too deeply to decode, or
            holds a number out of a float's range.
    """
    try:
        return _strict_decoder.decode(text)
    except RecursionError:
        msg = "JSON nested too deeply"
        raise ValueError(msg) from None
