"""Content negotiation: which of a resource's representations a request's ``Accept`` prefers
(RFC 9110 §12.5.1)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from resourceful._marks import Mark

#: What makes one representation's response from a handler's return value, given the
#: request: ``render(value, request) -> Response`` (sync or async).
Render = Callable[[Any, Any], Any]
F = TypeVar("F", bound=Callable[..., Any])
_QVALUE = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")


@attrs.frozen
class MediaRange:
    """One member of ``Accept``: ``type/subtype`` (either may be ``*``) and its weight."""

    type: str
    subtype: str
    quality: float
    #: Its parameters but ``q`` (``charset=utf-8``), which a match must have too.
    parameters: tuple[tuple[str, str], ...] = ()

    def specificity(self, media_type: str) -> int | None:
        """How closely it names ``media_type`` (3 with parameters, 2 exactly, 1 for
        ``type/*``, 0 for ``*/*``), or None when it does not cover it."""
        kind, _, rest = media_type.partition("/")
        subtype, *own = (part.strip() for part in rest.split(";"))
        if self.type == "*":
            return 0
        if self.type != kind.lower():
            return None
        if self.subtype == "*":
            return 1
        if self.subtype != subtype.lower():
            return None
        if not self.parameters:
            return 2
        offered = {tuple(p.lower().split("=", 1)) for p in own if "=" in p}
        return 3 if set(self.parameters) <= offered else None


def parse_accept(value: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` value; malformed members are left out."""
    found = []
    for member in value.split(","):
        media, *parameters = (part.strip() for part in member.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
            continue
        quality = 1.0
        others = []
        for parameter in parameters:
            name, _, text = parameter.partition("=")
            if name.strip().lower() == "q":
                # A weight out of RFC 9110's grammar (7, nan, high) prefers nothing.
                weight = text.strip()
                quality = float(weight) if _QVALUE.fullmatch(weight) else 0.0
            elif text:
                others.append((name.strip().lower(), text.strip().strip('"').lower()))
        found.append(MediaRange(kind, subtype, quality, tuple(others)))
    return found


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The media type among ``offered`` (in the server's order of preference) that ``accept``
    prefers: the highest weight that the most specific range covering each gives it, the
    server's order breaking ties; None when every one is excluded (``q=0``) or uncovered.

    No ``Accept`` at all accepts anything: the first offered.
    """
    if accept is None or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    if not ranges:  # nothing readable in it: as if it were absent
        return offered[0] if offered else None
    best, best_quality = None, 0.0
    for media_type in offered:
        quality = _quality(ranges, media_type)
        if quality > best_quality:
            best, best_quality = media_type, quality
    return best


def _quality(ranges: list[MediaRange], media_type: str) -> float:
    found, closest = 0.0, -1
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity is not None and specificity > closest:
            found, closest = media_range.quality, specificity
    return found


@attrs.frozen
class Representations:
    """The representations a handler offers, by media type, in the server's order of
    preference: each with what renders it, or None for the handler's own JSON.

    ``fallback`` is the media type sent when the request accepts none of them (None: a
    ``406 Not Acceptable``).
    """

    renderers: Mapping[str, Render | None]
    fallback: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.renderers:
            msg = "Representations() needs at least one media type to offer."
            raise ValueError(msg)
        for media_type in self.renderers:
            if media_type.count("/") != 1 or "*" in media_type:
                msg = f"Representations cannot offer {media_type!r}: name a type/subtype."
                raise ValueError(msg)
        if self.fallback is not None and self.fallback not in self.renderers:
            msg = f"The fallback {self.fallback!r} is not one of the representations offered."
            raise ValueError(msg)

    @property
    def offered(self) -> list[str]:
        """The media types offered, the preferred first."""
        return list(self.renderers)

    def choose(self, accept: str | None) -> str | None:
        """The media type to respond with, or None when nothing acceptable is offered."""
        return choose(accept, self.offered) or self.fallback


_OFFERED: Mark[Representations] = Mark("representations")


def represents(
    renderers: Mapping[str, Render | None], *, fallback: str | None = None
) -> Callable[[F], F]:
    """Offer the representations of one handler's return value (in place of its class's
    ``representations``): ``@represents({"text/html": page, "application/json": None})``."""
    return _OFFERED.decorating(Representations(renderers, fallback))


def representations_of(func: Any) -> Representations | None:
    """What :func:`represents` gave ``func``, if it did."""
    return _OFFERED.of(func)


__all__ = [
    "MediaRange",
    "Representations",
    "choose",
    "parse_accept",
    "representations_of",
    "represents",
]
