"""A cached property without a lock: request objects read theirs on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class cached_property(Generic[T]):
    """Computes the value on first read and keeps it in the instance.

    :func:`functools.cached_property` takes a lock on every first read on Python 3.10 and
    3.11; one request object is made per request, so that lock is paid on every request.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        # Stored under the same name: the instance attribute hides this descriptor from now on.
        value = instance.__dict__[self.name] = self.func(instance)
        return value
