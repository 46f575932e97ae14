"""Turning what an endpoint returns into a response."""

from __future__ import annotations

import decimal
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter as make_json_converter

from resourceful._json import compact_json, json_encoder
from resourceful.conditional import Validators
from resourceful.responses import JSONResponse, Response, has_body, length_header


def make_converter() -> cattrs.Converter:
    """The converter for JSON in and out: attrs classes, dates, enums, UUIDs, decimals."""
    converter = make_json_converter()
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_unstructure_hook(decimal.Decimal, str)
    return converter


DEFAULT_CONVERTER = make_converter()


_JSON_TYPE = (b"content-type", b"application/json")


class _EncodedJSON(JSONResponse):
    """A JSON response whose body is encoded already.

    A response without headers of its own (most are) is made directly, with the two headers
    ``init_headers`` would give it; the rest as any response is.
    """

    def __init__(self, body: bytes, status_code: int, headers: Mapping[str, str] | None) -> None:
        if headers is None and (status_code == 200 or has_body(status_code)):
            self.status_code = status_code
            self.body = body
            self.raw_headers = [length_header(body), _JSON_TYPE]
        else:
            super().__init__(body, status_code, headers)

    def render(self, content: Any) -> bytes:
        body: bytes = content
        return body


# One encoder per converter (converters hash by identity).
_ENCODERS: dict[cattrs.Converter, Callable[[Any], bytes]] = {}


def _encoder(converter: cattrs.Converter) -> Callable[[Any], bytes]:
    found = _ENCODERS.get(converter)
    if found is not None:
        return found

    def unstructured(value: Any) -> bytes:
        # Keys JSON cannot write (a UUID, a date), or the converter left an object as it
        # was: the converter unstructures the whole value first, and reports the error.
        return compact_json(converter.unstructure(value))

    # What JSON holds natively (dicts, lists, text, numbers) is written as it is, and only
    # the rest goes through the converter: unstructuring a whole dict costs a call per value.
    encode = _ENCODERS[converter] = json_encoder(converter.unstructure, unstructured)
    return encode


def responds(
    status_code: int | None = None,
    headers: dict[str, str] | None = None,
    *,
    location: Any = None,
    validators: Callable[[Any], Validators] | None = None,
) -> Callable[[Any], Any]:
    """Set the status code and headers of what a handler returns, when it is not a Response.

    ``@responds(201)`` on ``post`` (or on a function endpoint) responds ``201 Created`` with
    the returned object as JSON. ``location`` names the endpoint (a resource class or a
    function) that serves what the handler returns: the response's ``Location`` is the path
    of its route, each path parameter taken from the returned object's attribute (or key) of
    that name, else from the request's (``@responds(201, location=NoteResource)``).
    ``validators`` gives the validators of the returned object, for its response's ``ETag``
    and ``Last-Modified`` (and, to a ``GET``, a 304 when the client's copy is current).
    """

    def decorate(func: Any) -> Any:
        func.__resourceful_status__ = status_code
        func.__resourceful_headers__ = dict(headers or {})
        func.__resourceful_location__ = location
        func.__resourceful_validators__ = validators
        return func

    return decorate


def validators_of_result(func: Any) -> Callable[[Any], Validators] | None:
    """What ``@responds(validators=...)`` gave ``func`` to find the validators of what it
    returns, if anything."""
    found: Callable[[Any], Validators] | None = getattr(func, "__resourceful_validators__", None)
    return found


def location_of(func: Any) -> Any:
    """The endpoint ``@responds(location=...)`` named for ``func``'s results, if any."""
    return getattr(func, "__resourceful_location__", None)


def response_settings(func: Any) -> tuple[int | None, dict[str, str] | None]:
    """The status code and headers ``@responds`` set on ``func`` (Nones when it did not)."""
    return (
        getattr(func, "__resourceful_status__", None),
        getattr(func, "__resourceful_headers__", None) or None,
    )


def responder(
    converter: cattrs.Converter = DEFAULT_CONVERTER,
    status_code: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Callable[[Any], Response]:
    """What turns an endpoint's return value, when it is no response, into its response, made
    once per endpoint: None as 204 No Content, anything else as JSON via ``converter``.

    ``status_code`` (for JSON) and ``headers`` apply to the responses made here.
    """
    encode = _encoder(converter)
    status = status_code or 200

    def respond(result: Any) -> Response:
        if result is None:
            return Response(status_code=204, headers=headers)
        return _EncodedJSON(encode(result), status, headers)

    return respond
