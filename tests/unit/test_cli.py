"""The command line, run in process: commands, their output, and every way APP can be wrong."""

from __future__ import annotations

import itertools
import json
import runpy
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from resourceful import cli

APP = """
from typing import Annotated

import attrs

from resourceful import App, HTTPResource, Mount, Host, Query, Route, Router, WebSocketRoute
from resourceful import WebSocketResource
from resourceful.di import Inject, Provider
from resourceful.requests import HTTPConnection
from resourceful.settings import Settings
from resourceful.staticfiles import StaticFiles
from resourceful.responses import PlainTextResponse
from resourceful.routing import BaseRoute


class ShopSettings(Settings, prefix="SHOP_"):
    currency: str


class TaxSettings(Settings, prefix="TAX_"):
    rate: int


class Prices:
    def __init__(self, settings: ShopSettings) -> None:
        self.currency = settings.currency


@attrs.frozen
class ItemIn:
    name: str


class Items(HTTPResource):
    async def get(self, prices: Prices, limit: Annotated[int, Query()] = 10) -> list[str]:
        return []

    async def post(self, item: ItemIn) -> None:
        return None


async def item(request, id: int) -> dict[str, int]:
    return {"id": id}


class Feed(WebSocketResource):
    async def on_receive(self, websocket, data: str) -> None:
        pass

    async def on_disconnect(self, websocket, close_code: int) -> None:
        pass


class Anywhere(BaseRoute):
    pass  # a route class of the app's own


async def echo(websocket, peer: Annotated[HTTPConnection, Inject()]) -> None:
    pass


inner = App(routes=[Route("/ping", item)])
app = App(
    routes=[
        Route("/items", Items),
        Route("/items/{id:int}", item, methods=["GET", "DELETE"]),
        Route("/raw", PlainTextResponse("raw")),
        WebSocketRoute("/feed", Feed),
        WebSocketRoute("/echo", echo),
        Mount("/static", StaticFiles(directory="."), name="static"),
        Mount("/v{version:int}", routes=[Route("/items/{id:int}", item)]),
        Mount("/inner", inner),
        Host("admin.example.org", Router(routes=[Route("/admin", item)])),
        Mount(
            "/shop",
            routes=[Route("/items", Items)],
            providers=[Prices, Provider(TaxSettings.load, scope="app", provides=TaxSettings)],
        ),
        Anywhere(),
    ],
    providers=[Prices],
)


def make_app():
    return app


not_an_app = "text"
plain_asgi = PlainTextResponse("plain")
"""

BROKEN = """
from resourceful import App, Route


class Unknown:
    pass


async def lonely(request, thing: Unknown) -> None:
    pass


app = App(routes=[Route("/", lonely)])
"""

_numbers = itertools.count()


def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """A module of ``source`` in the current directory, under a name no other test uses."""
    name = f"cli_app_{next(_numbers)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_app adds the directory
    return name


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_routes_lists_every_route_with_its_injected_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    code, out, _ = run(["routes", f"{module}:app"], capsys)
    assert code == 0
    rows = [line.split("  ") for line in out.splitlines()]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells == [
        ["METHODS", "PATH", "NAME", "ENDPOINT", "PARAMETERS"],
        ["GET", "/items", "Items", "Items.get", "prices: provider Prices (the app), limit: query"],
        ["POST", "/items", "Items", "Items.post", "item: body"],
        ["DELETE, GET", "/items/{id}", "item", "item", "request: connection, id: path"],
        ["ANY", "/raw", "PlainTextResponse", "PlainTextResponse"],
        [
            "WS",
            "/feed",
            "Feed",
            "Feed",
            "websocket: connection, data: given, close_code: given",
        ],
        # What the framework provides comes from no layer.
        ["WS", "/echo", "echo", "echo", "websocket: connection, peer: provider HTTPConnection"],
        ["MOUNT", "/static", "static", "StaticFiles"],
        ["GET", "/v{version}/items/{id}", "item", "item", "request: connection, id: path"],
        ["GET", "/inner/ping", "item", "item", "request: connection, id: query"],
        ["GET", "/admin", "item", "item", "request: connection, id: query"],
        [
            "GET",
            "/shop/items",
            "Items",
            "Items.get",
            "prices: provider Prices (Mount('/shop')), limit: query",
        ],
        ["POST", "/shop/items", "Items", "Items.post", "item: body"],
        ["?", "Anywhere"],
    ]


GUARDED = """
from resourceful import App, Route
from resourceful.authentication import requires


@requires("admin")
async def report(limit: int = 5) -> dict[str, int]:
    return {"limit": limit}


app = App(routes=[Route("/report", report)])
"""


def test_routes_hides_the_connection_that_requires_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, GUARDED)
    code, out, _ = run(["routes", f"{module}:app"], capsys)
    assert code == 0
    assert out.splitlines()[1].split() == ["GET", "/report", "report", "report", "limit:", "query"]


HANDLERS = """
from resourceful import App, HTTPResource, Route
from resourceful.di import injects


class Clock:
    pass


class Ledger(HTTPResource):
    providers = [Clock]

    @injects(Clock)
    async def get(self, clock: Clock) -> None:
        pass

    async def post(self, clock: Clock) -> None:
        pass


@injects(Clock)
async def tick(clock: Clock) -> None:
    pass


app = App(routes=[Route("/ledger", Ledger), Route("/tick", tick)])
"""


def test_routes_shows_the_layer_of_a_class_and_of_a_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, HANDLERS)
    code, out, _ = run(["routes", f"{module}:app"], capsys)
    assert code == 0
    parameters = [line.split("  ")[-1].strip() for line in out.splitlines()[1:]]
    assert parameters == [
        "clock: provider Clock (Ledger > Ledger.get)",
        "clock: provider Clock (Ledger)",
        "clock: provider Clock (tick)",
    ]


def test_check_plans_every_endpoint_and_loads_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    monkeypatch.setenv("SHOP_CURRENCY", "EUR")
    monkeypatch.setenv("TAX_RATE", "20")
    code, out, _ = run(["check", f"{module}:make_app", "--factory"], capsys)
    assert (code, out) == (
        0,
        "ok: 13 routes read, their endpoints planned\nok: ShopSettings loaded\n"
        "ok: TaxSettings loaded\n",
    )
    # The deployment forgot SHOP_CURRENCY.
    monkeypatch.delenv("SHOP_CURRENCY")
    code, out, err = run(["check", f"{module}:app"], capsys)
    assert code == 1
    assert "SHOP_CURRENCY: missing" in err


def test_check_names_what_cannot_be_injected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, BROKEN)
    code, out, err = run(["check", f"{module}:app"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("resourceful: error: lonely: cannot inject the parameter 'thing'")
    assert "Hint: register a provider for Unknown" in err


def test_openapi_prints_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    code, out, _ = run(["openapi", f"{module}:app"], capsys)
    document = json.loads(out)
    assert code == 0
    assert document["info"] == {"title": "API", "version": "0.1.0"}
    assert "/items/{id}" in document["paths"]
    code, out, _ = run(["openapi", f"{module}:app", "--yaml"], capsys)
    assert yaml.safe_load(out) == document


def test_openapi_uses_the_apps_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = """
    from resourceful import App
    from resourceful.openapi import OpenAPI

    app = App(openapi=OpenAPI(title="Shop", version="2.0"))
    """
    module = write_module(tmp_path, monkeypatch, source)
    code, out, _ = run(["openapi", f"{module}:app"], capsys)
    assert code == 0
    assert json.loads(out)["info"] == {"title": "Shop", "version": "2.0"}


@pytest.mark.parametrize(
    ("target", "factory", "message"),
    [
        ("nowhere", False, "'nowhere' is no app path: write it as module:attribute"),
        ("{module}:", False, "is no app path"),
        ("no_such_module_here:app", False, "Cannot import the module 'no_such_module_here'"),
        ("{module}:missing", False, "has no attribute 'missing'"),
        ("{module}:not_an_app", False, "is str, not an ASGI app (is it a factory? add --factory)"),
        ("{module}:not_an_app", True, "is no factory: it cannot be called (drop --factory)"),
        ("{module}:plain_asgi", False, "is an ASGI app but not a resourceful App"),
    ],
)
def test_a_wrong_app_path_is_a_clear_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    factory: bool,
    message: str,
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    argv = ["routes", target.format(module=module), *(["--factory"] if factory else [])]
    code, out, err = run(argv, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("resourceful: error: ")
    assert message in err


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import no_such_dependency_here\n", "failed: No module named 'no_such_dependency_here'"),
        ("raise RuntimeError('no database')\n", "failed: RuntimeError: no database"),
    ],
)
def test_an_app_module_that_fails_to_import_says_why(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    message: str,
) -> None:
    module = write_module(tmp_path, monkeypatch, source)
    code, _, err = run(["check", f"{module}:app"], capsys)
    assert code == 2
    assert f"Importing '{module}' {message}" in err


class Recorded:
    """What a server was asked to serve, instead of serving it (the integration tests serve)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


def test_run_hands_the_options_to_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    module = write_module(tmp_path, monkeypatch, APP)
    served = Recorded()
    monkeypatch.setattr(uvicorn, "run", served)
    argv = ["run", f"{module}:make_app", "--factory", "--port", "9000", "--workers", "2"]
    argv += ["--root-path", "/shop", "--no-proxy-headers", "--forwarded-allow-ips", "*"]
    assert run(argv, capsys)[0] == 0
    assert served.calls == [
        (
            (f"{module}:make_app",),
            {
                "factory": True,
                "host": "127.0.0.1",
                "port": 9000,
                "reload": False,
                "workers": 2,
                "root_path": "/shop",
                "proxy_headers": False,
                "forwarded_allow_ips": "*",
            },
        )
    ]
    # A wrong APP is refused before any server starts.
    assert run(["run", f"{module}:missing"], capsys)[0] == 2
    assert len(served.calls) == 1


def test_run_hands_the_options_to_hypercorn_and_granian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import granian
    import hypercorn.run

    module = write_module(tmp_path, monkeypatch, APP)
    hypercorn_run = Recorded()
    monkeypatch.setattr(hypercorn.run, "run", hypercorn_run)
    argv = ["run", f"{module}:make_app", "--factory", "--server", "hypercorn", "--reload"]
    assert run(argv, capsys)[0] == 0
    config = hypercorn_run.calls[0][0][0]
    assert config.application_path == f"{module}:make_app()"
    assert (config.bind, config.use_reloader, config.workers) == (["127.0.0.1:8000"], True, 1)
    assert (
        run(["run", f"{module}:app", "--server", "hypercorn", "--root-path", "/x"], capsys)[0] == 0
    )
    config = hypercorn_run.calls[1][0][0]
    assert (config.application_path, config.root_path) == (f"{module}:app", "/x")

    made: list[dict[str, Any]] = []

    class Granian:
        def __init__(self, target: str, **options: Any) -> None:
            made.append({"target": target, **options})

        def serve(self) -> None:
            made.append({"served": True})

    monkeypatch.setattr(granian, "Granian", Granian)
    argv = ["run", f"{module}:app", "--server", "granian", "--port", "8100", "--workers", "3"]
    assert run(argv, capsys)[0] == 0
    assert made == [
        {
            "target": f"{module}:app",
            "address": "127.0.0.1",
            "port": 8100,
            "interface": "asgi",
            "workers": 3,
            "reload": False,
            "factory": False,
        },
        {"served": True},
    ]


def test_a_server_that_is_not_installed_names_its_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    monkeypatch.setitem(sys.modules, "granian", None)
    code, _, err = run(["run", f"{module}:app", "--server", "granian"], capsys)
    assert code == 2
    assert "'granian' is not installed: pip install 'resourceful-asgi[granian]'" in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "routes", "check", "openapi"):
        code, out, _ = run([command, "--help"], capsys)
        assert code == 0
        assert "APP" in out
    code, _, err = run([], capsys)
    assert code == 2
    assert "the following arguments are required: COMMAND" in err


def test_python_dash_m_and_the_script_run_main(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(tmp_path, monkeypatch, APP)
    monkeypatch.setattr(sys, "argv", ["resourceful", "check", f"{module}:app"])
    monkeypatch.setenv("SHOP_CURRENCY", "EUR")
    monkeypatch.setenv("TAX_RATE", "20")
    with pytest.raises(SystemExit) as script:
        cli.main_exit()
    assert script.value.code == 0
    with pytest.raises(SystemExit) as as_module:
        runpy.run_module("resourceful", run_name="__main__")
    assert as_module.value.code == 0
    assert capsys.readouterr().out.count("ok: ShopSettings loaded") == 2
