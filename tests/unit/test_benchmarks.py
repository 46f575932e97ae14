"""The benchmarks run (one short round); their timings are read by people, not asserted."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import (
    broadcast,
    classes,
    conditional,
    endtoend,
    inprocess,
    layers,
    load,
    memory,
    openapi,
    routing,
    scenarios,
)
from resourceful import App, JSONResponse
from resourceful.openapi import OpenAPI
from resourceful.types import Receive, Scope, Send


def test_openapi_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    seconds = openapi.main(["--rounds", "1", "--routes", "3"])
    assert seconds > 0
    assert "OpenAPI document of 3 routes:" in capsys.readouterr().out
    document = OpenAPI().document(openapi.build(2))
    post = document["paths"]["/items1/{id}"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item1In"
    }
    assert {"Item0", "Item0In", "Item1", "Item1In"} <= set(document["components"]["schemas"])


def test_openapi_benchmark_checks_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OpenAPI, "document", lambda self, app: {"paths": {}})
    with pytest.raises(RuntimeError, match="has 0 paths, not 2"):
        openapi.measure(1, 2)


def test_routing_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = routing.main(["--iterations", "5", "--rounds", "1"])
    assert set(result) == {1, 100}
    assert "route 100 costs" in capsys.readouterr().out


async def test_routing_benchmark_checks_the_response() -> None:
    router = routing.build(3)
    with pytest.raises(RuntimeError, match="the router responded b'Not Found'"):
        await routing.time_router(router, "/route9/1", 1)


def test_class_benchmark_compares_a_resource_with_a_function(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = classes.main(["--iterations", "5", "--rounds", "2"])
    assert set(results) == {"plaintext", "json"}
    assert all(function > 0 and resource > 0 for function, resource in results.values())
    assert "resource / function" in capsys.readouterr().out


async def test_class_benchmark_checks_every_response(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classes.PAIRS["json"][1], "expected", {"message": "other"})
    with pytest.raises(RuntimeError, match="responded resource wrongly"):
        await classes.measure(1, 1)


def test_conditional_benchmark_compares_a_304_with_a_200(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = conditional.main(["--iterations", "5", "--rounds", "2"])
    assert list(results) == ["conditional GET"]
    assert "304 / 200" in capsys.readouterr().out


def test_layer_benchmark_compares_providers_per_mount_with_the_apps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = layers.main(["--iterations", "5", "--rounds", "2"])
    assert list(results) == ["providers", "modules"]
    assert all(first > 0 and per_mount > 0 for first, per_mount in results.values())
    out = capsys.readouterr().out
    assert "per mount / by the app" in out
    assert "per mount / flat" in out


async def test_layer_benchmark_serves_both_apps_down_the_same_mounts() -> None:
    app = layers.build()
    for pair in layers.PAIRS.values():
        for scenario in pair:
            scenario.check("resourceful", await scenario.call(app))
    by_app, per_mount = (app.container_of(route) for route in app.routes[1:])
    assert (by_app.where, per_mount.where) == ("Mount('/app')", "Mount('/mounts')")
    assert (by_app.provided(), per_mount.provided()) == ([], [layers.Accounts])


def test_in_process_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    results = inprocess.main(["--quick"])
    assert set(results) == {scenario.name for scenario in scenarios.SCENARIOS}
    assert all("resourceful" in row and "raw" in row for row in results.values())
    assert "resourceful req/s" in capsys.readouterr().out


def test_one_scenario_can_be_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    results = inprocess.main(["--quick", "--scenario", "websocket"])
    assert list(results) == ["websocket"]


async def test_a_wrong_response_cannot_score(monkeypatch: pytest.MonkeyPatch) -> None:
    for chosen in (scenarios.PLAINTEXT, scenarios.WEBSOCKET):
        monkeypatch.setattr(chosen, "expected", "something else")
        with pytest.raises(RuntimeError, match=f"responded {chosen.name} wrongly"):
            await inprocess.measure(1, 1, [chosen])


async def test_a_response_that_does_not_decode_cannot_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scenarios.PLAINTEXT, "decode", scenarios.json_body)
    with pytest.raises(RuntimeError, match="responded plaintext wrongly"):
        await inprocess.measure(1, 1, [scenarios.PLAINTEXT])


def test_memory_benchmark_runs_each_framework_in_a_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = memory.main(["--requests", "40"])
    assert set(results) == {"json", "di"}
    for row in results.values():
        assert {"resourceful", "raw"} <= set(row)
        assert all(reading["peak"] >= reading["last"] > 0 for reading in row.values())
    assert "peak RSS (MiB)" in capsys.readouterr().out


async def test_memory_growth_shows_a_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[bytes] = []

    async def leaky(scope: Scope, receive: Receive, send: Send) -> None:
        kept.append(bytes(64 * 1024))  # never released
        await JSONResponse({"message": scenarios.HELLO})(scope, receive, send)

    monkeypatch.setattr(memory, "load", lambda framework: {"json": lambda: leaky})
    # 900 requests keep 56 MiB, more than the heap this process freed before can take in.
    reading = await memory.serve("leaky", scenarios.JSON, 1200)
    assert reading is not None
    assert reading["last"] - reading["first"] > 10_000  # KiB


async def test_memory_child_reports_a_missing_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "load", lambda framework: {})
    assert await memory.serve("absent", scenarios.JSON, 4) is None


def test_end_to_end_server_builds_the_named_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_FRAMEWORK", "resourceful")
    monkeypatch.setenv("BENCH_SCENARIO", "plaintext")
    assert isinstance(endtoend.create_app(), App)


def test_end_to_end_reports_a_server_that_exits() -> None:
    server = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match="exited with 3"):
        endtoend.wait_for(endtoend.free_port(), server)


def test_end_to_end_needs_wrk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="apt-get install wrk"):
        endtoend.main(["--seconds", "1"])


def test_load_needs_wrk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="apt-get install wrk"):
        load.main(["--seconds", "1"])


def test_load_fails_on_any_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = {"requests": "10", "req/s": "5.0", "p50": "1ms", "p99": "2ms"}
    results = {
        "json": {**figures, "socket errors": "0", "non-2xx": "0"},
        "di": {**figures, "socket errors": "connect 0, read 3, write 0, timeout 0", "non-2xx": "0"},
    }
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/wrk")
    monkeypatch.setattr(load, "run", lambda seconds, connections: results)
    with pytest.raises(SystemExit, match="requests failed under load: di"):
        load.main(["--seconds", "1"])
    assert "read 3" in capsys.readouterr().out
    results["di"]["socket errors"] = "0"
    assert load.main(["--seconds", "1"]) == results


def test_broadcast_benchmark_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    results = broadcast.main(["--messages", "50"])
    assert results["memory"] > 0
    assert "memory" in capsys.readouterr().out
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert set(broadcast.main(["--messages", "50"])) == {"memory"}
    assert "redis    skipped: no redis-server" in capsys.readouterr().out


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_end_to_end_serves_the_factory_with_each_server(server: str) -> None:
    command = endtoend.SERVERS[server](8123)
    assert command[:3] == [sys.executable, "-m", server]
    assert "benchmarks.endtoend:create_app" in command
    assert command[command.index("--port") + 1] == "8123"


def test_an_empty_cell_is_no_bullet_list() -> None:
    # reStructuredText reads a cell holding "-" alone as a bullet list.
    text = inprocess.table(
        {
            "json": {"resourceful": 2.0, "raw": 4.0, "starlette": 1.0},
            "graphql": {"resourceful": 2.0, "raw": 4.0, "ariadne": 1.0},
        }
    )
    row = next(line for line in text.splitlines() if line.startswith("graphql"))
    assert inprocess.NONE in row.split()
    assert "-" not in row.split()
    recorded = (Path(inprocess.__file__).parent / "RESULTS.rst").read_text()
    assert not re.search(r"^[a-z][\w-]*\s.*\s-(\s|$)", recorded, re.MULTILINE)
