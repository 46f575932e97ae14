"""BodyLimitMiddleware: refuse request bodies over a size with 413, without reading them."""

from __future__ import annotations

from resourceful._bodylimit import (
    DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_UPLOAD_SIZE,
    MAX_BODY_SIZE_SCOPE_KEY,
    BodyLimitMiddleware,
    BodyTooLarge,
)

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_UPLOAD_SIZE",
    "MAX_BODY_SIZE_SCOPE_KEY",
    "BodyLimitMiddleware",
    "BodyTooLarge",
]
