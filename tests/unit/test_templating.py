"""Jinja2Templates with real template files in temporary directories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import jinja2
import pytest

from resourceful import App, Middleware, Mount, Route
from resourceful.background import BackgroundTask
from resourceful.middleware.csrf import CSRFMiddleware
from resourceful.middleware.sessions import SessionMiddleware
from resourceful.requests import Request
from resourceful.responses import Response
from resourceful.staticfiles import StaticFiles
from resourceful.templating import Jinja2Templates
from resourceful.types import Message
from tests.conftest import TestClientFactory


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "page.html").write_text(
        "<h1>{{ title }}</h1><p>{{ request.url.path }}</p>"
        "<a href=\"{{ url_for('static', path='app.css') }}\">css</a>{{ site }}"
    )
    (tmp_path / "form.html").write_text("<form>{{ csrf_input() }}</form><i>{{ csrf_token() }}</i>")
    (tmp_path / "plain.txt").write_text("{{ title }}")
    (tmp_path / "static").mkdir()
    return tmp_path


def templates_app(templates: Jinja2Templates, folder: Path) -> App:
    async def page(request: Request) -> Response:
        title = request.query_params.get("title", "Home")
        return templates.TemplateResponse(request, "page.html", {"title": title})

    async def form(request: Request) -> Response:
        return templates.TemplateResponse(request, "form.html")

    async def plain(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "plain.txt",
            {"title": "<b>"},
            status_code=201,
            headers={"x-tpl": "1"},
            media_type="text/plain",
            background=BackgroundTask(lambda: None),
        )

    return App(
        routes=[
            Route("/", page),
            Route("/form", form),
            Route("/plain", plain),
            Mount("/static", StaticFiles(directory=folder / "static"), name="static"),
        ],
        middleware=[
            Middleware(SessionMiddleware, secret_key="s"),
            Middleware(CSRFMiddleware, secret_key="c"),
        ],
    )


def site_name(request: Request) -> dict[str, Any]:
    return {"site": " | Notes"}


def test_template_response(test_client_factory: TestClientFactory, folder: Path) -> None:
    templates = Jinja2Templates(folder, context_processors=[site_name])
    client = test_client_factory(templates_app(templates, folder))
    response = client.get("/?title=Hi")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == (
        '<h1>Hi</h1><p>/</p><a href="http://testserver/static/app.css">css</a> | Notes'
    )
    assert response.template.name == "page.html"
    assert response.context["title"] == "Hi"
    assert isinstance(response.context["request"], Request)


def test_html_is_autoescaped(test_client_factory: TestClientFactory, folder: Path) -> None:
    client = test_client_factory(templates_app(Jinja2Templates(folder), folder))
    # The client put markup in a value the page shows.
    response = client.get("/", params={"title": "<script>alert(1)</script>"})
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    plain = client.get("/plain")
    assert (plain.status_code, plain.text, plain.headers["x-tpl"]) == (201, "<b>", "1")
    assert plain.headers["content-type"] == "text/plain; charset=utf-8"


def test_csrf_helpers(test_client_factory: TestClientFactory, folder: Path) -> None:
    client = test_client_factory(templates_app(Jinja2Templates(folder), folder))
    html = client.get("/form").text
    assert '<input type="hidden" name="csrf_token" value="' in html
    token = html.split("<i>")[1].split("</i>")[0]
    assert f'value="{token}"' in html


def test_async_environment(test_client_factory: TestClientFactory, folder: Path) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder), autoescape=True, enable_async=True
    )
    client = test_client_factory(templates_app(Jinja2Templates(env=env), folder))
    response = client.get("/?title=Async")
    assert response.text.startswith("<h1>Async</h1>")
    assert response.headers["content-length"] == str(len(response.content))


def test_configuration_errors(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError, match="either directory= or env="):
        Jinja2Templates()
    with pytest.raises(TypeError, match="either directory= or env="):
        Jinja2Templates(folder, env=jinja2.Environment())
    assert Jinja2Templates(folder).get_template("page.html").name == "page.html"
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(ImportError, match=r"resourceful-asgi\[templates\]"):
        Jinja2Templates(folder)


async def test_rendering_without_the_debug_extension(folder: Path) -> None:
    templates = Jinja2Templates(folder)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    request = Request(scope)
    response = templates.TemplateResponse(request, "plain.txt", {"title": "x"})
    with sender, receiver:
        await response(scope, receiver.receive, send)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
