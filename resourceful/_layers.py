"""What a mount or a router declares for everything under it: one layer of an app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from resourceful._endpoints import HandledByLayer
from resourceful._handlers import ExceptionHandler, HandlerKey, Handlers, layer_handlers
from resourceful._requirements import Requirement, Requires, as_requirement, guard
from resourceful.caching import CacheControl
from resourceful.types import ASGIApp


@attrs.frozen
class Layer:
    """The providers, policies and OpenAPI details a mount or a router gives what is under it.

    The app plans the endpoints under a layer against a container of its ``providers``;
    ``requirements`` and ``handlers`` act around the layer's app (see :meth:`around`);
    ``tags`` and ``responses`` go to the OpenAPI operations under it; ``cache_control`` is
    the cache policy of the responses under it (unless an inner layer declares one).
    """

    providers: tuple[Any, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    handlers: Handlers | None = None
    tags: tuple[str, ...] = ()
    responses: Mapping[int, Any] = attrs.field(factory=dict)
    cache_control: CacheControl | None = None

    def around(self, app: ASGIApp) -> ASGIApp:
        """``app`` behind the layer's requirements, inside its exception handlers."""
        app = guard(app, self.requirements)
        return app if self.handlers is None else HandledByLayer(app, self.handlers)


def make_layer(
    where: str,
    *,
    providers: Sequence[Any] | None,
    requires: str | Sequence[str] | Requires | None,
    exception_handlers: Mapping[HandlerKey, ExceptionHandler] | None,
    tags: Sequence[str],
    responses: Mapping[int, Any] | None,
    cache_control: CacheControl | None = None,
) -> Layer:
    """The layer of what a mount or router at ``where`` was given (checked now)."""
    return Layer(
        tuple(providers or ()),
        () if requires is None else (as_requirement(requires),),
        layer_handlers(exception_handlers, where) if exception_handlers else None,
        tuple(tags),
        dict(responses or {}),
        cache_control,
    )
