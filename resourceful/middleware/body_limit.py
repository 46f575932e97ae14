"""Starlette's names for the request body limit: ``RequestBodyLimitMiddleware(app, max_body_size)``.

Kept for Starlette code: it is resourceful's
:class:`~resourceful.middleware.limits.BodyLimitMiddleware`; given ``max_body_size`` alone,
that limit holds for uploads too.
"""

from __future__ import annotations

from resourceful._bodylimit import MAX_BODY_SIZE_SCOPE_KEY
from resourceful._bodylimit import BodyLimitMiddleware as RequestBodyLimitMiddleware

__all__ = ["MAX_BODY_SIZE_SCOPE_KEY", "RequestBodyLimitMiddleware"]
