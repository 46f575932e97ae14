"""A list of routes that tells its router when it changes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resourceful.routing import BaseRoute


class RouteList(list["BaseRoute"]):
    """A list of routes that tells its router when it changes, so the index is rebuilt."""

    def __init__(self, routes: Iterable[BaseRoute], on_change: Callable[[], None]) -> None:
        super().__init__(routes)
        self.on_change = on_change


def _notifying(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: RouteList, *args: Any, **kwargs: Any) -> Any:
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
