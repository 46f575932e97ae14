"""The ``OpenAPI`` settings of an app: its document, built once, and the routes serving it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from resourceful.applications import App
from resourceful.exceptions import MissingDependencyError
from resourceful.openapi._document import DocumentBuilder, endpoints
from resourceful.openapi._page import SWAGGER_UI_ASSETS, docs_page
from resourceful.requests import Request
from resourceful.responses import HTMLResponse, Response
from resourceful.routing import BaseRoute, Route

VERSION = "3.1.0"
#: How many renderings (per app, root path and form) are kept.
KEPT_RENDERINGS = 16


class OpenAPI:
    """The OpenAPI 3.1 document of an app, made from its routes, types and docstrings.

    Give it to ``App(openapi=...)`` to serve the document at ``path`` (and as YAML at
    ``yaml_path``, with the ``yaml`` extra) and an interactive docs page at ``docs_path``;
    None turns one off. The document is built on its first request and kept.

    Args:
        title: the API's name.
        version: the API's version (not OpenAPI's).
        description: a longer description; CommonMark is allowed.
        servers: where the API is served: URLs, or OpenAPI Server objects.
        tags: OpenAPI Tag objects describing the tags operations use.
        security_schemes: OpenAPI Security Scheme objects by name; operations guarded by
            ``requires()`` list them all as their security.
        ui_assets: where the docs page loads Swagger UI's script and style from.
        extra: more top-level fields, such as ``externalDocs``.
    """

    def __init__(
        self,
        title: str = "API",
        version: str = "0.1.0",
        *,
        description: str | None = None,
        servers: Sequence[str | Mapping[str, Any]] = (),
        tags: Sequence[Mapping[str, Any]] = (),
        security_schemes: Mapping[str, Mapping[str, Any]] | None = None,
        path: str | None = "/openapi.json",
        yaml_path: str | None = None,
        docs_path: str | None = "/docs",
        ui_assets: str = SWAGGER_UI_ASSETS,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if yaml_path is not None:
            _yaml()  # fail now, not on the first request
        if docs_path is not None and path is None:
            msg = "OpenAPI(docs_path=...) shows the JSON document: give a path for it too."
            raise ValueError(msg)
        self.title = title
        self.version = version
        self.description = description
        self.servers = [{"url": s} if isinstance(s, str) else dict(s) for s in servers]
        self.tags = [dict(tag) for tag in tags]
        self.security_schemes = dict(security_schemes or {})
        self.path = path
        self.yaml_path = yaml_path
        self.docs_path = docs_path
        self.ui_assets = ui_assets
        self.extra = dict(extra or {})
        self._documents: dict[App, dict[str, Any]] = {}
        self._served: dict[tuple[App, str, str], bytes] = {}

    def document(self, app: App) -> dict[str, Any]:
        """``app``'s OpenAPI document, built on the first call (which plans the app)."""
        found = self._documents.get(app)
        if found is None:
            found = self._documents[app] = self._build(app)
        return found

    def _build(self, app: App) -> dict[str, Any]:
        builder = DocumentBuilder(list(self.security_schemes))
        info: dict[str, Any] = {"title": self.title, "version": self.version}
        if self.description:
            info["description"] = self.description
        document: dict[str, Any] = {"openapi": VERSION, "info": info}
        if self.servers:
            document["servers"] = self.servers
        document["paths"] = builder.paths(list(endpoints(app)))
        components: dict[str, Any] = {}
        schemas = builder.schemas()
        if schemas:
            components["schemas"] = schemas
        if self.security_schemes:
            components["securitySchemes"] = self.security_schemes
        if components:
            document["components"] = components
        if self.tags:
            document["tags"] = self.tags
        document.update(self.extra)
        return document

    def routes(self) -> list[BaseRoute]:
        """The routes serving the document and the docs page (left out of the document)."""
        found: list[BaseRoute] = []
        if self.path is not None:
            found.append(self._route(self.path, "json", "openapi"))
        if self.yaml_path is not None:
            found.append(self._route(self.yaml_path, "yaml", "openapi_yaml"))
        if self.docs_path is not None:
            found.append(Route(self.docs_path, self._docs, name="docs", include_in_schema=False))
        return found

    def _route(self, path: str, form: str, name: str) -> Route:
        async def serve(request: Request) -> Response:
            return self._respond(request, form)

        serve.__qualname__ = f"OpenAPI.{name}"  # how route listings show it
        return Route(path, serve, name=name, include_in_schema=False)

    def _respond(self, request: Request, form: str) -> Response:
        app = request.scope["app"]
        root_path = request.scope.get("root_path", "")
        key = (app, root_path, form)
        body = self._served.get(key)
        if body is None:
            document = self.document(app)
            if root_path and not self.servers:
                # Mounted under a prefix: the paths are the app's own, so say where it is.
                document = {**document, "servers": [{"url": root_path}]}
            body = _render(document, form)
            # A mount's path parameters put what the client chose into root_path: keep a few.
            if len(self._served) < KEPT_RENDERINGS:
                self._served[key] = body
        media_type = "application/json" if form == "json" else "application/yaml"
        return Response(body, media_type=media_type)

    async def _docs(self, request: Request) -> Response:
        url = request.scope.get("root_path", "") + str(self.path)
        page, policy = docs_page(self.title, self.ui_assets, url)
        return HTMLResponse(page, headers={"content-security-policy": policy})


def _render(document: dict[str, Any], form: str) -> bytes:
    if form == "json":
        return json.dumps(document, ensure_ascii=False).encode()
    text: str = _yaml().safe_dump(document, sort_keys=False, allow_unicode=True)
    return text.encode()


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise MissingDependencyError("pyyaml", "yaml", "The OpenAPI YAML document") from None
    return yaml
