"""What a decorator records on a handler function, to be read when the app plans it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Mark(Generic[T]):
    """One kind of value recorded on functions (a cache policy, representations...)."""

    __slots__ = ("attribute",)

    def __init__(self, name: str) -> None:
        self.attribute = f"__resourceful_{name}__"

    def decorating(self, value: T) -> Callable[[F], F]:
        """A decorator that records ``value`` on the function it decorates."""

        def decorate(func: F) -> F:
            setattr(func, self.attribute, value)
            return func

        return decorate

    def of(self, func: Any) -> T | None:
        """What was recorded on ``func``, if anything."""
        found: T | None = getattr(func, self.attribute, None)
        return found
