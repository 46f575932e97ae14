"""Typed settings: an attrs class whose fields are loaded from the environment and ``.env``."""

from __future__ import annotations

import enum
import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar, get_args, get_origin

import attrs
from typing_extensions import Self, dataclass_transform

from resourceful.config import read_env_file
from resourceful.datastructures import URL, Secret
from resourceful.di._framework import ConversionError, make_text_converter

S = TypeVar("S", bound="Settings")
_SEPARATOR = "__"


def setting(*, alias: str | None = None, default: Any = attrs.NOTHING) -> Any:
    """A settings field read from the variable ``alias`` (used as is, without the prefix)."""
    return attrs.field(default=default, metadata={"alias": alias})


class SettingsError(ValueError):
    """Settings that are missing or invalid, every one of them listed.

    Attributes:
        problems: ``(variable, message)`` pairs, such as
            ``("NOTES_PORT", "expected an integer, got 'abc'")``.
    """

    def __init__(self, cls: type[Any], problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {name}: {message}" for name, message in problems)
        super().__init__(f"{cls.__qualname__} cannot be loaded:\n{lines}")


def _is_list_type(kind: Any) -> bool:
    origin: Any = get_origin(kind)
    return origin is list


def _converter() -> Any:
    converter = make_text_converter()
    converter.register_structure_hook(Path, lambda value, _: Path(value))
    converter.register_structure_hook(URL, lambda value, _: URL(value))
    converter.register_structure_hook(Secret, lambda value, _: Secret(value))

    def comma_list(value: Any, kind: Any) -> list[Any]:
        (item,) = get_args(kind) or (str,)
        parts = value.split(",") if isinstance(value, str) else value
        return [converter.structure(part.strip(), item) for part in parts if part.strip()]

    converter.register_structure_hook_func(_is_list_type, comma_list)
    return converter


_CONVERTER = _converter()


@dataclass_transform(frozen_default=True, field_specifiers=(attrs.field, setting))
class Settings:
    """Base class for typed settings, loaded with :meth:`load`.

    Subclass it with annotated fields (it becomes a frozen attrs class); each field is read
    from the environment variable ``PREFIX + NAME`` (or the field's ``setting(alias=...)``),
    then from the ``.env`` file, then its default. Nested attrs classes read
    ``PREFIX + NAME__FIELD``. Any subclass is injectable by type: the app loads it once, at
    startup, so a misconfigured app fails before serving.

    ``class NotesSettings(Settings, prefix="NOTES_", env_file=".env"): ...``
    """

    _prefix: ClassVar[str] = ""
    _env_file: ClassVar[str | os.PathLike[str] | None] = None

    def __init_subclass__(
        cls,
        *,
        prefix: str | None = None,
        env_file: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is not None:
            cls._prefix = prefix
        if env_file is not None:
            cls._env_file = env_file
        attrs.define(cls, frozen=True, slots=False)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = None,
    ) -> Self:
        """Read the settings from ``environ`` (the real environment by default) and ``.env``.

        Raises:
            SettingsError: listing every missing or invalid variable (secrets masked).
        """
        values: dict[str, str] = {}
        file = env_file if env_file is not None else cls._env_file
        if file is not None and Path(file).is_file():
            values.update(read_env_file(file))
        values.update(os.environ if environ is None else environ)
        problems: list[tuple[str, str]] = []
        result = _load_class(cls, cls._prefix, values, problems)
        if problems:
            raise SettingsError(cls, problems)
        return typing.cast(Self, result)


def _load_class(
    cls: type[Any], prefix: str, values: Mapping[str, str], problems: list[tuple[str, str]]
) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        kind = hints.get(field.name, field.type)
        alias = field.metadata.get("alias")
        name = alias or prefix + field.name.upper()
        if attrs.has(kind):
            nested = name + _SEPARATOR
            given = any(key.startswith(nested) for key in values)
            if given or field.default is attrs.NOTHING:
                kwargs[field.name] = _load_class(kind, nested, values, problems)
            continue
        if name not in values:
            if field.default is attrs.NOTHING:
                problems.append((name, f"missing (expected {_describe(kind)})"))
            continue
        raw = values[name]
        try:
            kwargs[field.name] = _CONVERTER.structure(raw, kind)
        except Exception as exc:  # cattrs reports anything a hook raised
            # A Secret takes any text, so a value shown here is never a secret's.
            reason = (
                str(exc)
                if isinstance(exc, ConversionError)
                else f"expected {_describe(kind)}, got {raw!r}"
            )
            problems.append((name, reason))
    if problems:
        return None
    return cls(**kwargs)


def _describe(kind: Any) -> str:
    if isinstance(kind, type) and not get_args(kind):
        if issubclass(kind, enum.Enum):
            return f"one of {', '.join(repr(member.value) for member in kind)}"
        return kind.__name__
    return repr(kind).replace("typing.", "")


__all__ = ["Settings", "SettingsError", "setting"]
