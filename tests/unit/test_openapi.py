from __future__ import annotations

import base64
import dataclasses
import datetime
import decimal
import enum
import hashlib
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Generic, Literal, NewType, TypeVar

import attrs
import pytest
from openapi_spec_validator import validate

from resourceful import (
    App,
    Body,
    Cookie,
    File,
    Form,
    Header,
    Host,
    HTTPResource,
    Mount,
    Query,
    Route,
    Router,
    WebSocketResource,
    WebSocketRoute,
    responds,
)
from resourceful.authentication import requires
from resourceful.conditional import ETag, Validators
from resourceful.datastructures import UploadFile
from resourceful.exceptions import MissingDependencyError
from resourceful.openapi import OpenAPI, ResponseSpec, operation
from resourceful.requests import Request
from resourceful.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from resourceful.staticfiles import StaticFiles
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory
from tests.unit import other_models

T = TypeVar("T")
UserId = NewType("UserId", int)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.Enum):
    LOW = 1
    HIGH = "high"


@attrs.frozen
class Tag:
    name: str


@attrs.frozen
class NoteIn:
    """A note to write."""

    text: str
    color: Color = Color.RED
    tags: list[Tag] = attrs.Factory(list)
    price: decimal.Decimal | None = None


@attrs.frozen
class Note:
    id: int
    text: str
    created: datetime.datetime
    children: list[Note] = attrs.Factory(list)


@attrs.frozen
class Page(Generic[T]):
    items: list[T]
    total: int


@dataclasses.dataclass
class Point:
    x: Annotated[float, "meters"]
    y: float = 0.0
    labels: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Documented:
    """A point with a docstring of its own."""

    x: int


@attrs.frozen
class Page_Tag:  # titled like Page[Tag], in the same module
    tag: Tag


@attrs.frozen
class Filters:
    newest_first: bool = True
    limit: int = 20


@attrs.frozen
class Tag2:
    # Another class titled "Tag": both names are qualified by module.
    name: int


def document(*routes: Any, **options: Any) -> dict[str, Any]:
    """The validated OpenAPI document of an app serving ``routes``."""
    providers = options.pop("providers", [])
    openapi = OpenAPI(**options)
    app = App(routes=list(routes), providers=providers)
    found = openapi.document(app)
    validate(found)
    return found


def schema_of(annotation: Any, *, returned: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema of ``annotation`` as an endpoint's response (or body), and the components."""

    async def response(request: Request) -> None:
        raise NotImplementedError

    async def read(request: Request, body: Any) -> None:
        raise NotImplementedError

    # Set here: a string annotation naming this function's argument could not be resolved.
    if returned:
        response.__annotations__ = {"request": Request, "return": annotation}
        found = document(Route("/", response))
        operation_ = found["paths"]["/"]["get"]
        schema = operation_["responses"]["200"]["content"]["application/json"]["schema"]
    else:
        read.__annotations__ = {"request": Request, "body": Annotated[annotation, Body()]}
        found = document(Route("/", read, methods=["POST"]))
        content = found["paths"]["/"]["post"]["requestBody"]["content"]
        schema = content["application/json"]["schema"]
    return schema, found.get("components", {}).get("schemas", {})


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (Any, {}),
        (uuid.UUID, {"type": "string", "format": "uuid"}),
        (datetime.date, {"type": "string", "format": "date"}),
        (UserId, {"type": "integer"}),
        (Annotated[int, "meta"], {"type": "integer"}),
        (int | UserId, {"anyOf": [{"type": "integer"}]}),  # one choice, once
        (Color, {"enum": ["red", "blue"], "type": "string"}),
        (Level, {"enum": [1, "high"]}),
        (Literal["a"], {"const": "a", "type": "string"}),
        (Literal[1, 2], {"enum": [1, 2], "type": "integer"}),
        (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        (
            int | str | None,
            {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
        ),
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (Sequence[str], {"type": "array", "items": {"type": "string"}}),
        (list, {"type": "array"}),
        (set[int], {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}),
        (frozenset[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
        (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
        (
            tuple[int, str],
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "items": False,
                "minItems": 2,
                "maxItems": 2,
            },
        ),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Mapping[str, Any], {"type": "object", "additionalProperties": {}}),
        (dict, {"type": "object"}),
        (bytes, {}),  # the converters write it their own way: described as anything
    ],
)
def test_types_are_described_as_the_app_reads_them(annotation: Any, expected: Any) -> None:
    assert schema_of(annotation, returned=False)[0] == expected


def test_decimals_times_and_dates_differ_between_what_is_read_and_what_is_written() -> None:
    decimal_out, _ = schema_of(decimal.Decimal)
    decimal_in, _ = schema_of(decimal.Decimal, returned=False)
    assert decimal_out["type"] == "string"
    assert [choice.get("type") for choice in decimal_in["anyOf"]] == ["number", "string"]
    # Python writes naive datetimes without an offset, which "date-time" would refuse.
    datetime_out, _ = schema_of(datetime.datetime)
    assert "format" not in datetime_out
    assert datetime_out["pattern"].startswith("^[0-9]{4}-")
    time_out, _ = schema_of(datetime.time)
    assert "format" not in time_out
    assert schema_of(datetime.datetime, returned=False)[0]["format"] == "date-time"
    assert schema_of(datetime.time, returned=False)[0]["format"] == "time"


def test_attrs_classes_are_shared_components_with_their_fields() -> None:
    schema, components = schema_of(list[Note])
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}
    note = components["Note"]
    assert note["required"] == ["id", "text", "created", "children"]  # responses have every field
    # A class that contains itself refers to its own component.
    assert note["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Note"}


def test_a_body_class_has_its_defaults_and_only_its_required_fields_required() -> None:
    schema, components = schema_of(NoteIn, returned=False)
    assert schema == {"$ref": "#/components/schemas/NoteIn"}
    note = components["NoteIn"]
    assert note["required"] == ["text"]
    assert note["description"] == "A note to write."
    assert note["properties"]["color"] == {
        "enum": ["red", "blue"],
        "type": "string",
        "default": "red",
    }
    assert "default" not in note["properties"]["tags"]  # a factory's value is not shown
    assert note["properties"]["price"]["default"] is None
    assert components["Tag"]["required"] == ["name"]


@attrs.frozen
class Item:
    name: str
    size: int = 1


def test_a_class_read_and_written_differently_gets_two_components() -> None:
    async def put(request: Request, item: Item) -> Item:
        raise NotImplementedError

    found = document(Route("/", put, methods=["PUT"]))
    schemas = found["components"]["schemas"]
    assert schemas["Item-Input"]["required"] == ["name"]
    assert schemas["Item-Output"]["required"] == ["name", "size"]
    operation_ = found["paths"]["/"]["put"]
    body = operation_["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Item-Input"}
    response = operation_["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": "#/components/schemas/Item-Output"}


def test_dataclasses_generics_and_clashing_names() -> None:
    _, components = schema_of(Point, returned=False)
    assert components["Point"]["required"] == ["x"]
    assert components["Point"]["properties"]["y"]["default"] == 0.0
    assert "description" not in components["Point"]  # dataclasses' generated text is not one
    _, components = schema_of(Documented)
    assert components["Documented"]["description"] == "A point with a docstring of its own."
    page, components = schema_of(Page[Tag])
    assert page == {"$ref": "#/components/schemas/Page_Tag"}
    assert components["Page_Tag"]["title"] == "Page[Tag]"
    assert components["Page_Tag"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/Tag"
    }
    assert components["Page_Tag"]["properties"]["total"] == {"type": "integer"}
    _, components = schema_of(tuple[Page[Tag], Page_Tag])
    assert sorted(components) == [
        "Tag",
        "tests.unit.test_openapi.Page_Tag",
        "tests.unit.test_openapi.Page_Tag2",
    ]
    assert components["tests.unit.test_openapi.Page_Tag2"]["title"] == "Page_Tag"
    _, components = schema_of(Filters, returned=False)
    assert "required" not in components["Filters"]  # every field has a default
    _, components = schema_of(tuple[Tag, other_models.Tag, Tag2])
    assert sorted(components) == [
        "Tag2",
        "tests.unit.other_models.Tag",
        "tests.unit.test_openapi.Tag",
    ]


@attrs.frozen
class Box(Generic[T]):
    value: T | None
    many: dict[str, T]
    kind: Literal["box"] = "box"


def test_a_generic_class_with_an_unbound_or_optional_type_variable() -> None:
    _, components = schema_of(Box[int])
    properties = components["Box_int"]["properties"]
    assert properties["value"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert properties["many"] == {"type": "object", "additionalProperties": {"type": "integer"}}
    _, components = schema_of(Box)  # not bound: anything
    assert components["Box"]["properties"]["value"] == {"anyOf": [{}, {"type": "null"}]}


class Notes(HTTPResource):
    async def get(
        self,
        limit: Annotated[int, Query()] = 20,
        tags: Annotated[list[str], Query("tag")] = [],  # noqa: B006 (never changed)
        x_token: Annotated[str | None, Header()] = None,
        accepts: Annotated[list[int] | None, Header("x-accepts")] = None,
        session: Annotated[str, Cookie()] = "none",
        color: Color = Color.RED,
    ) -> list[Note]:
        """List the notes.

        Newest first.
        """
        raise NotImplementedError

    @responds(201, headers={"Location": "where the note is"})
    async def post(self, note: NoteIn) -> Note:
        """Add a note."""
        raise NotImplementedError


def test_query_header_and_cookie_parameters() -> None:
    found = document(Route("/notes", Notes))
    get = found["paths"]["/notes"]["get"]
    assert get["summary"] == "List the notes."
    assert get["description"] == "Newest first."
    assert get["operationId"] == "Notes_get"
    assert get["tags"] == ["Notes"]
    assert get["parameters"] == [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "default": 20},
        },
        {
            "name": "tag",
            "in": "query",
            "required": False,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {"name": "x-token", "in": "header", "required": False, "schema": {"type": "string"}},
        {
            "name": "x-accepts",
            "in": "header",
            "required": False,
            "schema": {"type": "array", "items": {"type": "integer"}},
            "style": "simple",
        },
        {
            "name": "session",
            "in": "cookie",
            "required": False,
            "schema": {"type": "string", "default": "none"},
        },
        {
            "name": "color",
            "in": "query",
            "required": False,
            "schema": {"enum": ["red", "blue"], "type": "string", "default": "red"},
        },
    ]
    assert set(get["responses"]) == {"200", "422"}


def test_a_typed_body_and_a_status_set_by_responds() -> None:
    post = document(Route("/notes", Notes))["paths"]["/notes"]["post"]
    assert post["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoteIn"}}},
    }
    created = post["responses"]["201"]
    assert created["description"] == "Created."
    assert created["headers"] == {"Location": {"schema": {"type": "string"}}}
    assert set(post["responses"]) == {"201", "400", "415", "422"}
    problem = post["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ValidationProblem"}


def test_path_parameters_from_convertors_types_and_mounts() -> None:
    class Detail(HTTPResource):
        async def get(self, id: int, version: str) -> None:
            raise NotImplementedError

    async def by_name(request: Request, name: int) -> None:
        raise NotImplementedError

    async def anything(request: Request) -> None:
        raise NotImplementedError

    found = document(
        Mount(
            "/v{version}",
            routes=[
                Route("/notes/{id:int}", Detail),
                Route("/named/{name}", by_name),
                Route("/files/{rest:path}/{ratio:float}/{key:uuid}", anything),
            ],
        )
    )
    paths = found["paths"]
    detail = paths["/v{version}/notes/{id}"]["get"]["parameters"]
    assert detail == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}},
        {
            "name": "version",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[^/]+$"},
        },
    ]
    # A str convertor lets the parameter's type decide.
    named = paths["/v{version}/named/{name}"]["get"]["parameters"]
    assert named[0]["schema"] == {"type": "integer"}
    files = paths["/v{version}/files/{rest}/{ratio}/{key}"]["get"]
    schemas = {p["name"]: p["schema"] for p in files["parameters"]}
    assert schemas == {
        "version": {"type": "string", "pattern": "^[^/]+$"},
        "rest": {"type": "string"},
        "ratio": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
        "key": {"type": "string", "format": "uuid"},
    }
    # A path no convertor matches is no route: a 404.
    assert set(files["responses"]) == {"204", "404"}


def test_a_custom_convertor_is_described_by_its_regex() -> None:
    from resourceful.convertors import StringConvertor, register_url_convertor

    class Slug(StringConvertor):
        regex = "[a-z-]+"

    register_url_convertor("openapislug", Slug())

    async def show(request: Request) -> None:
        raise NotImplementedError

    found = document(Route("/posts/{slug:openapislug}", show))
    parameter = found["paths"]["/posts/{slug}"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "string", "pattern": "^[a-z-]+$"}


@attrs.frozen
class Profile:
    name: str
    newsletter: bool
    topics: list[str]
    nickname: str | None
    age: int = 0


def test_forms_and_files() -> None:
    async def upload(
        request: Request,
        avatar: Annotated[UploadFile, File(content_types=["image/png", "image/*"])],
        extra: Annotated[list[UploadFile], File()],
        title: Annotated[str, Form()],
        note: Annotated[str, Form()] = "",
    ) -> None:
        raise NotImplementedError

    async def profile(request: Request, form: Annotated[Profile, Form()]) -> None:
        raise NotImplementedError

    found = document(
        Route("/upload", upload, methods=["POST"]), Route("/profile", profile, methods=["POST"])
    )
    body = found["paths"]["/upload"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]  # files need multipart
    multipart = body["content"]["multipart/form-data"]
    assert multipart["schema"] == {
        "type": "object",
        "properties": {
            "avatar": {"type": "string", "format": "binary"},
            "extra": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "title": {"type": "string"},
            "note": {"type": "string"},
        },
        "required": ["avatar", "extra", "title"],
    }
    assert multipart["encoding"] == {"avatar": {"contentType": "image/png, image/*"}}
    assert body["required"] is True
    profile_body = found["paths"]["/profile"]["post"]["requestBody"]
    assert list(profile_body["content"]) == [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]
    schema = profile_body["content"]["application/x-www-form-urlencoded"]["schema"]
    # An unchecked box and an empty list are sent as nothing at all: neither is required.
    assert schema["required"] == ["name", "nickname"]
    # An empty field is None: what is sent is text all the same.
    assert schema["properties"]["nickname"] == {"type": "string"}
    assert set(found["paths"]["/profile"]["post"]["responses"]) == {"204", "400", "422"}


def test_a_form_of_defaults_only_and_a_docstring_of_yaml_only() -> None:
    async def search(request: Request, term: Annotated[str, Form()] = "") -> None:
        """---
        responses:
          204:
            description: Starlette-style YAML, not a summary.
        """
        raise NotImplementedError

    post = document(Route("/", search, methods=["POST"]))["paths"]["/"]["post"]
    assert post["requestBody"]["required"] is False
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema == {"type": "object", "properties": {"term": {"type": "string"}}}
    assert "summary" not in post
    assert "description" not in post


def test_an_optional_body_and_examples_of_it() -> None:
    @operation(
        examples={"short": {"text": "hi"}, "full": {"value": {"text": "hi"}, "summary": "x"}}
    )
    async def post(request: Request, note: NoteIn | None = None) -> None:
        raise NotImplementedError

    body = document(Route("/", post, methods=["POST"]))["paths"]["/"]["post"]["requestBody"]
    assert body["required"] is False
    assert body["content"]["application/json"]["examples"] == {
        "short": {"value": {"text": "hi"}},
        "full": {"value": {"text": "hi"}, "summary": "x"},
    }


def test_responses_described_by_return_annotations() -> None:
    async def untyped(request):  # type: ignore[no-untyped-def]
        raise NotImplementedError

    async def maybe(request: Request) -> Note | None:
        raise NotImplementedError

    async def html(request: Request) -> HTMLResponse:
        raise NotImplementedError

    async def text(request: Request) -> PlainTextResponse:
        raise NotImplementedError

    async def data(request: Request) -> JSONResponse:
        raise NotImplementedError

    async def moved(request: Request) -> RedirectResponse:
        raise NotImplementedError

    async def stream(request: Request) -> StreamingResponse:
        raise NotImplementedError

    async def download(request: Request) -> FileResponse:
        raise NotImplementedError

    async def plain(request: Request) -> Response:
        raise NotImplementedError

    async def either(request: Request) -> Tag | Note:
        raise NotImplementedError

    endpoints = [untyped, maybe, html, text, data, moved, stream, download, plain, either]
    found = document(*(Route(f"/{e.__name__}", e) for e in endpoints))
    responses = {path[1:]: item["get"]["responses"] for path, item in found["paths"].items()}
    assert responses["untyped"] == {"200": {"description": "The response."}}
    assert set(responses["maybe"]) == {"200", "204"}
    assert responses["html"]["200"]["content"] == {"text/html": {"schema": {"type": "string"}}}
    assert responses["text"]["200"]["content"] == {"text/plain": {"schema": {"type": "string"}}}
    assert responses["data"]["200"]["content"] == {"application/json": {"schema": {}}}
    assert set(responses["moved"]) == {"307"}
    assert "content" not in responses["stream"]["200"]
    assert "content" not in responses["download"]["200"]
    assert "content" not in responses["plain"]["200"]
    assert responses["either"]["200"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Tag"}, {"$ref": "#/components/schemas/Note"}]
    }


def test_operation_overrides_and_adds() -> None:
    @operation(tags=["notes"], responses={404: "No such note."}, deprecated=True)
    class Detail(HTTPResource):
        @operation(
            summary="Read one note",
            description="By id.",
            operation_id="readNote",
            responses={
                410: ResponseSpec(
                    "Gone for good.",
                    type=Tag,
                    headers={"Retry-After": "never"},
                    examples={"gone": {"name": "x"}},
                ),
            },
            extra={"externalDocs": {"url": "https://example.org/notes"}},
        )
        async def get(self, id: int) -> Note:
            """Ignored: the operation sets a summary."""
            raise NotImplementedError

        @operation(tags=["admin"], include_in_schema=True)
        async def delete(self, id: int) -> None:
            raise NotImplementedError

        @operation(include_in_schema=False)
        async def put(self, id: int) -> None:
            raise NotImplementedError

    found = document(Route("/notes/{id:int}", Detail))
    item = found["paths"]["/notes/{id}"]
    assert set(item) == {"get", "delete"}
    get = item["get"]
    assert (get["summary"], get["description"], get["operationId"]) == (
        "Read one note",
        "By id.",
        "readNote",
    )
    assert get["tags"] == ["notes"]
    assert get["deprecated"] is True
    assert get["externalDocs"] == {"url": "https://example.org/notes"}
    assert get["responses"]["404"] == {"description": "No such note."}
    gone = get["responses"]["410"]
    assert gone["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Tag"},
        "examples": {"gone": {"value": {"name": "x"}}},
    }
    assert gone["headers"] == {
        "Retry-After": {"description": "never", "schema": {"type": "string"}}
    }
    assert item["delete"]["tags"] == ["admin"]
    assert item["delete"]["deprecated"] is True


def test_requirements_and_security_schemes() -> None:
    @requires("notes:write")
    class Admin(HTTPResource):
        async def post(self) -> None:
            raise NotImplementedError

    @requires("authenticated", redirect="login")
    async def page(request: Request) -> HTMLResponse:
        raise NotImplementedError

    schemes = {"bearer": {"type": "http", "scheme": "bearer"}}
    found = document(Route("/admin", Admin), Route("/page", page), security_schemes=schemes)
    post = found["paths"]["/admin"]["post"]
    assert post["security"] == [{"bearer": ["notes:write"]}]
    assert post["responses"]["403"]["description"] == "Forbidden: not allowed."
    get = found["paths"]["/page"]["get"]
    assert get["responses"]["303"]["description"].startswith("Sign in first")
    assert found["components"]["securitySchemes"] == schemes
    # Without schemes, no security requirement can name one.
    assert "security" not in document(Route("/admin", Admin))["paths"]["/admin"]["post"]


def test_what_is_left_out() -> None:
    class Socket(WebSocketResource):
        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            raise NotImplementedError

    async def ws(websocket: WebSocket) -> None:
        raise NotImplementedError

    async def hidden(request: Request) -> None:
        raise NotImplementedError

    class Searching(HTTPResource):
        async def get(self) -> None:
            raise NotImplementedError

        async def query(self) -> None:  # OpenAPI 3.1 has no QUERY
            raise NotImplementedError

    found = document(
        WebSocketRoute("/ws", ws),
        WebSocketRoute("/socket", Socket),
        Route("/hidden", hidden, include_in_schema=False),
        Route("/app", PlainTextResponse("an ASGI app")),
        Mount("/static", StaticFiles(directory=".")),
        Route("/search", Searching, methods=["GET"]),
        Route("/search2", Searching),
    )
    assert found["paths"] == {
        "/search": {"get": found["paths"]["/search"]["get"]},
        "/search2": {"get": found["paths"]["/search2"]["get"]},
    }
    assert found["paths"]["/search2"]["get"]["operationId"] == "Searching_get_2"


class Store:
    pass


def test_mounted_apps_hosts_and_hooks() -> None:
    class Inner(HTTPResource):
        async def before(self, store: Store, trace: Annotated[str, Header("x-trace")] = "") -> None:
            raise NotImplementedError

        async def get(self, store: Store) -> list[str]:
            raise NotImplementedError

    sub = App(routes=[Route("/inner", Inner)], providers=[Store])

    async def home(request: Request) -> None:
        raise NotImplementedError

    found = document(
        Mount("/api", sub, name="api"),
        Host("admin.example.org", Router(routes=[Route("/home", home)])),
        Route("/home", home),  # served for every host: the first route wins
    )
    inner = found["paths"]["/api/inner"]["get"]
    assert inner["tags"] == ["api"]
    assert inner["operationId"] == "api_Inner_get"
    assert inner["parameters"] == [
        {
            "name": "x-trace",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "default": ""},
        }
    ]
    assert found["paths"]["/home"]["get"]["operationId"] == "home_get"


def test_top_level_fields() -> None:
    found = document(
        title="Notes",
        version="2.0",
        description="All about notes.",
        servers=["https://api.example.org", {"url": "/", "description": "here"}],
        tags=[{"name": "notes", "description": "The notes."}],
        extra={"externalDocs": {"url": "https://example.org"}},
    )
    assert found == {
        "openapi": "3.1.0",
        "info": {"title": "Notes", "version": "2.0", "description": "All about notes."},
        "servers": [{"url": "https://api.example.org"}, {"url": "/", "description": "here"}],
        "paths": {},
        "tags": [{"name": "notes", "description": "The notes."}],
        "externalDocs": {"url": "https://example.org"},
    }


def test_the_app_serves_its_document_and_docs_page(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(
        routes=[Route("/notes", Notes)],
        openapi=OpenAPI(title="Notes <&>", yaml_path="/openapi.yaml"),
    )
    with test_client_factory(app) as client:
        response = client.get("/openapi.json")
        assert response.headers["content-type"] == "application/json"
        served = response.json()
        validate(served)
        assert set(served["paths"]) == {"/notes"}  # its own routes are left out
        assert client.get("/openapi.json").content == response.content
        import yaml

        as_yaml = client.get("/openapi.yaml")
        assert as_yaml.headers["content-type"] == "application/yaml"
        assert yaml.safe_load(as_yaml.text) == served
        page = client.get("/docs")
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>Notes &lt;&amp;&gt;</title>" in page.text
        assert 'url: "/openapi.json"' in page.text
        assert "swagger-ui-dist@5/swagger-ui-bundle.js" in page.text
        # Its own policy allows the assets' origin and its one inline script, by hash.
        script = page.text.split("<script>")[1].split("</script>")[0]
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        policy = page.headers["content-security-policy"]
        assert f"script-src https://cdn.jsdelivr.net 'sha256-{digest}';" in policy
        assert policy.startswith("default-src 'none';")
        assert "style-src https://cdn.jsdelivr.net;" in policy
        assert "'unsafe-inline'" not in policy, "no inline script nor style element"


def test_a_mounted_app_says_where_it_is(test_client_factory: TestClientFactory) -> None:
    inner = App(routes=[Route("/notes", Notes)], openapi=OpenAPI(ui_assets="/assets/"))
    outer = App(routes=[Mount("/api", inner)])
    with test_client_factory(outer) as client:
        assert client.get("/api/openapi.json").json()["servers"] == [{"url": "/api"}]
        page = client.get("/api/docs")
        assert 'url: "/api/openapi.json"' in page.text
        assert '<script src="/assets/swagger-ui-bundle.js">' in page.text
        assert "script-src 'self' 'sha256-" in page.headers["content-security-policy"]


def test_renderings_for_client_chosen_prefixes_are_not_all_kept(
    test_client_factory: TestClientFactory,
) -> None:
    openapi = OpenAPI()
    inner = App(routes=[Route("/notes", Notes)], openapi=openapi)
    client = test_client_factory(App(routes=[Mount("/v{version}", inner)]))
    # The client sent 40 different versions: each is a root path of its own.
    for version in range(40):
        servers = client.get(f"/v{version}/openapi.json").json()["servers"]
        assert servers == [{"url": f"/v{version}"}]
    assert len(openapi._served) == 16


def test_the_document_url_cannot_end_the_page_script() -> None:
    from resourceful.openapi._page import docs_page

    page, _ = docs_page("t", "/a", "/x</script><script>alert(1)")
    assert "</script><script>alert" not in page
    assert '"/x\\u003c/script>\\u003cscript>alert(1)"' in page


def test_openapi_options_are_checked() -> None:
    with pytest.raises(ValueError, match="give a path for it too"):
        OpenAPI(path=None)
    only_json = OpenAPI(docs_path=None)
    assert [route.path for route in only_json.routes()] == ["/openapi.json"]  # type: ignore[attr-defined]
    assert OpenAPI(path=None, docs_path=None).routes() == []


def test_yaml_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[yaml\]"):
        OpenAPI(yaml_path="/openapi.yaml")


def test_two_hundred_routes_are_described_quickly_and_once() -> None:
    # The figure lives in the benchmarks; here: every route is in, and the build is kept.
    routes = [Route(f"/notes{i}/{{id:int}}", Notes) for i in range(200)]
    openapi = OpenAPI()
    app = App(routes=routes)
    found = openapi.document(app)
    assert len(found["paths"]) == 200
    assert openapi.document(app) is found


def test_bounds_are_in_the_schemas() -> None:
    async def search(
        request: Request,
        page: Annotated[int, Query(ge=1, lt=100)] = 1,
        tags: Annotated[list[str], Query("tag", min_length=2, pattern="^[a-z]+$")] = [],  # noqa: B006
        note: Annotated[str, Form(max_length=10)] = "",
    ) -> None:
        raise NotImplementedError

    post = document(Route("/", search, methods=["POST"]))["paths"]["/"]["post"]
    schemas = {p["name"]: p["schema"] for p in post["parameters"]}
    assert schemas == {
        "page": {"type": "integer", "minimum": 1, "exclusiveMaximum": 100, "default": 1},
        "tag": {
            "type": "array",
            "items": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
        },
    }
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["note"] == {"type": "string", "maxLength": 10}


def test_a_mounts_tags_and_responses_merge_into_its_operations(
    test_client_factory: TestClientFactory,
) -> None:
    async def listing() -> list[str]:
        return []

    @operation(tags=["admin"], responses={401: "Log in with an admin account."})
    async def purge() -> None:
        return None

    class Stock(HTTPResource):
        async def get(self) -> int:
            return 0

    routes = [
        Route("/health", listing),
        Mount(
            "/api",
            routes=[
                Route("/notes", listing),
                Mount(
                    "/admin",
                    routes=[Route("/purge", purge, methods=["POST"]), Route("/stock", Stock)],
                    tags=["notes", "maintenance"],
                    responses={
                        503: ResponseSpec(
                            "Down for maintenance.", headers={"Retry-After": "When to try again."}
                        )
                    },
                ),
            ],
            name="api",
            tags=["api", "notes"],
            responses={401: "Log in first.", 429: "Too many requests."},
        ),
    ]
    paths = document(*routes)["paths"]
    notes = paths["/api/notes"]["get"]
    assert notes["tags"] == ["api", "notes"], "declared tags replace the mount's name"
    assert (notes["responses"]["401"]["description"], notes["responses"]["429"]["description"]) == (
        "Log in first.",
        "Too many requests.",
    )
    purged = paths["/api/admin/purge"]["post"]
    assert purged["tags"] == ["api", "notes", "maintenance", "admin"], "merged, outermost first"
    assert purged["responses"]["401"]["description"] == "Log in with an admin account."
    assert purged["responses"]["503"]["headers"]["Retry-After"]["description"] == (
        "When to try again."
    )
    assert paths["/api/admin/stock"]["get"]["tags"] == ["api", "notes", "maintenance"]
    health = paths["/health"]["get"]
    assert "tags" not in health
    assert "401" not in health["responses"]
    with test_client_factory(App(routes=routes)) as client:  # the declarations change no response
        assert client.get("/api/notes").json() == []
        assert client.post("/api/admin/purge").status_code == 204
        assert client.get("/api/admin/stock").json() == 0


@attrs.frozen
class Card:
    id: int
    title: str


class CardResource(HTTPResource):
    require_if_match = True

    def validators(self, id: int) -> Validators:
        return Validators(ETag(f"card-{id}"))

    async def get(self, id: int) -> Card:
        return Card(id, "A card")

    async def delete(self, id: int) -> None:
        return None


def card_validators(card: Card) -> Validators:
    return Validators(ETag(f"card-{card.id}"))


class Cards(HTTPResource):
    @responds(201, location=CardResource, validators=card_validators)
    async def post(self, card: Card) -> Card:
        return card


@responds(201, location=CardResource)
async def copy_card(id: int) -> dict[str, int]:
    return {"id": id + 1}


def test_a_created_resource_links_to_what_can_be_done_with_it(
    test_client_factory: TestClientFactory,
) -> None:
    board = Mount(
        "/boards/{board}",
        routes=[
            Route("/cards", Cards, name="cards"),
            Route("/cards/{id:int}", CardResource, name="card"),
            Route("/cards/{id:int}/copy", copy_card, methods=["POST"], name="copy"),
        ],
        name="board",
    )
    document = OpenAPI(title="t", version="1").document(App(routes=[board]))
    validate(document)
    created = document["paths"]["/boards/{board}/cards"]["post"]["responses"]["201"]
    assert set(created["headers"]) == {"Location", "ETag"}
    # The card's id is in the created body; the board, in the request's path only. The
    # new ETag goes to If-Match of what changes the card.
    assert created["links"] == {
        "board_card_get": {
            "operationId": "board_card_get",
            "parameters": {"path.board": "$request.path.board", "path.id": "$response.body#/id"},
        },
        "board_card_delete": {
            "operationId": "board_card_delete",
            "parameters": {
                "path.board": "$request.path.board",
                "path.id": "$response.body#/id",
                "header.If-Match": "$response.header.ETag",
            },
        },
    }
    # What gives no ETag links without If-Match (the card's delete then asks for it: 428).
    copied = document["paths"]["/boards/{board}/cards/{id}/copy"]["post"]["responses"]["201"]
    assert copied["links"]["board_card_delete"]["parameters"] == {
        "path.board": "$request.path.board",
        "path.id": "$request.path.id",
    }
    # Followed as a client would: what the links say holds.
    client = test_client_factory(App(routes=[board]))
    created = client.post("/boards/7/cards", json={"id": 3, "title": "Do"})
    card = f"/boards/7/cards/{created.json()['id']}"
    assert client.get(card).json() == {"id": 3, "title": "A card"}
    tag = created.headers["etag"]
    assert client.delete(card, headers={"if-match": tag}).status_code == 204
    copy = client.post(f"{card}/copy")
    assert (copy.status_code, copy.headers["location"]) == (201, "/boards/7/cards/4")


class Hidden(HTTPResource):
    async def get(self, id: int) -> Card:
        return Card(id, "Hidden")


class HiddenCards(HTTPResource):
    @responds(201, location=Hidden)
    async def post(self, card: Card) -> Card:
        return card


def test_no_links_lead_to_operations_left_out_of_the_document(
    test_client_factory: TestClientFactory,
) -> None:
    routes = [
        Route("/cards", HiddenCards),
        Route("/cards/{id:int}", Hidden, include_in_schema=False),
    ]
    app = App(routes=routes)
    document = OpenAPI(title="t", version="1").document(app)
    assert "links" not in document["paths"]["/cards"]["post"]["responses"]["201"]
    client = test_client_factory(app)
    location = client.post("/cards", json={"id": 5, "title": "x"}).headers["location"]
    assert client.get(location).json() == {"id": 5, "title": "Hidden"}, "served all the same"


@operation(responses={400: ResponseSpec("The form again.", str, "text/html")})
async def sign(request: Request, name: Annotated[str, Form()]) -> PlainTextResponse:
    return PlainTextResponse(name)


def test_a_declared_body_joins_the_one_the_framework_sends_for_a_status(
    test_client_factory: TestClientFactory,
) -> None:
    app = App(routes=[Route("/sign", sign, methods=["POST"])])
    assert test_client_factory(app).post("/sign", data={"name": "ann"}).text == "ann"
    document = OpenAPI(title="t", version="1").document(app)
    refused = document["paths"]["/sign"]["post"]["responses"]["400"]
    # The page of the endpoint's own, beside the plain text of a form that does not parse.
    assert refused["description"] == "The form again."
    assert set(refused["content"]) == {"text/html", "text/plain"}
