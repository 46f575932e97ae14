"""Starlette's schema generator: an OpenAPI document from YAML in endpoint docstrings.

Kept so that Starlette apps that use it carry over; :mod:`resourceful.openapi` makes a
complete document from the endpoints' types instead.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any, NamedTuple

from resourceful._endpoints import is_function
from resourceful.exceptions import MissingDependencyError
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.routing import BaseRoute, Host, Mount, Route

#: The methods looked for on an endpoint class, in order; ``query`` needs OpenAPI 3.2.
CLASS_METHODS = ("get", "post", "put", "patch", "delete", "options", "query")
_CONVERTOR = re.compile(r":[^}]*}")


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise MissingDependencyError("pyyaml", "yaml", "resourceful.schemas") from None
    return yaml


class OpenAPIResponse(Response):
    """A schema (a dict) written as YAML."""

    media_type = "application/vnd.oai.openapi"

    def render(self, content: Any) -> bytes:
        if not isinstance(content, dict):
            msg = f"OpenAPIResponse writes a schema dict, not {type(content).__name__}."
            raise TypeError(msg)
        text: str = _yaml().safe_dump(content, default_flow_style=False)
        return text.encode("utf-8")


class EndpointInfo(NamedTuple):
    """One operation: its path template, lower-case method, and the function serving it."""

    path: str
    http_method: str
    func: Any


class BaseSchemaGenerator:
    """Finds the endpoints of a list of routes; subclasses turn them into a schema."""

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        raise NotImplementedError

    def get_endpoints(self, routes: Sequence[BaseRoute]) -> list[EndpointInfo]:
        """Every HTTP operation of ``routes`` (through mounts and hosts) in the schema.

        ``HEAD`` is left out; a route with ``include_in_schema=False`` too.
        """
        found: list[EndpointInfo] = []
        for route in routes:
            if isinstance(route, Mount | Host):
                prefix = self._remove_converter(route.path) if isinstance(route, Mount) else ""
                found.extend(
                    EndpointInfo(prefix + inner.path, inner.http_method, inner.func)
                    for inner in self.get_endpoints(route.routes)
                )
            elif isinstance(route, Route) and route.include_in_schema:
                path = self._remove_converter(route.path)
                if is_function(route.endpoint):
                    methods = sorted(route.methods or ["GET"])
                    found.extend(
                        EndpointInfo(path, method.lower(), route.endpoint)
                        for method in methods
                        if method != "HEAD"
                    )
                else:
                    found.extend(
                        EndpointInfo(path, method, getattr(route.endpoint, method))
                        for method in CLASS_METHODS
                        if hasattr(route.endpoint, method)
                    )
        return found

    def _remove_converter(self, path: str) -> str:
        """``/users/{id:int}`` → ``/users/{id}``."""
        return _CONVERTOR.sub("}", path)

    def parse_docstring(self, func_or_method: Any) -> dict[str, Any]:
        """The YAML mapping in a docstring (after ``---`` when there is one), else ``{}``."""
        docstring = getattr(func_or_method, "__doc__", None)
        if not docstring:
            return {}
        parsed = _yaml().safe_load(textwrap.dedent(docstring.split("---")[-1]))
        return parsed if isinstance(parsed, dict) else {}

    def OpenAPIResponse(self, request: Request) -> Response:  # Starlette's name
        """The schema of the request's app, as YAML."""
        return OpenAPIResponse(self.get_schema(routes=request.app.routes))


class SchemaGenerator(BaseSchemaGenerator):
    """A schema: ``base_schema`` plus, per endpoint, the YAML of its docstring (Starlette's;
    new code uses :class:`~resourceful.openapi.OpenAPI`)."""

    def __init__(self, base_schema: dict[str, Any]) -> None:
        self.base_schema = base_schema

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        schema = dict(self.base_schema)
        paths: dict[str, Any] = schema.setdefault("paths", {})
        has_query = _version(str(schema.get("openapi", ""))) >= (3, 2)
        for endpoint in self.get_endpoints(routes):
            if endpoint.http_method == "query" and not has_query:
                continue  # OpenAPI has a field for QUERY from 3.2 on
            parsed = self.parse_docstring(endpoint.func)
            if parsed:
                paths.setdefault(endpoint.path, {})[endpoint.http_method] = parsed
        return schema


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


__all__ = ["BaseSchemaGenerator", "EndpointInfo", "OpenAPIResponse", "SchemaGenerator"]
