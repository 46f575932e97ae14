"""Compact JSON encoders, made once and reused for every response."""

from __future__ import annotations

from _json import encode_basestring, make_encoder
from collections.abc import Callable
from typing import Any


def _not_serializable(value: Any) -> Any:
    msg = f"Object of type {type(value).__name__} is not JSON serializable"
    raise TypeError(msg)


def json_encoder(default: Callable[[Any], Any] | None = None) -> Callable[[Any], bytes]:
    """An encoder of values as compact UTF-8 JSON; NaN and infinities are refused.

    ``default`` turns what JSON cannot hold into what it can. The C encoder is made once
    here, where ``json.dumps`` makes one per call. It keeps no record of the containers it
    is in (that record would outlive a failed call), so a value that contains itself ends
    in a RecursionError rather than a ValueError.
    """
    iterencode = make_encoder(
        None,  # no circular-reference record
        _not_serializable if default is None else default,
        encode_basestring,  # ensure_ascii=False
        None,  # no indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )

    def encode(value: Any) -> bytes:
        return "".join(iterencode(value, 0)).encode("utf-8")

    return encode
