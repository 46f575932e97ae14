"""Form fields, uploaded files and the raw form, injected into endpoints."""

from __future__ import annotations

from typing import Annotated, Any

import attrs
import pytest

from resourceful import App, File, Form, HTTPResource, Route, Router, WebSocketRoute
from resourceful.datastructures import FormData, UploadFile
from resourceful.di import DependencyError
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory

uploads: list[UploadFile] = []


async def signup(
    name: Annotated[str, Form()],
    age: Annotated[int, Form()],
    newsletter: Annotated[bool, Form()] = False,
    topics: Annotated[list[str], Form("topic")] = [],  # noqa: B006 - never mutated
) -> dict[str, Any]:
    return {"name": name, "age": age, "newsletter": newsletter, "topics": topics}


async def upload(
    title: Annotated[str, Form()],
    document: Annotated[UploadFile, File()],
    extras: Annotated[list[UploadFile], File("extra")] = [],  # noqa: B006 - never mutated
    cover: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    uploads.extend([document, *extras])
    return {
        "title": title,
        "document": [document.filename, (await document.read()).decode()],
        "extras": [extra.filename for extra in extras],
        "cover": cover.filename if cover else None,
    }


async def raw(form: FormData) -> dict[str, list[str]]:
    return {key: [str(value) for value in form.getlist(key)] for key in form}


def forms_app() -> App:
    return App(
        routes=[
            Route("/signup", signup, methods=["POST"]),
            Route("/upload", upload, methods=["POST"]),
            Route("/raw", raw, methods=["POST"]),
        ]
    )


def test_form_fields_urlencoded_and_multipart(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(forms_app())
    data = {"name": "Ann", "age": "41", "newsletter": "on", "topic": ["a", "b"]}
    expected = {"name": "Ann", "age": 41, "newsletter": True, "topics": ["a", "b"]}
    assert client.post("/signup", data=data).json() == expected
    multipart = client.post("/signup", data=data, files={"unused": ("x.txt", b"x")})
    assert multipart.json() == expected
    assert client.post("/signup", data={"name": "Bo", "age": "5"}).json()["newsletter"] is False


def test_bad_form_fields_are_422(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(forms_app())
    # The client left out the name and sent a word as the age.
    response = client.post("/signup", data={"age": "old"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": ["form", "name"], "message": "field required"},
        {"location": ["form", "age"], "message": "expected an integer, got 'old'"},
    ]
    # The client uploaded a file where a text field belongs.
    swapped = client.post("/signup", data={"age": "3"}, files={"name": ("n.txt", b"Ann")})
    assert swapped.json()["errors"][0] == {
        "location": ["form", "name"],
        "message": "expected a text field",
    }


def test_uploaded_files(test_client_factory: TestClientFactory) -> None:
    uploads.clear()
    client = test_client_factory(forms_app())
    files = [
        ("document", ("report.txt", b"contents", "text/plain")),
        ("extra", ("a.png", b"1", "image/png")),
        ("extra", ("b.png", b"2", "image/png")),
    ]
    response = client.post("/upload", data={"title": "Q3"}, files=files)
    assert response.json() == {
        "title": "Q3",
        "document": ["report.txt", "contents"],
        "extras": ["a.png", "b.png"],
        "cover": None,
    }
    assert len(uploads) == 3
    assert all(upload.file.closed for upload in uploads), "closed after the request"


class Store:
    """A request-scoped service, so the endpoints below need an injection context."""


def test_uploaded_files_are_closed_however_the_endpoint_ends(
    test_client_factory: TestClientFactory,
) -> None:
    kept: list[UploadFile] = []

    async def with_service(document: Annotated[UploadFile, File()], store: Store) -> str:
        kept.append(document)
        return "kept"

    async def failing(document: Annotated[UploadFile, File()]) -> str:
        kept.append(document)
        raise RuntimeError("the endpoint failed after reading the form")

    class Documents(HTTPResource):
        async def post(self, document: Annotated[UploadFile, File()]) -> str:
            kept.append(document)
            return "kept"

    class FailingDocuments(HTTPResource):
        async def post(self, document: Annotated[UploadFile, File()], store: Store) -> str:
            kept.append(document)
            raise RuntimeError("the handler failed after reading the form")

    app = App(
        routes=[
            Route("/service", with_service, methods=["POST"]),
            Route("/failing", failing, methods=["POST"]),
            Route("/resource", Documents),
            Route("/failing-resource", FailingDocuments),
        ],
        providers=[Store],
    )
    client = test_client_factory(app, raise_server_exceptions=False)
    files = {"document": ("report.txt", b"contents", "text/plain")}
    assert client.post("/service", files=files).json() == "kept"
    assert client.post("/failing", files=files).status_code == 500
    assert client.post("/resource", files=files).json() == "kept"
    assert client.post("/failing-resource", files=files).status_code == 500
    assert len(kept) == 4
    assert all(upload.file.closed for upload in kept)


def test_missing_or_wrong_files_are_422(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(forms_app())
    # The client sent the document as a text field instead of a file.
    response = client.post("/upload", data={"title": "Q3", "document": "not a file"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"location": ["file", "document"], "message": "expected a file"}
    ]
    # The client sent no document at all.
    missing = client.post("/upload", data={"title": "Q3"})
    assert missing.json()["errors"] == [
        {"location": ["file", "document"], "message": "field required"}
    ]


def test_raw_form_and_malformed_bodies(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(forms_app())
    assert client.post("/raw", data={"a": ["1", "2"]}).json() == {"a": ["1", "2"]}
    # The client sent a multipart body with no boundary parameter.
    broken = client.post("/raw", content=b"x", headers={"content-type": "multipart/form-data"})
    assert broken.status_code == 400


class FormResource(HTTPResource):
    async def post(self, name: Annotated[str, Form()]) -> str:
        return name


async def socket_form(websocket: WebSocket, name: Annotated[str, Form()]) -> None: ...


async def wrong_file(document: Annotated[bytes, File()]) -> None: ...


def test_form_definition_errors(test_client_factory: TestClientFactory) -> None:
    with pytest.raises(DependencyError, match="needs a form, which only HTTP endpoints of an App"):
        test_client_factory(App(routes=[WebSocketRoute("/", socket_form)])).get("/")
    with pytest.raises(DependencyError, match="needs a form, which only HTTP endpoints of an App"):
        test_client_factory(Router([Route("/", FormResource)])).post("/")
    with pytest.raises(
        DependencyError, match="must be UploadFile or list\\[UploadFile\\], not bytes"
    ):
        test_client_factory(App(routes=[Route("/", wrong_file)])).get("/")
    client = test_client_factory(App(routes=[Route("/", FormResource)]))
    assert client.post("/", data={"name": "Ann"}).json() == "Ann"


@attrs.frozen
class Signup:
    name: str
    age: int
    newsletter: bool
    topics: list[str]
    nickname: str | None = None
    plan: str = "free"


async def signup_model(form: Annotated[Signup, Form()]) -> dict[str, Any]:
    return attrs.asdict(form)


async def avatar(
    picture: Annotated[UploadFile, File(max_size=10, content_types=["image/*", "application/pdf"])],
) -> str:
    return picture.filename or ""


def model_app() -> App:
    return App(
        routes=[
            Route("/signup", signup_model, methods=["POST"]),
            Route("/avatar", avatar, methods=["POST"]),
        ]
    )


def test_form_into_an_attrs_class(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(model_app())
    full = client.post(
        "/signup",
        data={"name": "Ann", "age": "41", "newsletter": "on", "topics": ["a", "b"], "nickname": ""},
    )
    assert full.json() == {
        "name": "Ann",
        "age": 41,
        "newsletter": True,
        "topics": ["a", "b"],
        "nickname": None,
        "plan": "free",
    }
    # An unchecked checkbox is not sent at all: it means False. No topics means an empty list.
    bare = client.post("/signup", data={"name": "Bo", "age": "3", "nickname": "b", "plan": "pro"})
    assert bare.json()["newsletter"] is False
    assert bare.json()["topics"] == []
    assert bare.json()["nickname"] == "b"
    assert bare.json()["plan"] == "pro"


def test_bad_form_models_are_422(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(model_app())
    # The client left out the name, sent a word as the age and a file as a topic.
    response = client.post("/signup", data={"age": "old"}, files={"topics": ("t.txt", b"x")})
    assert response.status_code == 422
    errors = {tuple(e["location"]): e["message"] for e in response.json()["errors"]}
    assert errors[("form", "topics")] == "expected a text field"
    assert errors[("form", "name")] == "field required"
    assert errors[("form", "age")] == "expected an integer, got 'old'"


def test_file_limits(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(model_app())
    ok = client.post("/avatar", files={"picture": ("me.png", b"12345", "image/png")})
    assert ok.json() == "me.png"
    assert (
        client.post("/avatar", files={"picture": ("cv.pdf", b"1", "application/pdf")}).json()
        == "cv.pdf"
    )
    # The client sent a file that is too large, then one of a type that is not allowed.
    big = client.post("/avatar", files={"picture": ("me.png", b"x" * 11, "image/png")})
    assert big.json()["errors"] == [
        {
            "location": ["file", "picture"],
            "message": "the file is larger than the limit of 10 bytes",
        }
    ]
    exe = client.post("/avatar", files={"picture": ("run.exe", b"x", "application/x-msdownload")})
    assert exe.json()["errors"][0]["message"] == (
        "the file type 'application/x-msdownload' is not one of image/*, application/pdf"
    )
