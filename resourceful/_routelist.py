"""A list of routes that tells its router when it changes.

It knows nothing of routes or routers (the router module, above it, uses it): it holds any
items and calls back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

_T = TypeVar("_T")


class RouteList(list[_T]):
    """A list that calls ``on_change`` after every change, so a router rebuilds its index."""

    def __init__(self, routes: Iterable[_T], on_change: Callable[[], None]) -> None:
        super().__init__(routes)
        self.on_change = on_change


def _notifying(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: RouteList[Any], *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self.on_change()
        return result

    return wrapper


for _name in (
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "sort",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
):
    setattr(RouteList, _name, _notifying(getattr(list, _name)))
