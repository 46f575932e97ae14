"""Jinja2 templates (the ``templates`` extra): ``TemplateResponse(request, name, context)``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from resourceful.background import BackgroundTask
from resourceful.datastructures import URL
from resourceful.exceptions import MissingDependencyError
from resourceful.middleware.csrf import csrf_input, csrf_token
from resourceful.requests import Request
from resourceful.responses import HTMLResponse
from resourceful.types import Receive, Scope, Send

ContextProcessor = Callable[[Request], Mapping[str, Any]]


def _jinja2() -> Any:
    try:
        import jinja2
    except ImportError:
        raise MissingDependencyError("jinja2", "templates", "Jinja2Templates") from None
    return jinja2


class _TemplateResponse(HTMLResponse):
    """An HTML response rendered from a template (at send time when the environment is async)."""

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int,
        headers: Mapping[str, str] | None,
        media_type: str | None,
        background: BackgroundTask | None,
    ) -> None:
        self.template = template
        self.context = context
        self.is_async = bool(template.environment.is_async)
        content = None if self.is_async else template.render(context)
        super().__init__(content, status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.is_async:
            self.body = self.render(await self.template.render_async(self.context))
            self.init_headers({k: v for k, v in self.headers.items() if k != "content-length"})
        if "http.response.debug" in scope.get("extensions", {}):
            info = {"template": self.template, "context": self.context}
            await send({"type": "http.response.debug", "info": info})
        await super().__call__(scope, receive, send)


class Jinja2Templates:
    """Renders Jinja2 templates into responses.

    Templates see ``request``, ``url_for(name, **params)`` (an absolute URL) and, with
    CSRFMiddleware installed, ``csrf_token()`` and ``csrf_input()``. HTML is autoescaped.

    Args:
        directory: the folder (or folders) of templates; or give ``env``.
        env: a ready ``jinja2.Environment`` (an async one renders while the response is sent).
        context_processors: functions of the request whose mappings join every context.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        *,
        env: Any = None,
        context_processors: Sequence[ContextProcessor] | None = None,
    ) -> None:
        jinja2 = _jinja2()
        if (directory is None) == (env is None):
            msg = "Jinja2Templates() takes either directory= or env=, exactly one of them."
            raise TypeError(msg)
        if env is None:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(directory),
                autoescape=jinja2.select_autoescape(),
            )
        self.env = env
        self.context_processors = list(context_processors or [])
        markup = jinja2.utils.markupsafe.Markup

        def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
            request: Request = context["request"]
            return request.url_for(name, **path_params)

        def template_csrf_token(context: Mapping[str, Any]) -> str:
            return csrf_token(context["request"])

        def template_csrf_input(context: Mapping[str, Any]) -> Any:
            return markup(csrf_input(context["request"]))

        # pass_context hands each helper the template context, where the request is.
        env.globals.setdefault("url_for", jinja2.pass_context(url_for))
        env.globals.setdefault("csrf_token", jinja2.pass_context(template_csrf_token))
        env.globals.setdefault("csrf_input", jinja2.pass_context(template_csrf_input))

    def get_template(self, name: str) -> Any:
        """The template called ``name``."""
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> HTMLResponse:
        """An HTML response rendered from template ``name`` with ``context`` and ``request``."""
        full_context: dict[str, Any] = {}
        for processor in self.context_processors:
            full_context.update(processor(request))
        full_context.update(context or {})
        full_context["request"] = request
        template = self.get_template(name)
        return _TemplateResponse(
            template, full_context, status_code, headers, media_type, background
        )


__all__ = ["Jinja2Templates"]
