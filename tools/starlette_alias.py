"""A pytest plugin that makes ``import starlette`` import resourceful, for Starlette's suite.

Load it with ``-p tools.starlette_alias`` where no real Starlette is importable. Each
``starlette.X`` module is ``resourceful.X`` itself (so a test that monkeypatches a module
patches resourceful's), with Starlette's few different names added; a module or a name that
resourceful does not have is a :class:`Missing` placeholder, so importing it never stops a
test file from loading and only the tests that use it fail.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Sequence
from typing import Any, NoReturn

#: Starlette's names that resourceful spells differently, by Starlette module.
RENAMED: dict[str, dict[str, str]] = {
    "starlette.applications": {"Starlette": "App"},
    "starlette.middleware.base": {"RequestResponseEndpoint": "CallNext"},
}
#: Names Starlette's suite needs that are no part of resourceful: its deprecation warning
#: class, named in warning filters (resourceful's deprecations are DeprecationWarnings).
EXTRA: dict[str, dict[str, Any]] = {
    "starlette.exceptions": {"StarletteDeprecationWarning": DeprecationWarning},
}
#: Starlette modules whose contents live in a resourceful module of another name.
MOVED = {"starlette.endpoints": "resourceful.resources"}
#: Starlette's private helpers that resourceful has too, under its own names elsewhere
#: (``module:name``), so that their tests measure resourceful's.
HELPERS: dict[str, dict[str, str]] = {
    "starlette._utils": {
        "get_route_path": "resourceful._paths:route_path",
        "is_async_callable": "resourceful.concurrency:is_async_callable",
    },
}


class MissingInResourceful(Exception):
    """A test used a Starlette name that resourceful does not have."""


def _refuse(name: str) -> NoReturn:
    msg = f"{name} does not exist in resourceful"
    raise MissingInResourceful(msg)


class Missing:
    """Stands for a Starlette name resourceful lacks: it can be imported, subclassed and
    named in annotations, and fails as soon as a test does anything else with it."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __repr__(self) -> str:
        return f"<missing in resourceful: {object.__getattribute__(self, '_name')}>"

    def __getattr__(self, attribute: str) -> NoReturn:
        _refuse(f"{object.__getattribute__(self, '_name')}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(object.__getattribute__(self, "_name"))

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        name = object.__getattribute__(self, "_name")

        class MissingBase:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                _refuse(name)

        return (MissingBase,)

    def __bool__(self) -> NoReturn:
        _refuse(object.__getattribute__(self, "_name"))

    def __iter__(self) -> NoReturn:
        _refuse(object.__getattribute__(self, "_name"))

    def __eq__(self, other: object) -> NoReturn:
        _refuse(object.__getattribute__(self, "_name"))

    def __hash__(self) -> int:
        return id(self)

    def __or__(self, other: object) -> Any:  # annotations such as ``Missing | None``
        return Any

    __ror__ = __or__


def _target(name: str) -> str:
    return MOVED.get(name, "resourceful" + name[len("starlette") :])


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package does not exist either
        return False


def _missing_names(module: types.ModuleType, starlette_name: str) -> None:
    """Give ``module`` a module ``__getattr__`` that fills in missing names with placeholders."""
    previous = module.__dict__.get("__getattr__")

    def __getattr__(attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if previous is not None:
            try:
                return previous(attribute)
            except AttributeError:
                pass
        submodule = f"{starlette_name}.{attribute}"
        if hasattr(module, "__path__") and _exists(_target(submodule)):
            return importlib.import_module(submodule)  # ``from starlette import status``
        return Missing(submodule)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        target = _target(spec.name)
        try:
            module = importlib.import_module(target)
        except ModuleNotFoundError as exc:
            if exc.name != target:
                raise
            module = types.ModuleType(spec.name)
            module.__path__ = []  # a package, so that submodules can be asked for too
        for starlette_name, ours in RENAMED.get(spec.name, {}).items():
            setattr(module, starlette_name, getattr(module, ours))
        for starlette_name, value in EXTRA.get(spec.name, {}).items():
            setattr(module, starlette_name, value)
        for starlette_name, where in HELPERS.get(spec.name, {}).items():
            module_name, _, name = where.partition(":")
            setattr(module, starlette_name, getattr(importlib.import_module(module_name), name))
        _missing_names(module, spec.name)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module is resourceful's, already imported."""


class AliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``starlette`` and ``starlette.*`` as resourceful's modules."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "starlette" and not fullname.startswith("starlette."):
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(), is_package=True)


def install() -> None:
    """Put the alias finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    """Before the suite's conftest imports ``starlette``, make it mean resourceful."""
    install()
