"""Typed dependency injection: providers registered by type, resolved into each request.

See the "Dependency injection" page of the documentation for the rules.
"""

from resourceful.di._container import Container, DependencyError
from resourceful.di._context import InjectionContext
from resourceful.di._markers import Body, Cookie, File, Form, Header, Inject, Path, Query
from resourceful.di._patch import MergePatch, merge_patch
from resourceful.di._providers import Provider, ScopeName, injects

__all__ = [
    "Body",
    "Container",
    "Cookie",
    "DependencyError",
    "File",
    "Form",
    "Header",
    "Inject",
    "InjectionContext",
    "MergePatch",
    "Path",
    "Provider",
    "Query",
    "ScopeName",
    "injects",
    "merge_patch",
]
