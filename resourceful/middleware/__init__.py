"""The middleware chain: :class:`Middleware` describes one pure ASGI middleware to apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Keyword arguments whose names hold one of these are hidden in reprs (and so in logs).
_SECRET_NAMES = ("secret", "password", "token", "key", "credential")


class Middleware:
    """A middleware class and the arguments to build it with, around the next app.

    ``Middleware(CORSMiddleware, allow_origins=["*"])`` becomes
    ``CORSMiddleware(app, allow_origins=["*"])`` when the stack is built.
    """

    def __init__(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def __repr__(self) -> str:
        arguments = [getattr(self.cls, "__name__", repr(self.cls))]
        arguments += [repr(arg) for arg in self.args]
        for key, value in self.kwargs.items():
            hidden = any(name in key.lower() for name in _SECRET_NAMES)
            arguments.append(f"{key}='**********'" if hidden else f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(arguments)})"


__all__ = ["Middleware"]
