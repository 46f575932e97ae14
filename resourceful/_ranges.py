"""Parsing ``Range`` request headers (RFC 9110 §14) for :class:`FileResponse`.

The rules are Starlette's: a header that is no byte-range request at all is a 400; a range
that cannot be read (no dash, not numbers, empty) is skipped; a range starting past the end
of the file makes the request unsatisfiable (416).
"""

from __future__ import annotations

#: More ranges than this in one header are ignored (the whole file is sent), so a request of
#: many tiny ranges cannot make the server assemble a huge multipart response.
MAX_RANGES = 100


class MalformedRange(Exception):
    """The Range header is no byte-range request the server can serve (a 400 response)."""

    def __init__(self, reason: str = "Malformed range header.") -> None:
        super().__init__(reason)
        self.reason = reason


class RangeNotSatisfiable(Exception):
    """A range starts past the end of the file (a 416 response)."""


def parse_range_header(value: str, size: int) -> list[tuple[int, int]]:
    """The byte ranges asked for, as sorted, merged ``(start, stop)`` pairs (stop exclusive);
    an empty list when the whole file is to be sent.

    Raises:
        MalformedRange: no ``=``, another unit than bytes, no readable range, or a range
            whose end comes before its start.
        RangeNotSatisfiable: a range starts at or past the end of the file.
    """
    unit, sep, specs = value.partition("=")
    if not sep:
        raise MalformedRange
    if unit.strip().lower() != "bytes":
        raise MalformedRange("Only support bytes range")
    pieces = specs.split(",")
    if len(pieces) > MAX_RANGES:
        return []
    ranges = [found for piece in pieces if (found := _range(piece, size)) is not None]
    if not ranges:
        raise MalformedRange("Range header: range must be requested")
    if any(not 0 <= start < size for start, _ in ranges):
        raise RangeNotSatisfiable
    if any(start >= stop for start, stop in ranges):
        raise MalformedRange("Range header: start must be less than end")
    return _merge(ranges)


def _range(piece: str, size: int) -> tuple[int, int] | None:
    """One ``first-last`` piece as ``(start, stop)``; None for one that cannot be read."""
    first, dash, last = piece.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (_is_number(first) or (not first and _is_number(last))):
        return None
    try:
        if not first:  # the last ``last`` bytes
            return max(size - int(last), 0), size
        if not last:
            return int(first), size
        if not _is_number(last):
            return None
        return int(first), min(int(last) + 1, size)
    except ValueError:  # more digits than int() reads
        return None


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged
