"""What a provider is: a class, a function, a generator or a ready value, read once."""

from __future__ import annotations

import collections.abc
import enum
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args, get_origin

from resourceful.requests import HTTPConnection

ScopeName = Literal["app", "request", "transient"]
SCOPES: tuple[ScopeName, ...] = ("app", "request", "transient")

_GENERATOR_ORIGINS = {
    collections.abc.Iterator,
    collections.abc.Generator,
    collections.abc.Iterable,
}
_ASYNC_GENERATOR_ORIGINS = {
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
    collections.abc.AsyncIterable,
}


class Kind(enum.Enum):
    """How a provider makes its value."""

    VALUE = "a ready value"
    CLASS = "a class"
    FUNCTION = "a function"
    ASYNC_FUNCTION = "an async function"
    GENERATOR = "a generator"
    ASYNC_GENERATOR = "an async generator"


class Dependency:
    """One parameter a provider or endpoint needs: its name, the key asked for, a default."""

    __slots__ = ("annotation", "default", "key", "name")

    def __init__(self, name: str, annotation: Any, key: Any, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.key = key
        self.default = default

    @property
    def has_default(self) -> bool:
        return self.default is not inspect.Parameter.empty


def describe(key: Any) -> str:
    """A readable name for a type or key: ``NoteStore``, ``list[int]``."""
    if isinstance(key, type) and not get_args(key):
        return key.__qualname__
    return repr(key).replace("typing.", "")


def strip_annotated(annotation: Any) -> Any:
    """``Annotated[T, ...]`` → ``T``, ``Request[MyState]`` → ``Request``; others unchanged."""
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if isinstance(origin, type) and issubclass(origin, HTTPConnection):
        return origin  # the state's type is for type checkers only
    return annotation


def type_hints(
    func: Callable[..., Any], owner: str, globalns: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``func``'s annotations, resolved; a name that cannot be resolved is a TypeError."""
    try:
        hints = typing.get_type_hints(func, globalns=globalns, include_extras=True)
    except NameError as exc:
        msg = (
            f"{owner}: the annotation {exc.name!r} cannot be resolved. Define the types a "
            "provider or endpoint uses at module level, where resourceful can import them."
        )
        raise TypeError(msg) from None
    return {name: _annotated_outside(hint) for name, hint in hints.items()}


def _annotated_outside(hint: Any) -> Any:
    """``Optional[Annotated[T, m]]`` as ``Annotated[T | None, m]``.

    Python 3.10 wraps the annotation of a parameter that defaults to None in Optional, which
    hid the marker of ``x: Annotated[str | None, Header()] = None`` from the planner.
    """
    if get_origin(hint) in (typing.Union, types.UnionType):
        for arg in get_args(hint):
            if get_origin(arg) is typing.Annotated:
                inner: Any = typing.Optional[get_args(arg)[0]]  # noqa: UP045 (a runtime value)
                extras: tuple[Any, ...] = (inner, *arg.__metadata__)
                annotated: Any = typing.Annotated  # subscripted with values, not types
                return annotated[extras]
    return hint


def dependencies_of(func: Callable[..., Any], owner: str) -> list[Dependency]:
    """The parameters of ``func`` as dependencies, their annotations resolved once.

    Raises:
        TypeError: a parameter has no annotation, or the annotations cannot be resolved.
    """
    if inspect.isclass(func):
        # Generated constructors (attrs, dataclasses) resolve names in the class's module.
        module = sys.modules.get(func.__module__)
        hints = type_hints(func.__init__, owner, vars(module) if module else None)
    else:
        hints = type_hints(unwrap_partial(func)[0], owner)
    bound = unwrap_partial(func)[1]
    signature = inspect.signature(func)
    found = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in bound:
            continue  # the partial passes it
        if parameter.name not in hints:
            msg = (
                f"{owner}: the parameter {parameter.name!r} has no type annotation; "
                "annotate it with the type to inject."
            )
            raise TypeError(msg)
        annotation = hints[parameter.name]
        found.append(
            Dependency(parameter.name, annotation, strip_annotated(annotation), parameter.default)
        )
    return found


def unwrap_partial(func: Any) -> tuple[Any, frozenset[str]]:
    """The function a ``functools.partial`` (maybe of another) calls, and the names of the
    parameters it passes by keyword, which are not to be injected."""
    bound: set[str] = set()
    while isinstance(func, functools.partial):
        bound.update(func.keywords)
        func = func.func
    return func, frozenset(bound)


def _kind_of(obj: Any) -> Kind:
    if inspect.isclass(obj):
        return Kind.CLASS
    target = unwrap_partial(obj)[0]
    if inspect.isasyncgenfunction(target):
        return Kind.ASYNC_GENERATOR
    if inspect.isgeneratorfunction(target):
        return Kind.GENERATOR
    if inspect.iscoroutinefunction(target):
        return Kind.ASYNC_FUNCTION
    if inspect.isfunction(target) or inspect.ismethod(target):
        return Kind.FUNCTION
    return Kind.VALUE


def _provided_type(obj: Any, kind: Kind) -> Any:
    if kind is Kind.CLASS:
        return obj
    if kind is Kind.VALUE:
        return type(obj)
    target = unwrap_partial(obj)[0]
    name = getattr(target, "__qualname__", repr(obj))
    hints = type_hints(target, f"Provider {name}")
    if "return" not in hints or hints["return"] is type(None):
        msg = (
            f"The provider {name} has no return annotation; annotate what it provides "
            "(-> Database), or register it with Provider(..., provides=Database)."
        )
        raise TypeError(msg)
    returned = strip_annotated(hints["return"])
    if kind in (Kind.GENERATOR, Kind.ASYNC_GENERATOR):
        origins = _GENERATOR_ORIGINS if kind is Kind.GENERATOR else _ASYNC_GENERATOR_ORIGINS
        if get_origin(returned) not in origins:
            expected = "Iterator[T]" if kind is Kind.GENERATOR else "AsyncIterator[T]"
            msg = f"The generator provider {name} must be annotated -> {expected}."
            raise TypeError(msg)
        returned = get_args(returned)[0]
    return returned


class Provider:
    """How to make the value of one type, and how long it lives.

    Args:
        obj: a class (built from its annotated ``__init__`` parameters), a function or async
            function (its return annotation says what it provides), a generator or async
            generator (code after ``yield`` is teardown), or a ready value.
        scope: ``"app"`` (one for the application), ``"request"`` (one per request or
            websocket connection, the default) or ``"transient"`` (new at every use). A
            ready value is always app-scoped.
        provides: the type to register under, when it is not the class or return annotation.
    """

    def __init__(self, obj: Any, *, scope: ScopeName | None = None, provides: Any = None) -> None:
        self.obj = obj
        self.kind = _kind_of(obj)
        if scope is not None and scope not in SCOPES:
            msg = f"scope must be one of {', '.join(SCOPES)}, not {scope!r}."
            raise ValueError(msg)
        if self.kind is Kind.VALUE:
            if scope not in (None, "app"):
                msg = f"A ready value is app-scoped; it cannot have scope {scope!r}."
                raise ValueError(msg)
            scope = "app"
        self.scope: ScopeName = scope or "request"
        self.provides = _provided_type(obj, self.kind) if provides is None else provides
        self.name = getattr(unwrap_partial(obj)[0], "__qualname__", None) or describe(self.provides)
        self.dependencies: list[Dependency] = (
            [] if self.kind is Kind.VALUE else dependencies_of(obj, f"Provider {self.name}")
        )

    def __repr__(self) -> str:
        return f"Provider({self.name}, provides={describe(self.provides)}, scope={self.scope!r})"


_PROVIDERS = "__resourceful_providers__"
F = TypeVar("F", bound=Callable[..., Any])


def injects(*providers: Any) -> Callable[[F], F]:
    """Give one handler (a resource method or a function endpoint) providers of its own,
    injectable into it alone, in place of its class's or an outer layer's of the same type.

    Takes what ``App(providers=...)`` takes: classes, functions, generators, values or
    :class:`Provider` entries.
    """

    def decorate(func: F) -> F:
        setattr(func, _PROVIDERS, (*getattr(func, _PROVIDERS, ()), *providers))
        return func

    return decorate


def providers_of(func: Any) -> tuple[Any, ...]:
    """What :func:`injects` gave ``func`` (nothing if it was not used)."""
    found: tuple[Any, ...] = getattr(func, _PROVIDERS, ())
    return found
