"""Starlette's configuration: ``config("NAME", cast=int, default=...)`` from the environment.

Kept for Starlette code; resourceful's own way is :class:`resourceful.settings.Settings`
(typed, checked at startup, injected by type).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, TypeVar, overload

T = TypeVar("T")


class undefined:
    """The default of ``Config.__call__`` when none is given."""


class EnvironError(Exception):
    """An environment variable was changed after the app had read it."""


class Environ(MutableMapping[str, str]):
    """``os.environ`` that refuses to change a variable once it has been read.

    Tests that set configuration after the app read it would otherwise test a stale value
    without noticing; this makes them fail loudly instead.
    """

    def __init__(self, environ: MutableMapping[str, str] = os.environ) -> None:
        self._environ = environ
        self._has_been_read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self._has_been_read.add(key)
        return self._environ.__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        if key in self._has_been_read:
            msg = f"Attempting to set environ['{key}'], but the value has already been read."
            raise EnvironError(msg)
        self._environ.__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        if key in self._has_been_read:
            msg = f"Attempting to delete environ['{key}'], but the value has already been read."
            raise EnvironError(msg)
        self._environ.__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


environ = Environ()


def read_env_file(path: str | os.PathLike[str], encoding: str = "utf-8") -> dict[str, str]:
    """The ``KEY=value`` lines of a ``.env`` file (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for line in Path(path).read_text(encoding=encoding).splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


class Config:
    """Reads settings from the environment, then from an optional ``.env`` file (Starlette's;
    new code uses :class:`~resourceful.settings.Settings`).

    Args:
        env_file: a ``.env`` file; the environment wins over it.
        environ: the mapping to read (``resourceful.config.environ`` by default).
        env_prefix: prepended to every name looked up.
    """

    def __init__(
        self,
        env_file: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] = environ,
        env_prefix: str = "",
        encoding: str = "utf-8",
    ) -> None:
        self.environ = environ
        self.env_prefix = env_prefix
        self.file_values: dict[str, str] = {}
        if env_file is not None:
            if Path(env_file).is_file():
                self.file_values = read_env_file(env_file, encoding)
            else:
                warnings.warn(f"Config file '{env_file}' not found.", stacklevel=2)

    @overload
    def __call__(self, key: str, *, default: None) -> str | None: ...
    @overload
    def __call__(self, key: str, cast: Callable[[Any], T], default: Any = ...) -> T: ...
    @overload
    def __call__(self, key: str, cast: None = None, default: Any = ...) -> str: ...
    def __call__(
        self, key: str, cast: Callable[[Any], Any] | None = None, default: Any = undefined
    ) -> Any:
        return self.get(key, cast, default)

    def get(
        self, key: str, cast: Callable[[Any], Any] | None = None, default: Any = undefined
    ) -> Any:
        """The value of ``key``, cast with ``cast``; ``default`` when it is set nowhere."""
        key = self.env_prefix + key
        if key in self.environ:
            return self._cast(key, self.environ[key], cast)
        if key in self.file_values:
            return self._cast(key, self.file_values[key], cast)
        if default is not undefined:
            return default if default is None or cast is None else self._cast(key, default, cast)
        msg = f"Config '{key}' is missing, and has no default."
        raise KeyError(msg)

    def _cast(self, key: str, value: Any, cast: Callable[[Any], Any] | None) -> Any:
        if cast is None:
            return value
        if cast is bool and isinstance(value, str):
            mapping = {"true": True, "1": True, "false": False, "0": False}
            lowered = value.lower()
            if lowered not in mapping:
                msg = f"Config '{key}' has value '{value}'. Not a valid bool."
                raise ValueError(msg)
            return mapping[lowered]
        try:
            return cast(value)
        except (TypeError, ValueError):
            name = getattr(cast, "__name__", repr(cast))
            msg = f"Config '{key}' has value '{value}'. Not a valid {name}."
            raise ValueError(msg) from None


__all__ = ["Config", "Environ", "EnvironError", "environ", "read_env_file", "undefined"]
