"""The data structures of the toolkit: URLs, headers, query strings, forms, uploads and state."""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from shlex import shlex as Lexer
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO, NamedTuple, TypeVar, cast, overload
from urllib.parse import urlencode

from resourceful._headers import Headers, MutableHeaders
from resourceful._urls import URL, URLPath, parse_query
from resourceful.concurrency import run_in_threadpool

_KeyType = TypeVar("_KeyType")
_CovariantValueType = TypeVar("_CovariantValueType", covariant=True)
_T = TypeVar("_T")


class Address(NamedTuple):
    """The host and port of a client or server."""

    host: str
    port: int


class Secret:
    """A value that never shows itself in ``repr``, so not in tracebacks, debuggers or
    ``%r`` logs.

    Read it with :meth:`get_secret_value`, or ``str(secret)`` as in Starlette (so an
    f-string shows it: log the secret itself, not its text).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The hidden value."""
        return self._value

    def __repr__(self) -> str:
        return f"{type(self).__name__}('**********')"

    def __str__(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class CommaSeparatedStrings(Sequence[str]):
    """A sequence of strings parsed from ``"a, b, 'c d'"`` (quotes keep commas and spaces)."""

    def __init__(self, value: str | Sequence[str]) -> None:
        if isinstance(value, str):
            lexer = Lexer(value, posix=True)
            lexer.whitespace = ","
            lexer.whitespace_split = True
            self._items = [item.strip() for item in lexer]
        else:
            self._items = list(value)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"

    def __str__(self) -> str:
        # Starlette's spelling: every item quoted, so the text reads back as the same items.
        return ", ".join(repr(item) for item in self._items)


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


class ImmutableMultiDict(Mapping[_KeyType, _CovariantValueType]):
    """A mapping where a key may hold several values; ``[key]`` gives the last one."""

    _dict: dict[_KeyType, _CovariantValueType]

    def __init__(
        self,
        *args: ImmutableMultiDict[_KeyType, _CovariantValueType]
        | Mapping[_KeyType, _CovariantValueType]
        | Iterable[tuple[_KeyType, _CovariantValueType]],
        **kwargs: Any,
    ) -> None:
        if len(args) > 1:
            msg = f"{type(self).__name__} takes at most one positional argument"
            raise TypeError(msg)
        value: Any = args[0] if args else []
        if kwargs:
            value = ImmutableMultiDict(value).multi_items() + list(kwargs.items())
        if not value:
            items: list[tuple[Any, Any]] = []
        elif isinstance(value, list):  # pairs, as parsers make them: no Mapping check (slow)
            items = value.copy()
        elif isinstance(value, ImmutableMultiDict):
            items = value.multi_items()
        elif isinstance(value, Mapping):
            items = list(value.items())
        else:
            items = list(value)
        self._dict = dict(items)
        self._list = items

    def getlist(self, key: Any) -> list[_CovariantValueType]:
        """Every value of ``key``, in order (an empty list when absent)."""
        return [value for name, value in self._list if name == key]

    def keys(self) -> KeysView[_KeyType]:
        return self._dict.keys()

    def values(self) -> ValuesView[_CovariantValueType]:
        return self._dict.values()

    def items(self) -> ItemsView[_KeyType, _CovariantValueType]:
        return self._dict.items()

    def multi_items(self) -> list[tuple[_KeyType, _CovariantValueType]]:
        """Every (key, value) pair, repeated keys included, in order."""
        return list(self._list)

    def __getitem__(self, key: _KeyType) -> _CovariantValueType:
        return self._dict[key]

    @overload
    def get(self, key: _KeyType, /) -> _CovariantValueType | None: ...
    @overload
    def get(
        self, key: _KeyType, /, default: _CovariantValueType | _T
    ) -> _CovariantValueType | _T: ...
    def get(self, key: _KeyType, /, default: Any = None) -> Any:
        """The last value of ``key``, or ``default`` (a lookup of its own: Mapping's goes
        through ``[key]`` and a KeyError for a missing key)."""
        return self._dict.get(key, default)

    def __contains__(self, key: Any) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_KeyType]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return False
        # Keys in any order; the values of one key in theirs (the sort is stable).
        return sorted(self._list, key=_first) == sorted(other._list, key=_first)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MultiDict(ImmutableMultiDict[Any, Any]):
    """A mutable :class:`ImmutableMultiDict`."""

    def __setitem__(self, key: Any, value: Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: Any) -> None:
        self._list = [(k, v) for k, v in self._list if k != key]
        del self._dict[key]

    def pop(self, key: Any, default: Any = None) -> Any:
        self._list = [(k, v) for k, v in self._list if k != key]
        return self._dict.pop(key, default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = self._dict.popitem()
        self._list = [(k, v) for k, v in self._list if k != key]
        return key, value

    def poplist(self, key: Any) -> list[Any]:
        values = [v for k, v in self._list if k == key]
        self.pop(key)
        return values

    def clear(self) -> None:
        self._dict.clear()
        self._list.clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self._dict[key] = default
            self._list.append((key, default))
        return self[key]

    def setlist(self, key: Any, values: list[Any]) -> None:
        """Replace every value of ``key`` with ``values`` (an empty list removes it)."""
        if not values:
            self.pop(key, None)
            return
        self._list = [(k, v) for k, v in self._list if k != key]
        self._list.extend((key, value) for value in values)
        self._dict[key] = values[-1]

    def append(self, key: Any, value: Any) -> None:
        """Add one more value for ``key``."""
        self._list.append((key, value))
        self._dict[key] = value

    def update(
        self,
        *args: MultiDict | Mapping[Any, Any] | list[tuple[Any, Any]],
        **kwargs: Any,
    ) -> None:
        """Replace the values of every key found in the arguments."""
        value = MultiDict(*args, **kwargs)
        existing = [(k, v) for k, v in self._list if k not in value]
        self._list = existing + value.multi_items()
        self._dict.update(value)


class QueryParams(ImmutableMultiDict[str, str]):
    """The query string as an immutable multi-dict; ``str()`` gives it back encoded."""

    def __init__(
        self,
        *args: ImmutableMultiDict[Any, Any]
        | Mapping[Any, Any]
        | list[tuple[Any, Any]]
        | str
        | bytes,
        **kwargs: Any,
    ) -> None:
        if args and isinstance(args[0], bytes):
            args = (args[0].decode("latin-1"),)
        if args and isinstance(args[0], str):
            if kwargs:
                msg = "QueryParams() takes keyword arguments only with a mapping or pairs"
                raise TypeError(msg)
            # A parsed query string holds text already: no copies to make.
            self._list = parse_query(args[0])
            self._dict = dict(self._list)
            return
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._list = [(str(k), str(v)) for k, v in self._list]
        self._dict = {str(k): str(v) for k, v in self._dict.items()}

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class UploadFile:
    """A file uploaded in a multipart form, spooled to disk when it grows.

    The async methods run the blocking file calls in a worker thread once the file has
    rolled over to disk.
    """

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.filename = filename
        self.file = file
        self.size = size
        self.headers = headers or Headers()

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type``, if it gave one."""
        return self.headers.get("content-type")

    @property
    def _in_memory(self) -> bool:
        rolled_to_disk = getattr(self.file, "_rolled", True)
        return not rolled_to_disk

    async def write(self, data: bytes) -> None:
        """Append ``data`` and count it into ``size``."""
        if self.size is not None:
            self.size += len(data)
        if self._in_memory and not self._will_roll_over(len(data)):
            self.file.write(data)
        else:  # on disk, or about to move there: file I/O, in a worker thread
            await run_in_threadpool(self.file.write, data)

    def _will_roll_over(self, added: int) -> bool:
        max_size: int = getattr(self.file, "_max_size", 0)
        return max_size > 0 and self.file.tell() + added > max_size

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all that is left by default)."""
        if self._in_memory:
            return self.file.read(size)
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to byte ``offset``."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (and delete it from disk)."""
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, "
            f"headers={self.headers!r})"
        )


def spooled_file(max_size: int) -> BinaryIO:
    """A temporary file kept in memory until it grows past ``max_size`` bytes."""
    return cast(BinaryIO, SpooledTemporaryFile(max_size=max_size))


class FormData(ImmutableMultiDict[str, "UploadFile | str"]):
    """A parsed form: field values are strings, file fields are :class:`UploadFile`."""

    @property
    def has_files(self) -> bool:
        """Whether some field is an uploaded file."""
        for _, value in self._list:  # noqa: SIM110 (a loop: any() would make a generator)
            if isinstance(value, UploadFile):
                return True
        return False

    async def close(self) -> None:
        """Close every uploaded file of the form."""
        for _, value in self.multi_items():
            if isinstance(value, UploadFile):
                await value.close()


class State:
    """An object to keep arbitrary attributes on (``app.state``, ``request.state``)."""

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__setattr__("_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            msg = f"{type(self).__name__!r} object has no attribute {key!r}"
            raise AttributeError(msg) from None

    def __delattr__(self, key: str) -> None:
        try:
            del self._state[key]
        except KeyError:
            msg = f"{type(self).__name__!r} object has no attribute {key!r}"
            raise AttributeError(msg) from None

    def __contains__(self, key: str) -> bool:
        return key in self._state

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._state!r})"


__all__ = [
    "URL",
    "Address",
    "CommaSeparatedStrings",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "Secret",
    "State",
    "URLPath",
    "UploadFile",
]
