from __future__ import annotations

import io
import threading
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful._urls import parse_query
from resourceful.datastructures import (
    URL,
    Address,
    CommaSeparatedStrings,
    FormData,
    Headers,
    ImmutableMultiDict,
    MultiDict,
    MutableHeaders,
    QueryParams,
    Secret,
    State,
    UploadFile,
    URLPath,
    spooled_file,
)


def test_url_components() -> None:
    url = URL("https://user:pw@example.org:8443/path/to?a=1&b=2#frag")
    assert url.scheme == "https"
    assert url.netloc == "user:pw@example.org:8443"
    assert url.path == "/path/to"
    assert url.query == "a=1&b=2"
    assert url.fragment == "frag"
    assert url.username == "user"
    assert url.password == "pw"
    assert url.hostname == "example.org"
    assert url.port == 8443
    assert url.is_secure
    assert not URL("ws://example.org").is_secure
    assert URL("wss://example.org").is_secure


def test_url_replace_rebuilds_netloc() -> None:
    url = URL("http://user:pw@example.org:8000/a")
    assert url.replace(scheme="https") == "https://user:pw@example.org:8000/a"
    assert url.replace(port=9000) == "http://user:pw@example.org:9000/a"
    assert url.replace(hostname="other.org") == "http://user:pw@other.org:8000/a"
    assert url.replace(username="me", password=None) == "http://me@example.org:8000/a"
    assert URL("http://example.org/").replace(port=None, username=None) == "http://example.org/"
    assert URL("http://[::1]:80/").replace(port=81) == "http://[::1]:81/"
    assert URL("http://[::1]/").replace(port=81) == "http://[::1]:81/"
    ipv6 = URL("https://[fe::2]:12345")
    assert ipv6.replace(hostname=ipv6.hostname) == ipv6
    assert url.replace(hostname="[::1]") == "http://user:pw@[::1]:8000/a"
    assert url.replace(hostname="other.org:1", port=None) == "http://user:pw@other.org:1/a"


def test_url_query_param_helpers() -> None:
    url = URL("http://example.org/?a=1&a=2&b=3")
    assert url.include_query_params(c=4) == "http://example.org/?a=1&a=2&b=3&c=4"
    assert url.include_query_params(a=9) == "http://example.org/?b=3&a=9"
    assert url.replace_query_params(z="x y") == "http://example.org/?z=x+y"
    assert url.remove_query_params("a") == "http://example.org/?b=3"
    assert url.remove_query_params(["a", "b"]) == "http://example.org/"


def test_url_from_components_and_errors() -> None:
    assert URL(scheme="https", netloc="example.org", path="/x") == "https://example.org/x"
    with pytest.raises(TypeError, match="either a string, a scope or components"):
        URL("http://a", scheme="https")
    with pytest.raises(TypeError, match="either a string, a scope or components"):
        URL("http://a", scope={"path": "/"})


def test_url_from_scope() -> None:
    base = {"scheme": "http", "path": "/p", "query_string": b"", "headers": []}
    headers = [(b"accept", b"*/*"), (b"host", b"h.example")]
    assert URL(scope={**base, "headers": headers}) == "http://h.example/p"
    assert URL(scope={**base, "server": ("srv", 80)}) == "http://srv/p"
    assert URL(scope={**base, "server": ("srv", 8080)}) == "http://srv:8080/p"
    assert URL(scope={**base, "server": None, "query_string": b"x=1"}) == "/p?x=1"
    assert URL(scope={**base, "server": ("::1", 8000)}) == "http://[::1]:8000/p"
    assert URL(scope={**base, "headers": [(b"host", b"[v1.fo]")]}).netloc == "[v1.fo]"


@pytest.mark.parametrize("with_host", [True, False], ids=["host-header", "server"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("@evil.org", "/@evil.org"),
        ("user:pw@evil.org", "/user:pw@evil.org"),
        ("//evil.org/x", "//evil.org/x"),
        ("http://evil.org/x", "/http://evil.org/x"),
        ("/a?b#c", "/a%3Fb%23c"),
        ("/a\\b", "/a%5Cb"),
    ],
)
def test_a_path_from_the_client_stays_a_path(path: str, expected: str, with_host: bool) -> None:
    # The client sent a request target that looks like an authority, or holds delimiters.
    scope = {
        "scheme": "http",
        "path": path,
        "query_string": b"q=1",
        "headers": [(b"host", b"site.example")] if with_host else [],
        "server": ("site.example", 80),
    }
    url = URL(scope=scope)
    assert (url.hostname, url.path, url.query) == ("site.example", expected, "q=1")


def test_a_path_without_a_host_cannot_become_one() -> None:
    url = URL(scope={"path": "//evil.org/a", "query_string": b"", "headers": []})
    assert (str(url), url.netloc) == ("/%2Fevil.org/a", "")


@pytest.mark.parametrize(
    "host", [b"[::1", b"a@b", b"a/b", b"a b", b"[:::]", b"[V1.x]", b"a:99999", b"a:"]
)
def test_an_invalid_host_header_gives_way_to_the_server_address(host: bytes) -> None:
    scope = {"path": "/", "query_string": b"", "headers": [(b"host", host)], "server": ("s", 81)}
    assert URL(scope=scope) == "http://s:81/"


def test_url_equality_hash_and_repr_hide_password() -> None:
    url = URL("https://user:secret@example.org/")
    assert url == "https://user:secret@example.org/"
    assert url == URL("https://user:secret@example.org/")
    assert hash(url) == hash(URL(str(url)))
    assert "secret" not in repr(url)
    assert repr(URL("/x")) == "URL('/x')"


def test_url_path_make_absolute_url() -> None:
    path = URLPath("/items/1", protocol="http")
    assert path.make_absolute_url("https://example.org/root/") == "https://example.org/root/items/1"
    ws = URLPath("/ws", protocol="websocket")
    assert ws.make_absolute_url(URL("http://example.org")) == "ws://example.org/ws"
    assert ws.make_absolute_url(URL("https://example.org")) == "wss://example.org/ws"
    hosted = URLPath("/a", host="api.example.org")
    assert hosted.make_absolute_url("http://example.org") == "http://api.example.org/a"
    with pytest.raises(ValueError, match="protocol must be"):
        URLPath("/a", protocol="ftp")


def test_secret_never_shows_its_value_in_repr() -> None:
    secret = Secret("hunter2")
    assert repr(secret) == "Secret('**********')"
    assert "hunter2" not in repr([secret, {"key": secret}])
    assert secret.get_secret_value() == str(secret) == "hunter2"  # str reads it, as in Starlette
    assert secret
    assert not Secret("")
    assert secret == Secret("hunter2")
    assert secret != "hunter2"
    assert hash(secret) == hash(Secret("hunter2"))


def test_comma_separated_strings() -> None:
    items = CommaSeparatedStrings("a, b,  'c, d' ,e")
    assert list(items) == ["a", "b", "c, d", "e"]
    assert len(items) == 4
    assert items[2] == "c, d"
    assert items[1:] == ["b", "c, d", "e"]
    assert repr(items) == "CommaSeparatedStrings(['a', 'b', 'c, d', 'e'])"
    assert str(items) == "'a', 'b', 'c, d', 'e'"
    assert list(CommaSeparatedStrings(str(items))) == list(items)
    assert list(CommaSeparatedStrings(["x", "y"])) == ["x", "y"]


def test_immutable_multi_dict() -> None:
    data = ImmutableMultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert data["a"] == "2"
    assert (data.get("a"), data.get("missing"), data.get("missing", "x")) == ("2", None, "x")
    assert data.get("missing", default=0) == 0
    assert data.getlist("a") == ["1", "2"]
    assert data.getlist("missing") == []
    assert list(data.keys()) == ["a", "b"]
    assert list(data.values()) == ["2", "3"]
    assert list(data.items()) == [("a", "2"), ("b", "3")]
    assert data.multi_items() == [("a", "1"), ("a", "2"), ("b", "3")]
    assert "a" in data
    assert list(data) == ["a", "b"]
    assert len(data) == 2
    assert data == ImmutableMultiDict([("b", "3"), ("a", "1"), ("a", "2")])
    assert data != ImmutableMultiDict([("a", "2"), ("a", "1"), ("b", "3")]), "a's order"
    assert data != {"a": "2", "b": "3"}
    assert repr(data) == "ImmutableMultiDict([('a', '1'), ('a', '2'), ('b', '3')])"
    assert ImmutableMultiDict({"x": 1})["x"] == 1
    assert ImmutableMultiDict(data) == data
    # Pairs from a list (copied: the list stays the caller's) and from any other iterable.
    pairs = [("a", "1"), ("a", "2"), ("b", "3")]
    from_list = ImmutableMultiDict(pairs)
    pairs.append(("c", "4"))
    assert from_list == data
    assert ImmutableMultiDict(pair for pair in pairs[:3]) == data
    assert ImmutableMultiDict(data, c="4").getlist("c") == ["4"]
    assert ImmutableMultiDict() == ImmutableMultiDict([])
    with pytest.raises(TypeError, match="at most one positional argument"):
        ImmutableMultiDict([], [])


def test_multi_dict_mutation() -> None:
    data = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    data["a"] = "9"
    assert data.getlist("a") == ["9"]
    data.append("a", "10")
    assert data.getlist("a") == ["9", "10"]
    assert data["a"] == "10"
    assert data.poplist("a") == ["9", "10"]
    assert "a" not in data
    assert data.setdefault("c", "4") == "4"
    assert data.setdefault("c", "5") == "4"
    data.setlist("d", ["x", "y"])
    assert data.getlist("d") == ["x", "y"]
    data.setlist("d", [])
    assert "d" not in data
    del data["b"]
    assert data.multi_items() == [("c", "4")]
    assert data.pop("c") == "4"
    assert data.pop("nope", "default") == "default"
    data.update({"e": "1"}, f="2")
    data.update([("e", "3")])
    assert data.multi_items() == [("f", "2"), ("e", "3")]
    assert data.popitem() == ("f", "2")
    assert data.multi_items() == [("e", "3")]
    data.clear()
    assert len(data) == 0


def test_query_params() -> None:
    params = QueryParams("a=1&a=2&b=&c=%20x")
    assert params["a"] == "2"
    assert params.getlist("a") == ["1", "2"]
    assert params["b"] == ""
    assert params["c"] == " x"
    assert str(params) == "a=1&a=2&b=&c=+x"
    assert repr(params) == "QueryParams('a=1&a=2&b=&c=+x')"
    assert QueryParams(b"x=1")["x"] == "1"
    assert QueryParams({"n": 1})["n"] == "1"
    assert QueryParams([("n", 2)], m=3).multi_items() == [("n", "2"), ("m", "3")]
    with pytest.raises(TypeError, match="keyword arguments only with a mapping"):
        QueryParams("a=1", b="2")


@given(st.lists(st.tuples(st.text(min_size=1), st.text())))
def test_query_params_round_trip(pairs: list[tuple[str, str]]) -> None:
    params = QueryParams(urlencode(pairs))
    assert params.multi_items() == pairs
    assert QueryParams(str(params)) == params


def test_headers_are_case_insensitive_and_multi_valued() -> None:
    headers = Headers(raw=[(b"a", b"1"), (b"b", b"2"), (b"a", b"3")])
    assert headers["A"] == "1"
    assert headers.getlist("A") == ["1", "3"]
    assert "B" in headers
    assert "c" not in headers
    assert headers.keys() == ["a", "b", "a"]
    assert headers.values() == ["1", "2", "3"]
    assert headers.items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert list(headers) == ["a", "b", "a"]
    assert len(headers) == 3
    assert headers.raw == [(b"a", b"1"), (b"b", b"2"), (b"a", b"3")]
    assert headers == Headers(raw=[(b"a", b"3"), (b"a", b"1"), (b"b", b"2")])
    assert headers != {"a": "1"}
    assert repr(headers) == "Headers(raw=[(b'a', b'1'), (b'b', b'2'), (b'a', b'3')])"
    assert repr(Headers({"X-One": "1"})) == "Headers({'x-one': '1'})"
    assert Headers().raw == []
    with pytest.raises(KeyError):
        headers["missing"]
    with pytest.raises(TypeError, match="one of 'headers', 'raw' or 'scope'"):
        Headers({"a": "1"}, raw=[])


def test_mutable_headers_edit_the_scope_they_came_from() -> None:
    message = {"headers": [(b"content-type", b"text/plain")]}
    headers = MutableHeaders(scope=message)
    headers["X-Added"] = "yes"
    assert message["headers"] == [(b"content-type", b"text/plain"), (b"x-added", b"yes")]


def test_mutable_headers_operations() -> None:
    headers = MutableHeaders(raw=[(b"a", b"1"), (b"a", b"2"), (b"b", b"3")])
    headers["A"] = "9"
    assert headers.raw == [(b"a", b"9"), (b"b", b"3")]
    headers.append("a", "10")
    assert headers.getlist("a") == ["9", "10"]
    del headers["a"]
    assert headers.raw == [(b"b", b"3")]
    assert headers.setdefault("c", "4") == "4"
    assert headers.setdefault("c", "5") == "4"
    headers.update({"b": "30"})
    assert headers["b"] == "30"
    merged = headers | {"d": "5"}
    assert merged["d"] == "5"
    assert "d" not in headers
    headers |= {"e": "6"}
    assert headers["e"] == "6"
    copy = headers.mutablecopy()
    copy["z"] = "1"
    assert "z" not in headers
    with pytest.raises(TypeError):
        headers | 1
    with pytest.raises(TypeError):
        headers |= 1


def test_add_vary_header_keeps_existing_values() -> None:
    headers = MutableHeaders()
    headers.add_vary_header("Origin")
    assert headers["vary"] == "Origin"
    headers.add_vary_header("Accept-Encoding")
    assert headers["vary"] == "Origin, Accept-Encoding"
    headers.add_vary_header("origin")
    assert headers["vary"] == "Origin, Accept-Encoding"


def test_state() -> None:
    state = State({"a": 1})
    assert state.a == 1
    state.b = 2
    assert "b" in state
    del state.b
    assert "b" not in state
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = state.missing
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        del state.missing
    assert repr(State()) == "State({})"


def test_state_is_a_mapping_too() -> None:
    backing = {"a": 1}
    state = State(backing)
    assert state["a"] == 1
    state["b"] = 2
    assert (list(state), len(state), backing["b"]) == (["a", "b"], 2, 2)
    del state["a"]
    assert backing == {"b": 2}
    with pytest.raises(KeyError):
        state["missing"]


def test_address() -> None:
    address = Address("127.0.0.1", 8000)
    assert address.host == "127.0.0.1"
    assert address.port == 8000


async def test_upload_file_in_memory() -> None:
    upload = UploadFile(
        spooled_file(1024), size=0, filename="a.txt", headers=Headers({"content-type": "text/x"})
    )
    await upload.write(b"hello")
    assert upload.size == 5
    await upload.seek(0)
    assert await upload.read() == b"hello"
    assert upload.content_type == "text/x"
    assert "a.txt" in repr(upload)
    await upload.close()
    assert upload.file.closed


async def test_upload_file_on_disk_uses_a_worker_thread() -> None:
    upload = UploadFile(spooled_file(4), size=0, filename="big.bin")
    await upload.write(b"0123456789")
    assert not upload._in_memory
    await upload.seek(2)
    assert await upload.read(3) == b"234"
    assert upload.size == 10
    await upload.close()
    plain = UploadFile(io.BytesIO(b"xyz"))
    assert plain.size is None
    await plain.write(b"!")
    assert plain.size is None
    assert plain.content_type is None


async def test_the_write_that_moves_an_upload_to_disk_runs_in_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upload = UploadFile(spooled_file(4), size=0, filename="grows.bin")
    rollovers: list[int] = []
    roll_over = upload.file.rollover  # type: ignore[attr-defined]

    def record_rollover() -> None:
        rollovers.append(threading.get_ident())
        roll_over()

    monkeypatch.setattr(upload.file, "rollover", record_rollover)
    await upload.write(b"ab")
    assert (rollovers, upload._in_memory) == ([], True)
    await upload.write(b"cdef")  # past 4 bytes: the file moves to disk
    assert len(rollovers) == 1
    assert rollovers[0] != threading.get_ident(), "not on the event loop's thread"
    await upload.close()


async def test_form_data_close_closes_uploads() -> None:
    upload = UploadFile(spooled_file(10), filename="f")
    form = FormData([("name", "value"), ("file", upload)])
    assert form["name"] == "value"
    await form.close()
    assert upload.file.closed


@given(st.text(alphabet=st.sampled_from("ab=&%+2F0é ;")))
def test_query_parsing_agrees_with_the_standard_library(text: str) -> None:
    assert parse_query(text) == parse_qsl(text, keep_blank_values=True)


def test_query_parsing_counts_fields_like_the_standard_library() -> None:
    # The client sent three fields where two are allowed.
    with pytest.raises(ValueError, match="more than 2 fields"):
        parse_query("a=1&b=2&c=3", max_fields=2)
    assert parse_query("a=1&b=2", max_fields=2) == [("a", "1"), ("b", "2")]
