"""BodyLimitMiddleware: refuse request bodies over a size with 413, without reading them."""

from __future__ import annotations

from resourceful.exceptions import HTTPException
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

#: The scope key holding the limits in force; inner instances (per route) replace them.
LIMITS_KEY = "resourceful.body_limits"

DEFAULT_MAX_BODY_SIZE = 1024 * 1024
DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 * 1024


class BodyLimitTooLarge(HTTPException):
    """The request body is over the limit (a 413 answer)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")
        self.limit = limit


def _declared(headers: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    """The lower-cased Content-Type and the Content-Length the client declared (first ones)."""
    content_type = length = None
    for name, value in headers:
        if name == b"content-type" and content_type is None:
            content_type = value.lower()
        elif name == b"content-length" and length is None:
            length = value
    return content_type or b"", length or b""


class BodyLimitMiddleware:
    """Answers bodies over the limit with 413, by ``Content-Length`` or while they stream.

    The check happens when the endpoint first reads the body, so a route that never reads
    it is not refused, and the rest of an oversized body is never read. Multipart uploads
    get their own, larger limit. Put another instance on a route or resource (its
    ``middleware``) to give it other limits; None means no limit.

    Args:
        max_body_size: the largest body in bytes (1 MiB by default).
        max_upload_size: the largest ``multipart/form-data`` body (100 MiB by default).
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        max_upload_size: int | None = DEFAULT_MAX_UPLOAD_SIZE,
    ) -> None:
        self.app = app
        self.limits = (max_body_size, max_upload_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, self.limit(scope, receive), send)

    def limit(self, scope: Scope, receive: Receive) -> Receive:
        """``receive``, counting the body against the limits (as is under an outer instance)."""
        installed = LIMITS_KEY in scope
        scope[LIMITS_KEY] = self.limits
        if installed:  # an outer instance counts; this one only sets the limits
            return receive
        received = 0
        limit_index: int | None = None  # which limit applies, found at the first read

        async def limited_receive() -> Message:
            nonlocal received, limit_index
            if limit_index is None:
                content_type, declared = _declared(scope["headers"])
                limit_index = 1 if content_type.startswith(b"multipart/form-data") else 0
                limit = scope[LIMITS_KEY][limit_index]
                if limit is not None and declared.isdigit() and int(declared) > limit:
                    raise BodyLimitTooLarge(limit)
            limit = scope[LIMITS_KEY][limit_index]
            message = await receive()
            if limit is not None and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyLimitTooLarge(limit)
            return message

        return limited_receive


__all__ = ["BodyLimitMiddleware", "BodyLimitTooLarge"]
