"""Parameter markers: ``Annotated[int, Query()]`` says where a value comes from."""

from __future__ import annotations

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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Marker) and type(other) is type(self) and other.alias == self.alias

    def __hash__(self) -> int:
        return hash((type(self), self.alias))


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
    """An uploaded file of a multipart form: ``UploadFile``, or ``list[UploadFile]``."""

    source = "file"


class Inject:
    """Take the value from a provider, registered under ``key`` (the annotation by default)."""

    def __init__(self, key: Any = None) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"Inject({self.key!r})" if self.key is not None else "Inject()"
