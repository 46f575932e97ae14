"""SecurityHeadersMiddleware: the response headers that make browsers guard a site's pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from resourceful.types import ASGIApp, Message, Receive, Scope, Send

#: ``frame_options`` values: the legacy header's own, beside CSP's frame-ancestors.
FRAME_ANCESTORS = {"DENY": "'none'", "SAMEORIGIN": "'self'"}

Policy = str | Mapping[str, str | Sequence[str]]


def policy_text(policy: Policy) -> str:
    """A Content-Security-Policy value: text as given, or ``{directive: sources}`` joined."""
    if isinstance(policy, str):
        return policy
    directives = []
    for directive, sources in policy.items():
        values = [sources] if isinstance(sources, str) else list(sources)
        directives.append(" ".join([directive, *values]).strip())
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    """Adds security headers to every HTTP response that does not set them itself.

    The defaults suit most sites: ``X-Content-Type-Options: nosniff``, no framing by other
    sites (``X-Frame-Options: DENY``), ``Referrer-Policy: strict-origin-when-cross-origin``,
    ``Cross-Origin-Opener-Policy: same-origin``, and on HTTPS a year of
    ``Strict-Transport-Security`` (browsers ignore it over plain HTTP). A header the
    response already has is left as the app set it.

    Args:
        content_security_policy: a CSP, as text or ``{"default-src": "'self'", ...}``;
            none by default (a policy must fit the site's pages). With ``frame_options``
            set and no ``frame-ancestors`` of its own, the matching one is added.
        content_security_policy_report_only: a CSP that browsers only report on.
        frame_options: ``"DENY"``, ``"SAMEORIGIN"``, or None for no frame rule.
        hsts_max_age: seconds browsers keep to HTTPS; None sends no HSTS.
        hsts_include_subdomains: HSTS covers subdomains too.
        hsts_preload: ask to be preloaded in browsers (read the preload list's terms first).
        referrer_policy: the ``Referrer-Policy``, or None.
        cross_origin_opener_policy: the ``Cross-Origin-Opener-Policy``, or None.
        permissions_policy: a ``Permissions-Policy`` (``"camera=(), microphone=()"``), or None.
        content_type_options: send ``X-Content-Type-Options: nosniff``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        content_security_policy: Policy | None = None,
        content_security_policy_report_only: Policy | None = None,
        frame_options: str | None = "DENY",
        hsts_max_age: int | None = 31_536_000,
        hsts_include_subdomains: bool = True,
        hsts_preload: bool = False,
        referrer_policy: str | None = "strict-origin-when-cross-origin",
        cross_origin_opener_policy: str | None = "same-origin",
        permissions_policy: str | None = None,
        content_type_options: bool = True,
    ) -> None:
        if frame_options is not None and frame_options.upper() not in FRAME_ANCESTORS:
            msg = f"frame_options must be 'DENY', 'SAMEORIGIN' or None, not {frame_options!r}."
            raise ValueError(msg)
        if hsts_max_age is not None and hsts_max_age < 0:
            msg = f"hsts_max_age must be 0 or more seconds (or None), not {hsts_max_age}."
            raise ValueError(msg)
        self.app = app
        headers: dict[str, str | None] = {
            "x-content-type-options": "nosniff" if content_type_options else None,
            "x-frame-options": frame_options.upper() if frame_options else None,
            "referrer-policy": referrer_policy,
            "cross-origin-opener-policy": cross_origin_opener_policy,
            "permissions-policy": permissions_policy,
        }
        if content_security_policy is not None:
            csp = policy_text(content_security_policy)
            if frame_options and "frame-ancestors" not in csp:
                ancestors = f"frame-ancestors {FRAME_ANCESTORS[frame_options.upper()]}"
                csp = f"{csp}; {ancestors}" if csp else ancestors
            headers["content-security-policy"] = csp
        if content_security_policy_report_only is not None:
            report_only = policy_text(content_security_policy_report_only)
            headers["content-security-policy-report-only"] = report_only
        self.headers = [
            (name.encode(), value.encode("latin-1"))
            for name, value in headers.items()
            if value is not None
        ]
        hsts = None
        if hsts_max_age is not None:
            hsts = f"max-age={hsts_max_age}"
            hsts += "; includeSubDomains" if hsts_include_subdomains else ""
            hsts += "; preload" if hsts_preload else ""
        self.secure_headers = self.headers
        if hsts is not None:
            self.secure_headers = [*self.headers, (b"strict-transport-security", hsts.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self.secure_headers if scope.get("scheme") == "https" else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                missing = [pair for pair in added if pair[0] not in present]
                if missing:
                    message = {**message, "headers": [*message.get("headers", ()), *missing]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["SecurityHeadersMiddleware", "policy_text"]
