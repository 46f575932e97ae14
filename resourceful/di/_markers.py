"""Parameter markers: ``Annotated[int, Query()]`` says where a value comes from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs


class Marker:
    """Where a parameter's value comes from; ``alias`` is the name the client uses."""

    source: ClassVar[str] = ""

    def __init__(self, alias: str | None = None) -> None:
        self.alias = alias

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.alias!r})" if self.alias else f"{type(self).__name__}()"
        )

    def _key(self) -> tuple[Any, ...]:
        return (type(self), self.alias)

    # typing caches Annotated[T, marker] by the marker's equality: markers that differ in
    # any option must differ here, or one would silently stand in for the other.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Marker) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())


@attrs.frozen
class Constraints:
    """Bounds a value must keep: numbers by ``ge``/``gt``/``le``/``lt``, text by its length and
    a regular expression it must contain a match of (``^...$`` for the whole text).

    A list's constraints hold for each of its items.
    """

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @property
    def is_numeric(self) -> bool:
        """Whether it bounds numbers."""
        return not (self.ge is None and self.gt is None and self.le is None and self.lt is None)

    @property
    def is_textual(self) -> bool:
        """Whether it bounds text."""
        return not (self.min_length is None and self.max_length is None and self.pattern is None)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks a bound, or None when it keeps them all."""
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return f"must be at least {self.min_length} characters long"
            if self.max_length is not None and len(value) > self.max_length:
                return f"must be at most {self.max_length} characters long"
            if self.pattern is not None and re.search(self.pattern, value) is None:
                return f"must match the pattern {self.pattern!r}"
            return None
        if self.ge is not None and not value >= self.ge:
            return f"must be at least {self.ge:g}"
        if self.gt is not None and not value > self.gt:
            return f"must be greater than {self.gt:g}"
        if self.le is not None and not value <= self.le:
            return f"must be at most {self.le:g}"
        if self.lt is not None and not value < self.lt:
            return f"must be less than {self.lt:g}"
        return None


class ValueMarker(Marker):
    """A marker of a value sent as text, with optional :class:`Constraints`.

    Args:
        alias: the name the client uses.
        ge, gt, le, lt: bounds of a number (greater or equal, greater, ...).
        min_length, max_length: bounds of a text's length.
        pattern: a regular expression the text must contain a match of.
    """

    def __init__(
        self,
        alias: str | None = None,
        *,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
    ) -> None:
        super().__init__(alias)
        constraints = Constraints(ge, gt, le, lt, min_length, max_length, pattern)
        self.constraints = constraints if constraints != Constraints() else None
        if pattern is not None:
            re.compile(pattern)  # a broken pattern fails here, not on a request

    def _key(self) -> tuple[Any, ...]:
        return (*super()._key(), self.constraints)


class Query(ValueMarker):
    """A query string parameter (``list[T]`` collects repeated ones)."""

    source = "query"


class Path(ValueMarker):
    """A path parameter of the route."""

    source = "path"


class Header(ValueMarker):
    """A request header; by default the parameter name with ``_`` as ``-`` (``x_token``)."""

    source = "header"


class Cookie(ValueMarker):
    """A cookie."""

    source = "cookie"


class Body(Marker):
    """The JSON request body, structured into the annotated type."""

    source = "body"


class Form(ValueMarker):
    """A field of a urlencoded or multipart form (``list[T]`` collects repeated ones)."""

    source = "form"


class File(Marker):
    """An uploaded file of a multipart form: ``UploadFile``, or ``list[UploadFile]``.

    Args:
        max_size: the largest file accepted, in bytes (a larger one is a 422).
        content_types: the accepted types, such as ``["image/png", "image/*"]``.
    """

    source = "file"

    def __init__(
        self,
        alias: str | None = None,
        *,
        max_size: int | None = None,
        content_types: Sequence[str] | None = None,
    ) -> None:
        super().__init__(alias)
        self.max_size = max_size
        self.content_types = list(content_types) if content_types is not None else None

    def _key(self) -> tuple[Any, ...]:
        types = None if self.content_types is None else tuple(self.content_types)
        return (type(self), self.alias, self.max_size, types)


class Inject:
    """Take the value from a provider, registered under ``key`` (the annotation by default)."""

    def __init__(self, key: Any = None) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Inject({self.key!r})" if self.key is not None else "Inject()"
