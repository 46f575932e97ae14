"""What ``@operation`` records on an endpoint for its OpenAPI description."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

ATTRIBUTE = "__resourceful_openapi__"


@attrs.frozen
class ResponseSpec:
    """A response an endpoint may give besides the one its return annotation describes.

    Args:
        description: what the response means, shown to the reader.
        type: the type of the body, described as the app writes it as JSON; None for none.
        media_type: the body's media type.
        headers: the response headers it carries, by name, with a description each.
        examples: named examples of the body (each a value, or an OpenAPI Example object).
    """

    description: str
    type: Any = None
    media_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)
    examples: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class OperationInfo:
    """The OpenAPI details set by hand on an endpoint (see :func:`operation`)."""

    summary: str | None = None
    description: str | None = None
    operation_id: str | None = None
    tags: tuple[str, ...] | None = None
    deprecated: bool = False
    responses: Mapping[int, ResponseSpec] = attrs.field(factory=dict)
    examples: Mapping[str, Any] = attrs.field(factory=dict)
    include_in_schema: bool = True
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def under(self, outer: OperationInfo) -> OperationInfo:
        """This endpoint's details in front of its class's: a method's own win, per response."""
        return OperationInfo(
            summary=self.summary,
            description=self.description,
            operation_id=self.operation_id,
            tags=self.tags if self.tags is not None else outer.tags,
            deprecated=self.deprecated or outer.deprecated,
            responses={**outer.responses, **self.responses},
            examples={**outer.examples, **self.examples},
            include_in_schema=self.include_in_schema and outer.include_in_schema,
            extra={**outer.extra, **self.extra},
        )


NOTHING_SET = OperationInfo()


def as_spec(spec: str | ResponseSpec) -> ResponseSpec:
    """A response given by its description alone, or in full."""
    return spec if isinstance(spec, ResponseSpec) else ResponseSpec(spec)


def operation(
    *,
    summary: str | None = None,
    description: str | None = None,
    operation_id: str | None = None,
    tags: Sequence[str] | None = None,
    deprecated: bool = False,
    responses: Mapping[int, str | ResponseSpec] | None = None,
    examples: Mapping[str, Any] | None = None,
    include_in_schema: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Callable[[T], T]:
    """Add to or override what the OpenAPI document says about an endpoint.

    Decorate a function endpoint, a resource method, or a resource class (for all of its
    handlers; a method's own settings win). Summary and description default to the
    docstring's first line and the rest of it.

    Args:
        operation_id: the operation's id, unique in the document.
        tags: the tags that group the operation (by default, the names of the mounts it is
            under, or its resource class's name).
        deprecated: mark the operation deprecated.
        responses: more responses by status code: a description, or a :class:`ResponseSpec`.
        examples: named examples of the request body.
        include_in_schema: False leaves the endpoint out of the document.
        extra: more fields of the OpenAPI Operation object, such as ``externalDocs``.
    """
    info = OperationInfo(
        summary=summary,
        description=description,
        operation_id=operation_id,
        tags=None if tags is None else tuple(tags),
        deprecated=deprecated,
        responses={status: as_spec(spec) for status, spec in (responses or {}).items()},
        examples=dict(examples or {}),
        include_in_schema=include_in_schema,
        extra=dict(extra or {}),
    )

    def decorate(target: T) -> T:
        setattr(target, ATTRIBUTE, info)
        return target

    return decorate


def operation_info(target: Any) -> OperationInfo:
    """What ``@operation`` set on ``target`` (or, for a class, on a base class), or nothing."""
    found = getattr(target, ATTRIBUTE, None)
    return found if isinstance(found, OperationInfo) else NOTHING_SET
