"""What the OpenAPI document knows of one operation, gathered from the app's routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from resourceful._requirements import Requirement
from resourceful.convertors import Convertor
from resourceful.di._framework import EndpointPlan
from resourceful.negotiation import Representations
from resourceful.openapi._operation import OperationInfo


@attrs.frozen
class Endpoint:
    """One operation to describe: where it is served and how it was planned."""

    path: str
    method: str
    plans: tuple[EndpointPlan, ...]  # hooks first, the handler last
    convertors: Mapping[str, Convertor[Any]]
    info: OperationInfo
    requirements: tuple[Requirement, ...]
    status_code: int | None
    headers: Mapping[str, str]
    tags: tuple[str, ...]
    names: tuple[str, ...]
    #: Whether the endpoint evaluates preconditions on validators (None: it has none), and
    #: requires ``If-Match`` on its changing methods (True).
    conditional: bool | None = None
    #: The representations it offers, if it negotiates.
    representations: Representations | None = None
    #: The resource class or function the route serves.
    target: Any = None
    #: The endpoint ``@responds(location=...)`` names for what it creates, if any.
    located: Any = None
    #: The fields of what it returns (an attrs class or dataclass), by name.
    returned: frozenset[str] = frozenset()
