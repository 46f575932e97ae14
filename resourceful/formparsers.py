"""Parsing request bodies into form data: urlencoded forms and multipart uploads."""

from __future__ import annotations

import codecs
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

from resourceful._urls import parse_query
from resourceful.datastructures import FormData, Headers, UploadFile
from resourceful.exceptions import HTTPException, MissingDependencyError

#: Uploads stay in memory up to this size, then roll over to a temporary file.
SPOOL_MAX_SIZE = 1024 * 1024


class MultiPartException(HTTPException):
    """A form the client sent could not be parsed or broke a limit (a 400 response)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)
        self.message = message


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """Split ``text/html; charset="utf-8"`` into ``("text/html", {"charset": "utf-8"})``.

    Parameter names are lower-cased; RFC 5987 ``name*=charset''value`` parameters are
    decoded and win over their plain form.
    """
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    for item in _split_params(rest):
        name, sep, raw = item.partition("=")
        name = name.strip().lower()
        if not sep or not name:
            continue
        raw = raw.strip()
        if name.endswith("*"):
            charset, _, encoded = raw.split("'", 2) if raw.count("'") >= 2 else ("", "", raw)
            try:
                extended[name[:-1]] = unquote(encoded, encoding=charset or "utf-8")
            except LookupError:
                continue
        elif len(raw) >= 2 and raw[0] == raw[-1] == '"':
            params[name] = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        else:
            params[name] = raw
    params.update(extended)
    return main.strip().lower(), params


def _split_params(text: str) -> list[str]:
    """Split on semicolons that are not inside a quoted string."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return items


class FormParser:
    """Parses an ``application/x-www-form-urlencoded`` body."""

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_fields: int = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self.headers = headers
        self.stream = stream
        self.max_fields = max_fields
        self.max_part_size = max_part_size

    async def parse(self) -> FormData:
        async with aclosing(self.stream):
            chunks = [chunk async for chunk in self.stream]
        return parse_urlencoded(b"".join(chunks), self.max_fields, self.max_part_size)


def parse_urlencoded(
    body: bytes, max_fields: int = 1000, max_part_size: int = 1024 * 1024
) -> FormData:
    """The form in an ``application/x-www-form-urlencoded`` body.

    Raises:
        MultiPartException: the body holds more than ``max_fields`` fields, or a field whose
            name or value (as sent) is longer than ``max_part_size`` bytes.
    """
    try:
        pairs = parse_query(body.decode("utf-8", errors="replace"), max_fields)
    except ValueError:
        msg = f"Too many fields. Maximum number of fields is {max_fields}."
        raise MultiPartException(msg) from None
    if len(body) > max_part_size:  # only then can one field be too long
        for piece in body.split(b"&"):
            name, _, value = piece.partition(b"=")
            if len(name) > max_part_size or len(value) > max_part_size:
                raise MultiPartException(_too_large("Field", max_part_size))
    return FormData([(name, value) for name, value in pairs if name or value])


_INVALID = "Invalid multipart data."


def _too_large(what: str, max_part_size: int) -> str:
    size = f"{max_part_size // 1024}KB" if max_part_size >= 1024 else f"{max_part_size} bytes"
    return f"{what} exceeded maximum size of {size}."


def _decoder(charset: str | None) -> Callable[[bytes], str]:
    """How to read a field's bytes: by the form's charset, else (or where that fails) as
    Latin-1, which keeps every byte."""
    try:
        codec = codecs.lookup(charset or "utf-8")
    except LookupError:
        codec = codecs.lookup("latin-1")

    def decode(value: bytes) -> str:
        try:
            return codec.decode(value)[0]
        except UnicodeDecodeError:
            return value.decode("latin-1")

    return decode


def _decode_header(value: bytes) -> str:
    # Browsers send field names and file names as raw UTF-8; other bytes are read as Latin-1,
    # which keeps every byte.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class MultiPartParser:
    """Parses a ``multipart/form-data`` body, spooling uploads to disk as they arrive.

    Args:
        max_files: the most file parts accepted.
        max_fields: the most plain field parts accepted.
        max_part_size: the largest plain field value, in bytes (files are not capped here).
    """

    #: Uploads are kept in memory up to this size, then on disk.
    spool_max_size = SPOOL_MAX_SIZE

    def __init__(
        self,
        headers: Headers,
        stream: AsyncGenerator[bytes, None],
        *,
        max_files: int = 1000,
        max_fields: int = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self.headers = headers
        self.stream = stream
        self.max_files = max_files
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self._events: list[tuple[str, bytes]] = []

    def _callbacks(self) -> Any:
        events = self._events

        def data_event(kind: str) -> Any:
            def on_data(data: bytes, start: int, end: int) -> None:
                events.append((kind, data[start:end]))

            return on_data

        def mark_event(kind: str) -> Any:
            def on_mark() -> None:
                events.append((kind, b""))

            return on_mark

        return {
            "on_part_begin": mark_event("part_begin"),
            "on_part_data": data_event("part_data"),
            "on_part_end": mark_event("part_end"),
            "on_header_field": data_event("header_field"),
            "on_header_value": data_event("header_value"),
            "on_header_end": mark_event("header_end"),
            "on_headers_finished": mark_event("headers_finished"),
            "on_end": mark_event("end"),
        }

    async def parse(self) -> FormData:
        try:
            import python_multipart
        except ImportError:
            raise MissingDependencyError(
                "python-multipart", "forms", "Parsing multipart forms"
            ) from None
        _, params = parse_options_header(self.headers.get("content-type", ""))
        boundary = params.get("boundary")
        if not boundary:
            msg = "Missing boundary in multipart."
            raise MultiPartException(msg)
        try:
            parser = python_multipart.MultipartParser(boundary.encode("utf-8"), self._callbacks())
        except python_multipart.exceptions.FormParserError:  # a boundary over 256 bytes, say
            await self.stream.aclose()
            raise MultiPartException(_INVALID) from None
        state = _PartState(self, _decoder(params.get("charset")))
        try:
            async with aclosing(self.stream):
                async for chunk in self.stream:
                    try:
                        parser.write(chunk)
                    except python_multipart.exceptions.MultipartParseError:
                        raise MultiPartException(_INVALID) from None
                    await state.handle(self._events)
                    self._events.clear()
            parser.finalize()
            if not state.ended:
                raise MultiPartException(_INVALID)  # it ended before the closing boundary
        except BaseException:
            await state.close_files()
            raise
        return FormData(state.items)


class _PartState:
    """Turns parser events into form items while enforcing the parser's limits."""

    def __init__(self, parser: MultiPartParser, decode: Callable[[bytes], str]) -> None:
        self.parser = parser
        self.decode = decode
        self.items: list[tuple[str, UploadFile | str]] = []
        self.files: list[UploadFile] = []
        self.field_count = 0
        self.header_field = b""
        self.header_value = b""
        self.part_headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.file: UploadFile | None = None
        self.value = bytearray()
        self.ended = False

    async def handle(self, events: list[tuple[str, bytes]]) -> None:
        for kind, data in events:
            if kind == "part_begin":
                self.part_headers = []
                self.file = None
                self.value = bytearray()
            elif kind == "header_field":
                self.header_field += data
            elif kind == "header_value":
                self.header_value += data
            elif kind == "header_end":
                self.part_headers.append((self.header_field.lower(), self.header_value))
                self.header_field = self.header_value = b""
            elif kind == "headers_finished":
                self.start_part()
            elif kind == "part_data":
                await self.add_data(data)
            elif kind == "part_end":
                await self.end_part()
            else:  # end: the closing boundary
                self.ended = True

    def start_part(self) -> None:
        headers = Headers(raw=self.part_headers)
        raw = next((v for n, v in self.part_headers if n == b"content-disposition"), None)
        if raw is None:
            msg = 'A multipart part has no "Content-Disposition" header.'
            raise MultiPartException(msg)
        _, options = parse_options_header(_decode_header(raw))
        if "name" not in options:
            msg = 'The Content-Disposition header field "name" must be provided.'
            raise MultiPartException(msg)
        self.name = options["name"]
        if "filename" in options:
            if len(self.files) >= self.parser.max_files:
                msg = f"Too many files. Maximum number of files is {self.parser.max_files}."
                raise MultiPartException(msg)
            spooled = SpooledTemporaryFile(max_size=self.parser.spool_max_size)  # noqa: SIM115
            self.file = UploadFile(
                cast(BinaryIO, spooled), size=0, filename=options["filename"], headers=headers
            )
            self.files.append(self.file)
        else:
            self.field_count += 1
            if self.field_count > self.parser.max_fields:
                msg = f"Too many fields. Maximum number of fields is {self.parser.max_fields}."
                raise MultiPartException(msg)

    async def add_data(self, data: bytes) -> None:
        if self.file is not None:
            await self.file.write(data)
            return
        self.value += data
        if len(self.value) > self.parser.max_part_size:
            raise MultiPartException(_too_large("Part", self.parser.max_part_size))

    async def end_part(self) -> None:
        if self.file is not None:
            await self.file.seek(0)
            self.items.append((self.name, self.file))
        else:
            self.items.append((self.name, self.decode(bytes(self.value))))

    async def close_files(self) -> None:
        for file in self.files:
            await file.close()


__all__ = ["FormParser", "MultiPartException", "MultiPartParser", "parse_options_header"]
