"""The OpenAPI document of an app, read from its routes and the plans of its endpoints."""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

import attrs

from resourceful._requirements import Requirement, requirements_of
from resourceful.applications import App
from resourceful.conditional import conditions_of
from resourceful.convertors import (
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    StringConvertor,
    UUIDConvertor,
)
from resourceful.di import Container
from resourceful.di._framework import (
    MISSING,
    EndpointPlan,
    Parameter,
    Source,
    location_of,
    plan_endpoint,
    response_settings,
    type_hints,
    unwrap_partial,
    validators_of_result,
    without_none,
)
from resourceful.exceptions import status_phrase
from resourceful.negotiation import representations_of
from resourceful.openapi._endpoints import Endpoint
from resourceful.openapi._jsonschema import (
    Components,
    Schema,
    is_model,
    model_fields,
    plain_default,
)
from resourceful.openapi._links import link_created
from resourceful.openapi._operation import OperationInfo, ResponseSpec, as_spec, operation_info
from resourceful.resources import HTTPResource, _is_resource
from resourceful.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from resourceful.routing import BaseRoute, Host, Mount, Route

#: The verbs OpenAPI 3.1 has a field for, in the order a path item lists them.
METHODS = ("get", "put", "post", "delete", "options", "patch", "trace")
_VALIDATED = frozenset(
    {Source.PATH, Source.QUERY, Source.HEADER, Source.COOKIE, Source.BODY, Source.FORM, Source.FILE}
)
_IN = {Source.PATH: "path", Source.QUERY: "query", Source.HEADER: "header", Source.COOKIE: "cookie"}
_CONVERTOR_SCHEMAS: dict[type[Any], Schema] = {
    StringConvertor: {"type": "string", "pattern": "^[^/]+$"},
    PathConvertor: {"type": "string"},
    IntegerConvertor: {"type": "integer", "minimum": 0},
    FloatConvertor: {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
    UUIDConvertor: {"type": "string", "format": "uuid"},
}
_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")
_TEXT = {"type": "string"}
PROBLEM: Schema = {
    "type": "object",
    "title": "ValidationProblem",
    "description": "RFC 9457 problem details listing every value that does not fit.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "message": {"type": "string"},
                },
                "required": ["location", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
}


@attrs.frozen
class _Place:
    """Where the routes being walked are: their path prefix, app and enclosing mounts."""

    prefix: str
    app: App
    container: Container
    convertors: Mapping[str, Convertor[Any]]
    tags: tuple[str, ...]
    names: tuple[str, ...]
    requirements: tuple[Requirement, ...] = ()
    #: The tags and responses the enclosing mounts declare, the outermost first.
    declared_tags: tuple[str, ...] = ()
    responses: Mapping[int, ResponseSpec] = attrs.field(factory=dict)


def endpoints(app: App) -> Iterator[Endpoint]:
    """Every HTTP operation ``app`` serves that belongs in its document, in route order."""
    yield from _walk(app.routes, _Place("", app, _container_of(app), {}, (), ()))


def _container_of(app: App) -> Container:
    if app.middleware_stack is None:  # plans need the container checked and compiled
        app.middleware_stack = app.build_middleware_stack()
    return app.container


def _walk(routes: Sequence[BaseRoute], place: _Place) -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, Route):
            if route.include_in_schema:
                yield from _route_endpoints(route, place)
        elif isinstance(route, Mount | Host):
            yield from _walk(route.routes, _inside(route, place))


def _inside(route: Mount | Host, place: _Place) -> _Place:
    mounted = route.app if isinstance(route, Host) else route.base_app
    if isinstance(mounted, App):
        inner = attrs.evolve(place, app=mounted, container=_container_of(mounted))
    else:
        inner = attrs.evolve(place, container=place.app.container_of(route))
    for layer in route.layers:
        inner = attrs.evolve(
            inner,
            requirements=inner.requirements + layer.requirements,
            declared_tags=inner.declared_tags + layer.tags,
            responses={**inner.responses, **{s: as_spec(r) for s, r in layer.responses.items()}},
        )
    if isinstance(route, Host):
        return inner
    convertors = {**place.convertors, **route.compiled.convertors}
    del convertors["path"]
    template = route.compiled.format.removesuffix("/{path}")
    named = (route.name,) if route.name else ()
    return attrs.evolve(
        inner,
        prefix=place.prefix + template,
        convertors=convertors,
        tags=place.tags + named,
        names=place.names + named,
    )


def _convertor_schema(convertor: Convertor[Any]) -> Schema:
    """The text a path convertor matches."""
    schema = _CONVERTOR_SCHEMAS.get(type(convertor))
    return dict(schema) if schema else {"type": "string", "pattern": f"^{convertor.regex}$"}


def _route_endpoints(route: Route, place: _Place) -> Iterator[Endpoint]:
    path = place.prefix + route.path_format
    convertors = {**place.convertors, **route.compiled.convertors}
    params = frozenset(convertors)
    served = {method.lower() for method in route.methods or ()}
    endpoint = route.endpoint
    container = place.app.container_of(route, place.container)
    if _is_resource(endpoint):
        endpoint = typing.cast(type[HTTPResource], endpoint)  # the app checked it at build
        hooks = [
            _plan(getattr(endpoint, name), container, params, True, given)
            for name, given in (("before", ()), ("validators", ()), ("after", ("response",)))
            if callable(getattr(endpoint, name, None))
        ]
        class_info = operation_info(endpoint)
        has_validators = callable(getattr(endpoint, "validators", None))
        conditional = endpoint.require_if_match if has_validators else None
        for method in METHODS:
            func = getattr(endpoint, method, None)
            if not callable(func) or (route.methods is not None and method not in served):
                continue
            own = place.app.container_of((route, method), container)
            plan = _plan(func, own, params, True, ())
            found = _endpoint(
                route, place, path, method, (*hooks, plan), convertors, class_info, endpoint
            )
            yield attrs.evolve(found, conditional=conditional)
    elif route.is_function_endpoint:
        plan = _plan(endpoint, container, params, False, ())
        declared = conditions_of(endpoint)
        conditional = None if declared is None else declared[1]
        for method in METHODS:
            if method in served:
                found = _endpoint(route, place, path, method, (plan,), convertors, None, None)
                yield attrs.evolve(found, conditional=conditional)


def _plan(
    func: Any, container: Container, params: frozenset[str], is_method: bool, given: Sequence[str]
) -> EndpointPlan:
    return plan_endpoint(
        func,
        container,
        protocol="http",
        path_params=params,
        given=given,
        skip_first=is_method,
    )


def _endpoint(
    route: Route,
    place: _Place,
    path: str,
    method: str,
    plans: tuple[EndpointPlan, ...],
    convertors: Mapping[str, Convertor[Any]],
    class_info: OperationInfo | None,
    cls: type[Any] | None,
) -> Endpoint:
    func = plans[-1].func
    info = operation_info(func)
    if class_info is not None:
        info = info.under(class_info)
    if place.declared_tags:
        declared = (*place.declared_tags, *(info.tags or ()))
        info = attrs.evolve(info, tags=tuple(dict.fromkeys(declared)))
    if place.responses:
        info = attrs.evolve(info, responses={**place.responses, **info.responses})
    status_code, headers = response_settings(func)
    offered = representations_of(func) or getattr(cls, "representations", None)
    located = location_of(func)
    if located is not None:  # the created resource's path
        headers = {**(headers or {}), "Location": ""}
    if validators_of_result(func) is not None:
        headers = {**(headers or {}), "ETag": ""}
    tags = place.tags or ((cls.__name__,) if cls is not None else ())
    own = requirements_of(*((cls, func) if cls is not None else (func,)))
    requirements = place.requirements + own
    return Endpoint(
        path,
        method,
        plans,
        convertors,
        info,
        requirements,
        status_code,
        headers or {},
        tags,
        (*place.names, route.name),
        representations=offered,
        target=route.endpoint,
        located=located,
        returned=_returned_fields(plans[-1]),
    )


def _returned_fields(plan: EndpointPlan) -> frozenset[str]:
    target, _ = unwrap_partial(plan.func)
    annotation = type_hints(target, plan.owner).get("return", MISSING)
    if not is_model(annotation):
        return frozenset()
    return frozenset(name for name, _, _ in model_fields(annotation))


class DocumentBuilder:
    """Describes endpoints as OpenAPI operations, sharing one set of components."""

    def __init__(self, security: Sequence[str]) -> None:
        self.components = Components()
        self.security = security
        self.uses_problem = False
        self._operation_ids: set[str] = set()

    def paths(self, found: Sequence[Endpoint]) -> dict[str, Any]:
        """The ``paths`` object: a path item per path, its operations in the usual order."""
        items: dict[str, dict[str, Any]] = {}
        built = []
        for endpoint in found:
            if not endpoint.info.include_in_schema:
                continue
            operations = items.setdefault(endpoint.path, {})
            if endpoint.method not in operations:  # the first route serving it responds
                operation = operations[endpoint.method] = self.operation(endpoint)
                built.append((endpoint, operation))
        link_created(built)
        return {
            path: {method: operations[method] for method in METHODS if method in operations}
            for path, operations in items.items()
        }

    def operation(self, endpoint: Endpoint) -> dict[str, Any]:
        """The Operation object of one endpoint."""
        info = endpoint.info
        handler = endpoint.plans[-1]
        found: dict[str, Any] = {}
        summary, description = _docstring(handler.func)
        summary = info.summary or summary
        description = info.description or description
        if info.tags if info.tags is not None else endpoint.tags:
            found["tags"] = list(info.tags if info.tags is not None else endpoint.tags)
        if summary:
            found["summary"] = summary
        if description:
            found["description"] = description
        found["operationId"] = self._operation_id(info.operation_id, endpoint)
        parameters = self.parameters(endpoint)
        if parameters:
            found["parameters"] = parameters
        body = self.request_body(endpoint)
        if body is not None:
            found["requestBody"] = body
        found["responses"] = self.responses(endpoint)
        if info.deprecated:
            found["deprecated"] = True
        if endpoint.requirements and self.security:
            scopes = sorted({s for r in endpoint.requirements for s in r.scopes})
            found["security"] = [{name: scopes} for name in self.security]
        found.update(info.extra)
        return found

    def _operation_id(self, chosen: str | None, endpoint: Endpoint) -> str:
        if chosen is not None:
            self._operation_ids.add(chosen)
            return chosen
        words = [_IDENTIFIER.sub("_", name).strip("_") for name in endpoint.names]
        base = "_".join([*filter(None, words), endpoint.method])
        unique, number = base, 2
        while unique in self._operation_ids:
            unique, number = f"{base}_{number}", number + 1
        self._operation_ids.add(unique)
        return unique

    def parameters(self, endpoint: Endpoint) -> list[dict[str, Any]]:
        """The path, query, header and cookie parameters, each once."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for plan in endpoint.plans:
            for parameter in plan.parameters:
                where = _IN.get(parameter.source)
                if where is not None and (where, parameter.alias) not in found:
                    found[(where, parameter.alias)] = self._parameter(where, parameter, endpoint)
        if endpoint.conditional is not None:
            for name, required in _preconditions(endpoint):
                found[("header", name.lower())] = {
                    "name": name,
                    "in": "header",
                    "required": required,
                    "schema": dict(_TEXT),
                }
        for name, convertor in endpoint.convertors.items():
            if ("path", name) not in found:
                found[("path", name)] = {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": _convertor_schema(convertor),
                }
        return list(found.values())

    def _parameter(self, where: str, parameter: Parameter, endpoint: Endpoint) -> dict[str, Any]:
        schema = self.components.schema(without_none(parameter.annotation), "input")
        if where == "path":
            # What the route's convertor matches first; a str convertor lets the type decide.
            convertor = endpoint.convertors[parameter.alias]  # the planner checked it is there
            if type(convertor) is not StringConvertor or parameter.annotation is str:
                schema = _convertor_schema(convertor)
        schema = _bounded(schema, parameter)
        described: dict[str, Any] = {
            "name": parameter.alias,
            "in": where,
            "required": where == "path" or parameter.default is MISSING,
            "schema": schema,
        }
        if parameter.default is not MISSING:
            shown = plain_default(parameter.default)
            if shown is not attrs.NOTHING and shown is not None:
                schema["default"] = shown
        if where == "header" and parameter.is_list:
            described["style"] = "simple"
        return described

    def request_body(self, endpoint: Endpoint) -> dict[str, Any] | None:
        """The JSON body or the form an endpoint reads, if it reads one."""
        examples = _examples(endpoint.info.examples)
        for plan in endpoint.plans:
            for parameter in plan.parameters:
                if parameter.source is Source.BODY:
                    media: dict[str, Any] = {
                        "schema": self.components.schema(parameter.annotation, "input")
                    }
                    media.update(examples)
                    return {
                        "required": parameter.default is MISSING,
                        "content": {parameter.media_type or "application/json": media},
                    }
        form = [p for plan in endpoint.plans for p in plan.parameters if _reads_form(p)]
        if not form:
            return None
        schema, encoding = self._form_schema(form)
        has_files = any(parameter.source is Source.FILE for parameter in form)
        content: dict[str, Any] = {}
        if not has_files:
            content["application/x-www-form-urlencoded"] = {"schema": schema, **examples}
        multipart: dict[str, Any] = {"schema": schema, **examples}
        if encoding:
            multipart["encoding"] = encoding
        content["multipart/form-data"] = multipart
        return {"required": bool(schema.get("required")), "content": content}

    def _form_schema(self, form: list[Parameter]) -> tuple[Schema, dict[str, Any]]:
        properties: Schema = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        for parameter in form:
            if parameter.form_fields is not None:
                cls = without_none(parameter.annotation)
                for name, annotation, default in model_fields(cls):
                    properties[name] = self.components.schema(without_none(annotation), "input")
                    shape = dict(parameter.form_fields).get(name)
                    if default is attrs.NOTHING and shape not in ("checkbox", "list"):
                        required.append(name)
                continue
            if parameter.source is Source.FILE:
                item: Schema = {"type": "string", "format": "binary"}
                types = parameter.file_limits[1]
                if types is not None:
                    encoding[parameter.alias] = {"contentType": ", ".join(types)}
                schema = {"type": "array", "items": item} if parameter.is_list else item
            else:
                schema = self.components.schema(without_none(parameter.annotation), "input")
                schema = _bounded(schema, parameter)
            properties[parameter.alias] = schema
            if parameter.default is MISSING:
                required.append(parameter.alias)
        found: Schema = {"type": "object", "properties": properties}
        if required:
            found["required"] = required
        return found, encoding

    def responses(self, endpoint: Endpoint) -> dict[str, Any]:
        """What the endpoint responds with: its return annotation, then the errors it may give."""
        handler = endpoint.plans[-1]
        found = self._returns(handler, endpoint)
        if endpoint.representations is not None and endpoint.representations.fallback is None:
            found["406"] = _problem("Not Acceptable: the request accepts none of the media types.")
        validates = any(p.source in _VALIDATED for plan in endpoint.plans for p in plan.parameters)
        for body in (p for plan in endpoint.plans for p in plan.parameters):
            if body.source is Source.BODY:
                sent_as = body.media_type or "application/json"
                found["400"] = _plain("The body is not valid JSON.")
                found["415"] = _plain(f"The body is not sent as {sent_as}.")
        if any(_reads_form(p) for plan in endpoint.plans for p in plan.parameters):
            found["400"] = _plain("The form cannot be parsed.")
        if endpoint.convertors:  # a value its convertor does not match is no route
            found.setdefault("404", _plain("No route matches the path."))
        if validates:
            self.uses_problem = True
            found["422"] = {
                "description": "Some parameters are missing or invalid.",
                "content": {
                    "application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ValidationProblem"}
                    }
                },
            }
        for requirement in endpoint.requirements:
            if requirement.redirect is not None:
                found["303"] = {"description": "Sign in first: a redirect to the login page."}
            else:
                status = requirement.status_code
                found[str(status)] = _plain(f"{status_phrase(status)}: not allowed.")
        if endpoint.conditional is not None:
            found.update(_conditional_responses(endpoint))
        for status, spec in endpoint.info.responses.items():
            declared = self._response(spec)
            # A body the endpoint declares beside one the framework sends (a page of its
            # own for a 400, besides the plain text of a form that does not parse): both.
            sent = found.get(str(status), {}).get("content")
            if sent is not None and "content" in declared:
                declared["content"] = {**sent, **declared["content"]}
            found[str(status)] = declared
        return dict(sorted(found.items()))

    def _returns(self, plan: EndpointPlan, endpoint: Endpoint) -> dict[str, Any]:
        target, _ = unwrap_partial(plan.func)
        annotation = type_hints(target, plan.owner).get("return", MISSING)
        status = str(endpoint.status_code or 200)
        headers = {name: {"schema": dict(_TEXT)} for name in endpoint.headers}
        if annotation is MISSING:
            return {"200": {"description": "The response."}}
        members = (
            get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else ()
        ) or (annotation,)
        found: dict[str, Any] = {}
        data = []
        for member in members:
            if member is None or member is type(None):
                found["204"] = {"description": "No Content."}
            elif inspect.isclass(member) and issubclass(member, Response):
                found.update(_response_class(member))
            else:
                data.append(member)
        if data:
            schema = self.components.schema(
                data[0] if len(data) == 1 else Union[tuple(data)],  # noqa: UP007
                "output",
            )
            response: dict[str, Any] = {
                "description": status_phrase(int(status)) + ".",
                "content": _representations(endpoint, schema),
            }
            if headers:
                response["headers"] = headers
            found[status] = response
        return found

    def _response(self, spec: ResponseSpec) -> dict[str, Any]:
        response: dict[str, Any] = {"description": spec.description}
        if spec.type is not None:
            media: dict[str, Any] = {"schema": self.components.schema(spec.type, "output")}
            media.update(_examples(spec.examples))
            response["content"] = {spec.media_type: media}
        if spec.headers:
            response["headers"] = {
                name: {"description": text, "schema": dict(_TEXT)}
                for name, text in spec.headers.items()
            }
        return response

    def schemas(self) -> dict[str, Any]:
        """``components/schemas``, with the validation problem if an endpoint responds with it."""
        found = self.components.schemas()
        if self.uses_problem:
            found["ValidationProblem"] = PROBLEM
        return found


#: The JSON Schema keyword of each bound.
_BOUNDS = (
    ("ge", "minimum"),
    ("gt", "exclusiveMinimum"),
    ("le", "maximum"),
    ("lt", "exclusiveMaximum"),
    ("min_length", "minLength"),
    ("max_length", "maxLength"),
    ("pattern", "pattern"),
)


def _bounded(schema: Schema, parameter: Parameter) -> Schema:
    """``schema`` with the parameter's constraints, on its items for a list."""
    constraints = parameter.constraints
    if constraints is None:
        return schema
    bounds = {
        keyword: getattr(constraints, name)
        for name, keyword in _BOUNDS
        if getattr(constraints, name) is not None
    }
    if parameter.is_list:
        return {**schema, "items": {**schema["items"], **bounds}}
    return {**schema, **bounds}


def _reads_form(parameter: Parameter) -> bool:
    return parameter.source in (Source.FORM, Source.FILE)


def _representations(endpoint: Endpoint, schema: Schema) -> dict[str, Any]:
    """The content of each representation the endpoint offers: the JSON of its return
    value's schema, or text another renderer makes."""
    offered = endpoint.representations
    if offered is None:
        return {"application/json": {"schema": schema}}
    return {
        media_type: {"schema": schema if render is None else dict(_TEXT)}
        for media_type, render in offered.renderers.items()
    }


_SAFE = frozenset({"get", "head"})
_CHANGING = frozenset({"put", "patch", "delete"})


def _preconditions(endpoint: Endpoint) -> list[tuple[str, bool]]:
    """The precondition headers an endpoint with validators takes, each with whether it is
    required."""
    if endpoint.method in _SAFE:
        return [("If-None-Match", False), ("If-Modified-Since", False)]
    required = bool(endpoint.conditional) and endpoint.method in _CHANGING
    return [("If-Match", required), ("If-Unmodified-Since", False)]


def _conditional_responses(endpoint: Endpoint) -> dict[str, Any]:
    found: dict[str, Any] = {
        "412": _problem("Precondition Failed: the resource is not in the state named.")
    }
    if endpoint.method in _SAFE:
        found["304"] = {"description": "Not Modified: the client's copy is current."}
    elif endpoint.conditional and endpoint.method in _CHANGING:
        found["428"] = _problem("Precondition Required: send If-Match with the ETag you read.")
    return found


def _problem(description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "type": dict(_TEXT),
            "title": dict(_TEXT),
            "status": {"type": "integer"},
            "detail": dict(_TEXT),
        },
    }
    return {"description": description, "content": {"application/problem+json": {"schema": schema}}}


def _plain(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": dict(_TEXT)}}}


def _response_class(cls: type[Response]) -> dict[str, Any]:
    if issubclass(cls, RedirectResponse):
        return {"307": {"description": "A redirect."}}
    response: dict[str, Any] = {"description": "The response."}
    media_type = cls.media_type
    if issubclass(cls, FileResponse | StreamingResponse) or media_type is None:
        return {"200": response}
    schema: Schema = {} if "json" in media_type else dict(_TEXT)
    response["content"] = {media_type: {"schema": schema}}
    return {"200": response}


def _examples(examples: Mapping[str, Any]) -> dict[str, Any]:
    if not examples:
        return {}
    return {
        "examples": {
            name: example
            if isinstance(example, dict) and "value" in example
            else {"value": example}
            for name, example in examples.items()
        }
    }


def _docstring(func: Any) -> tuple[str | None, str | None]:
    """The summary (first line) and description (the rest) of a docstring.

    A Starlette-style docstring keeps its YAML after ``---``; only the text before counts.
    """
    text = inspect.getdoc(func)
    if not text:
        return None, None
    text = text.split("---")[0].strip()
    if not text:
        return None, None
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip() or None
