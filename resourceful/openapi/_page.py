"""The interactive docs page: Swagger UI, its scripts from a configurable place."""

from __future__ import annotations

import json
from html import escape

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
<script>
  SwaggerUIBundle({{ url: {document}, dom_id: "#swagger-ui", deepLinking: true }});
</script>
</body>
</html>
"""


def docs_page(title: str, assets: str, document_url: str) -> str:
    """The page's HTML; the title and URLs escaped for where each one goes."""
    # In a <script>, "</" could end the script early: JSON's \u escape keeps it harmless.
    url = json.dumps(document_url).replace("<", "\\u003c")
    return _PAGE.format(
        title=escape(title), assets=escape(assets.rstrip("/"), quote=True), document=url
    )
