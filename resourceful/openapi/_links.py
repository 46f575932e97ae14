"""OpenAPI links from a created resource's response to the operations on that resource."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resourceful.openapi._endpoints import Endpoint

_CHANGING = frozenset({"put", "patch", "delete"})


def link_created(built: Sequence[tuple[Endpoint, dict[str, Any]]]) -> None:
    """Give the success response of each operation that creates a resource (its handler's
    ``@responds(location=...)``) a link to every operation of the resource it names: the
    path parameters taken from the response's body (or the request's path), and, where the
    response carries the new ETag, ``If-Match`` from it. A client follows them to change
    what it created; schemathesis' stateful tests do."""
    served: dict[Any, list[tuple[Endpoint, str]]] = {}
    for endpoint, operation in built:
        served.setdefault(endpoint.target, []).append((endpoint, operation["operationId"]))
    for endpoint, operation in built:
        if endpoint.located is None:
            continue
        response = operation["responses"].get(str(endpoint.status_code or 200))
        links = {
            operation_id: {"operationId": operation_id, "parameters": _passed(endpoint, target)}
            for target, operation_id in served.get(endpoint.located, ())
        }
        if response is not None and links:
            response["links"] = links


def _passed(source: Endpoint, target: Endpoint) -> dict[str, str]:
    """What the link from ``source``'s response gives each parameter of ``target``."""
    found = {
        f"path.{name}": (
            f"$response.body#/{name}" if name in source.returned else f"$request.path.{name}"
        )
        for name in target.convertors
    }
    if target.conditional and target.method in _CHANGING and "ETag" in source.headers:
        found["header.If-Match"] = "$response.header.ETag"
    return found
