"""What the framework's other layers use from injection: its one declared surface.

Resources, the application, settings, the command line and OpenAPI import these names from
here, never from the private modules of ``resourceful.di``; anything else in ``di/`` may
change without them noticing. Applications use :mod:`resourceful.di` instead.

- Planning: ``plan_endpoint`` resolves a callable's parameters into an
  ``EndpointPlan`` (its ``Parameter`` objects say where each value comes from, as
  a ``Source``), for a ``Protocol`` (``"http"`` or ``"websocket"``).
- Running: ``http_endpoint`` and ``websocket_endpoint`` make ASGI apps of plans;
  resources run plans themselves, in an ``InjectionContext`` they end with
  ``end_request`` (after an error) or ``finish_request`` (after the answer, when
  ``has_work_after`` says there is work left), or ``close_context`` for websockets.
- Returning: ``responder`` makes what turns a return value into a response, with the
  status and headers ``response_settings`` reads from ``@responds``;
  ``DEFAULT_CONVERTER`` is the cattrs converter used for them.
- Reading: ``type_hints``, ``unwrap_partial`` and ``without_none`` read
  annotations as the planner does; ``describe`` names a provider; ``MISSING``
  marks a parameter without default; ``form_data`` is the built-in form provider.
- Text: ``make_text_converter`` converts text to typed values (settings use it) and
  raises ``ConversionError``.
"""

from resourceful.di._asgi import (
    close_context,
    end_request,
    finish_request,
    has_work_after,
    http_endpoint,
    websocket_endpoint,
)
from resourceful.di._builtins import form_data
from resourceful.di._container import InjectionContext
from resourceful.di._convert import ConversionError, make_text_converter
from resourceful.di._parameters import MISSING, EndpointPlan, Parameter, Source, without_none
from resourceful.di._plan import Protocol, plan_endpoint
from resourceful.di._providers import describe, type_hints, unwrap_partial
from resourceful.di._returns import (
    DEFAULT_CONVERTER,
    responder,
    responds,
    response_settings,
)

__all__ = [
    "DEFAULT_CONVERTER",
    "MISSING",
    "ConversionError",
    "EndpointPlan",
    "InjectionContext",
    "Parameter",
    "Protocol",
    "Source",
    "close_context",
    "describe",
    "end_request",
    "finish_request",
    "form_data",
    "has_work_after",
    "http_endpoint",
    "make_text_converter",
    "plan_endpoint",
    "responder",
    "responds",
    "response_settings",
    "type_hints",
    "unwrap_partial",
    "websocket_endpoint",
    "without_none",
]
