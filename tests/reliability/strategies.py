"""Hypothesis strategies for what a hostile or broken client sends: every part of a request.

Each strategy mixes well-formed values (so requests get deep into the app) with the forms
that break parsers: bad percent-encoding, invalid UTF-8, huge and deeply nested values,
broken multipart framing, and header bytes outside ASCII.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from tests.reliability.harness import RawRequest

#: Visible ASCII a server lets through in a request target, but for "?" and "#".
_TARGET = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "?#")
#: Bytes of a header value that servers pass on: tab, visible ASCII, and obs-text.
_HEADER_BYTES = [9, *range(0x20, 0x7F), *range(0x80, 0x100)]

#: Paths that try to leave the static folder for the file beside it.
TRAVERSALS = [
    "/static/../secret.txt",
    "/static/%2e%2e/secret.txt",
    "/static/..%2fsecret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/static/..\\secret.txt",
    "/static/./../secret.txt",
    "/static//../secret.txt",
    "/static/%252e%252e/secret.txt",
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]
ROUTES = [
    "/",
    "/items/1",
    "/items/{}",
    "/things/{}/{}/{}",
    "/things/0b5e0c3e-8f1a-4c53-9d6e-3f9f6a0e2b11/{}/2020-02-29",
    "/forms",
    "/signed/forms",
    "/inspect/{}",
    "/session",
    "/next",
    "/count",
    "/private",
    "/file",
    "/graphql",
    "/static/page.html",
    "/static/data.bin",
    "/static/{}",
    *TRAVERSALS,
    "/{}",
]


def text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Short text of any code points, lone surrogates included."""
    return st.text(st.characters(exclude_categories=()), max_size=max_size)


def percent_encoded(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text percent-encoded as a server receives it: from any bytes, valid UTF-8 or not."""
    return st.one_of(
        text(max_size).map(lambda value: quote(value.encode("utf-8", "surrogatepass"), safe="")),
        st.binary(max_size=max_size).map(lambda value: quote(value, safe="")),
        st.text(st.sampled_from(_TARGET), max_size=max_size),
        st.sampled_from(["%", "%zz", "%f", "%00", "%ff%fe", "%c0%ae", "%2e%2e", "..", "."]),
    )


@st.composite
def raw_paths(draw: st.DrawFn) -> bytes:
    """A route of the app with fuzzed segments, dot segments, NULs, or thousands of bytes."""
    route = draw(st.sampled_from(ROUTES))
    while "{}" in route:
        route = route.replace("{}", draw(percent_encoded()), 1)
    suffix = draw(
        st.one_of(
            st.just(""),
            st.lists(percent_encoded(), max_size=4).map(lambda parts: "/" + "/".join(parts)),
            st.sampled_from(["/../../etc/passwd", "/%2e%2e/%2e%2e/", "//", "/.", "%00"]),
            st.integers(1, 20_000).map(lambda n: "/" + "a" * n),
        )
    )
    return (route + suffix).encode("ascii")


@st.composite
def query_strings(draw: st.DrawFn) -> bytes:
    """Known parameters with hostile values, unknown ones, and plain garbage."""
    names = st.sampled_from(
        ["limit", "tags", "flag", "ratio", "day", "key", "to", "next", "query", "variables"]
    )
    values = st.one_of(
        st.integers().map(str),
        st.sampled_from(["", "nan", "inf", "-0", "1e309", "9" * 5000, "true", "maybe"]),
        st.sampled_from(["2020-02-30", "0000-01-01", "//evil.example", "/\\evil.example"]),
        st.sampled_from(["{item(id: 1) { name }}", "{", "[1,2", '{"id": 1}', "null"]),
        st.uuids().map(str),
        percent_encoded(),
    )
    pairs = draw(st.lists(st.tuples(names | percent_encoded(10), values), max_size=8))
    query = "&".join(f"{name}={value}" for name, value in pairs)
    if draw(st.booleans()):
        query += "&" * draw(st.integers(0, 3)) + draw(
            st.text(st.sampled_from(_TARGET), max_size=30)
        )
    return query.encode("ascii")


def header_values(max_size: int = 60) -> st.SearchStrategy[bytes]:
    """Header bytes a server passes on, trimmed of the spaces it would have stripped."""
    return st.lists(st.sampled_from(_HEADER_BYTES), max_size=max_size).map(
        lambda found: bytes(found).strip(b" \t")
    )


def _cookie() -> st.SearchStrategy[bytes]:
    pair = st.tuples(
        st.sampled_from(["theme", "session", "csrftoken", "a"]) | st.text(max_size=8),
        st.text(max_size=30),
    )
    return st.one_of(
        st.lists(pair, max_size=5).map(
            lambda pairs: "; ".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
        ),
        header_values(),
    ).map(lambda value: value.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b""))


RANGES = st.one_of(
    st.sampled_from(
        [
            "bytes=0-10",
            "bytes=-5",
            "bytes=5-",
            "bytes=10-5",
            "bytes=0-0,-1",
            "bytes=99999999999999999999-",
            "bytes=-0",
            "bytes=",
            "items=0-1",
            "bytes=" + ",".join(f"{n}-{n}" for n in range(300)),
        ]
    ),
    st.tuples(st.integers(-5, 20_000), st.integers(-5, 20_000)).map(
        lambda pair: f"bytes={pair[0]}-{pair[1]}"
    ),
).map(str.encode)
VALIDATORS = st.one_of(
    st.sampled_from(
        [
            '"abc"',
            'W/"abc"',
            "*",
            '"unterminated',
            "Tue, 15 Nov 1994 08:12:31 GMT",
            "Tue, 15 Nov 99999 08:12:31 GMT",
            "not a date",
            "",
        ]
    ).map(str.encode),
    header_values(),
)


@st.composite
def headers(draw: st.DrawFn, body: bytes, content_type: bytes | None) -> list[tuple[bytes, bytes]]:
    """A Host (mostly the app's own), known headers with hostile values, duplicates, junk."""
    found = [(b"host", draw(st.sampled_from([b"testserver", b"a.example", b"evil.example", b""])))]
    if content_type is not None:
        found.append((b"content-type", content_type))
    if body and draw(st.booleans()):
        found.append((b"content-length", str(len(body)).encode()))
    known = st.one_of(
        st.tuples(st.just(b"cookie"), _cookie()),
        st.tuples(st.just(b"authorization"), header_values().map(lambda v: b"Basic " + v)),
        st.tuples(st.just(b"authorization"), st.sampled_from([b"Basic dTpzZWNyZXQ=", b"Basic"])),
        st.tuples(st.just(b"range"), RANGES),
        st.tuples(
            st.sampled_from([b"if-none-match", b"if-modified-since", b"if-range", b"if-match"]),
            VALIDATORS,
        ),
        st.tuples(st.just(b"origin"), st.sampled_from([b"https://ok.example", b"null"])),
        st.tuples(st.just(b"access-control-request-method"), st.sampled_from([b"PUT", b"X"])),
        st.tuples(st.just(b"accept-encoding"), st.sampled_from([b"gzip", b"gzip;q=x", b"*"])),
        st.tuples(
            st.sampled_from([b"x-token", b"x-csrf-token", b"accept", b"content-type"]),
            header_values(),
        ),
        st.tuples(
            st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~", min_size=1).map(
                str.encode
            ),
            header_values(),
        ),
        st.tuples(st.just(b"x-huge"), st.integers(1, 64 * 1024).map(lambda n: b"x" * n)),
    )
    found += draw(st.lists(known, max_size=8))
    return found


def json_values() -> st.SearchStrategy[object]:
    """JSON values nested up to three levels: leaves, and arrays and objects of them."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        text(),
    )
    values: st.SearchStrategy[object] = leaves
    for _ in range(2):
        values = (
            leaves | st.lists(values, max_size=4) | st.dictionaries(text(10), values, max_size=4)
        )
    return values


def _item_bodies() -> st.SearchStrategy[object]:
    """Bodies shaped like the items' JSON, so they get past the first field."""
    return st.fixed_dictionaries(
        {},
        optional={
            "name": text() | json_values(),
            "price": st.sampled_from(["1.50", "NaN", "1e999999", "-0", "x", 1, 1.5, True]),
            "kind": st.sampled_from(["book", "tool", "BOOK", 1, None]),
            "tags": st.lists(text(), max_size=3) | json_values(),
            "made": st.sampled_from(["2020-01-01T00:00:00Z", "2020-13-01T00:00", "", 0]),
            "address": st.fixed_dictionaries({"street": text()}, optional={"postcode": text()})
            | json_values(),
            "counts": st.dictionaries(text(5), st.integers() | text(5), max_size=3),
        },
    )


JSON_TRAPS = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"9" * 5000,
    b"1e999999",
    b"NaN",
    b"[Infinity, -Infinity]",
    b'"\\ud800"',
    b'{"name": "\\udfff", "price": "1"}',
    b'{"name": "a", "name": "b", "price": "1"}',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{}",
    b'{"name": "a", "price": "1"',
    b"",
    b"null",
]


@st.composite
def json_bodies(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.sampled_from(JSON_TRAPS))
    value = draw(_item_bodies() if choice == 1 else json_values())
    return json.dumps(value).encode("utf-8", "surrogatepass")


@st.composite
def urlencoded_bodies(draw: st.DrawFn) -> bytes:
    names = st.sampled_from(["name", "age", "agree", "colours", "csrf_token"]) | text(10)
    values = st.sampled_from(["ada", "36", "-1", "on", "off", "9" * 5000, ""]) | text()
    pairs = draw(st.lists(st.tuples(names, values), max_size=12))
    encoded = urlencode(
        [(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs]
    )
    if draw(st.booleans()):
        encoded += draw(st.sampled_from(["&%", "&=&==", "&%zz=%ff", "&" * 2000, "&a=1" * 1200]))
    return encoded.encode("ascii")


@st.composite
def multipart_bodies(draw: st.DrawFn, boundary: bytes) -> bytes:
    """Parts with fuzzed names, filenames and headers; then the framing broken some ways."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.sampled_from([b"name", b"age", b"avatar", b"colours"]) | header_values(20))
        disposition = b'form-data; name="' + name + b'"'
        if draw(st.booleans()):
            disposition += b'; filename="' + draw(header_values(20)) + b'"'
        lines = [b"Content-Disposition: " + disposition]
        if draw(st.booleans()):
            lines.append(b"Content-Type: " + draw(st.sampled_from([b"text/plain", b"x/y"])))
        if draw(st.integers(0, 9)) == 0:
            lines.append(b"X-Huge: " + b"h" * draw(st.integers(1, 40_000)))
        content = draw(st.binary(max_size=200) | st.sampled_from([b"ada", b"36", b"on"]))
        parts.append(b"\r\n".join(lines) + b"\r\n\r\n" + content)
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary + b"--\r\n"
    breakage = draw(st.integers(0, 6))
    if breakage == 1:
        body = body.replace(b"\r\n", b"\n")  # bare line feeds
    elif breakage == 2:
        body = body.replace(boundary, boundary[:-1])  # a boundary that does not match
    elif breakage == 3:
        body = body[: draw(st.integers(0, len(body)))]  # cut short
    elif breakage == 4:
        many = b"".join(
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
            for _ in range(draw(st.integers(900, 1500)))
        )
        body = many + b"--" + boundary + b"--\r\n"
    elif breakage == 5:
        body = draw(st.binary(max_size=300))
    return body


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """A body and the content type it is sent with (which may not match it)."""
    kind = draw(st.sampled_from(["none", "json", "form", "multipart", "bytes", "big"]))
    if kind == "none":
        return b"", None
    if kind == "json":
        return draw(json_bodies()), draw(
            st.sampled_from([b"application/json", b"application/json; charset=latin-1"])
        )
    if kind == "form":
        return draw(urlencoded_bodies()), b"application/x-www-form-urlencoded"
    if kind == "multipart":
        boundary = draw(st.sampled_from([b"b0und", b"----x" * 10, b"a b", b""]))
        content_type = b"multipart/form-data; boundary=" + boundary
        if draw(st.integers(0, 5)) == 0:
            content_type = draw(
                st.sampled_from([b"multipart/form-data", b"multipart/form-data; boundary="])
            )
        return draw(multipart_bodies(boundary)), content_type
    if kind == "big":
        return b"x" * draw(st.integers(60 * 1024, 200 * 1024)), draw(
            st.sampled_from([None, b"application/json", b"application/octet-stream"])
        )
    return draw(st.binary(max_size=500)), draw(st.none() | header_values(30))


def chunked(body: bytes, cuts: list[int]) -> tuple[bytes, ...]:
    """``body`` cut at ``cuts``, as it may arrive from the network (empty pieces dropped)."""
    points = sorted({min(cut, len(body)) for cut in cuts})
    pieces = [
        body[start:end] for start, end in zip([0, *points], [*points, len(body)], strict=True)
    ]
    return tuple(piece for piece in pieces if piece) or (b"",)


@st.composite
def http_requests(draw: st.DrawFn) -> RawRequest:
    """A whole request: method, raw path, query, headers and a body in chunks."""
    body, content_type = draw(bodies())
    method = draw(st.sampled_from(METHODS) | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1))
    cuts = draw(st.lists(st.integers(0, max(len(body), 1)), max_size=4))
    return RawRequest(
        method=method,
        raw_path=draw(raw_paths()),
        query_string=draw(query_strings()),
        headers=tuple(draw(headers(body, content_type))),
        chunks=chunked(body, cuts),
        spec_version=draw(st.sampled_from(["2.3", "2.4"])),
    )
