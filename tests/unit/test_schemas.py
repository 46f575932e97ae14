from __future__ import annotations

import sys
from typing import Any

import pytest
import yaml

from resourceful import App, Host, HTTPResource, Mount, Route, Router
from resourceful.exceptions import MissingDependencyError
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.schemas import BaseSchemaGenerator, OpenAPIResponse, SchemaGenerator
from tests.conftest import TestClientFactory


def users(request: Request) -> Response:
    """
    responses:
      200:
        description: The users.
    """
    raise NotImplementedError


def prose_then_schema(request: Request) -> Response:
    """Prose that stays out of the schema.

    ---
    responses:
      200:
        description: Only this part.
    """
    raise NotImplementedError


def prose_only(request: Request) -> Response:
    """Just prose, no mapping."""
    raise NotImplementedError


def undocumented(request: Request) -> Response:
    raise NotImplementedError


class Things(HTTPResource):
    def get(self, request: Request) -> Response:
        """
        responses:
          200:
            description: The things.
        """
        raise NotImplementedError

    def query(self, request: Request) -> Response:
        """
        responses:
          200:
            description: Things matching a query.
        """
        raise NotImplementedError


generator = SchemaGenerator({"openapi": "3.1.0", "info": {"title": "T", "version": "1"}})


def schema_endpoint(request: Request) -> Response:
    return generator.OpenAPIResponse(request)


ROUTES = [
    Route("/users/{id:int}", users, methods=["GET", "POST"]),
    Route("/prose-then-schema", prose_then_schema),
    Route("/prose-only", prose_only),
    Route("/undocumented", undocumented),
    Route("/things", Things),
    Route("/schema", schema_endpoint, include_in_schema=False),
    Mount("/v{version:int}", routes=[Route("/users", users)]),
    Host("api.example.org", Router(routes=[Route("/hosted", users)])),
]


def test_the_schema_has_the_yaml_of_each_docstring() -> None:
    schema = generator.get_schema(ROUTES)
    described = {"responses": {200: {"description": "The users."}}}
    assert schema["paths"] == {
        "/users/{id}": {"get": described, "post": described},
        "/prose-then-schema": {"get": {"responses": {200: {"description": "Only this part."}}}},
        "/things": {"get": {"responses": {200: {"description": "The things."}}}},
        "/v{version}/users": {"get": described},
        "/hosted": {"get": described},
    }
    assert generator.base_schema == {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}}


@pytest.mark.parametrize(("version", "has_query"), [("3.2.0", True), ("3.1.2", False), ("", False)])
def test_query_needs_openapi_3_2(version: str, has_query: bool) -> None:
    schema = SchemaGenerator({"openapi": version}).get_schema(ROUTES)
    assert ("query" in schema["paths"]["/things"]) is has_query


def test_the_schema_is_served_as_yaml(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(App(routes=ROUTES))
    response = client.get("/schema")
    assert response.headers["content-type"] == "application/vnd.oai.openapi"
    assert yaml.safe_load(response.text) == generator.get_schema(ROUTES)


def test_a_base_generator_leaves_the_schema_to_subclasses() -> None:
    with pytest.raises(NotImplementedError):
        BaseSchemaGenerator().get_schema(ROUTES)


def test_only_a_dict_is_written_as_a_schema() -> None:
    bad: Any = ["not", "a", "schema"]
    with pytest.raises(TypeError, match="schema dict, not list"):
        OpenAPIResponse(bad)


def test_yaml_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[yaml\]"):
        generator.get_schema(ROUTES)
