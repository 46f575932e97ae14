"""The Location of a created resource: the path of the route serving it, filled from what
the handler returned (RFC 9110 §10.2.2)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from resourceful import App, HTTPResource, Mount, Route, responds
from resourceful.openapi import OpenAPI
from resourceful.requests import Request
from tests.conftest import TestClientFactory


@attrs.frozen
class Note:
    id: int
    text: str


class NoteResource(HTTPResource):
    async def get(self, id: int) -> Note:
        return Note(id, "a note")


class Notes(HTTPResource):
    @responds(201, location=NoteResource)
    async def post(self, note: Note) -> Note:
        return note


async def comment(user: str, number: int) -> dict[str, Any]:
    return {"user": user, "number": number}


@responds(201, location=comment)
async def add_comment(request: Request) -> dict[str, Any]:
    created: dict[str, Any] = await request.json()
    return created  # "user" comes from the request's path


def location_app() -> App:
    users = Mount(
        "/users/{user}",
        routes=[
            Route("/comments", add_comment, methods=["POST"]),
            Route("/c/{number:int}", comment),
        ],
    )
    api = Mount("/api", routes=[Route("/notes", Notes), Route("/notes/{id:int}", NoteResource)])
    return App(routes=[api, users])


@pytest.mark.parametrize("root_path", ["", "/prefix"])
def test_a_created_resource_is_located_by_its_route(
    test_client_factory: TestClientFactory, root_path: str
) -> None:
    client = test_client_factory(location_app(), root_path=root_path)
    created = client.post(f"{root_path}/api/notes", json={"id": 5, "text": "hi"})
    assert (created.status_code, created.headers["location"]) == (201, f"{root_path}/api/notes/5")
    assert created.json() == {"id": 5, "text": "hi"}
    assert client.get(created.headers["location"]).json() == {"id": 5, "text": "a note"}
    comment = client.post(f"{root_path}/users/ann/comments", json={"number": 3})
    assert comment.headers["location"] == f"{root_path}/users/ann/c/3"
    assert client.get(comment.headers["location"]).json() == {"user": "ann", "number": 3}


def test_a_value_without_what_the_path_needs_is_an_error(
    test_client_factory: TestClientFactory,
) -> None:
    client = test_client_factory(location_app())
    with pytest.raises(LookupError, match="The Location of comment needs 'number'"):
        client.post("/users/ann/comments", json={"numero": 3})


def test_the_named_endpoint_must_be_routed_once() -> None:
    # The comment that add_comment names is not routed in this app.
    app = App(routes=[Route("/comments", add_comment, methods=["POST"])])
    with pytest.raises(TypeError, match=r"names an endpoint this app serves with no route"):
        app.build_middleware_stack()
    twice = App(
        routes=[
            Route("/a/{id:int}", NoteResource),
            Route("/b/{id:int}", NoteResource),
            Route("/notes", Notes),
        ]
    )
    with pytest.raises(TypeError, match=r"location=NoteResource\) names an endpoint this app"):
        twice.build_middleware_stack()


def test_the_document_lists_the_location_header() -> None:
    document = OpenAPI(title="Locations", version="1").document(location_app())
    created = document["paths"]["/api/notes"]["post"]["responses"]["201"]
    assert created["headers"] == {"Location": {"schema": {"type": "string"}}}
