"""JSON Merge Patch (RFC 7396): a body that says how to change a resource, not what it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, get_args, get_origin

import cattrs

from resourceful.di._convert import field_errors
from resourceful.exceptions import RequestValidationError

T = TypeVar("T")

#: The media type of a merge patch: the only one a ``MergePatch`` parameter reads.
MERGE_PATCH = "application/merge-patch+json"


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` (JSON data) with ``patch`` applied as RFC 7396 says: an object's members
    replace the target's, ``null`` removes one, nested objects merge; anything else sent
    replaces the target whole. Neither argument is changed."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


class MergePatch(Generic[T]):
    """A JSON Merge Patch of a ``T``, read from a body sent as ``application/merge-patch+json``
    (any other type of body is a 415 response naming it in ``Accept-Patch``).

    Annotate a ``patch`` handler's parameter as ``MergePatch[NoteIn]`` and call
    :meth:`apply` with the current ``NoteIn``: the result is structured like a ``NoteIn``
    body would be, so a patch that leaves it invalid is a 422 response listing every problem.
    """

    __slots__ = ("_converter", "_structure", "document", "target_type")

    def __init__(
        self,
        document: Any,
        target_type: type[T],
        converter: cattrs.Converter,
        structure: Callable[[Any, Any], T],
    ) -> None:
        #: The patch as sent (JSON data).
        self.document = document
        self.target_type = target_type
        self._converter = converter
        self._structure = structure

    def apply(self, target: T) -> T:
        """``target`` with the patch applied, as a new ``T``.

        Raises:
            RequestValidationError: the patched value is no valid ``T`` (a 422 response).
        """
        try:
            data = merge_patch(self._converter.unstructure(target), self.document)
            return self._structure(data, self.target_type)
        except Exception as exc:  # cattrs reports anything a hook raised; too deep a patch
            raise RequestValidationError(field_errors(exc, ("body",))) from None

    def __repr__(self) -> str:
        return f"MergePatch({self.document!r})"


def patch_target(annotation: Any) -> Any:
    """The ``T`` of ``MergePatch[T]`` (``Any`` for a bare ``MergePatch``); None for any other
    annotation."""
    if annotation is MergePatch:
        return Any
    if get_origin(annotation) is MergePatch:
        return get_args(annotation)[0]
    return None


def register_merge_patch(converter: cattrs.Converter) -> None:
    """Teach ``converter`` to read a ``MergePatch[T]`` body (with ``T``'s hook, found once)."""

    def factory(annotation: Any) -> Callable[[Any, Any], MergePatch[Any]]:
        target = patch_target(annotation)
        structure = converter.get_structure_hook(target)

        def read(document: Any, _: Any) -> MergePatch[Any]:
            return MergePatch(document, target, converter, structure)

        return read

    converter.register_structure_hook_factory(lambda kind: patch_target(kind) is not None, factory)
