"""Planning endpoints: each parameter decided once, when the app is built."""

from __future__ import annotations

import collections.abc
import datetime
import decimal
import enum
import inspect
import typing
import uuid
from collections.abc import Callable, Collection
from typing import Any, Literal, get_args, get_origin

import attrs

from resourceful.concurrency import is_async_callable
from resourceful.datastructures import FormData, UploadFile
from resourceful.di._container import Container, DependencyError
from resourceful.di._forms import form_fields
from resourceful.di._markers import (
    Body,
    Constraints,
    Cookie,
    File,
    Form,
    Header,
    Inject,
    Marker,
    Path,
    Query,
    ValueMarker,
)
from resourceful.di._parameters import (
    MISSING,
    EndpointPlan,
    Parameter,
    Source,
    is_optional,
    without_none,
)
from resourceful.di._patch import patch_target
from resourceful.di._providers import describe, strip_annotated, type_hints, unwrap_partial
from resourceful.requests import HTTPConnection, Request
from resourceful.websockets import WebSocket

Protocol = Literal["http", "websocket"]

_CONNECTION_TYPES: dict[Protocol, tuple[type[Any], ...]] = {
    "http": (Request, HTTPConnection),
    "websocket": (WebSocket, HTTPConnection),
}
_UNANNOTATED_CONNECTION: dict[Protocol, str] = {"http": "request", "websocket": "websocket"}
_MISSING_CONNECTION: dict[Protocol, type[Any]] = {"http": WebSocket, "websocket": Request}
_SCALARS = (
    str,
    int,
    float,
    bool,
    decimal.Decimal,
    uuid.UUID,
    datetime.date,
    datetime.datetime,
    datetime.time,
)


def _value_shape(annotation: Any) -> tuple[bool, bool]:
    """(is a text-convertible value, is a list of them) for query, header and cookie values."""
    inner = without_none(annotation)
    if is_optional(inner):
        return False, False
    is_list = get_origin(inner) in (list, collections.abc.Sequence)
    if is_list:
        inner = get_args(inner)[0]
    return _is_scalar(inner), is_list


def _is_scalar(annotation: Any) -> bool:
    if annotation in _SCALARS:
        return True
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return True
    return get_origin(annotation) is Literal


def _marker_of(annotation: Any) -> Marker | Inject | None:
    if get_origin(annotation) is typing.Annotated:
        for extra in annotation.__metadata__:
            if isinstance(extra, Marker | Inject):
                return extra
    return None


_MARKER_SOURCES: dict[type[Marker], Source] = {
    Query: Source.QUERY,
    Path: Source.PATH,
    Header: Source.HEADER,
    Cookie: Source.COOKIE,
    Body: Source.BODY,
    Form: Source.FORM,
    File: Source.FILE,
}


def plan_endpoint(
    func: Callable[..., Any],
    container: Container,
    *,
    protocol: Protocol,
    path_params: Collection[str] = (),
    given: Collection[str] = (),
    skip_first: bool = False,
) -> EndpointPlan:
    """Decide where each parameter of ``func`` comes from; raise if one cannot be injected.

    Args:
        given: names of parameters whose values the caller passes (a websocket message).
        skip_first: leave out the first parameter (``self`` of a method).

    Raises:
        DependencyError: naming the endpoint, the parameter, its annotation and the fix.
    """
    owner = str(getattr(func, "__qualname__", repr(func)))
    signature = list(inspect.signature(func).parameters.values())
    if not skip_first and _takes_only_variadic_positionals(signature):
        # A wrapper's ``(*args, **kwargs)``: called as Starlette calls it, with the connection.
        func = _passing_the_connection(func)
        signature = list(inspect.signature(func).parameters.values())
    target, bound = unwrap_partial(func)
    hints = type_hints(target, owner)
    parameters = []
    for parameter in signature[1:] if skip_first else signature:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in bound:
            continue  # a functools.partial passes it
        if parameter.name in given:
            parameters.append(Parameter(parameter.name, Source.GIVEN))
            continue
        annotation = hints.get(parameter.name, MISSING)
        parameters.append(
            _plan_parameter(
                owner, parameter, annotation, container, protocol, frozenset(path_params)
            )
        )
    bodies = [p.name for p in parameters if p.source is Source.BODY]
    if len(bodies) > 1:
        raise DependencyError(
            f"{owner}: the parameters {', '.join(map(repr, bodies))} all read the request body.",
            key=None,
            path=(owner, *bodies),
            hint="a request has one body: gather the fields into one attrs class.",
        )
    plan = EndpointPlan(func, owner, parameters)
    kinds = {parameter.name: parameter.kind for parameter in signature}
    if plan.only_connection and kinds[parameters[0].name] is inspect.Parameter.KEYWORD_ONLY:
        plan.only_connection = False  # the fast path hands the connection over by position
    return plan


def _takes_only_variadic_positionals(signature: list[inspect.Parameter]) -> bool:
    kinds = {parameter.kind for parameter in signature}
    return inspect.Parameter.VAR_POSITIONAL in kinds and kinds <= {
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    }


def _passing_the_connection(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func``, as a function of one parameter that receives the connection."""
    call: Callable[..., Any]
    if is_async_callable(func):

        async def call(connection: HTTPConnection) -> Any:
            return await func(connection)

    else:

        def call(connection: HTTPConnection) -> Any:
            return func(connection)

    # Keep what decorators recorded on it (requires(), responds()), not a signature to follow.
    recorded = getattr(func, "__dict__", {})
    extra = {k: v for k, v in recorded.items() if k not in ("__wrapped__", "__signature__")}
    vars(call).update(extra)
    call.__qualname__ = getattr(func, "__qualname__", call.__qualname__)
    return call


def _plan_parameter(
    owner: str,
    parameter: inspect.Parameter,
    annotation: Any,
    container: Container,
    protocol: Protocol,
    path_params: frozenset[str],
) -> Parameter:
    name = parameter.name
    default = parameter.default
    if annotation is MISSING:
        if name != _UNANNOTATED_CONNECTION[protocol]:
            msg = (
                f"{owner}: the parameter {name!r} has no type annotation; annotate it "
                "with the type to inject."
            )
            raise TypeError(msg)
        return Parameter(name, Source.CONNECTION)
    key = strip_annotated(annotation)
    marker = _marker_of(annotation)
    if isinstance(marker, Inject):
        key = key if marker.key is None else marker.key
        if not container.has(key):
            raise _unresolvable(owner, name, key, protocol, container)
        _check_connection_use(container, owner, name, key, protocol)
        return Parameter(name, Source.PROVIDED, key=key, resolver=container.resolver(key))
    if marker is not None:
        return _value_parameter(owner, name, key, marker, default, protocol, path_params, container)
    if key in _CONNECTION_TYPES[protocol]:
        return Parameter(name, Source.CONNECTION)
    if key is _MISSING_CONNECTION[protocol]:
        raise _unresolvable(owner, name, key, protocol, container)
    if name in path_params:
        return _value_parameter(owner, name, key, Path(), default, protocol, path_params, container)
    if container.has(key):
        _check_connection_use(container, owner, name, key, protocol)
        return Parameter(name, Source.PROVIDED, key=key, resolver=container.resolver(key))
    if container.out_of_reach(key):  # provided in another layer: not a body or query here
        raise _unresolvable(owner, name, key, protocol, container)
    if (attrs.has(without_none(key)) or patch_target(key) is not None) and protocol == "http":
        return Parameter(name, Source.BODY, annotation=key, default=default)
    if _value_shape(key)[0]:
        return _value_parameter(
            owner, name, key, Query(), default, protocol, path_params, container
        )
    if default is not MISSING:
        return Parameter(name, Source.DEFAULT, default=default)
    raise _unresolvable(owner, name, key, protocol, container)


def _value_parameter(
    owner: str,
    name: str,
    key: Any,
    marker: Marker,
    default: Any,
    protocol: Protocol,
    path_params: frozenset[str],
    container: Container,
) -> Parameter:
    """A parameter read from what the client sent, where ``marker`` says."""
    source = _MARKER_SOURCES[type(marker)]
    if source is Source.BODY:
        return _body_parameter(owner, name, key, default, protocol)
    if source in (Source.FORM, Source.FILE):
        _check_form_use(owner, name, source, protocol, container)
        if source is Source.FILE:
            return _file_parameter(owner, name, key, typing.cast(File, marker), default)
        if attrs.has(without_none(key)):
            fields = form_fields(without_none(key))
            return Parameter(name, source, annotation=key, default=default, form_fields=fields)
    return _text_parameter(owner, name, key, marker, source, default, path_params)


def _body_parameter(owner: str, name: str, key: Any, default: Any, protocol: Protocol) -> Parameter:
    if protocol != "http":
        raise DependencyError(
            f"{owner}: the parameter {name!r} reads a request body, but websockets have none.",
            key=key,
            path=(owner, name),
            hint="receive data with websocket.receive_json() instead.",
        )
    return Parameter(name, Source.BODY, annotation=key, default=default)


def _check_form_use(
    owner: str, name: str, source: Source, protocol: Protocol, container: Container
) -> None:
    if not container.has(FormData) or protocol != "http":
        raise DependencyError(
            f"{owner}: the {source.value} parameter {name!r} needs a form, which only "
            "HTTP endpoints of an App can read.",
            key=FormData,
            path=(owner, name),
            hint="serve the endpoint from an App, over HTTP.",
        )


def _file_parameter(owner: str, name: str, key: Any, marker: File, default: Any) -> Parameter:
    inner = without_none(key)
    is_list = get_origin(inner) is list
    if (get_args(inner)[0] if is_list else inner) is not UploadFile:
        raise DependencyError(
            f"{owner}: the file parameter {name!r} must be UploadFile or "
            f"list[UploadFile], not {describe(key)}.",
            key=key,
            path=(owner, name),
            hint="annotate it as UploadFile, list[UploadFile] or UploadFile | None.",
        )
    return Parameter(
        name,
        Source.FILE,
        alias=marker.alias or name,
        default=default,
        is_list=is_list,
        annotation=key,
        file_limits=(marker.max_size, marker.content_types),
    )


def _text_parameter(
    owner: str,
    name: str,
    key: Any,
    marker: Marker,
    source: Source,
    default: Any,
    path_params: frozenset[str],
) -> Parameter:
    """A value read as text: from the path, the query, a header, a cookie or a form field."""
    alias = marker.alias or (name.replace("_", "-") if source is Source.HEADER else name)
    if source is Source.PATH and alias not in path_params:
        raise DependencyError(
            f"{owner}: the parameter {name!r} reads the path parameter {alias!r}, which the "
            "route does not have.",
            key=key,
            path=(owner, name),
            hint=f"add {{{alias}}} to the route's path, or fix the name.",
        )
    is_value, is_list = _value_shape(key)
    if not is_value:
        raise DependencyError(
            f"{owner}: the {source.value} parameter {name!r} has the type {describe(key)}, "
            "which cannot be read from text.",
            key=key,
            path=(owner, name),
            hint="use str, int, float, bool, Decimal, UUID, a date or time, an Enum, a "
            "Literal, or a list or optional of one of them.",
        )
    constraints = marker.constraints if isinstance(marker, ValueMarker) else None
    if constraints is not None:
        _check_constraints(owner, name, key, constraints, is_list)
    return Parameter(
        name,
        source,
        annotation=key,
        alias=alias,
        default=default,
        is_list=is_list,
        constraints=constraints,
    )


_NUMBERS = (int, float, decimal.Decimal)


def _check_constraints(
    owner: str, name: str, key: Any, constraints: Constraints, is_list: bool
) -> None:
    item = without_none(key)
    if is_list:
        item = get_args(item)[0]
    if constraints.is_numeric and item not in _NUMBERS:
        kind = "numbers (int, float, Decimal)"
    elif constraints.is_textual and item is not str:
        kind = "text (str)"
    else:
        return
    raise DependencyError(
        f"{owner}: the parameter {name!r} has the type {describe(key)}, but its bounds are "
        f"for {kind}.",
        key=key,
        path=(owner, name),
        hint="use ge/gt/le/lt with numbers and min_length/max_length/pattern with text.",
    )


def _check_connection_use(
    container: Container, owner: str, name: str, key: Any, protocol: Protocol
) -> None:
    for unavailable, (problem, hint) in container.unavailable.items():
        chain = () if key is unavailable else container.path_to(key, unavailable)
        if chain is not None:
            raise DependencyError(
                f"{owner}: the parameter {name!r} needs {describe(unavailable)}, but {problem}.",
                key=unavailable,
                path=(owner, f"{name}: {describe(key)}", *chain),
                hint=hint,
            )
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


def _unresolvable(
    owner: str, name: str, key: Any, protocol: Protocol, container: Container
) -> DependencyError:
    if key is _MISSING_CONNECTION[protocol]:
        hint = (
            "a WebSocket only exists in websocket endpoints."
            if protocol == "http"
            else "a Request only exists in HTTP endpoints."
        )
    else:
        hint = (
            f"register a provider for {describe(key)} (App(providers=[...])), name the "
            f"parameter after a path parameter of the route, or give {name!r} a default."
        )
    return DependencyError(
        f"{owner}: cannot inject the parameter {name!r} ({describe(key)})."
        f"{container.out_of_reach(key)}",
        key=key,
        path=(owner, f"{name}: {describe(key)}"),
        hint=hint,
    )
