"""The benchmarks run (one short round); their timings are read by people, not asserted."""

from __future__ import annotations

import pytest

from benchmarks import routing


def test_routing_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    result = routing.main(["--iterations", "5", "--rounds", "1"])
    assert set(result) == {10, 100}
    assert "100 routes cost" in capsys.readouterr().out


async def test_routing_benchmark_checks_the_answer() -> None:
    router = routing.build(3)
    with pytest.raises(RuntimeError, match="the router answered b'Not Found'"):
        await routing.time_router(router, "/route9/1", 1)
