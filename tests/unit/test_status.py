from __future__ import annotations

import http

import pytest

from resourceful import status


def test_every_name_in_all_is_a_code() -> None:
    for name in status.__all__:
        code = getattr(status, name)
        assert isinstance(code, int)
        assert name.startswith(("HTTP_", "WS_"))
        assert name.split("_")[1] == str(code)


def test_every_standard_http_status_is_there() -> None:
    codes = {getattr(status, name) for name in status.__all__ if name.startswith("HTTP_")}
    assert {int(code) for code in http.HTTPStatus} <= codes


def test_names_follow_rfc_9110() -> None:
    assert status.HTTP_413_CONTENT_TOO_LARGE == 413
    assert status.HTTP_422_UNPROCESSABLE_CONTENT == 422
    assert status.HTTP_416_RANGE_NOT_SATISFIABLE == 416
    assert status.WS_1008_POLICY_VIOLATION == 1008


def test_older_names_still_read_with_a_warning() -> None:
    older = {
        "HTTP_413_REQUEST_ENTITY_TOO_LARGE": ("HTTP_413_CONTENT_TOO_LARGE", 413),
        "HTTP_414_REQUEST_URI_TOO_LONG": ("HTTP_414_URI_TOO_LONG", 414),
        "HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE": ("HTTP_416_RANGE_NOT_SATISFIABLE", 416),
        "HTTP_422_UNPROCESSABLE_ENTITY": ("HTTP_422_UNPROCESSABLE_CONTENT", 422),
    }
    for name, (current, code) in older.items():
        with pytest.warns(DeprecationWarning, match=f"'{name}' is deprecated. Use '{current}'"):
            assert getattr(status, name) == code
    with pytest.raises(AttributeError, match="has no attribute 'HTTP_999_UNKNOWN'"):
        getattr(status, "HTTP_999_UNKNOWN")  # noqa: B009
