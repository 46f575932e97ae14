"""Reading a Host header: what counts as a host, and what does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful._hosts import Host, parse_host


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("example.org", Host("example.org", None)),
        ("Example.ORG:8000", Host("Example.ORG", "8000")),
        ("127.0.0.1:000080", Host("127.0.0.1", "000080")),
        ("[::1]:8000", Host("[::1]", "8000")),
        ("[v7.any:thing]", Host("[v7.any:thing]", None)),
        ("host:99999", Host("host", "99999")),
    ],
)
def test_a_valid_host_is_split_as_sent(header: str, expected: Host) -> None:
    assert parse_host(header) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "[::1", "[::1]:", "[:::]", "[V7.x]", "a b", "a@b", "a/b", "a:b", "a:", "[::1]x"],
)
def test_what_is_no_valid_host_is_none(header: str | None) -> None:
    assert parse_host(header) is None


def test_a_port_a_url_can_hold() -> None:
    assert Host("a", None).has_valid_port
    assert Host("a", "065535").has_valid_port
    assert not Host("a", "65536").has_valid_port
    assert Host("[::1]", "80").authority == "[::1]:80"


@given(st.text())
def test_reading_a_host_never_fails(header: str) -> None:
    parse_host(header)
