from __future__ import annotations

import functools
import threading

from resourceful.concurrency import is_async_callable, iterate_in_threadpool, run_in_threadpool


async def test_run_in_threadpool_runs_off_the_event_loop() -> None:
    def where(prefix: str, *, suffix: str = "") -> str:
        return f"{prefix}{threading.get_ident()}{suffix}"

    here = threading.get_ident()
    assert await run_in_threadpool(where, "") != str(here)
    assert (await run_in_threadpool(where, "<", suffix=">")).endswith(">")


async def test_iterate_in_threadpool_yields_every_item() -> None:
    assert [item async for item in iterate_in_threadpool(iter([1, 2, 3]))] == [1, 2, 3]
    nothing: list[int] = []
    assert [item async for item in iterate_in_threadpool(nothing)] == []


async def test_is_async_callable() -> None:
    async def coroutine_function() -> str:
        return "coroutine"

    def function() -> str:
        return "plain"

    class AsyncCallable:
        async def __call__(self) -> str:
            return "callable object"

    nested_partial = functools.partial(functools.partial(coroutine_function))
    assert is_async_callable(coroutine_function)
    assert is_async_callable(nested_partial)
    assert is_async_callable(AsyncCallable())
    assert not is_async_callable(function)
    assert not is_async_callable(functools.partial(function))
    assert await nested_partial() == "coroutine"
    assert await AsyncCallable()() == "callable object"
    assert function() == "plain"
