from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resourceful.datastructures import Headers, UploadFile
from resourceful.exceptions import HTTPException
from resourceful.formparsers import FormParser, MultiPartException, parse_options_header
from resourceful.requests import Request
from resourceful.responses import JSONResponse, PlainTextResponse, Response
from resourceful.types import Receive, Scope, Send
from tests.conftest import TestClientFactory

uploads: list[UploadFile] = []


def form_app(**limits: Any) -> Any:
    """An app that responds with the parsed form as JSON, or the parser's 4xx error."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            async with request.form(**limits) as form:
                data: dict[str, Any] = {}
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        uploads.append(value)
                        content = (await value.read()).decode()
                        data.setdefault(key, []).append(
                            {
                                "filename": value.filename,
                                "content": content,
                                "content_type": value.content_type,
                                "size": value.size,
                            }
                        )
                    else:
                        data.setdefault(key, []).append(value)
            response: Response = JSONResponse(data)
        except HTTPException as exc:
            response = PlainTextResponse(exc.detail, status_code=exc.status_code)
        await response(scope, receive, send)

    return app


def test_urlencoded_form(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    response = client.post("/", data={"a": ["1", "2"], "name": "Zoë", "empty": ""})
    assert response.json() == {"a": ["1", "2"], "name": ["Zoë"], "empty": [""]}


def test_urlencoded_form_with_too_many_fields(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app(max_fields=2))
    # The client sent three fields where two are allowed.
    response = client.post("/", content=b"a=1&b=2&c=3", headers=urlencoded())
    assert response.status_code == 400
    assert response.text == "Too many fields. Maximum number of fields is 2."


def urlencoded() -> dict[str, str]:
    return {"content-type": "application/x-www-form-urlencoded"}


def test_urlencoded_form_skips_empty_pairs(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    response = client.post("/", content=b"a=1&&=&b=%FF", headers=urlencoded())
    assert response.json() == {"a": ["1"], "b": ["\ufffd"]}


def test_other_content_types_give_an_empty_form(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    assert (
        client.post("/", content=b"{}", headers={"content-type": "application/json"}).json() == {}
    )
    assert client.post("/").json() == {}


def test_multipart_fields_and_files(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    files = [
        ("doc", ("a.txt", b"hello", "text/plain")),
        ("doc", ("b.bin", b"\x00\x01", "application/octet-stream")),
    ]
    response = client.post("/", data={"title": "Notes"}, files=files)
    assert response.json() == {
        "title": ["Notes"],
        "doc": [
            {"filename": "a.txt", "content": "hello", "content_type": "text/plain", "size": 5},
            {
                "filename": "b.bin",
                "content": "\x00\x01",
                "content_type": "application/octet-stream",
                "size": 2,
            },
        ],
    }
    assert all(upload.file.closed for upload in uploads)


def multipart(boundary: str = "B") -> dict[str, str]:
    return {"content-type": f"multipart/form-data; boundary={boundary}"}


def part(headers: str, body: str) -> bytes:
    return f"--B\r\n{headers}\r\n\r\n{body}\r\n".encode()


@pytest.mark.parametrize(
    ("limits", "body", "message"),
    [
        (
            {"max_files": 1},
            part('Content-Disposition: form-data; name="f"; filename="1"', "x")
            + part('Content-Disposition: form-data; name="f"; filename="2"', "y")
            + b"--B--\r\n",
            "Too many files. Maximum number of files is 1.",
        ),
        (
            {"max_fields": 1},
            part('Content-Disposition: form-data; name="a"', "1")
            + part('Content-Disposition: form-data; name="b"', "2")
            + b"--B--\r\n",
            "Too many fields. Maximum number of fields is 1.",
        ),
        (
            {"max_part_size": 4},
            part('Content-Disposition: form-data; name="big"', "12345") + b"--B--\r\n",
            "Part exceeded maximum size of 4 bytes.",
        ),
        (
            {},
            part("Content-Type: text/plain", "x") + b"--B--\r\n",
            'A multipart part has no "Content-Disposition" header.',
        ),
        (
            {},
            part("Content-Disposition: form-data", "x") + b"--B--\r\n",
            'The Content-Disposition header field "name" must be provided.',
        ),
    ],
    ids=["too-many-files", "too-many-fields", "part-too-big", "no-disposition", "no-name"],
)
def test_multipart_limits_and_bad_parts_are_400(
    test_client_factory: TestClientFactory, limits: dict[str, int], body: bytes, message: str
) -> None:
    uploads.clear()
    client = test_client_factory(form_app(**limits))
    response = client.post("/", content=body, headers=multipart())
    assert response.status_code == 400
    assert response.text == message
    assert all(upload.file.closed for upload in uploads)


def test_multipart_without_boundary_is_400(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    # The client sent a multipart Content-Type without its boundary parameter.
    response = client.post("/", content=b"x", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 400
    assert response.text == "Missing boundary in multipart."


def test_malformed_multipart_body_is_400(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    # The client sent garbage after the first boundary instead of a CRLF.
    response = client.post("/", content=b"--Bxx garbage", headers=multipart())
    assert response.status_code == 400
    assert response.text == "Invalid multipart data."


def test_truncated_multipart_body_is_400_and_closes_files(
    test_client_factory: TestClientFactory,
) -> None:
    uploads.clear()
    client = test_client_factory(form_app())
    # The client's body stops in the middle of a file part, before the closing boundary.
    body = b'--B\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nhalf a fi'
    response = client.post("/", content=body, headers=multipart())
    assert response.status_code == 400
    assert response.text == "Invalid multipart data."


def test_too_many_part_headers_is_400(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    # The client sent a part with far more headers than any form needs.
    headers = "\r\n".join(f"X-Header-{i}: v" for i in range(50))
    body = part(f'Content-Disposition: form-data; name="a"\r\n{headers}', "1") + b"--B--\r\n"
    response = client.post("/", content=body, headers=multipart())
    assert response.status_code == 400
    assert response.text == "Invalid multipart data."


def test_non_ascii_boundary_is_400(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    # The client declared its boundary with an RFC 5987 parameter holding a euro sign.
    content_type = "multipart/form-data; boundary*=utf-8''%E2%82%AC"
    response = client.post("/", content=b"--B--\r\n", headers={"content-type": content_type})
    assert response.status_code == 400


def test_large_upload_is_spooled_to_disk(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    content = b"x" * (1024 * 1024 + 10)
    response = client.post("/", files={"f": ("big.txt", content, "text/plain")})
    assert response.json()["f"][0]["size"] == len(content)


def test_non_ascii_filename_via_rfc_5987(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    disposition = 'form-data; name="f"; filename="x"; filename*=UTF-8\'\'na%C3%AFve.txt'
    body = part(f"Content-Disposition: {disposition}", "data") + b"--B--\r\n"
    response = client.post("/", content=body, headers=multipart())
    assert response.json()["f"][0]["filename"] == "naïve.txt"


def test_raw_utf8_names_as_browsers_send_them(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    # A browser sent the field and file names as raw UTF-8, as HTML forms do.
    body = part('Content-Disposition: form-data; name="pièce"; filename="naïve.txt"', "data")
    response = client.post("/", content=body + b"--B--\r\n", headers=multipart())
    assert response.json()["pièce"][0]["filename"] == "naïve.txt"
    # An older client sent them in Latin-1: every byte is kept.
    latin = b'--B\r\nContent-Disposition: form-data; name="f"; filename="caf\xe9.txt"\r\n\r\n'
    response = client.post("/", content=latin + b"data\r\n--B--\r\n", headers=multipart())
    assert response.json()["f"][0]["filename"] == "café.txt"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/html", ("text/html", {})),
        ('Text/HTML; Charset="utf-8"', ("text/html", {"charset": "utf-8"})),
        (
            'form-data; name="a;b"; filename="c\\"d"',
            ("form-data", {"name": "a;b", "filename": 'c"d'}),
        ),
        ("a; novalue; =x; b=1", ("a", {"b": "1"})),
        ("a; name*=utf-8''%E2%82%AC; name=plain", ("a", {"name": "€"})),
        ("a; name*=bogus-charset''%41", ("a", {})),
        ("a; name*=plain", ("a", {"name": "plain"})),
        ("", ("", {})),
    ],
)
def test_parse_options_header(value: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(value) == expected


@given(st.text())
def test_parse_options_header_never_raises(value: str) -> None:
    main, params = parse_options_header(value)
    assert isinstance(main, str)
    assert isinstance(params, dict)


def test_multipart_exception_is_a_400() -> None:
    exc = MultiPartException("nope")
    assert exc.status_code == 400
    assert exc.message == exc.detail == "nope"


async def test_form_is_parsed_once_and_closed_with_the_request() -> None:
    body = b"a=1"
    messages = [{"type": "http.request", "body": body}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
    }
    request = Request(scope, receive)
    await request.close()  # nothing parsed yet: nothing to close
    form = await request.form()
    assert form["a"] == "1"
    assert await request.form() is form
    await request.close()


async def test_form_parser_reads_an_urlencoded_stream() -> None:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield b"name=Ann+Lee&city=M%C3%BC"
        yield b"nchen&empty=&="

    form = await FormParser(Headers(), stream()).parse()
    assert form.multi_items() == [("name", "Ann Lee"), ("city", "München"), ("empty", "")]
    assert not form.has_files
    # The client sent three fields where two are allowed.
    with pytest.raises(MultiPartException, match="Maximum number of fields is 2"):
        await FormParser(Headers(), stream(), max_fields=2).parse()
    # The client sent a field longer than allowed: by its value, then by its name.
    for body in (b"a=" + b"x" * 2048, b"x" * 2048 + b"=a"):

        async def long_field(body: bytes = body) -> AsyncGenerator[bytes, None]:
            yield body

        with pytest.raises(MultiPartException, match="Field exceeded maximum size of 1KB"):
            await FormParser(Headers(), long_field(), max_part_size=1024).parse()

    async def short_fields() -> AsyncGenerator[bytes, None]:
        yield b"a=12345&b=12345"

    # The body is longer than a part may be, but no field is.
    form = await FormParser(Headers(), short_fields(), max_part_size=8).parse()
    assert form.multi_items() == [("a", "12345"), ("b", "12345")]


@pytest.mark.parametrize(
    ("charset", "sent", "read"),
    [
        ("utf-8", "ężć".encode(), "ężć"),
        ("utf-8", b"\xe9", "é"),  # not UTF-8 after all: read byte for byte
        ("iso-8859-2", "ę".encode("iso-8859-2"), "ę"),
        ("no-such-charset", b"\xe9", "é"),
    ],
)
def test_multipart_fields_are_read_in_the_forms_charset(
    test_client_factory: TestClientFactory, charset: str, sent: bytes, read: str
) -> None:
    client = test_client_factory(form_app())
    body = b'--B\r\nContent-Disposition: form-data; name="v"\r\n\r\n' + sent + b"\r\n--B--\r\n"
    content_type = f"multipart/form-data; charset={charset}; boundary=B"
    response = client.post("/", content=body, headers={"content-type": content_type})
    assert response.json()["v"] == [read]


def test_a_boundary_too_long_to_parse_is_400(test_client_factory: TestClientFactory) -> None:
    client = test_client_factory(form_app())
    boundary = "X" * 257
    # The client declared a boundary longer than multipart allows (70) or the parser reads.
    response = client.post(
        "/",
        content=f"--{boundary}\r\n\r\n--{boundary}--\r\n".encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert (response.status_code, response.text) == (400, "Invalid multipart data.")
