"""GraphQL on graphql-core (the ``graphql`` extra): serve a schema over HTTP.

``GraphQLApp(schema)`` responds to queries and mutations by the GraphQL-over-HTTP
specification, with GraphiQL for browsers; :func:`make_schema` builds a schema from SDL and
resolver functions.
"""

from __future__ import annotations

from resourceful.exceptions import MissingDependencyError

try:
    import graphql  # noqa: F401 (only to see whether it is there)
except ImportError:
    raise MissingDependencyError("graphql-core", "graphql", "resourceful.graphql") from None

from resourceful.graphql._app import GraphQLApp, make_schema
from resourceful.graphql._documents import Limits

__all__ = ["GraphQLApp", "Limits", "make_schema"]
