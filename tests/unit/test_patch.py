"""JSON Merge Patch (RFC 7396): the merge itself, and ``MergePatch[T]`` bodies of handlers."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful import App, HTTPResource, MergePatch, Route
from resourceful.di import merge_patch
from resourceful.exceptions import RequestValidationError
from resourceful.openapi import OpenAPI
from tests.conftest import TestClientFactory

# RFC 7396, appendix A: (target, patch, result).
RFC_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_EXAMPLES)
def test_the_merge_gives_the_rfcs_results(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner),
    max_leaves=8,
)


@given(json_values, json_values)
def test_a_merge_changes_neither_side_and_a_second_one_changes_nothing(
    target: Any, patch: Any
) -> None:
    kept_target, kept_patch = copy.deepcopy(target), copy.deepcopy(patch)
    once = merge_patch(target, patch)
    assert (target, patch) == (kept_target, kept_patch)
    assert merge_patch(once, patch) == once


@attrs.frozen
class Item:
    name: str
    size: int
    tags: list[str] = attrs.Factory(list)


class Items(HTTPResource):
    def patch(self, changes: MergePatch[Item]) -> Item:
        return changes.apply(Item("lamp", 3, ["light"]))


def client_of(test_client_factory: TestClientFactory) -> Any:
    return test_client_factory(App(routes=[Route("/item", Items)]))


def send(client: Any, body: Any, content_type: str = "application/merge-patch+json") -> Any:
    return client.patch("/item", content=json.dumps(body), headers={"content-type": content_type})


def test_a_patch_changes_the_fields_it_names(test_client_factory: TestClientFactory) -> None:
    client = client_of(test_client_factory)
    response = send(client, {"size": 4, "tags": None})
    assert response.status_code == 200
    assert response.json() == {"name": "lamp", "size": 4, "tags": []}
    assert send(client, {}).json() == {"name": "lamp", "size": 3, "tags": ["light"]}


def test_a_patch_that_leaves_the_value_invalid_is_a_422_naming_each_field(
    test_client_factory: TestClientFactory,
) -> None:
    client = client_of(test_client_factory)
    # Sent: a size of the wrong type, and the removal of a required field.
    response = send(client, {"size": "big", "name": None})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(error["location"] for error in response.json()["errors"]) == [
        ["body", "name"],
        ["body", "size"],
    ]
    # Sent: a JSON array, which replaces the whole item.
    response = send(client, ["lamp"])
    assert response.status_code == 422


def test_a_patch_sent_as_another_type_is_a_415_that_says_what_to_send(
    test_client_factory: TestClientFactory,
) -> None:
    client = client_of(test_client_factory)
    for sent in ("application/json", "application/json-patch+json", "text/plain"):
        response = send(client, {"size": 4}, sent)
        assert response.status_code == 415, sent
        assert response.headers["accept-patch"] == "application/merge-patch+json"
        assert "application/merge-patch+json" in response.text
    # Sent: no content type at all.
    response = client.patch("/item", content=b'{"size": 4}')
    assert response.status_code == 415
    assert "'none'" in response.text


def test_a_patch_that_is_no_json_is_a_400_and_none_at_all_a_422(
    test_client_factory: TestClientFactory,
) -> None:
    client = client_of(test_client_factory)
    headers = {"content-type": "application/merge-patch+json"}
    assert client.patch("/item", content=b"{size: 4", headers=headers).status_code == 400
    response = client.patch("/item", headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": ["body"], "message": "a JSON body is required"}
    ]


def test_the_document_describes_a_patch_body_by_its_media_type() -> None:
    document = OpenAPI(title="t", version="1").document(App(routes=[Route("/item", Items)]))
    operation = document["paths"]["/item"]["patch"]
    content = operation["requestBody"]["content"]
    assert list(content) == ["application/merge-patch+json"]
    schema = content["application/merge-patch+json"]["schema"]
    assert schema["type"] == "object"
    assert "required" not in schema
    assert set(schema["properties"]) == {"name", "size", "tags"}
    assert operation["responses"]["415"]["description"] == (
        "The body is not sent as application/merge-patch+json."
    )


def test_a_bare_merge_patch_merges_any_json(test_client_factory: TestClientFactory) -> None:
    class Anything(HTTPResource):
        def patch(self, changes: MergePatch) -> Any:  # type: ignore[type-arg]
            assert repr(changes) == "MergePatch({'b': None, 'c': [3]})"
            return changes.apply({"a": 1, "b": 2})

    app = App(routes=[Route("/any", Anything)])
    headers = {"content-type": "application/merge-patch+json"}
    response = test_client_factory(app).patch(
        "/any", content=b'{"b": null, "c": [3]}', headers=headers
    )
    assert response.json() == {"a": 1, "c": [3]}
    document = OpenAPI(title="t", version="1").document(app)
    schema = document["paths"]["/any"]["patch"]["requestBody"]["content"]
    assert "type" not in schema["application/merge-patch+json"]["schema"]


def test_a_patch_nested_past_the_interpreters_depth_is_a_422() -> None:
    # Sent: a patch whose objects nest deeper than a merge can follow.
    document: dict[str, Any] = {}
    inner = document
    for _ in range(100_000):
        inner["a"] = inner = {}
    changes: MergePatch[dict[str, Any]] = MergePatch(
        document, dict, cattrs.Converter(), cattrs.Converter().structure
    )
    with pytest.raises(RequestValidationError) as refused:
        changes.apply({"a": 1})
    assert refused.value.errors[0]["location"] == ["body"]
