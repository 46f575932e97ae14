"""What the framework's other layers use from injection: its one declared surface.

Resources, the application, settings, the command line and OpenAPI import these names from
here, never from the private modules of ``resourceful.di``; anything else in ``di/`` may
change without them noticing. Applications use :mod:`resourceful.di` instead.

- Planning: ``plan_endpoint`` resolves a callable's parameters into an
  ``EndpointPlan`` (its ``Parameter`` objects say where each value comes from, as
  a ``Source``), for a ``Protocol`` (``"http"`` or ``"websocket"``).
- Running: an ``EndpointPlan`` gives the arguments of one call, in an
  ``InjectionContext``; the request lifecycle (``resourceful._lifecycle``) opens and
  closes the contexts, for function endpoints and resources alike.
- Returning: ``responder`` makes what turns a return value into a response, with the
  status and headers ``response_settings`` reads from ``@responds`` (and ``location_of``
  the endpoint it names for ``Location``);
  ``DEFAULT_CONVERTER`` is the cattrs converter used for them; ``validators_of_result``
  what ``@responds(validators=...)`` gave to find a returned value's validators.
- Reading: ``type_hints``, ``unwrap_partial`` and ``without_none`` read
  annotations as the planner does; ``describe`` names a provider; ``MISSING``
  marks a parameter without default; ``form_data`` is the built-in form provider;
  ``providers_of`` reads what ``@injects`` gave a handler.
- Text: ``make_text_converter`` converts text to typed values (settings use it) and
  raises ``ConversionError``.
- Patches: ``patch_target`` gives the ``T`` of a ``MergePatch[T]`` annotation (None for any
  other), for OpenAPI to describe the patch.
"""

from resourceful.di._builtins import form_data
from resourceful.di._context import InjectionContext
from resourceful.di._convert import ConversionError, make_text_converter
from resourceful.di._parameters import MISSING, EndpointPlan, Parameter, Source, without_none
from resourceful.di._patch import patch_target
from resourceful.di._plan import Protocol, plan_endpoint
from resourceful.di._providers import describe, providers_of, type_hints, unwrap_partial
from resourceful.di._returns import (
    DEFAULT_CONVERTER,
    location_of,
    responder,
    responds,
    response_settings,
    validators_of_result,
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
    "describe",
    "form_data",
    "location_of",
    "make_text_converter",
    "patch_target",
    "plan_endpoint",
    "providers_of",
    "responder",
    "responds",
    "response_settings",
    "type_hints",
    "unwrap_partial",
    "validators_of_result",
    "without_none",
]
