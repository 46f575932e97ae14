"""The benchmarks run (one short round); their timings are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import inprocess, routing, scenarios


def test_routing_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = routing.main(["--iterations", "5", "--rounds", "1"])
    assert set(result) == {1, 100}
    assert "route 100 costs" in capsys.readouterr().out


async def test_routing_benchmark_checks_the_answer() -> None:
    router = routing.build(3)
    with pytest.raises(RuntimeError, match="the router answered b'Not Found'"):
        await routing.time_router(router, "/route9/1", 1)


def test_in_process_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    results = inprocess.main(["--quick"])
    assert set(results) == {scenario.name for scenario in scenarios.SCENARIOS}
    assert all("resourceful" in row and "raw" in row for row in results.values())
    assert "resourceful req/s" in capsys.readouterr().out


def test_one_scenario_can_be_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    results = inprocess.main(["--quick", "--scenario", "websocket"])
    assert list(results) == ["websocket"]


async def test_a_wrong_answer_cannot_score(monkeypatch: pytest.MonkeyPatch) -> None:
    for chosen in (scenarios.PLAINTEXT, scenarios.WEBSOCKET):
        monkeypatch.setattr(chosen, "expected", "something else")
        with pytest.raises(RuntimeError, match=f"answered {chosen.name} wrongly"):
            await inprocess.measure(1, 1, [chosen])


async def test_an_answer_that_does_not_decode_cannot_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scenarios.PLAINTEXT, "decode", scenarios.json_body)
    with pytest.raises(RuntimeError, match="answered plaintext wrongly"):
        await inprocess.measure(1, 1, [scenarios.PLAINTEXT])
