"""Where the route serving an endpoint is, for the ``Location`` of a created resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from resourceful._paths import CompiledPath
from resourceful.types import Scope


class Location:
    """The path of one route through the mounts it is under, filled in per response.

    Each path parameter comes from the created object's attribute (or key) of that name,
    else from the request's path parameters.
    """

    __slots__ = ("mounts", "names", "route", "where")

    def __init__(self, mounts: Sequence[CompiledPath], route: CompiledPath, where: str) -> None:
        self.mounts = tuple(mounts)
        self.route = route
        self.where = where
        #: The path parameters the path needs.
        self.names = [
            name
            for path in (*self.mounts, route)
            for name in path.convertors
            if not (name == "path" and path is not route)
        ]

    def of(self, created: Any, scope: Scope) -> str:
        """The path of ``created``, from the root of the app that serves ``scope``.

        Raises:
            LookupError: ``created`` and the request lack a parameter the path needs.
        """
        params = dict(_parameters(self.names, created, scope.get("path_params") or {}, self))
        # Every parameter is there, so each template fills.
        path = "".join(
            (mount.replace_params({**params, "path": ""}) or ("", {}))[0].rstrip("/")
            for mount in self.mounts
        )
        path += (self.route.replace_params(params) or ("", {}))[0]
        root: str = scope.get("app_root_path", scope.get("root_path", ""))
        return root + path


def _parameters(
    names: Sequence[str], created: Any, given: Mapping[str, Any], location: Location
) -> Iterator[tuple[str, Any]]:
    for name in names:
        if isinstance(created, Mapping) and name in created:
            yield name, created[name]
        elif hasattr(created, name):
            yield name, getattr(created, name)
        elif name in given:
            yield name, given[name]
        else:
            msg = (
                f"The Location of {location.where} needs {name!r}, which neither the returned "
                f"{type(created).__name__} nor the request's path has."
            )
            raise LookupError(msg)
