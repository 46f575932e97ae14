from __future__ import annotations

import functools
import sys
import threading
from unittest.mock import AsyncMock, create_autospec

import anyio
import pytest

from resourceful.concurrency import (
    collapse_excgroups,
    is_async_callable,
    iterate_in_threadpool,
    run_in_threadpool,
)

if sys.version_info < (3, 11):  # pragma: python<3.11 (the built-in exists from 3.11 on)
    from exceptiongroup import ExceptionGroup


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


async def test_a_task_groups_lone_error_comes_out_as_itself_with_its_context() -> None:
    async def fail() -> None:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer")  # noqa: B904 (the context is what is tested)

    with pytest.raises(ValueError, match="outer") as caught, collapse_excgroups():
        async with anyio.create_task_group() as group:
            group.start_soon(fail)
    assert isinstance(caught.value.__cause__, KeyError)


async def test_several_errors_and_a_group_raised_inside_stay_groups() -> None:
    async def fail(text: str) -> None:
        raise ValueError(text)

    async def fail_twice() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(fail, "one")
            group.start_soon(fail, "two")

    with pytest.raises(ExceptionGroup) as caught, collapse_excgroups():
        await fail_twice()
    assert sorted(str(error) for error in caught.value.exceptions) == ["one", "two"]

    with pytest.raises(ExceptionGroup, match="mine"), collapse_excgroups():
        async with anyio.create_task_group():
            raise ExceptionGroup("mine", [ValueError("lone")])


def test_mocks_of_async_functions_are_async() -> None:
    async def endpoint() -> None: ...

    def blocking() -> None: ...

    assert is_async_callable(create_autospec(endpoint))
    assert is_async_callable(AsyncMock())
    assert not is_async_callable(create_autospec(blocking))
