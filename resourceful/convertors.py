"""Path parameter convertors: ``{id:int}`` matches digits and hands the endpoint an ``int``."""

from __future__ import annotations

import math
import uuid
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class Convertor(Generic[T]):
    """Turns one path segment into a value and back.

    Subclass it with a ``regex`` that matches the text, ``convert`` to parse it, and
    ``to_string`` to write a value back into a URL (raise ``ValueError`` for values that
    cannot appear there). ``convert`` may raise ``ValueError`` for text the regex lets through
    that is still no value (too many digits, say): the route then does not match.
    """

    regex: ClassVar[str] = ""

    def convert(self, value: str) -> T:
        raise NotImplementedError

    def to_string(self, value: T) -> str:
        raise NotImplementedError


class StringConvertor(Convertor[str]):
    """Any text up to the next ``/`` (the default)."""

    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        value = str(value)
        if "/" in value or not value:
            msg = f"a str path parameter cannot be empty or contain '/', got {value!r}"
            raise ValueError(msg)
        return value


class PathConvertor(Convertor[str]):
    """The rest of the path, slashes included."""

    regex = ".*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


class IntegerConvertor(Convertor[int]):
    """A non-negative integer."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        if value < 0:
            msg = f"an int path parameter cannot be negative, got {value}"
            raise ValueError(msg)
        return str(value)


class FloatConvertor(Convertor[float]):
    """A non-negative decimal number such as ``3`` or ``2.5``."""

    regex = r"[0-9]+(?:\.[0-9]+)?"

    def convert(self, value: str) -> float:
        number = float(value)
        if not math.isfinite(number):  # more digits than a float holds
            msg = f"{value[:20]}... is too large for a float"
            raise ValueError(msg)
        return number

    def to_string(self, value: float) -> str:
        value = float(value)
        if value < 0 or math.isnan(value) or math.isinf(value):
            msg = f"a float path parameter must be finite and not negative, got {value}"
            raise ValueError(msg)
        return f"{value:.20f}".rstrip("0").rstrip(".")


class UUIDConvertor(Convertor[uuid.UUID]):
    """A UUID in its 8-4-4-4-12 hexadecimal form, or its 32 digits without dashes."""

    regex = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

    def convert(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_string(self, value: uuid.UUID) -> str:
        return str(value)


CONVERTOR_TYPES: dict[str, Convertor[Any]] = {
    "str": StringConvertor(),
    "path": PathConvertor(),
    "int": IntegerConvertor(),
    "float": FloatConvertor(),
    "uuid": UUIDConvertor(),
}


def register_url_convertor(key: str, convertor: Convertor[Any]) -> None:
    """Make ``{name:key}`` available in path templates defined from now on."""
    CONVERTOR_TYPES[key] = convertor


__all__ = [
    "CONVERTOR_TYPES",
    "Convertor",
    "FloatConvertor",
    "IntegerConvertor",
    "PathConvertor",
    "StringConvertor",
    "UUIDConvertor",
    "register_url_convertor",
]
