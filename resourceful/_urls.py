"""URLs: :class:`URL` and the reversed route path :class:`URLPath`."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Sequence
from typing import Any
from urllib.parse import SplitResult, unquote_plus, urlencode, urlsplit, urlunsplit

from resourceful._cached import cached_property
from resourceful._hosts import parse_host
from resourceful.types import Scope

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def parse_query(text: str, max_fields: int | None = None) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a query string or urlencoded form, blanks kept.

    It gives what :func:`urllib.parse.parse_qsl` gives with ``keep_blank_values``, and
    skips the unquoting of text that has nothing to unquote.

    Raises:
        ValueError: the text holds more than ``max_fields`` fields.
    """
    pieces = text.split("&")
    if max_fields is not None and len(pieces) > max_fields:
        msg = f"more than {max_fields} fields"
        raise ValueError(msg)
    quoted = "%" in text or "+" in text
    pairs = []
    for piece in pieces:
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if quoted:
            name, value = unquote_plus(name), unquote_plus(value)
        pairs.append((name, value))
    return pairs


class URL:
    """An absolute or relative URL, immutable; ``replace`` and friends return new URLs.

    Build it from a string, from an ASGI ``scope``, or from keyword components
    (``URL(scheme="https", netloc="example.com", path="/")``).
    """

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        if scope is not None:
            if url or components:
                msg = "URL() takes either a string, a scope or components, not several of them"
                raise TypeError(msg)
            url = _url_from_scope(scope)
        elif components:
            if url:
                msg = "URL() takes either a string, a scope or components, not several of them"
                raise TypeError(msg)
            url = URL("").replace(**components).components.geturl()
        self._url = url

    @cached_property
    def components(self) -> SplitResult:
        """The URL split into scheme, netloc, path, query and fragment."""
        return urlsplit(self._url)

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def path(self) -> str:
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def username(self) -> str | None:
        return self.components.username

    @property
    def password(self) -> str | None:
        return self.components.password

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        """A copy with some components replaced.

        Besides the split components, ``hostname``, ``port``, ``username`` and ``password``
        may be given; they rebuild the netloc.
        """
        if {"username", "password", "hostname", "port"} & kwargs.keys():
            hostname = kwargs.pop("hostname", None)
            port = kwargs.pop("port", self.port)
            username = kwargs.pop("username", self.username)
            password = kwargs.pop("password", self.password)
            if hostname is None:
                netloc = self.netloc
                _, _, hostname = netloc.rpartition("@")
                if hostname[-1:] != "]":
                    hostname = hostname.rsplit(":", 1)[0]
            if _is_ipv6(hostname):
                hostname = f"[{hostname}]"
            netloc = hostname
            if port is not None:
                netloc += f":{port}"
            if username is not None:
                userpass = username
                if password is not None:
                    userpass += f":{password}"
                netloc = f"{userpass}@{netloc}"
            kwargs["netloc"] = netloc
        return URL(self.components._replace(**kwargs).geturl())

    def include_query_params(self, **kwargs: Any) -> URL:
        """A copy with these query parameters set, keeping the others."""
        new = [(str(key), str(value)) for key, value in kwargs.items()]
        names = {name for name, _ in new}
        kept = [pair for pair in parse_query(self.query) if pair[0] not in names]
        return self.replace(query=urlencode(kept + new))

    def replace_query_params(self, **kwargs: Any) -> URL:
        """A copy whose query string holds exactly these parameters."""
        return self.replace(query=urlencode([(str(k), str(v)) for k, v in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        """A copy without the query parameters named in ``keys``."""
        if isinstance(keys, str):
            keys = [keys]
        pairs = parse_query(self.query)
        return self.replace(query=urlencode([pair for pair in pairs if pair[0] not in keys]))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        url = self
        if self.password:
            url = self.replace(password="********")
        return f"{type(self).__name__}({str(url)!r})"


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


#: Characters of a path that would end it early in a URL string.
_PATH_DELIMITERS = str.maketrans({"?": "%3F", "#": "%23", "\\": "%5C"})


def _url_from_scope(scope: Scope) -> str:
    scheme = scope.get("scheme", "http")
    server = scope.get("server")
    path = scope["path"].translate(_PATH_DELIMITERS)
    query = scope.get("query_string", b"").decode("latin-1")
    netloc = None
    for name, value in scope["headers"]:
        if name == b"host":
            # A Host header that is no valid host (one whose text would move into another
            # part of the URL, say) is ignored for the server's address.
            host = parse_host(value.decode("latin-1"))
            if host is not None and host.has_valid_port:
                netloc = host.authority
            break
    if netloc is None and server is not None:
        server_host, port = server
        if ":" in server_host and not server_host.startswith("["):
            server_host = f"[{server_host}]"  # an IPv6 address
        default = port == _DEFAULT_PORTS.get(scheme)
        netloc = server_host if default else f"{server_host}:{port}"
    if netloc is not None:
        # A path that does not start with "/" gets one, so it cannot join the authority.
        url: str = urlunsplit((scheme, netloc, path, query, ""))
        return url
    if path.startswith("//"):  # without a host, it would be read as one
        path = "/%2F" + path[2:]
    return f"{path}?{query}" if query else path


def stays_on_site(target: str, hosts: Collection[str]) -> bool:
    """Whether a browser sent to ``target`` stays on this site.

    So it does for a path (``/notes?page=2``, ``notes``) and for an http(s) URL whose host
    is one of ``hosts`` (lower-case names). A browser reads a backslash as a slash, so a
    path that starts with a slash and a backslash leads to another host; text with control
    characters (which browsers drop) or surrounding spaces is refused outright.
    """
    if target != target.strip() or any(char < " " or char == "\x7f" for char in target):
        return False
    normal = target.replace("\\", "/")
    if normal.startswith("//"):  # scheme-relative: another host
        return False
    try:
        parts = urlsplit(normal)
        host = parts.hostname
    except ValueError:  # a broken authority ("http://[x")
        return False
    if not parts.scheme and not parts.netloc:
        return True
    is_web = parts.scheme.lower() in ("http", "https") and normal[len(parts.scheme) :][:3] == "://"
    return is_web and host is not None and host in hosts


class URLPath(str):
    """A path that remembers its protocol (``http`` or ``websocket``) and, maybe, its host.

    ``url_path_for`` returns these; ``make_absolute_url`` turns one into a full URL.
    """

    protocol: str
    host: str

    def __new__(cls, path: str, protocol: str = "", host: str = "") -> URLPath:
        if protocol not in ("http", "websocket", ""):
            msg = f"URLPath protocol must be 'http', 'websocket' or '', not {protocol!r}"
            raise ValueError(msg)
        return str.__new__(cls, path)

    def __init__(self, path: str, protocol: str = "", host: str = "") -> None:
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        """This path joined onto ``base_url``, with ws/wss for websocket paths."""
        if isinstance(base_url, str):
            base_url = URL(base_url)
        if self.protocol:
            secure = base_url.is_secure
            scheme = {"http": ("http", "https"), "websocket": ("ws", "wss")}[self.protocol][secure]
        else:
            scheme = base_url.scheme
        netloc = self.host or base_url.netloc
        path = base_url.path.rstrip("/") + str(self)
        return URL(scheme=scheme, netloc=netloc, path=path)
