"""Endpoint plans: each parameter of an endpoint decided once, when the app is built."""

from __future__ import annotations

import collections.abc
import datetime
import decimal
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Collection
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from resourceful.concurrency import is_async_callable
from resourceful.datastructures import FormData, UploadFile
from resourceful.di._container import Container, DependencyError, InjectionContext
from resourceful.di._convert import (
    FieldError,
    field_errors,
    make_body_converter,
    make_text_converter,
)
from resourceful.di._forms import (
    FormField,
    check_upload,
    form_fields,
    form_model_data,
    structure_form_model,
)
from resourceful.di._markers import Body, Cookie, File, Form, Header, Inject, Marker, Path, Query
from resourceful.di._providers import describe, strip_annotated, type_hints
from resourceful.exceptions import HTTPException, RequestValidationError
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
_MISSING: Any = inspect.Parameter.empty

TEXT_CONVERTER = make_text_converter()
BODY_CONVERTER = make_body_converter()


class Source(enum.Enum):
    """Where a parameter's value comes from."""

    CONNECTION = "the request or websocket"
    PROVIDED = "a provider"
    DEFAULT = "its default value"
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"
    FORM = "form"
    FILE = "file"
    GIVEN = "the caller"


_VALUE_SOURCES = frozenset({Source.PATH, Source.QUERY, Source.HEADER, Source.COOKIE, Source.FORM})
_TEXT_SOURCES = frozenset({Source.PATH, Source.QUERY, Source.HEADER, Source.COOKIE})
# Plain names for the sources read on every request: reading an enum member off its class
# is slow.
_CONNECTION = Source.CONNECTION
_PROVIDED = Source.PROVIDED
_DEFAULT = Source.DEFAULT
_BODY = Source.BODY
_GIVEN = Source.GIVEN
_PATH = Source.PATH
_QUERY = Source.QUERY
_COOKIE = Source.COOKIE


class Parameter:
    """One planned parameter: its name, where its value comes from, how to convert it."""

    __slots__ = (
        "alias",
        "annotation",
        "default",
        "file_limits",
        "form_fields",
        "hook",
        "is_list",
        "is_text",
        "key",
        "name",
        "source",
    )

    def __init__(
        self,
        name: str,
        source: Source,
        *,
        key: Any = None,
        annotation: Any = None,
        alias: str = "",
        default: Any = _MISSING,
        is_list: bool = False,
        form_fields: list[FormField] | None = None,
        file_limits: tuple[int | None, list[str] | None] = (None, None),
    ) -> None:
        self.name = name
        self.form_fields = form_fields  # the fields of a form model, read from the form
        self.file_limits = file_limits
        self.source = source
        self.is_text = source in _TEXT_SOURCES  # read from the path, query, headers or cookies
        self.key = key
        self.annotation = annotation
        self.alias = alias or name
        self.is_list = is_list
        if default is _MISSING and _is_optional(annotation):
            default = None
        self.default = default
        converter = BODY_CONVERTER if source is Source.BODY else TEXT_CONVERTER
        # Only value and body parameters convert; the others keep a hook they never use.
        self.hook: Callable[[Any, Any], Any] = (
            converter.get_structure_hook(annotation)
            if source in _VALUE_SOURCES or source is Source.BODY
            else converter.structure
        )

    def convert(self, raw: Any, errors: list[FieldError]) -> Any:
        """``raw`` structured into the annotation; a failure is added to ``errors``."""
        if type(raw) is self.annotation:  # already converted, e.g. by a path convertor
            return raw
        try:
            return self.hook(raw, self.annotation)
        except Exception as exc:  # cattrs reports anything a hook raised
            errors.extend(field_errors(exc, (self.source.value, self.alias)))
            return None

    def read(self, connection: HTTPConnection) -> Any:
        """The raw text value(s) the client sent, or ``_MISSING``."""
        source = self.source
        if source is _PATH:
            return connection.path_params.get(self.alias, _MISSING)
        if source is _COOKIE:
            return connection.cookies.get(self.alias, _MISSING)
        values = connection.query_params if source is _QUERY else connection.headers
        if self.is_list:
            found = values.getlist(self.alias)
            return found if found else _MISSING
        return values.get(self.alias, _MISSING)


class EndpointPlan:
    """How to call one endpoint: its parameters, decided once, and what they need.

    Attributes:
        needs_context: some parameter comes from a provider, so each call needs an
            injection context (and its teardown).
        reads_form: some parameter comes from the form, so each call closes its files.
        only_connection: the endpoint takes exactly the request (or websocket), the fast path.
    """

    def __init__(self, func: Callable[..., Any], owner: str, parameters: list[Parameter]) -> None:
        self.func = func
        self.owner = owner
        self.parameters = parameters
        self.is_async = is_async_callable(func)
        self.needs_context = any(p.source is Source.PROVIDED for p in parameters)
        #: Some parameter comes from the form: each call closes the form's files at the end.
        self.reads_form = any(p.source in (Source.FORM, Source.FILE) for p in parameters)
        self.only_connection = [p.source for p in parameters] == [Source.CONNECTION]

    async def arguments(
        self,
        connection: HTTPConnection,
        context: InjectionContext | None,
        given: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The keyword arguments for one call.

        Raises:
            RequestValidationError: listing every value the client sent that does not fit.
        """
        kwargs: dict[str, Any] = {}
        errors: list[FieldError] = []
        factories = context.container._factories if context is not None else {}
        for parameter in self.parameters:
            name = parameter.name
            source = parameter.source
            if parameter.is_text:
                raw = parameter.read(connection)
                if raw is not _MISSING:
                    kwargs[name] = parameter.convert(raw, errors)
                elif parameter.default is not _MISSING:
                    kwargs[name] = parameter.default
                else:
                    errors.append(((source.value, parameter.alias), "field required"))
            elif source is _CONNECTION:
                kwargs[name] = connection
            elif source is _PROVIDED:
                kwargs[name] = await factories[parameter.key](context)  # type: ignore[arg-type]
            elif source is _DEFAULT:
                kwargs[name] = parameter.default
            elif source is _BODY:
                kwargs[name] = await _read_body(parameter, connection, errors)
            elif source is _GIVEN:
                kwargs[name] = given[name]  # type: ignore[index]
            else:  # a form field or file, parsed once per request; the endpoint app closes it
                form = await typing.cast(Request, connection).form()
                kwargs[name] = _read_form(parameter, form, errors)
        if errors:
            raise RequestValidationError(errors)
        return kwargs


async def _read_body(
    parameter: Parameter, connection: HTTPConnection, errors: list[FieldError]
) -> Any:
    request = typing.cast(Request, connection)  # plans read bodies over HTTP only
    body = await request.body()
    if not body:
        if parameter.default is not _MISSING:
            return parameter.default
        errors.append((("body",), "a JSON body is required"))
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        sent = content_type or "none"
        msg = f"Expected a JSON body (Content-Type: application/json), got {sent!r}."
        raise HTTPException(415, msg)
    data = await request.json()
    try:
        return parameter.hook(data, parameter.annotation)
    except Exception as exc:  # cattrs reports anything a hook raised
        errors.extend(field_errors(exc, ("body",)))
        return None


def _read_form(parameter: Parameter, form: FormData, errors: list[FieldError]) -> Any:
    if parameter.form_fields is not None:
        data = form_model_data(parameter.form_fields, form, errors)
        return structure_form_model(parameter.hook, parameter.annotation, data, errors)
    location = (parameter.source.value, parameter.alias)
    values = form.getlist(parameter.alias)
    if not values:
        if parameter.default is not _MISSING:
            return parameter.default
        errors.append((location, "field required"))
        return None
    want_file = parameter.source is Source.FILE
    for value in values:
        if isinstance(value, UploadFile) != want_file:
            errors.append((location, "expected a file" if want_file else "expected a text field"))
            return None
    if want_file:
        max_size, content_types = parameter.file_limits
        for upload in values:
            check_upload(typing.cast(UploadFile, upload), location, max_size, content_types, errors)
        return values if parameter.is_list else values[-1]
    return parameter.convert(values if parameter.is_list else values[-1], errors)


def _is_optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def _without_none(annotation: Any) -> Any:
    """``T | None`` → ``T``; anything else unchanged."""
    if _is_optional(annotation):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _value_shape(annotation: Any) -> tuple[bool, bool]:
    """(is a text-convertible value, is a list of them) for query, header and cookie values."""
    inner = _without_none(annotation)
    if _is_optional(inner):
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
    hints = type_hints(func, owner)
    parameters = []
    signature = list(inspect.signature(func).parameters.values())
    for parameter in signature[1:] if skip_first else signature:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name in given:
            parameters.append(Parameter(parameter.name, Source.GIVEN))
            continue
        annotation = hints.get(parameter.name, _MISSING)
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
    return EndpointPlan(func, owner, parameters)


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
    if annotation is _MISSING:
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
            raise _unresolvable(owner, name, key, protocol)
        _check_connection_use(container, owner, name, key, protocol)
        return Parameter(name, Source.PROVIDED, key=key)
    if marker is not None:
        return _value_parameter(owner, name, key, marker, default, protocol, path_params, container)
    if key in _CONNECTION_TYPES[protocol]:
        return Parameter(name, Source.CONNECTION)
    if key is _MISSING_CONNECTION[protocol]:
        raise _unresolvable(owner, name, key, protocol)
    if name in path_params:
        return _value_parameter(owner, name, key, Path(), default, protocol, path_params, container)
    if container.has(key):
        _check_connection_use(container, owner, name, key, protocol)
        return Parameter(name, Source.PROVIDED, key=key)
    if attrs.has(_without_none(key)) and protocol == "http":
        return Parameter(name, Source.BODY, annotation=key, default=default)
    if _value_shape(key)[0]:
        return _value_parameter(
            owner, name, key, Query(), default, protocol, path_params, container
        )
    if default is not _MISSING:
        return Parameter(name, Source.DEFAULT, default=default)
    raise _unresolvable(owner, name, key, protocol)


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
    source = _MARKER_SOURCES[type(marker)]
    if source is Source.BODY:
        if protocol != "http":
            raise DependencyError(
                f"{owner}: the parameter {name!r} reads a request body, but websockets have none.",
                key=key,
                path=(owner, name),
                hint="receive data with websocket.receive_json() instead.",
            )
        return Parameter(name, Source.BODY, annotation=key, default=default)
    if source in (Source.FORM, Source.FILE):
        if not container.has(FormData) or protocol != "http":
            raise DependencyError(
                f"{owner}: the {source.value} parameter {name!r} needs a form, which only "
                "HTTP endpoints of an App can read.",
                key=FormData,
                path=(owner, name),
                hint="serve the endpoint from an App, over HTTP.",
            )
        if source is Source.FILE:
            inner = _without_none(key)
            is_list = get_origin(inner) is list
            if (get_args(inner)[0] if is_list else inner) is not UploadFile:
                raise DependencyError(
                    f"{owner}: the file parameter {name!r} must be UploadFile or "
                    f"list[UploadFile], not {describe(key)}.",
                    key=key,
                    path=(owner, name),
                    hint="annotate it as UploadFile, list[UploadFile] or UploadFile | None.",
                )
            file_marker = typing.cast(File, marker)  # FILE comes from File markers only
            limits = (file_marker.max_size, file_marker.content_types)
            return Parameter(
                name,
                source,
                alias=marker.alias or name,
                default=default,
                is_list=is_list,
                annotation=key,
                file_limits=limits,
            )
        if attrs.has(_without_none(key)):
            fields = form_fields(_without_none(key))
            return Parameter(name, source, annotation=key, default=default, form_fields=fields)
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
    return Parameter(name, source, annotation=key, alias=alias, default=default, is_list=is_list)


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


def _unresolvable(owner: str, name: str, key: Any, protocol: Protocol) -> DependencyError:
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
        f"{owner}: cannot inject the parameter {name!r} ({describe(key)}).",
        key=key,
        path=(owner, f"{name}: {describe(key)}"),
        hint=hint,
    )
