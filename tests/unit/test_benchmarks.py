"""The benchmarks run (one short round); their timings are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import inprocess, routing


def test_routing_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = routing.main(["--iterations", "5", "--rounds", "1"])
    assert set(result) == {10, 100}
    assert "100 routes cost" in capsys.readouterr().out


async def test_routing_benchmark_checks_the_answer() -> None:
    router = routing.build(3)
    with pytest.raises(RuntimeError, match="the router answered b'Not Found'"):
        await routing.time_router(router, "/route9/1", 1)


def test_in_process_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    results = inprocess.main(["--quick"])
    assert {"plaintext", "json"} <= set(results)
    assert all("resourceful" in row and "raw" in row for row in results.values())
    assert "resourceful req/s" in capsys.readouterr().out


async def test_a_wrong_answer_cannot_score(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inprocess.PLAINTEXT, "expected", "something else")
    with pytest.raises(RuntimeError, match="answered plaintext wrongly"):
        await inprocess.measure(1, 1)
