"""StaticFiles with real files in temporary directories, attacks included."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

from resourceful import App, Mount, Route, Router
from resourceful.caching import CacheControl
from resourceful.requests import Request
from resourceful.responses import PlainTextResponse, Response
from resourceful.staticfiles import StaticFiles
from resourceful.types import Message, Scope
from tests.conftest import TestClientFactory


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "css").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "empty").mkdir()
    (root / "css" / "style.css").write_text("body { color: red }")
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "docs" / "index.html").write_text("<h1>docs</h1>")
    (root / "404.html").write_text("<h1>lost</h1>")
    (tmp_path / "secret.txt").write_text("top secret")
    return root


def static_app(site: Path, *, html: bool = False, follow_symlink: bool = False) -> App:
    async def page(request: Request) -> Response:
        return PlainTextResponse(str(request.url_for("static", path="css/style.css")))

    return App(
        routes=[
            Route("/page", page),
            Mount(
                "/static",
                StaticFiles(directory=site, html=html, follow_symlink=follow_symlink),
                name="static",
            ),
        ]
    )


def test_serves_files_with_validators(test_client_factory: TestClientFactory, site: Path) -> None:
    client = test_client_factory(static_app(site))
    response = client.get("/static/css/style.css")
    assert response.text == "body { color: red }"
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["etag"]
    assert response.headers["last-modified"]
    head = client.head("/static/css/style.css")
    assert (head.status_code, head.content) == (200, b"")
    assert client.get("/page").text == "http://testserver/static/css/style.css"


def test_conditional_requests_get_304(test_client_factory: TestClientFactory, site: Path) -> None:
    client = test_client_factory(static_app(site))
    first = client.get("/static/css/style.css")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    cached = client.get("/static/css/style.css", headers={"if-none-match": etag})
    assert (cached.status_code, cached.content) == (304, b"")
    assert cached.headers["etag"] == etag
    assert (
        client.get("/static/css/style.css", headers={"if-none-match": f'W/{etag}, "x"'}).status_code
        == 304
    )
    assert client.get("/static/css/style.css", headers={"if-none-match": "*"}).status_code == 304
    assert (
        client.get("/static/css/style.css", headers={"if-none-match": '"other"'}).status_code == 200
    )
    assert (
        client.get("/static/css/style.css", headers={"if-modified-since": modified}).status_code
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        client.get("/static/css/style.css", headers={"if-modified-since": old}).status_code == 200
    )
    # The client sent a date that is not a date.
    assert (
        client.get("/static/css/style.css", headers={"if-modified-since": "yesterday"}).status_code
        == 200
    )


def test_files_carry_the_cache_policy_given(
    test_client_factory: TestClientFactory, site: Path
) -> None:
    policy = CacheControl(public=True, max_age=31_536_000, immutable=True)
    files = StaticFiles(directory=site, html=True, cache_control=policy)
    client = test_client_factory(App(routes=[Mount("/static", files)]))
    first = client.get("/static/css/style.css")
    assert first.headers["cache-control"] == "max-age=31536000, public, immutable"
    fresh = client.get("/static/css/style.css", headers={"if-none-match": first.headers["etag"]})
    assert (fresh.status_code, fresh.headers["cache-control"]) == (304, str(policy))
    # A miss, responded to with the 404 page, is not kept for a year.
    missing = client.get("/static/nothing.css")
    assert (missing.status_code, "cache-control" in missing.headers) == (404, False)


def test_ranges(test_client_factory: TestClientFactory, site: Path) -> None:
    client = test_client_factory(static_app(site))
    response = client.get("/static/css/style.css", headers={"range": "bytes=0-3"})
    assert (response.status_code, response.text) == (206, "body")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/css/%2E%2E/%2E%2E/secret.txt",
        "/static//etc/passwd",
        "/static/css/style.css%00.png",
        "/static/..%5csecret.txt",
        "/static/missing.txt",
        "/static/css",
        "/static/css/style.css/more",
        "/static/" + "a" * 5000,  # a name longer than the file system takes
    ],
)
def test_paths_outside_or_missing_are_404(
    test_client_factory: TestClientFactory, site: Path, path: str
) -> None:
    client = test_client_factory(static_app(site))
    # The client asked for a path that tries to leave the directory, or is not there.
    response = client.get(path)
    assert response.status_code == 404
    assert "top secret" not in response.text


async def test_raw_traversal_scope_is_404(site: Path) -> None:
    # A server that passes ".." through unnormalized still gets nothing outside.
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        scope = {"type": "http", "method": "GET", "path": "/../secret.txt", "headers": []}
        await StaticFiles(directory=site)(scope, receiver.receive, send)
    assert sent[0]["status"] == 404


def test_symlinks_out_of_the_directory(
    test_client_factory: TestClientFactory, site: Path, tmp_path: Path
) -> None:
    (site / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (site / "inside.css").symlink_to(site / "css" / "style.css")
    strict = test_client_factory(static_app(site))
    assert strict.get("/static/escape.txt").status_code == 404
    assert strict.get("/static/inside.css").text == "body { color: red }"
    trusting = test_client_factory(static_app(site, follow_symlink=True))
    assert trusting.get("/static/escape.txt").text == "top secret"


def test_special_files_are_404(test_client_factory: TestClientFactory, site: Path) -> None:
    os.mkfifo(site / "pipe")
    # The client asked for a named pipe: reading it would block, so it is not a file to serve.
    assert test_client_factory(static_app(site)).get("/static/pipe").status_code == 404


def test_html_mode(test_client_factory: TestClientFactory, site: Path) -> None:
    client = test_client_factory(static_app(site, html=True), follow_redirects=False)
    assert client.get("/static/").text == "<h1>home</h1>"
    redirect = client.get("/static/docs")
    assert (redirect.status_code, redirect.headers["location"]) == (
        307,
        "http://testserver/static/docs/",
    )
    assert client.get("/static/docs/").text == "<h1>docs</h1>"
    missing = client.get("/static/nope")
    assert (missing.status_code, missing.text) == (404, "<h1>lost</h1>")
    assert client.get("/static/empty/").status_code == 404


def test_html_mode_without_404_page(test_client_factory: TestClientFactory, site: Path) -> None:
    (site / "404.html").unlink()
    client = test_client_factory(static_app(site, html=True))
    assert client.get("/static/nope").text == "Not Found"


def test_only_get_and_head(test_client_factory: TestClientFactory, site: Path) -> None:
    response = test_client_factory(static_app(site)).post("/static/css/style.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    alone = test_client_factory(StaticFiles(directory=site))
    assert alone.delete("/css/style.css").status_code == 405
    assert alone.get("/missing").text == "Not Found"
    assert alone.get("/css/style.css").text == "body { color: red }"


def test_missing_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory=tmp_path / "nope")
    assert StaticFiles(directory=tmp_path / "nope", check_dir=False).all_directories


def test_package_statics(
    test_client_factory: TestClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkgroot" / "mytheme"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "theme.css").write_text("theme")
    (package / "assets" / "logo.svg").write_text("<svg/>")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgroot"))
    monkeypatch.delitem(sys.modules, "mytheme", raising=False)
    client = test_client_factory(StaticFiles(packages=["mytheme", ("mytheme", "assets")]))
    assert client.get("/theme.css").text == "theme"
    assert client.get("/logo.svg").text == "<svg/>"
    with pytest.raises(RuntimeError, match="cannot be found"):
        StaticFiles(packages=["no_such_package_here"])
    with pytest.raises(RuntimeError, match="has no 'missing' directory"):
        StaticFiles(packages=[("mytheme", "missing")])


async def test_websocket_is_closed_and_other_scopes_refused(site: Path) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    sender, receiver = anyio.create_memory_object_stream[Message](1)
    with sender, receiver:
        await StaticFiles(directory=site)(
            {"type": "websocket", "path": "/"}, receiver.receive, send
        )
        assert sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]
        with pytest.raises(RuntimeError, match="serves HTTP only"):
            await StaticFiles(directory=site)({"type": "lifespan"}, receiver.receive, send)


def test_router_mount_without_app(test_client_factory: TestClientFactory, site: Path) -> None:
    router = Router([Mount("/s", StaticFiles(directory=site))])
    assert test_client_factory(router).get("/s/missing").status_code == 404
    assert os.path.exists(site / "css" / "style.css")


def test_starlettes_hooks_can_be_overridden(
    test_client_factory: TestClientFactory, site: Path
) -> None:
    class Versioned(StaticFiles):
        def get_path(self, scope: Scope) -> str:
            return super().get_path(scope).removeprefix("v2/")

    class Guarded(StaticFiles):
        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            if path.startswith("css"):
                raise PermissionError(path)
            return super().lookup_path(path)

    versioned = test_client_factory(Versioned(directory=site))
    assert versioned.get("/v2/css/style.css").text == "body { color: red }"
    assert versioned.get("/v2/../secret.txt").status_code == 404
    guarded = test_client_factory(Guarded(directory=site))
    # The file is there, but the server may not read it.
    assert guarded.get("/css/style.css").status_code == 401
    assert guarded.get("/index.html").text == "<h1>home</h1>"
    files = StaticFiles(directory=site)
    assert files.lookup_path("/etc/passwd") == ("", None)
    assert files.lookup_path("css/style.css")[0].endswith("style.css")


def test_a_stat_the_system_denies_is_passed_on(
    test_client_factory: TestClientFactory, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = StaticFiles(directory=site)

    def denied(path: str) -> os.stat_result:
        raise PermissionError(path)

    # The tests may run as root, for whom file modes deny nothing: deny it at the stat call.
    with monkeypatch.context() as patched:
        patched.setattr(os, "stat", denied)
        with pytest.raises(PermissionError):
            files.lookup_path("css/style.css")


def test_the_directory_is_checked_at_the_first_request_once(
    test_client_factory: TestClientFactory, tmp_path: Path
) -> None:
    missing = StaticFiles(directory=tmp_path / "later", check_dir=False)
    with pytest.raises(RuntimeError, match="does not exist"):
        test_client_factory(missing).get("/x")
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "x").write_text("now there")
    assert test_client_factory(missing).get("/x").text == "now there"
    assert missing.config_checked
    (tmp_path / "a-file").write_text("not a folder")
    a_file = StaticFiles(directory=tmp_path / "a-file", check_dir=False)
    with pytest.raises(RuntimeError, match="is not a directory"):
        test_client_factory(a_file).get("/x")
    assert (
        test_client_factory(StaticFiles(packages=[], check_dir=False)).get("/x").status_code == 404
    )


def test_a_star_among_other_tags_matches_nothing(
    test_client_factory: TestClientFactory, site: Path
) -> None:
    client = test_client_factory(static_app(site))
    response = client.get("/static/css/style.css", headers={"if-none-match": '"a", *, "b"'})
    assert response.status_code == 200


def test_a_directory_without_index_is_not_redirected(
    test_client_factory: TestClientFactory, site: Path
) -> None:
    client = test_client_factory(static_app(site, html=True), follow_redirects=False)
    response = client.get("/static/empty")
    assert (response.status_code, response.text) == (404, "<h1>lost</h1>")
