"""Turning what an endpoint returns into a response."""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter as make_json_converter

from resourceful._json import compact_json, json_encoder
from resourceful.responses import JSONResponse, Response


def make_converter() -> cattrs.Converter:
    """The converter for JSON in and out: attrs classes, dates, enums, UUIDs, decimals."""
    converter = make_json_converter()
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_unstructure_hook(decimal.Decimal, str)
    return converter


DEFAULT_CONVERTER = make_converter()


class _EncodedJSON(JSONResponse):
    """A JSON response whose body is encoded already."""

    def render(self, content: Any) -> bytes:
        body: bytes = content
        return body


# One encoder per converter (converters hash by identity).
_ENCODERS: dict[cattrs.Converter, Callable[[Any], bytes]] = {}


def _make_encoder(converter: cattrs.Converter) -> Callable[[Any], bytes]:
    # What JSON holds natively (dicts, lists, text, numbers) is written as it is, and only
    # the rest goes through the converter: unstructuring a whole dict costs a call per value.
    fast = json_encoder(default=converter.unstructure)

    def encode(value: Any) -> bytes:
        try:
            return fast(value)
        except (TypeError, ValueError, RecursionError):
            # Keys JSON cannot write (a UUID, a date), or the converter left an object as it
            # was: the converter unstructures the whole value first, and reports the error.
            return compact_json(converter.unstructure(value))

    _ENCODERS[converter] = encode
    return encode


def encode_json(value: Any, converter: cattrs.Converter = DEFAULT_CONVERTER) -> bytes:
    """``value`` as JSON bytes, through ``converter`` where JSON cannot hold it as it is."""
    encode = _ENCODERS.get(converter) or _make_encoder(converter)
    return encode(value)


def responds(
    status_code: int | None = None, headers: dict[str, str] | None = None
) -> Callable[[Any], Any]:
    """Set the status code and headers of what a handler returns, when it is not a Response.

    ``@responds(201)`` on ``post`` (or on a function endpoint) answers ``201 Created`` with
    the returned object as JSON.
    """

    def decorate(func: Any) -> Any:
        func.__resourceful_status__ = status_code
        func.__resourceful_headers__ = dict(headers or {})
        return func

    return decorate


def response_settings(func: Any) -> tuple[int | None, dict[str, str] | None]:
    """The status code and headers ``@responds`` set on ``func`` (Nones when it did not)."""
    return (
        getattr(func, "__resourceful_status__", None),
        getattr(func, "__resourceful_headers__", None) or None,
    )


def to_response(
    result: Any,
    converter: cattrs.Converter = DEFAULT_CONVERTER,
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response as it is; None as 204 No Content; anything else as JSON via ``converter``.

    ``status_code`` (for JSON) and ``headers`` apply to the responses made here.
    """
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204, headers=headers)
    return _EncodedJSON(encode_json(result, converter), status_code or 200, headers)
