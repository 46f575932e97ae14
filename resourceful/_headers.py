"""HTTP headers: case-insensitive, multi-valued, and kept as raw bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

from resourceful.types import Scope

_T = TypeVar("_T")


def first_header(raw: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case) among the ``raw`` pairs, or None.

    Middleware that needs one request header reads it so, without a copy of the list.
    """
    for header, value in raw:
        if header == name:
            return value
    return None


def media_type(content_type: str) -> str:
    """The media type a ``Content-Type`` value names: lower-case, without its parameters."""
    return content_type.partition(";")[0].strip().lower()


def sent_media_type(scope: Scope) -> str:
    """The media type of the request's ``Content-Type`` ("" without one), read from the
    scope's header list without a Headers object."""
    raw = first_header(scope["headers"], b"content-type")
    return "" if raw is None else media_type(raw.decode("latin-1"))


def names_any(raw: Iterable[tuple[bytes, bytes]], names: frozenset[bytes]) -> bool:
    """Whether some header among the ``raw`` pairs is named in ``names`` (lower-case)."""
    for header, _ in raw:  # noqa: SIM110 (a loop: any() would make a generator per response)
        if header in names:
            return True
    return False


class Headers(Mapping[str, str]):
    """Immutable, case-insensitive HTTP headers that keep repeated names and raw bytes."""

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: Scope | None = None,
    ) -> None:
        if (headers is not None) + (raw is not None) + (scope is not None) > 1:
            msg = "Headers() takes one of 'headers', 'raw' or 'scope', not several"
            raise TypeError(msg)
        self._list: list[tuple[bytes, bytes]]
        if headers is not None:
            self._list = [
                (key.lower().encode("latin-1"), value.encode("latin-1"))
                for key, value in headers.items()
            ]
        elif raw is not None:
            self._list = raw
        elif scope is not None:
            # Share the scope's list, so MutableHeaders(scope=message) edits the message.
            self._list = scope["headers"] = list(scope["headers"])
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The header pairs as bytes, names lower-cased, in order."""
        return list(self._list)

    def keys(self) -> list[str]:  # type: ignore[override]
        return [key.decode("latin-1") for key, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._list]

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key``, in order."""
        name = key.lower().encode("latin-1")
        return [value.decode("latin-1") for key, value in self._list if key == name]

    def mutablecopy(self) -> MutableHeaders:
        """A mutable copy of these headers."""
        return MutableHeaders(raw=list(self._list))

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, /, default: str) -> str: ...
    @overload
    def get(self, key: str, /, default: _T) -> str | _T: ...
    def get(self, key: str, /, default: Any = None) -> Any:
        """The first value of header ``key``, or ``default``."""
        name = key.lower().encode("latin-1")
        for header, value in self._list:
            if header == name:
                return value.decode("latin-1")
        return default

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for header, value in self._list:
            if header == name:
                return value.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        name = key.lower().encode("latin-1")
        return any(header == name for header, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Headers):
            return False
        return sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = self.items()
        if len(dict(items)) == len(items):
            return f"{type(self).__name__}({dict(items)!r})"
        return f"{type(self).__name__}(raw={self.raw!r})"


class MutableHeaders(Headers):
    """Headers that can be set, appended to and deleted."""

    def __setitem__(self, key: str, value: str) -> None:
        """Set ``key`` to ``value``, replacing every earlier value."""
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        found = [i for i, (header, _) in enumerate(self._list) if header == name]
        for index in reversed(found[1:]):
            del self._list[index]
        if found:
            self._list[found[0]] = (name, encoded)
        else:
            self._list.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self._list[:] = [(header, value) for header, value in self._list if header != name]

    def __ior__(self, other: object) -> MutableHeaders:
        if not isinstance(other, Mapping):
            return NotImplemented
        self.update(other)
        return self

    def __or__(self, other: object) -> MutableHeaders:
        if not isinstance(other, Mapping):
            return NotImplemented
        new = self.mutablecopy()
        new.update(other)
        return new

    def setdefault(self, key: str, value: str) -> str:
        """Set ``key`` unless present; return its (first) value."""
        if key not in self:
            self.append(key, value)
        return self[key]

    def update(self, other: Mapping[str, str]) -> None:
        """Set every header of ``other``."""
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header, keeping the earlier values of the same name."""
        self._list.append((key.lower().encode("latin-1"), value.encode("latin-1")))

    def add_vary_header(self, vary: str) -> None:
        """Add ``vary`` to the ``Vary`` header, keeping what it already names."""
        existing = ", ".join(self.getlist("vary"))  # all the Vary headers, as one
        if not existing:
            self["vary"] = vary
        elif vary.lower() not in (item.strip().lower() for item in existing.split(",")):
            self["vary"] = f"{existing}, {vary}"
