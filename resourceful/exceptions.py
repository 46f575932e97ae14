"""Exceptions that endpoints raise to respond with an HTTP error or close a websocket."""

from __future__ import annotations

import http
from collections.abc import Mapping, Sequence


def status_phrase(status_code: int) -> str:
    """The reason phrase of an HTTP status code, or "" for a code that has none."""
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return ""


class HTTPException(Exception):
    """Raise to respond to the request with ``status_code``, a ``detail`` and extra ``headers``.

    Args:
        status_code: the HTTP status of the response.
        detail: what went wrong; the status' reason phrase when omitted.
        headers: headers to send with the response (``WWW-Authenticate``, ``Allow``, ...).
    """

    def __init__(
        self,
        status_code: int,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.detail = status_phrase(status_code) if detail is None else detail
        self.headers = headers
        super().__init__(self.detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(Exception):
    """Raise to close the websocket with ``code`` and an optional ``reason``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""
        super().__init__(self.reason)

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class RequestValidationError(HTTPException):
    """What the client sent does not fit the endpoint's parameters (a 422 response).

    Attributes:
        errors: every failing field, as ``{"location": [...], "message": "..."}`` dicts, e.g.
            ``{"location": ["query", "limit"], "message": "expected an integer, got 'ten'"}``.
    """

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.errors = [
            {"location": list(location), "message": message} for location, message in errors
        ]
        count = len(self.errors)
        detail = f"{count} request parameter{'s are' if count != 1 else ' is'} invalid."
        super().__init__(422, detail)


class ProblemDetails(HTTPException):
    """An HTTP error the app responds to with RFC 9457 problem details (JSON of ``type``,
    ``title``, ``status`` and ``detail``, as ``application/problem+json``)."""


class PreconditionFailed(ProblemDetails):
    """A precondition of the request (``If-Match``, ``If-Unmodified-Since``, ``If-None-Match``)
    is false for the resource's current state: a 412 response, the request not carried out."""

    def __init__(self, detail: str) -> None:
        super().__init__(412, detail)


class PreconditionRequired(ProblemDetails):
    """The resource changes only for a request that says which state it changes (a 428
    response, RFC 6585), so that no update is lost to another client's."""

    def __init__(self, detail: str) -> None:
        super().__init__(428, detail)


class NotAcceptable(ProblemDetails):
    """The request accepts none of the representations the resource offers: a 406 response
    listing them (and varying on ``Accept``)."""

    def __init__(self, offered: Sequence[str]) -> None:
        self.offered = list(offered)
        detail = f"This resource is available as {', '.join(self.offered)}: accept one of them."
        super().__init__(406, detail, headers={"Vary": "Accept"})


class MissingDependencyError(ImportError):
    """An optional feature was used without the extra that provides it."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        msg = (
            f"{feature} needs the {package!r} package, which is not installed. "
            f"Install it with: pip install 'resourceful-asgi[{extra}]'"
        )
        super().__init__(msg, name=package)


__all__ = [
    "HTTPException",
    "MissingDependencyError",
    "NotAcceptable",
    "PreconditionFailed",
    "PreconditionRequired",
    "ProblemDetails",
    "RequestValidationError",
    "WebSocketException",
    "status_phrase",
]
