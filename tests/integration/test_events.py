"""An event stream served by a real uvicorn, read by httpx as a browser's EventSource would:
events as they come, keep-alives between them, and the source closed once the client goes."""

from __future__ import annotations

import httpx

from tests.integration.conftest import TEST_APPS, free_port, serving, uvicorn_command


def test_events_stream_until_the_client_goes_and_then_their_source_is_closed() -> None:
    port = free_port()
    with serving(uvicorn_command("events:app", TEST_APPS, port), port) as base_url:
        lines: list[str] = []
        with httpx.stream("GET", base_url + "/ticks", timeout=5) as response:
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            assert response.headers["x-accel-buffering"] == "no"
            stream = response.iter_lines()
            while "data: tick 3" not in lines:
                lines.append(next(stream))
        # The client closed its connection: the server closes the events' generator.
        sent = int(httpx.get(base_url + "/closed", timeout=10).text)
    assert [line for line in lines if line.startswith(("id:", "data:"))] == [
        "id: 1",
        "data: tick 1",
        "id: 2",
        "data: tick 2",
        "id: 3",
        "data: tick 3",
    ]
    assert ": keep-alive" in lines, "the idle moments between ticks were kept alive"
    assert sent <= 5, "closed at once, not after more ticks"
