"""Running blocking code from async code without blocking the event loop, and task groups
whose lone error comes out as itself."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread

if sys.version_info < (3, 11):  # pragma: python<3.11 (the built-in exists from 3.11 on)
    from exceptiongroup import BaseExceptionGroup

P = ParamSpec("P")
T = TypeVar("T")


if sys.version_info >= (3, 13):  # pragma: python>=3.13 (it knows mocks of async functions)
    _is_coroutine_function = inspect.iscoroutinefunction
if sys.version_info < (3, 13):  # pragma: python<3.13 (inspect's takes a mock for sync)
    _is_coroutine_function = asyncio.iscoroutinefunction


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` returns an awaitable (async functions, partials of them,
    objects with an async ``__call__``, mocks of async functions)."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return _is_coroutine_function(obj) or _is_coroutine_function(
        getattr(obj, "__call__", None)  # noqa: B004
    )


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call the blocking ``func`` in a worker thread and wait for its result."""
    if kwargs:
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))
    return await anyio.to_thread.run_sync(func, *args)


class _StopIteration(Exception):
    """Carries the end of a sync iterator out of a worker thread (StopIteration cannot)."""


def _next(iterator: Iterator[T]) -> T:
    try:
        return next(iterator)
    except StopIteration:
        raise _StopIteration from None


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a blocking iterable, fetching each item in a worker thread."""
    iterator = iter(iterable)
    try:
        while True:
            yield await anyio.to_thread.run_sync(_next, iterator)
    except _StopIteration:
        return


def cause_to_keep(error: BaseException) -> BaseException | None:
    """What to raise ``error`` from, again, elsewhere: its cause, or else its context (which
    raising it in another ``except`` block would replace), unless it was raised from None."""
    if error.__cause__ is None and not error.__suppress_context__:
        return error.__context__
    return error.__cause__


@contextlib.contextmanager
def collapse_excgroups() -> Iterator[None]:
    """Let the one error a task group wrapped (its tasks fail alone) out as it was raised.

    Only the task group's own group is taken apart: an exception group the code in it
    raised comes out as it is.
    """
    try:
        yield
    except BaseExceptionGroup as errors:
        if len(errors.exceptions) != 1:
            raise
        error = errors.exceptions[0]
        raise error from cause_to_keep(error)


__all__ = [
    "cause_to_keep",
    "collapse_excgroups",
    "is_async_callable",
    "iterate_in_threadpool",
    "run_in_threadpool",
]
