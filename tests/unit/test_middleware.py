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


class Signed:
    """A middleware whose arguments include a key and a token (only its repr is used)."""


def test_middleware_repr_hides_secrets() -> None:
    # A repr goes into logs and tracebacks: keys, tokens and passwords are not shown there.
    entry = Middleware(Signed, secret_key="s3cr3t", api_token="t0k3n", max_age=60)
    assert repr(entry) == (
        "Middleware(Signed, secret_key='**********', api_token='**********', max_age=60)"
    )
