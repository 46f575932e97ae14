"""Planned parameters and plans: where each argument comes from, read on every request."""

from __future__ import annotations

import enum
import functools
import inspect
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Any, Union, get_args, get_origin

from resourceful._headers import sent_media_type
from resourceful.concurrency import is_async_callable, run_in_threadpool
from resourceful.datastructures import FormData, UploadFile
from resourceful.di._context import ABSENT, InjectionContext, Resolver, never_at_hand, no_provider
from resourceful.di._convert import (
    FieldError,
    field_errors,
    make_body_converter,
    make_text_converter,
)
from resourceful.di._forms import FormField, check_upload, form_model_data, structure_form_model
from resourceful.di._markers import Constraints
from resourceful.di._patch import MERGE_PATCH, patch_target, register_merge_patch
from resourceful.exceptions import HTTPException, RequestValidationError
from resourceful.requests import HTTPConnection, Request, read_form

MISSING: Any = inspect.Parameter.empty

TEXT_CONVERTER = make_text_converter()
BODY_CONVERTER = make_body_converter()
register_merge_patch(BODY_CONVERTER)


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
        "constraints",
        "default",
        "file_limits",
        "form_fields",
        "hook",
        "is_list",
        "is_text",
        "key",
        "media_type",
        "name",
        "resolver",
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
        default: Any = MISSING,
        is_list: bool = False,
        form_fields: list[FormField] | None = None,
        file_limits: tuple[int | None, list[str] | None] = (None, None),
        constraints: Constraints | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.name = name
        #: How a provided parameter's value is resolved (the container's, for ``key``).
        self.resolver = resolver if resolver is not None else _UNPROVIDED
        self.constraints = constraints
        self.form_fields = form_fields  # the fields of a form model, read from the form
        self.file_limits = file_limits
        self.source = source
        self.is_text = source in _TEXT_SOURCES  # read from the path, query, headers or cookies
        self.key = key
        self.annotation = annotation
        self.alias = alias or name
        self.is_list = is_list
        #: The one media type a body must be sent as ("" for any JSON).
        self.media_type = MERGE_PATCH if patch_target(annotation) is not None else ""
        if default is MISSING and is_optional(annotation):
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
            value = raw
        else:
            try:
                value = self.hook(raw, self.annotation)
            except Exception as exc:  # cattrs reports anything a hook raised
                errors.extend(field_errors(exc, (self.source.value, self.alias)))
                return None
        if self.constraints is not None:
            self._check(value, self.constraints, errors)
        return value

    def _check(self, value: Any, constraints: Constraints, errors: list[FieldError]) -> None:
        location = (self.source.value, self.alias)
        for index, item in enumerate(value) if self.is_list else ((None, value),):
            problem = None if item is None else constraints.problem(item)
            if problem is not None:
                errors.append(((*location, index) if index is not None else location, problem))

    def read(self, connection: HTTPConnection) -> Any:
        """The raw text value(s) the client sent, or ``MISSING``."""
        source = self.source
        if source is _PATH:
            return connection.path_params.get(self.alias, MISSING)
        if source is _COOKIE:
            return connection.cookies.get(self.alias, MISSING)
        values = connection.query_params if source is _QUERY else connection.headers
        if self.is_list:
            found = values.getlist(self.alias)
            return found if found else MISSING
        return values.get(self.alias, MISSING)


#: The resolver of parameters that are not provided (and never resolve one).
_UNPROVIDED = Resolver(no_provider(None), never_at_hand)


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
        #: ``func`` as a call whose result is awaited: itself, or run in a worker thread.
        self.call: Callable[..., Awaitable[Any]] = (
            func if self.is_async else functools.partial(run_in_threadpool, func)
        )
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
        # Only plans with provided parameters resolve any, and those always get a context.
        provided_in: InjectionContext = context  # type: ignore[assignment]
        for parameter in self.parameters:
            name = parameter.name
            source = parameter.source
            if parameter.is_text:
                raw = parameter.read(connection)
                if raw is not MISSING:
                    kwargs[name] = parameter.convert(raw, errors)
                elif parameter.default is not MISSING:
                    kwargs[name] = parameter.default
                else:
                    errors.append(((source.value, parameter.alias), "field required"))
            elif source is _CONNECTION:
                kwargs[name] = connection
            elif source is _PROVIDED:
                resolver = parameter.resolver
                value = resolver.at_hand(provided_in)
                if value is ABSENT:
                    value = await resolver.make(provided_in)
                kwargs[name] = value
            elif source is _DEFAULT:
                kwargs[name] = parameter.default
            elif source is _BODY:
                kwargs[name] = await _read_body(parameter, connection, errors)
            elif source is _GIVEN:
                kwargs[name] = given[name]  # type: ignore[index]
            else:  # a form field or file, parsed once per request; the endpoint app closes it
                form = await read_form(typing.cast(Request, connection))
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
        if parameter.default is not MISSING:
            return parameter.default
        errors.append((("body",), "a JSON body is required"))
        return None
    content_type = sent_media_type(request.scope)
    if parameter.media_type:
        if content_type != parameter.media_type:
            raise _unsupported(content_type, parameter.media_type)
    elif content_type != "application/json" and not content_type.endswith("+json"):
        raise _unsupported(content_type, "application/json")
    data = await request.json()
    try:
        return parameter.hook(data, parameter.annotation)
    except Exception as exc:  # cattrs reports anything a hook raised
        errors.extend(field_errors(exc, ("body",)))
        return None


def _unsupported(sent: str, expected: str) -> HTTPException:
    msg = f"Expected a JSON body (Content-Type: {expected}), got {sent or 'none'!r}."
    if expected == MERGE_PATCH:  # RFC 5789: say which patch documents are accepted
        return HTTPException(415, msg, headers={"Accept-Patch": MERGE_PATCH})
    return HTTPException(415, msg)


def _read_form(parameter: Parameter, form: FormData, errors: list[FieldError]) -> Any:
    if parameter.form_fields is not None:
        data = form_model_data(parameter.form_fields, form, errors)
        return structure_form_model(parameter.hook, parameter.annotation, data, errors)
    location = (parameter.source.value, parameter.alias)
    values = form.getlist(parameter.alias)
    if not values:
        if parameter.default is not MISSING:
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


def is_optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def without_none(annotation: Any) -> Any:
    """``T | None`` → ``T``; anything else unchanged."""
    if is_optional(annotation):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation
