"""CSRFMiddleware: unsafe requests must carry the session's signed CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from html import escape

from resourceful.datastructures import FormData, Secret
from resourceful.requests import HTTPConnection, Request
from resourceful.responses import PlainTextResponse
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

SESSION_KEY = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


class CSRFMiddleware:
    """Refuses unsafe requests (POST, PUT, PATCH, DELETE...) without the session's CSRF token.

    The token is kept in the session (so SessionMiddleware must be installed outside this
    middleware) and sent back by the page, signed, in the ``header_name`` header or the
    ``field_name`` form field. A missing, forged, or other session's token is a 403 that
    says which. Render it with :func:`csrf_token` or :func:`csrf_input`.

    Args:
        secret_key: signs the tokens (a str or a :class:`~resourceful.datastructures.Secret`).
        header_name: the request header that may carry the token (for scripts).
        field_name: the form field that may carry the token (for HTML forms).
        exempt_paths: path prefixes that are not checked (webhooks, for instance).
    """

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str | Secret,
        header_name: str = "x-csrf-token",
        field_name: str = "csrf_token",
        exempt_paths: Collection[str] = (),
    ) -> None:
        if isinstance(secret_key, Secret):
            secret_key = secret_key.get_secret_value()
        if not secret_key:
            msg = "CSRFMiddleware needs a non-empty secret_key."
            raise ValueError(msg)
        self.app = app
        self.secret = secret_key.encode()
        self.header_name = header_name
        self.field_name = field_name
        self.exempt_paths = tuple(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "session" not in scope:
            msg = "CSRFMiddleware needs SessionMiddleware installed outside it (listed before it)."
            raise RuntimeError(msg)
        scope["resourceful.csrf"] = self  # not the secret itself: a logged scope shows it
        if scope["method"] in SAFE_METHODS or scope["path"].startswith(self.exempt_paths):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        submitted = request.headers.get(self.header_name)
        replay = None
        if submitted is None:
            content_type = request.headers.get("content-type", "").lower()
            if content_type.startswith(_FORM_TYPES):
                replay = await request.body()
                form: FormData = await request.form()
                value = form.get(self.field_name)
                submitted = value if isinstance(value, str) else None
                await request.close()
        problem = self.problem(scope["session"], submitted)
        if problem is not None:
            await PlainTextResponse(problem, status_code=403)(scope, receive, send)
            return
        if replay is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, _replaying(replay, receive), send)

    def problem(self, session: dict[str, object], submitted: str | None) -> str | None:
        """Why ``submitted`` is refused for ``session``, or None when it is good."""
        if not submitted:
            return "CSRF token missing: send it in the form field or the header."
        raw, _, signature = submitted.partition(".")
        # Compared as bytes: compare_digest refuses text that is not ASCII, which a client
        # may send.
        expected_signature = _sign(self.secret, raw).encode()
        if not hmac.compare_digest(signature.encode("utf-8", "surrogatepass"), expected_signature):
            return "CSRF token invalid: it was not issued by this site."
        expected = session.get(SESSION_KEY)
        if not isinstance(expected, str) or not hmac.compare_digest(
            raw.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
        ):
            return "CSRF token does not belong to this session: reload the page and retry."
        return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def csrf_token(connection: HTTPConnection) -> str:
    """The signed CSRF token for this session (made on first use) to put in pages."""
    middleware: CSRFMiddleware | None = connection.scope.get("resourceful.csrf")
    if middleware is None:
        msg = "csrf_token() needs CSRFMiddleware installed."
        raise RuntimeError(msg)
    session = connection.session
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str):
        raw = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return f"{raw}.{_sign(middleware.secret, raw)}"


def csrf_input(connection: HTTPConnection) -> str:
    """A hidden ``<input>`` carrying the CSRF token, for HTML forms."""
    token = csrf_token(connection)
    field_name = connection.scope["resourceful.csrf"].field_name
    return f'<input type="hidden" name="{escape(field_name)}" value="{escape(token)}">'


__all__ = ["CSRFMiddleware", "csrf_input", "csrf_token"]
