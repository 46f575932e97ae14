"""Running blocking code from async code without blocking the event loop, and task groups
whose lone error comes out as itself."""

from __future__ import annotations

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


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` returns an awaitable (async functions, partials of them,
    objects with an async ``__call__``)."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
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


@contextlib.contextmanager
def collapse_excgroups() -> Iterator[None]:
    """Let the one error a task group wrapped (its tasks fail alone) out as it was raised."""
    try:
        yield
    except BaseExceptionGroup as errors:
        error: BaseException = errors
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        raise error from None


__all__ = [
    "collapse_excgroups",
    "is_async_callable",
    "iterate_in_threadpool",
    "run_in_threadpool",
]
