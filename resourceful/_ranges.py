"""Parsing ``Range`` request headers (RFC 9110 §14) for :class:`FileResponse`."""

from __future__ import annotations


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
    ranges: list[tuple[int, int]] = []
    for spec in specs.split(","):
        spec = spec.strip()
        if not spec:
            continue
        first, dash, last = spec.partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
            return None
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
    if not ranges:
        raise RangeNotSatisfiable
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged
