"""Reading a ``Host`` header: its host and port, or nothing when it is not a valid one."""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

# RFC 3986 host [ ":" port ]: a registered name or IPv4 address, or an IP literal in
# brackets (an IPv6 address or an IPvFuture). A colon must be followed by the port's digits.
_HOST = re.compile(
    r"""
    (?P<host>
        [a-z0-9\-._~%!$&'()*+,;=]+
      | \[ (?: (?P<ipv6>[0-9a-f:.]+) | (?-i:v)[0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+ ) \]
    )
    (?: : (?P<port>[0-9]+) )?
    """,
    re.IGNORECASE | re.VERBOSE,
)


class Host(NamedTuple):
    """A valid ``Host`` header, split."""

    #: The host as sent (an IP literal keeps its brackets).
    host: str
    #: The port as sent, or None.
    port: str | None

    @property
    def has_valid_port(self) -> bool:
        """Whether the port, if any, is one a URL can hold (up to 65535)."""
        return self.port is None or int(self.port) <= 65535

    @property
    def authority(self) -> str:
        """``host[:port]``, as sent."""
        return self.host if self.port is None else f"{self.host}:{self.port}"


def parse_host(value: str | None) -> Host | None:
    """``value`` split into host and port; None when it is missing or not a valid host,
    such as an IPv6 literal that is not an address."""
    if value is None:
        return None
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    ipv6 = match["ipv6"]
    if ipv6 is not None:
        try:
            ipaddress.IPv6Address(ipv6)
        except ValueError:
            return None
    return Host(match["host"], match["port"])
