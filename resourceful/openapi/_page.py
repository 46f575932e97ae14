"""The interactive docs page: Swagger UI, its scripts from a configurable place."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from urllib.parse import urlsplit

#: Where the page loads Swagger UI from (``OpenAPI(ui_assets=...)`` changes it).
SWAGGER_UI_ASSETS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>{script}</script>
</body>
</html>
"""


def docs_page(title: str, assets: str, document_url: str) -> tuple[str, str]:
    """The page's HTML, the title and URLs escaped for where each one goes, and its CSP.

    The Content-Security-Policy allows the page what it needs and nothing more (the assets'
    origin, and its one inline script by hash; no inline styles, which Swagger UI sets
    through the DOM, out of a policy's reach), so it works under a site's strict policy.
    """
    # In a <script>, "</" could end the script early: JSON's \u escape keeps it harmless.
    url = json.dumps(document_url).replace("<", "\\u003c")
    script = f'SwaggerUIBundle({{ url: {url}, dom_id: "#swagger-ui", deepLinking: true }});'
    assets = assets.rstrip("/")
    page = _PAGE.format(title=escape(title), assets=escape(assets, quote=True), script=script)
    parts = urlsplit(assets)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = (
        f"default-src 'none'; script-src {origin} 'sha256-{digest}'; "
        f"style-src {origin}; img-src 'self' data: {origin}; "
        "connect-src 'self'; frame-ancestors 'self'"
    )
    return page, policy
