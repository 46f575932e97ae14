from __future__ import annotations

import pytest

from resourceful.exceptions import (
    HTTPException,
    MissingDependencyError,
    WebSocketException,
    status_phrase,
)


def test_http_exception_defaults_to_the_reason_phrase() -> None:
    exc = HTTPException(404)
    assert exc.detail == "Not Found"
    assert exc.headers is None
    assert str(exc) == "404: Not Found"
    assert repr(exc) == "HTTPException(status_code=404, detail='Not Found')"


def test_http_exception_keeps_detail_and_headers() -> None:
    exc = HTTPException(401, "Log in first", headers={"WWW-Authenticate": "Bearer"})
    assert exc.detail == "Log in first"
    assert exc.headers == {"WWW-Authenticate": "Bearer"}
    with pytest.raises(HTTPException, match="Log in first"):
        raise exc


def test_unknown_status_has_an_empty_phrase() -> None:
    assert status_phrase(599) == ""
    assert HTTPException(599).detail == ""


def test_websocket_exception() -> None:
    exc = WebSocketException(1008, "go away")
    assert exc.code == 1008
    assert exc.reason == "go away"
    assert str(exc) == "1008: go away"
    assert repr(exc) == "WebSocketException(code=1008, reason='go away')"
    assert WebSocketException(1000).reason == ""


def test_missing_dependency_error_names_the_extra() -> None:
    exc = MissingDependencyError("jinja2", "templates", "Templates")
    assert isinstance(exc, ImportError)
    assert exc.name == "jinja2"
    assert "pip install 'resourceful-asgi[templates]'" in str(exc)
