"""Parsing ``Range`` request headers (RFC 9110 §14) for :class:`FileResponse`."""

from __future__ import annotations

import re

#: More ranges than this in one header are ignored, so a request of many tiny ranges cannot
#: make the server assemble a huge multipart answer.
MAX_RANGES = 100

_SPEC = re.compile(r"\s*([0-9]*)\s*-\s*([0-9]*)\s*")


class RangeNotSatisfiable(Exception):
    """The Range header is well formed but no range lies within the file (a 416 answer)."""


def parse_range_header(value: str, size: int) -> list[tuple[int, int]] | None:
    """The byte ranges asked for, as sorted, merged ``(start, stop)`` pairs (stop exclusive).

    Returns ``None`` when the header is malformed or uses another unit: RFC 9110 lets a
    server ignore such a header and send the whole file. Raises
    :class:`RangeNotSatisfiable` when every range starts past the end of the file.
    """
    unit, sep, specs = value.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    spec_list = specs.split(",")
    if len(spec_list) > MAX_RANGES:
        return None
    try:
        ranges = _parse_specs(spec_list, size)
    except ValueError:  # a number longer than int() accepts
        return None
    if ranges is None:
        return None
    if not ranges:
        raise RangeNotSatisfiable
    return _merge(ranges)


def _parse_specs(spec_list: list[str], size: int) -> list[tuple[int, int]] | None:
    ranges: list[tuple[int, int]] = []
    for spec in spec_list:
        if not spec.strip():
            continue
        match = _SPEC.fullmatch(spec)
        if match is None:
            return None
        first, last = match.groups()
        if first == "":
            if last == "":
                return None
            suffix = int(last)
            if suffix == 0 or size == 0:
                continue
            ranges.append((max(size - suffix, 0), size))
            continue
        start = int(first)
        if last != "" and int(last) < start:
            return None
        if start < size:
            ranges.append((start, size if last == "" else min(int(last) + 1, size)))
    return ranges


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged
