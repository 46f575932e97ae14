"""Validators of a representation, and the preconditions a request sets on them (RFC 9110
§8.8 and §13).

A resource declares its current validators (an :class:`ETag`, a modification date, or both);
:func:`evaluate_preconditions` decides, in the order RFC 9110 §13.2.2 gives, whether the
request goes on, gets ``304 Not Modified`` or fails with ``412 Precondition Failed``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Literal, TypeVar

import attrs

from resourceful._marks import Mark

# etagc = "!" / %x23-7E / obs-text: visible characters but the double quote, and non-ASCII.
_OPAQUE = re.compile(r"[\x21\x23-\x7e\x80-\xff]*")
_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')

SAFE_METHODS = frozenset({"GET", "HEAD"})
F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen
class ETag:
    """An entity tag: an opaque ``value`` (``"v2"``, a digest), strong or ``weak``.

    A strong tag changes whenever the representation's bytes do; a weak one only when its
    meaning does (``W/"..."``). ``str(tag)`` is the header's form.
    """

    value: str
    weak: bool = False

    def __attrs_post_init__(self) -> None:
        if _OPAQUE.fullmatch(self.value) is None:
            msg = (
                f"An entity tag cannot hold {self.value!r}: use visible characters other than "
                "the double quote (a version number, a hex digest)."
            )
            raise ValueError(msg)

    def __str__(self) -> str:
        return f'W/"{self.value}"' if self.weak else f'"{self.value}"'

    def matches_strongly(self, other: ETag) -> bool:
        """RFC 9110's strong comparison: both strong, and the same value."""
        return not self.weak and not other.weak and self.value == other.value

    def matches_weakly(self, other: ETag) -> bool:
        """RFC 9110's weak comparison: the same value, weak or not."""
        return self.value == other.value


@attrs.frozen
class Validators:
    """What tells one state of a resource's representation from another: its ``etag`` and
    the time it was ``last_modified`` (timezone-aware; kept to the second, as HTTP dates are).

    ``exists=False`` says the resource has no current representation (for ``If-Match: *``
    and ``If-None-Match: *``, on a request that would create it).
    """

    etag: ETag | None = None
    last_modified: datetime.datetime | None = attrs.field(default=None)
    exists: bool = True

    @last_modified.validator
    def _aware(self, attribute: object, value: datetime.datetime | None) -> None:
        if value is not None and value.utcoffset() is None:
            msg = "last_modified must be timezone-aware (datetime.timezone.utc, say)."
            raise ValueError(msg)

    def headers(self) -> dict[str, str]:
        """The ``ETag`` and ``Last-Modified`` response headers they make."""
        found = {}
        if self.etag is not None:
            found["etag"] = str(self.etag)
        if self.last_modified is not None:
            utc = self.last_modified.astimezone(datetime.timezone.utc)
            found["last-modified"] = format_datetime(utc, usegmt=True)
        return found


def parse_entity_tags(value: str) -> list[ETag] | Literal["*"]:
    """The entity tags of an ``If-Match`` or ``If-None-Match`` value, or ``"*"``.

    A malformed member is left out, so it matches nothing (a list of junk asks for a tag
    no representation has).
    """
    if value.strip() == "*":
        return "*"
    tags = []
    position = 0
    while position < len(value):
        found = _TAG.match(value, position)
        if found is None:  # junk up to the next comma: skipped
            comma = value.find(",", position)
            if comma == -1:
                break
            position = comma + 1
            continue
        tags.append(ETag(found[2], weak=found[1] is not None))
        position = found.end()
    return tags


def parse_http_date(value: str) -> datetime.datetime | None:
    """The time an HTTP-date names (any of its three formats), or None for anything else: a
    junk date, or a list of them, is ignored as RFC 9110 says."""
    if value.count(",") > 1:  # each format has a comma at most: a list of dates
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.utcoffset() is None:  # asctime and RFC 850 dates are in GMT
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def evaluate_preconditions(
    method: str, headers: Mapping[str, str], validators: Validators
) -> Literal[200, 304, 412]:
    """What the request's preconditions say, in RFC 9110 §13.2.2's order: 200 to go on,
    304 for a GET or HEAD whose client has the representation, 412 when one fails.

    ``headers`` are the request's, by lowercase name (a request's ``headers`` will do).
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        if not _any_matches(if_match, validators, strongly=True):
            return 412
    else:
        since = headers.get("if-unmodified-since")
        date = None if since is None else parse_http_date(since)
        if date is not None and _modified_after(validators, date):
            return 412
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if _any_matches(if_none_match, validators, strongly=False):
            return 304 if method in SAFE_METHODS else 412
    elif method in SAFE_METHODS:
        since = headers.get("if-modified-since")
        date = None if since is None else parse_http_date(since)
        if (
            date is not None
            and validators.last_modified is not None
            and not _modified_after(validators, date)
        ):
            return 304
    return 200


def _any_matches(value: str, validators: Validators, *, strongly: bool) -> bool:
    tags = parse_entity_tags(value)
    if tags == "*":
        return validators.exists
    current = validators.etag
    if current is None or not validators.exists:
        return False
    if strongly:
        return any(current.matches_strongly(tag) for tag in tags)
    return any(current.matches_weakly(tag) for tag in tags)


def _modified_after(validators: Validators, date: datetime.datetime) -> bool:
    modified = validators.last_modified
    if modified is None:
        return False
    return modified.replace(microsecond=0) > date


#: The headers of a 200 that its 304 carries too (RFC 9110 §15.4.5), and the cookies set.
KEPT_ON_304 = frozenset(
    {
        b"cache-control",
        b"content-location",
        b"date",
        b"etag",
        b"expires",
        b"last-modified",
        b"set-cookie",
        b"vary",
    }
)


def kept_on_304(raw_headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Of a 200's headers (lowercase names), those its 304 carries."""
    return [pair for pair in raw_headers if pair[0] in KEPT_ON_304]


_CONDITIONS: Mark[tuple[Callable[..., Any], bool]] = Mark("conditional")


def conditional(
    validators: Callable[..., Any], *, require_if_match: bool = False
) -> Callable[[F], F]:
    """Evaluate the request's preconditions before a function endpoint runs, on what
    ``validators`` returns (a :class:`Validators`; it is injected as the endpoint is), as a
    resource's ``validators`` method is; ``require_if_match`` as a resource's.
    """
    return _CONDITIONS.decorating((validators, require_if_match))


def conditions_of(func: Any) -> tuple[Callable[..., Any], bool] | None:
    """What :func:`conditional` gave ``func``: its validators and ``require_if_match``."""
    return _CONDITIONS.of(func)


__all__ = [
    "KEPT_ON_304",
    "ETag",
    "Validators",
    "conditional",
    "conditions_of",
    "evaluate_preconditions",
    "kept_on_304",
    "parse_entity_tags",
    "parse_http_date",
]
