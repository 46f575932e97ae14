"""Typed dependency injection: providers registered by type, resolved into each request.

See the "Dependency injection" page of the documentation for the rules.
"""

from resourceful.di._container import Container, DependencyError, InjectionContext
from resourceful.di._providers import Provider, ScopeName

__all__ = ["Container", "DependencyError", "InjectionContext", "Provider", "ScopeName"]
