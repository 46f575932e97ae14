"""GraphQLApp: GraphQL over HTTP by the specification, GraphiQL, limits and error masking."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
)

from resourceful import App, Route
from resourceful.exceptions import MissingDependencyError
from resourceful.graphql import GraphQLApp, Limits, make_schema
from resourceful.graphql._documents import DocumentCache
from resourceful.requests import Request
from tests.conftest import TestClientFactory, no_receive, no_send

SDL = """
type Query {
  hello(name: String = "world"): String!
  user: String
  broken: String
  refused: String
  node: Node
}
type Node { id: Int!, child: Node }
type Mutation { add(a: Int!, b: Int!): Int! }
type Subscription { ticks: Int }
"""

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def hello(root: Any, info: Any, name: str) -> str:
    return f"Hello, {name}"


def user(root: Any, info: Any) -> str:
    request: Request = info.context["request"]
    return request.headers.get("x-user", "nobody")


def broken(root: Any, info: Any) -> str:
    raise RuntimeError("database password is hunter2")


def refused(root: Any, info: Any) -> str:
    raise GraphQLError("You may not see this.", extensions={"code": "FORBIDDEN"})


def node(root: Any, info: Any) -> dict[str, Any]:
    return {"id": 1, "child": None}


def add(root: Any, info: Any, a: int, b: int) -> int:
    return a + b


SCHEMA = make_schema(
    SDL,
    {
        "Query": {
            "hello": hello,
            "user": user,
            "broken": broken,
            "refused": refused,
            "node": node,
        },
        "Mutation": {"add": add},
    },
)


def client_for(test_client_factory: TestClientFactory, **options: Any) -> Any:
    app = App(routes=[Route("/graphql", GraphQLApp(SCHEMA, **options))])
    return test_client_factory(app)


def post(client: Any, body: Any, accept: str | None = None, **headers: str) -> Any:
    if accept is not None:
        headers["accept"] = accept
    return client.post("/graphql", json=body, headers=headers)


def test_a_query_by_post_responds_with_json(test_client_factory: TestClientFactory) -> None:
    client = client_for(test_client_factory)

    response = post(client, {"query": '{ hello(name: "Ada") }'})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"hello": "Hello, Ada"}}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        ("text/html;q=0.5, application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        ("", "application/json"),  # no preference: what clients before the specification get
    ],
)
def test_the_response_takes_the_media_type_the_client_prefers(
    test_client_factory: TestClientFactory, accept: str, media_type: str
) -> None:
    response = post(client_for(test_client_factory), {"query": "{ __typename }"}, accept)

    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "accept", ["text/plain", "application/xml, text/*", "*/*;q=0", "application/json;q=oops"]
)
def test_nothing_acceptable_is_406(test_client_factory: TestClientFactory, accept: str) -> None:
    """Sent: Accept headers that rule out both JSON media types."""
    response = post(client_for(test_client_factory), {"query": "{ __typename }"}, accept)

    assert response.status_code == 406
    assert "accepts neither" in response.json()["errors"][0]["message"]


def test_get_serves_queries_with_variables_from_the_query_string(
    test_client_factory: TestClientFactory,
) -> None:
    client = client_for(test_client_factory)
    params = {
        "query": "query Greet($name: String!) { hello(name: $name) }",
        "variables": json.dumps({"name": "Grace"}),
        "operationName": "Greet",
        "extensions": "{}",
    }

    response = client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})

    assert response.status_code == 200
    assert response.json() == {"data": {"hello": "Hello, Grace"}}


def test_a_mutation_by_get_is_405_and_by_post_runs(test_client_factory: TestClientFactory) -> None:
    """Sent: a mutation in a GET's query string."""
    client = client_for(test_client_factory)

    refused = client.get("/graphql", params={"query": "mutation { add(a: 1, b: 2) }"})
    assert (refused.status_code, refused.headers["allow"]) == (405, "POST")
    assert post(client, {"query": "mutation { add(a: 1, b: 2) }"}).json() == {"data": {"add": 3}}


def test_other_methods_are_405(test_client_factory: TestClientFactory) -> None:
    """Sent: PUT and DELETE."""
    client = client_for(test_client_factory)

    for method in ("PUT", "DELETE"):
        response = client.request(method, "/graphql", json={"query": "{ __typename }"})
        assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")


def test_browsers_get_graphiql_unless_it_is_off(test_client_factory: TestClientFactory) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client_for(test_client_factory, graphiql_cdn="https://cdn.example/").get(
        "/graphql", headers={"accept": browser}
    )
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script crossorigin src="https://cdn.example/graphiql@3/graphiql.min.js">' in page.text

    plain = client_for(test_client_factory, graphiql=False)
    response = plain.get("/graphql", headers={"accept": browser})
    assert (response.status_code, response.headers["content-type"]) == (400, "application/json")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{", "Syntax Error"),
        ("{ nosuchfield }", "Cannot query field 'nosuchfield'"),
        ("query Q($n: String!) { hello(name: $n) }", "Variable '$n'"),
        ("query A { __typename } query B { __typename }", "name one with 'operationName'"),
        ("subscription { ticks }", "Subscriptions are served over a websocket"),
    ],
    ids=["parse", "validate", "coerce", "ambiguous", "subscription"],
)
def test_a_request_error_is_400_for_graphql_response_and_200_for_json(
    test_client_factory: TestClientFactory, query: str, message: str
) -> None:
    """Sent: documents that cannot run; nothing executes, so the response has no data."""
    client = client_for(test_client_factory)

    strict = post(client, {"query": query}, GRAPHQL_RESPONSE)
    legacy = post(client, {"query": query}, "application/json")

    assert strict.status_code == 400
    assert legacy.status_code == 200
    for response in (strict, legacy):
        assert list(response.json()) == ["errors"]
        assert message in response.json()["errors"][0]["message"]


def test_an_unknown_operation_name_is_a_request_error(
    test_client_factory: TestClientFactory,
) -> None:
    body = {"query": "query A { __typename }", "operationName": "B"}

    response = post(client_for(test_client_factory), body, GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The document has no operation named 'B'."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"notquery": "{ __typename }"}, "'query' parameter, a non-empty string, is required"),
        ({"query": ""}, "'query' parameter"),
        ({"query": {"obj": "ect"}}, "'query' parameter"),
        ({"query": ["array"]}, "'query' parameter"),
        ({"query": "{ __typename }", "operationName": 0}, "'operationName' parameter is a string"),
        ({"query": "{ __typename }", "variables": "string"}, "'variables' parameter is a JSON"),
        ({"query": "{ __typename }", "variables": ["array"]}, "'variables' parameter"),
        ({"query": "{ __typename }", "extensions": False}, "'extensions' parameter"),
        (["array"], "not an object"),
    ],
)
def test_malformed_parameters_are_400(
    test_client_factory: TestClientFactory, body: Any, message: str
) -> None:
    """Sent: bodies whose parameters have the wrong type, or lack the query."""
    response = post(client_for(test_client_factory), body)

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]


def test_null_parameters_count_as_left_out(test_client_factory: TestClientFactory) -> None:
    body = {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None}

    response = post(client_for(test_client_factory), body, GRAPHQL_RESPONSE)

    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b'{"query": "{ __typename }"}', None, 415, "not untyped"),
        (b"{ __typename }", "text/plain", 415, "not text/plain"),
        (b'{"query": "{ __typename }"}', "application/json; charset=latin-1", 415, "UTF-8"),
        (b"", "application/json", 400, "has no body"),
        (b'{ "not a JSON', "application/json", 400, "not JSON"),
        (b"\xff\xfe", "application/json", 400, "not JSON"),
    ],
)
def test_bodies_that_are_not_graphql_requests_are_4xx(
    test_client_factory: TestClientFactory,
    content: bytes,
    content_type: str | None,
    status: int,
    message: str,
) -> None:
    """Sent: no content type, another one, another charset, no body, broken JSON."""
    client = client_for(test_client_factory)
    headers = {} if content_type is None else {"content-type": content_type}

    response = client.post("/graphql", content=content, headers=headers)

    assert response.status_code == status
    assert message in response.json()["errors"][0]["message"]


def test_a_utf8_query_with_an_explicit_charset_runs(test_client_factory: TestClientFactory) -> None:
    body = json.dumps({"query": '{ hello(name: "Run🏃Swim🏊") }'}).encode()

    response = client_for(test_client_factory).post(
        "/graphql", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )

    assert response.json() == {"data": {"hello": "Hello, Run🏃Swim🏊"}}


def test_get_parameters_that_are_not_json_are_400(test_client_factory: TestClientFactory) -> None:
    """Sent: variables that are not JSON (NaN, a broken object) in a GET."""
    client = client_for(test_client_factory)

    for variables in ("{broken", "NaN"):
        params = {"query": "{ __typename }", "variables": variables}
        response = client.get("/graphql", params=params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == "The 'variables' parameter is not JSON."


def test_unexpected_resolver_errors_are_masked_and_logged(
    test_client_factory: TestClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(test_client_factory)

    with caplog.at_level(logging.ERROR, logger="resourceful.graphql"):
        response = post(client, {"query": "{ broken refused hello }"}, GRAPHQL_RESPONSE)

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"broken": None, "refused": None, "hello": "Hello, world"}
    errors = {tuple(error["path"]): error for error in body["errors"]}
    assert errors[("broken",)]["message"] == "Internal server error."
    assert errors[("broken",)]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in response.text
    assert errors[("refused",)]["message"] == "You may not see this."
    assert errors[("refused",)]["extensions"] == {"code": "FORBIDDEN"}
    (record,) = caplog.records
    assert record.exc_info is not None
    assert "hunter2" in str(record.exc_info[1])


def test_debug_shows_the_real_message(test_client_factory: TestClientFactory) -> None:
    response = post(client_for(test_client_factory, debug=True), {"query": "{ broken }"})

    assert response.json()["errors"][0]["message"] == "database password is hunter2"


def test_the_context_is_the_request_or_what_the_app_makes(
    test_client_factory: TestClientFactory,
) -> None:
    query = {"query": "{ user }"}
    default = client_for(test_client_factory)
    assert post(default, query, **{"x-user": "ann"}).json() == {"data": {"user": "ann"}}

    async def async_context(request: Request) -> dict[str, Any]:
        return {"request": request}

    made = client_for(test_client_factory, context_value=async_context)
    assert post(made, query, **{"x-user": "bob"}).json() == {"data": {"user": "bob"}}
    made_sync = client_for(test_client_factory, context_value=lambda request: {"request": request})
    assert post(made_sync, query, **{"x-user": "cy"}).json() == {"data": {"user": "cy"}}
    fixed = client_for(test_client_factory, context_value={"request": FakeRequest()})
    assert post(fixed, query).json() == {"data": {"user": "fixed"}}


class FakeRequest:
    def __init__(self) -> None:
        self.headers = {"x-user": "fixed"}


def test_a_schema_built_in_code_is_served(test_client_factory: TestClientFactory) -> None:
    query = GraphQLObjectType(
        "Query",
        {
            "double": GraphQLField(
                GraphQLNonNull(GraphQLInt),
                args={"n": GraphQLArgument(GraphQLNonNull(GraphQLInt))},
                resolve=lambda root, info, n: n * 2,
            ),
            "version": GraphQLField(GraphQLString, resolve=lambda root, info: root["version"]),
        },
    )
    app = GraphQLApp(GraphQLSchema(query), root_value={"version": "1.0"})
    client = test_client_factory(app)

    response = client.post("/", json={"query": "{ double(n: 21) version }"})

    assert response.json() == {"data": {"double": 42, "version": "1.0"}}


@pytest.mark.parametrize(
    ("limits", "query", "message"),
    [
        (Limits(max_length=20), "{ hello hello hello hello }", "at most 20 are allowed"),
        (Limits(max_tokens=5), "{ hello user broken refused }", "tokens"),
        (Limits(max_depth=2), "{ node { child { id } } }", "3 levels deep; at most 2"),
        (
            Limits(max_depth=2),
            "query Deep { ...A } fragment A on Query { node { ...B } } "
            "fragment B on Node { child { id } }",
            "'Deep' is 3 levels deep",
        ),
        (Limits(max_aliases=2), "{ a: hello b: hello c: hello }", "more than 2 aliases"),
        (Limits(introspection=False), "{ __schema { types { name } } }", "introspection"),
    ],
    ids=["length", "tokens", "depth", "depth-by-fragments", "aliases", "introspection"],
)
def test_documents_over_the_limits_are_refused(
    test_client_factory: TestClientFactory, limits: Limits, query: str, message: str
) -> None:
    """Sent: documents too long, too deep, with too many tokens or aliases, introspecting."""
    response = post(client_for(test_client_factory, limits=limits), {"query": query})

    assert response.status_code == 200
    assert list(response.json()) == ["errors"]
    assert message in response.json()["errors"][0]["message"]


def test_documents_within_the_limits_run(test_client_factory: TestClientFactory) -> None:
    query = (
        "query Q { ...A a: hello } fragment A on Query { node { ...B ...B } } "
        "fragment B on Node { id ... on Node { child { id } } }"
    )
    client = client_for(test_client_factory, limits=Limits(max_depth=3, max_aliases=1))

    response = post(client, {"query": query})

    assert response.json() == {"data": {"node": {"id": 1, "child": None}, "a": "Hello, world"}}


def test_limits_can_be_turned_off(test_client_factory: TestClientFactory) -> None:
    limits = Limits(max_length=None, max_tokens=None, max_depth=None, max_aliases=None)
    client = client_for(test_client_factory, limits=limits)
    aliases = " ".join(f"a{number}: hello" for number in range(50))

    response = post(client, {"query": f"{{ {aliases} node {{ child {{ child {{ id }} }} }} }}"})

    assert response.json()["data"]["a49"] == "Hello, world"


def test_a_fragment_cycle_is_reported_by_validation(
    test_client_factory: TestClientFactory,
) -> None:
    """Sent: fragments that spread each other, and a spread of an unknown fragment."""
    client = client_for(test_client_factory)
    cyclic = "{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { ...A }"

    for query in (cyclic, "{ node { ...Missing } }"):
        errors = post(client, {"query": query}).json()["errors"]
        assert any(
            "Cannot spread fragment" in e["message"] or "Unknown" in e["message"] for e in errors
        )


def test_checked_documents_are_kept_up_to_the_cache_size() -> None:
    cache = DocumentCache(SCHEMA, Limits(), size=2)

    first = cache.check("{ hello }")
    assert cache.check("{ hello }") is first
    cache.check("{ user }")
    cache.check("{ hello }")  # used again: now the most recent
    cache.check("{ broken }")  # evicts "{ user }", the least recently used
    assert cache.check("{ hello }") is first
    assert list(cache._checked) == ["{ broken }", "{ hello }"]


async def test_lifespan_is_left_alone() -> None:
    await GraphQLApp(SCHEMA)({"type": "lifespan"}, no_receive, no_send)


def test_make_schema_refuses_resolvers_for_what_the_sdl_lacks() -> None:
    with pytest.raises(ValueError, match="'Missing', which is no object type"):
        make_schema(SDL, {"Missing": {"x": hello}})
    with pytest.raises(ValueError, match=r"Query\.nope, which is no field"):
        make_schema(SDL, {"Query": {"nope": hello}})


def test_missing_graphql_core_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphql", None)
    monkeypatch.delitem(sys.modules, "resourceful.graphql")

    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[graphql\]"):
        importlib.import_module("resourceful.graphql")


@pytest.mark.parametrize(
    "query",
    [
        "{node" * 2000 + "}" * 2000,
        '{ hello(name: "' + "x" * 150_000 + '") }',
        "{ " + "user " * 20_000 + "}",
    ],
    ids=["deep", "long-string", "wide"],
)
def test_hostile_documents_get_an_error_not_a_500(
    test_client_factory: TestClientFactory, query: str
) -> None:
    """Sent: a document nested 2,000 deep, one with a 150,000-character string, one with
    20,000 fields."""
    response = post(client_for(test_client_factory), {"query": query}, GRAPHQL_RESPONSE)

    assert response.status_code == 400
    assert list(response.json()) == ["errors"]
