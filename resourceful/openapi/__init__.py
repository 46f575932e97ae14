"""OpenAPI 3.1 documents made from an app's routes, plans and types, and a docs page.

``App(openapi=OpenAPI(title=..., version=...))`` serves ``/openapi.json`` and ``/docs``;
:func:`operation` adds to or overrides what the document says about an endpoint.
"""

from __future__ import annotations

from resourceful.openapi._jsonschema import Components
from resourceful.openapi._operation import OperationInfo, ResponseSpec, operation
from resourceful.openapi._serve import OpenAPI

__all__ = ["Components", "OpenAPI", "OperationInfo", "ResponseSpec", "operation"]
