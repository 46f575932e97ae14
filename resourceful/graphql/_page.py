"""The GraphiQL page: an in-browser IDE for the endpoint, its scripts from a CDN."""

from __future__ import annotations

from html import escape

#: Where the page loads GraphiQL and React from (``GraphQLApp(graphiql_cdn=...)`` changes it).
GRAPHIQL_CDN = "https://unpkg.com"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{cdn}/graphiql@3/graphiql.min.css">
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script crossorigin src="{cdn}/react@18/umd/react.production.min.js"></script>
<script crossorigin src="{cdn}/react-dom@18/umd/react-dom.production.min.js"></script>
<script crossorigin src="{cdn}/graphiql@3/graphiql.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
  );
</script>
</body>
</html>
"""


def graphiql_page(title: str, cdn: str) -> str:
    """The page's HTML, its title and CDN escaped."""
    return _PAGE.format(title=escape(title), cdn=escape(cdn.rstrip("/"), quote=True))
