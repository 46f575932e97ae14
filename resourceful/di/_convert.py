"""Converting what a client sent into annotated types, and describing every failure."""

from __future__ import annotations

import collections.abc
import datetime
import decimal
import math
import uuid
from collections.abc import Callable
from typing import Any, get_args, get_origin

import cattrs
from cattrs.cols import list_structure_factory
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.preconf.json import make_converter as make_json_converter

Location = tuple[str | int, ...]
FieldError = tuple[Location, str]

# The collections a JSON array fills, and what builds each from a list.
_COLLECTIONS: dict[Any, Callable[[list[Any]], Any]] = {
    list: list,
    collections.abc.Sequence: list,
    collections.abc.MutableSequence: list,
    set: set,
    collections.abc.MutableSet: set,
    frozenset: frozenset,
    collections.abc.Set: frozenset,
}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
# Tuples, not unions: isinstance against ``A | B`` builds the union on every call.
_NUMBER = (int, float)
_NUMBER_OR_TEXT = (int, float, str)
_WRITTEN_AS_TEXT = (str, int, float, uuid.UUID, decimal.Decimal)


class ConversionError(ValueError):
    """A value that does not convert; the message is shown to the client as is."""


def _expected(type_name: str, value: Any) -> ConversionError:
    shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return ConversionError(f"expected {type_name}, got {shown}")


def _text_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii() and len(text) <= 4300:
            return int(text)
    raise _expected("an integer", value)


def _text_float(value: Any, _: Any) -> float:
    if isinstance(value, _NUMBER_OR_TEXT) and not isinstance(value, bool):
        try:
            number = float(value)
        except ValueError:
            pass
        except OverflowError:  # an integer too large for a float
            raise _expected("a finite number", value) from None
        else:
            return _finite(number, value)
    raise _expected("a number", value)


def _finite(number: float, value: Any) -> float:
    # NaN and the infinities are no numbers a JSON response could hold.
    if math.isfinite(number):
        return number
    raise _expected("a finite number", value)


def _text_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _expected("true or false", value)


def _json_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _expected("an integer", value)


def _json_float(value: Any, _: Any) -> float:
    # Python's JSON reads NaN, Infinity and 1e999 (as infinity): none of them gets through.
    if isinstance(value, _NUMBER) and not isinstance(value, bool):
        try:
            return _finite(float(value), value)
        except OverflowError:  # an integer too large for a float
            raise _expected("a finite number", value) from None
    raise _expected("a number", value)


def _json_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _expected("true or false", value)


def _string(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    raise _expected("a string", value)


def _text_string(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    # Text values are strings, except what a path convertor made ({id:int} for a str
    # parameter): that is written back as text, not blamed on the client.
    if isinstance(value, _WRITTEN_AS_TEXT) and not isinstance(value, bool):
        return str(value)
    raise _expected("a string", value)


def _uuid(value: Any, _: Any) -> uuid.UUID:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise _expected("a UUID", value)


def _decimal(value: Any, _: Any) -> decimal.Decimal:
    if isinstance(value, _NUMBER_OR_TEXT) and not isinstance(value, bool):
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
    raise _expected("a decimal number", value)


def _iso(kind: type[Any], name: str) -> Callable[[Any, Any], Any]:
    has_offset = kind is not datetime.date

    def parse(value: Any, _: Any) -> Any:
        if isinstance(value, str):
            if has_offset and value[-1:] in ("Z", "z"):
                # RFC 3339's UTC, which Python before 3.11 does not read.
                value = value[:-1] + "+00:00"
            try:
                return kind.fromisoformat(value)
            except ValueError:
                pass
        raise _expected(name, value)

    return parse


def _common(converter: cattrs.Converter) -> cattrs.Converter:
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(uuid.UUID, _uuid)
    converter.register_structure_hook(decimal.Decimal, _decimal)
    converter.register_structure_hook(datetime.date, _iso(datetime.date, "a date (YYYY-MM-DD)"))
    converter.register_structure_hook(
        datetime.datetime, _iso(datetime.datetime, "a date and time (ISO 8601)")
    )
    converter.register_structure_hook(datetime.time, _iso(datetime.time, "a time (HH:MM:SS)"))
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_unstructure_hook(decimal.Decimal, str)
    return converter


def _collection_of(kind: Any) -> Callable[[list[Any]], Any] | None:
    """What builds ``kind`` from a list, for the collections JSON arrays fill; else None."""
    origin = get_origin(kind) or kind
    if origin is tuple:
        args = get_args(kind)
        homogeneous = not args or (len(args) == 2 and args[1] is Ellipsis)
        return tuple if homogeneous else None
    return _COLLECTIONS.get(origin)


def _json_arrays(converter: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    """Hooks for lists, sets and tuples that take JSON arrays only: cattrs would take any
    iterable, and make ``"abc"`` the list ``["a", "b", "c"]``."""

    def factory(kind: Any) -> Callable[[Any, Any], Any]:
        build = _collection_of(kind) or list  # the predicate let only collections through
        args = get_args(kind)
        as_list = list[args[0]] if args else list  # type: ignore[valid-type]
        structure_list = list_structure_factory(as_list, converter)

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, list):
                raise _expected("a list", value)
            items = structure_list(value, as_list)
            return items if build is list else build(items)

        return structure

    return factory


def make_body_converter() -> cattrs.Converter:
    """The converter for JSON bodies: JSON types must match (no ``"5"`` for an int)."""
    converter = make_json_converter(detailed_validation=True)
    converter.register_structure_hook(int, _json_int)
    converter.register_structure_hook(float, _json_float)
    converter.register_structure_hook(bool, _json_bool)
    converter.register_structure_hook_factory(
        lambda kind: _collection_of(kind) is not None, _json_arrays(converter)
    )
    return _common(converter)


def make_text_converter() -> cattrs.Converter:
    """The converter for text values: path, query, header, cookie and form fields."""
    converter = make_json_converter(detailed_validation=True)
    converter.register_structure_hook(int, _text_int)
    converter.register_structure_hook(float, _text_float)
    converter.register_structure_hook(bool, _text_bool)
    _common(converter)
    converter.register_structure_hook(str, _text_string)
    return converter


def field_errors(exc: BaseException, location: Location) -> list[FieldError]:
    """Every failure inside a cattrs error, each with its location, e.g. ``("body", "x", 2)``."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        found: list[FieldError] = []
        with_notes, without_notes = exc.group_exceptions()
        for inner, note in with_notes:
            step = note.name if hasattr(note, "name") else note.index
            found.extend(field_errors(inner, (*location, step)))
        for inner in without_notes:
            found.extend(field_errors(inner, location))
        return found
    if isinstance(exc, KeyError):
        return [(location, "field required")]
    if isinstance(exc, ConversionError):
        return [(location, str(exc))]
    return [(location, _describe_failure(exc))]


def _describe_failure(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, ValueError) and text:
        return f"invalid value: {text}"
    return f"invalid value ({type(exc).__name__})"
