"""GraphQL over HTTP: the request's parameters, the media type of the response, its status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from resourceful._json import json_decode, json_loads_strict

#: The media type of the GraphQL-over-HTTP specification, and the older one.
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"


class BadRequest(Exception):
    """The request is no GraphQL request (a 4xx response, with ``status`` and ``headers``)."""

    def __init__(self, message: str, status: int = 400, headers: Mapping[str, str] = {}) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers)


@attrs.frozen
class Params:
    """The parameters of one GraphQL request."""

    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None


def _quality(accept: str, media_type: str) -> float:
    """How much ``accept`` wants ``media_type``: the q of the most specific range naming it."""
    kind = media_type.partition("/")[0]
    best, specificity = 0.0, -1
    for item in accept.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        rank = 2 if name == media_type else 1 if name == f"{kind}/*" else 0 if name == "*/*" else -1
        if rank < specificity or rank < 0:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # an unreadable weight does not count as wanting it
        best, specificity = quality, rank
    return best


def response_type(accept: str | None, *, html: bool) -> str:
    """The media type to respond with: the specification's when named, JSON otherwise, or the
    GraphiQL page (``html``) for a browser that prefers HTML.

    Raises:
        BadRequest: 406, nothing the client accepts can be given.
    """
    if not accept:
        return JSON  # what clients from before the specification expect
    accept = accept.lower()  # media types are case-insensitive
    graphql_response = _quality(accept, GRAPHQL_RESPONSE) if GRAPHQL_RESPONSE in accept else 0.0
    json = _quality(accept, JSON)
    if html:
        page = _quality(accept, HTML) if HTML in accept else 0.0
        if page > 0 and page >= max(json, graphql_response):
            return HTML
    if graphql_response > 0 and graphql_response >= json:
        return GRAPHQL_RESPONSE
    if json > 0:
        return JSON
    msg = f"This endpoint responds with {GRAPHQL_RESPONSE} or {JSON}; the request accepts neither."
    raise BadRequest(msg, 406)


def _decode_parameter(raw: str, name: str) -> Any:
    try:
        return json_loads_strict(raw)
    except ValueError:
        msg = f"The {name!r} parameter is not JSON."
        raise BadRequest(msg) from None


def params_from_query(query_params: Mapping[str, str]) -> Params:
    """The parameters of a GET request, from its query string."""
    values: dict[str, Any] = {"query": query_params.get("query")}
    if "operationName" in query_params:
        values["operationName"] = query_params["operationName"]
    for name in ("variables", "extensions"):
        if name in query_params:
            values[name] = _decode_parameter(query_params[name], name)
    return params_from_mapping(values)


def params_from_body(content_type: str | None, body: bytes) -> Params:
    """The parameters of a POST request, from its JSON body."""
    media_type, _, parameters = (content_type or "").partition(";")
    if media_type.strip().lower() != JSON:
        msg = f"A GraphQL request's body is {JSON}, not {media_type.strip() or 'untyped'}."
        raise BadRequest(msg, 415)
    charset = "utf-8"
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if charset not in ("utf-8", "utf8"):
        msg = f"A GraphQL request's body is UTF-8, not {charset}."
        raise BadRequest(msg, 415)
    if not body:
        raise BadRequest("The request has no body; send the query as a JSON object.")
    try:
        values = json_decode(body)
    except (ValueError, RecursionError):
        raise BadRequest("The body is not JSON.") from None
    if not isinstance(values, dict):
        raise BadRequest("The body is JSON, but not an object with a 'query'.")
    return params_from_mapping(values)


def params_from_mapping(values: Mapping[str, Any]) -> Params:
    """Check each parameter's type (``null`` is as good as leaving it out)."""
    query = values.get("query")
    if not isinstance(query, str) or not query:
        raise BadRequest("The 'query' parameter, a non-empty string, is required.")
    operation_name = values.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("The 'operationName' parameter is a string.")
    checked: dict[str, dict[str, Any] | None] = {}
    for name in ("variables", "extensions"):
        value = values.get(name)
        if value is not None and not isinstance(value, dict):
            msg = f"The {name!r} parameter is a JSON object (a map of names to values)."
            raise BadRequest(msg)
        checked[name] = value
    return Params(query, checked["variables"], operation_name, checked["extensions"])
