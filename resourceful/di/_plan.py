"""Endpoint plans: each parameter of an endpoint decided once, when the app is built."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Collection
from typing import Any, Literal

from resourceful.concurrency import is_async_callable
from resourceful.di._container import Container, DependencyError, InjectionContext
from resourceful.di._providers import describe, strip_annotated, type_hints
from resourceful.requests import HTTPConnection, Request
from resourceful.websockets import WebSocket

Protocol = Literal["http", "websocket"]

_CONNECTION_TYPES: dict[Protocol, tuple[type[Any], ...]] = {
    "http": (Request, HTTPConnection),
    "websocket": (WebSocket, HTTPConnection),
}
_UNANNOTATED_CONNECTION: dict[Protocol, str] = {"http": "request", "websocket": "websocket"}
_MISSING_CONNECTION: dict[Protocol, type[Any]] = {"http": WebSocket, "websocket": Request}


class Source(enum.Enum):
    """Where a parameter's value comes from."""

    CONNECTION = "the request or websocket"
    PATH = "a path parameter"
    PROVIDED = "a provider"
    DEFAULT = "its default value"


class Parameter:
    """One planned parameter: its name, where its value comes from, and the key or default."""

    __slots__ = ("annotation", "key", "name", "source")

    def __init__(self, name: str, source: Source, key: Any, annotation: Any) -> None:
        self.name = name
        self.source = source
        self.key = key
        self.annotation = annotation


class EndpointPlan:
    """How to call one endpoint: its parameters, decided once, and what they need.

    Attributes:
        needs_context: some parameter comes from a provider, so each call needs an
            injection context (and its teardown).
        only_connection: the endpoint takes exactly the request (or websocket), the fast path.
    """

    def __init__(self, func: Callable[..., Any], owner: str, parameters: list[Parameter]) -> None:
        self.func = func
        self.owner = owner
        self.parameters = parameters
        self.is_async = is_async_callable(func)
        self.needs_context = any(p.source is Source.PROVIDED for p in parameters)
        self.only_connection = [p.source for p in parameters] == [Source.CONNECTION]
        self._steps = tuple((p.name, p.source, p.key) for p in parameters)

    async def arguments(
        self, connection: HTTPConnection, context: InjectionContext | None
    ) -> dict[str, Any]:
        """The keyword arguments for one call."""
        kwargs: dict[str, Any] = {}
        factories = context.container._factories if context is not None else {}
        for name, source, key in self._steps:
            if source is Source.CONNECTION:
                kwargs[name] = connection
            elif source is Source.PATH:
                kwargs[name] = connection.path_params[key]
            elif source is Source.PROVIDED:
                kwargs[name] = await factories[key](context)  # type: ignore[arg-type]
            else:
                kwargs[name] = key
        return kwargs


def plan_endpoint(
    func: Callable[..., Any],
    container: Container,
    *,
    protocol: Protocol,
    path_params: Collection[str] = (),
) -> EndpointPlan:
    """Decide where each parameter of ``func`` comes from; raise if one cannot be injected.

    Raises:
        DependencyError: naming the endpoint, the parameter, its annotation and the fix.
    """
    owner = str(getattr(func, "__qualname__", repr(func)))
    hints = type_hints(func, owner)
    connection_types = _CONNECTION_TYPES[protocol]
    parameters = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        name = parameter.name
        annotation = hints.get(name, inspect.Parameter.empty)
        key = strip_annotated(annotation)
        if annotation is inspect.Parameter.empty:
            if name != _UNANNOTATED_CONNECTION[protocol]:
                msg = (
                    f"{owner}: the parameter {name!r} has no type annotation; annotate it "
                    "with the type to inject."
                )
                raise TypeError(msg)
            parameters.append(Parameter(name, Source.CONNECTION, None, annotation))
        elif key in connection_types:
            parameters.append(Parameter(name, Source.CONNECTION, None, annotation))
        elif key is _MISSING_CONNECTION[protocol]:
            raise _unresolvable(owner, name, key, protocol)
        elif name in path_params:
            parameters.append(Parameter(name, Source.PATH, name, annotation))
        elif container.has(key):
            _check_connection_use(container, owner, name, key, protocol)
            parameters.append(Parameter(name, Source.PROVIDED, key, annotation))
        elif parameter.default is not inspect.Parameter.empty:
            parameters.append(Parameter(name, Source.DEFAULT, parameter.default, annotation))
        else:
            raise _unresolvable(owner, name, key, protocol)
    return EndpointPlan(func, owner, parameters)


def _check_connection_use(
    container: Container, owner: str, name: str, key: Any, protocol: Protocol
) -> None:
    missing = _MISSING_CONNECTION[protocol]
    chain = container.path_to(key, missing)
    if chain is not None:
        kind = "HTTP" if protocol == "http" else "websocket"
        raise DependencyError(
            f"{owner}: {describe(key)} needs a {describe(missing)}, which {kind} endpoints do "
            "not have.",
            key=missing,
            path=(owner, f"{name}: {describe(key)}", *chain),
            hint=f"inject HTTPConnection for what requests and websockets share, or use "
            f"{describe(key)} only in {'websocket' if protocol == 'http' else 'HTTP'} endpoints.",
        )


def _unresolvable(owner: str, name: str, key: Any, protocol: Protocol) -> DependencyError:
    other = "WebSocket" if protocol == "http" else "Request"
    if key is (WebSocket if protocol == "http" else Request):
        hint = (
            f"a {other} only exists in {'websocket' if other == 'WebSocket' else 'HTTP'} endpoints."
        )
    else:
        hint = (
            f"register a provider for {describe(key)} (App(providers=[...])), name the "
            f"parameter after a path parameter of the route, or give {name!r} a default."
        )
    return DependencyError(
        f"{owner}: cannot inject the parameter {name!r} ({describe(key)}).",
        key=key,
        path=(owner, f"{name}: {describe(key)}"),
        hint=hint,
    )
