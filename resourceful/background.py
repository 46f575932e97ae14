"""Tasks that run after the response has been sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec

from resourceful.concurrency import is_async_callable, run_in_threadpool

P = ParamSpec("P")


class BackgroundTask:
    """One call to make after the response is sent; sync functions run in a thread."""

    def __init__(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = is_async_callable(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """Several background tasks, run one after the other in the order they were added."""

    def __init__(self, tasks: list[BackgroundTask] | None = None) -> None:
        self.tasks = list(tasks) if tasks else []

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue ``func(*args, **kwargs)`` to run after the response."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()


__all__ = ["BackgroundTask", "BackgroundTasks"]
