from __future__ import annotations

from resourceful.middleware import Middleware


class Limit:
    def __init__(self, app: object, limit: int, *, strict: bool = False) -> None:
        self.app, self.limit, self.strict = app, limit, strict


def test_middleware_unpacks_into_class_and_arguments() -> None:
    entry = Middleware(Limit, 10, strict=True)
    cls, args, kwargs = entry
    built = cls("inner", *args, **kwargs)
    assert (built.app, built.limit, built.strict) == ("inner", 10, True)
    assert repr(entry) == "Middleware(Limit, 10, strict=True)"
    assert repr(Middleware(print)) == "Middleware(print)"
