"""Turning what an endpoint returns into a response."""

from __future__ import annotations

import decimal
import uuid
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter as make_json_converter

from resourceful.responses import JSONResponse, Response


def make_converter() -> cattrs.Converter:
    """The converter for JSON in and out: attrs classes, dates, enums, UUIDs, decimals."""
    converter = make_json_converter()
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_unstructure_hook(decimal.Decimal, str)
    return converter


DEFAULT_CONVERTER = make_converter()


def to_response(result: Any, converter: cattrs.Converter = DEFAULT_CONVERTER) -> Response:
    """A response as it is; None as 204 No Content; anything else as JSON via ``converter``."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    return JSONResponse(converter.unstructure(result))
