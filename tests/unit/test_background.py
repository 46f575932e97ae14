from __future__ import annotations

import threading

from resourceful.background import BackgroundTask, BackgroundTasks
from resourceful.responses import Response
from tests.conftest import TestClientFactory


def test_tasks_run_in_order_after_the_response(test_client_factory: TestClientFactory) -> None:
    events: list[str] = []
    loop_thread: list[int] = []

    async def async_task(name: str) -> None:
        loop_thread.append(threading.get_ident())
        events.append(name)

    def sync_task(name: str, *, suffix: str = "") -> None:
        assert threading.get_ident() not in loop_thread, "sync tasks run in a worker thread"
        events.append(name + suffix)

    tasks = BackgroundTasks([BackgroundTask(async_task, "first")])
    tasks.add_task(sync_task, "second", suffix="!")
    tasks.add_task(async_task, "third")
    response = test_client_factory(Response("ok", background=tasks)).get("/")
    assert response.text == "ok"
    assert events == ["first", "second!", "third"]


async def test_empty_background_tasks_do_nothing() -> None:
    tasks = BackgroundTasks()
    await tasks()
    assert tasks.tasks == []
