"""Parameter markers: ``Annotated[int, Query()]`` says where a value comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


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


class Query(Marker):
    """A query string parameter (``list[T]`` collects repeated ones)."""

    source = "query"


class Path(Marker):
    """A path parameter of the route."""

    source = "path"


class Header(Marker):
    """A request header; by default the parameter name with ``_`` as ``-`` (``x_token``)."""

    source = "header"


class Cookie(Marker):
    """A cookie."""

    source = "cookie"


class Body(Marker):
    """The JSON request body, structured into the annotated type."""

    source = "body"


class Form(Marker):
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
