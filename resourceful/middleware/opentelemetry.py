"""OpenTelemetryMiddleware: a server span and a duration measurement for every HTTP request.

Attribute names follow OpenTelemetry's semantic conventions for HTTP servers. The span is
named after the route template the router matched (``GET /users/{id}``), which the router
leaves in ``scope["route"]``, so the name is known only once the app has responded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from resourceful._version import __version__
from resourceful.datastructures import URL
from resourceful.exceptions import MissingDependencyError
from resourceful.routing import Mount
from resourceful.types import ASGIApp, Message, Receive, Scope, Send

try:
    from opentelemetry import metrics, propagate, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:
    raise MissingDependencyError(
        "opentelemetry-api", "opentelemetry", "OpenTelemetryMiddleware"
    ) from None

#: Set while a request is inside one of these middlewares, so a nested one (a mounted app's)
#: does not open a second span for it.
_ACTIVE = "resourceful.opentelemetry"
#: The methods the conventions know; any other is reported as ``_OTHER``.
_KNOWN_METHODS = frozenset(
    ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE")
)
#: The bucket boundaries the conventions advise for ``http.server.request.duration``.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
#: The span attributes the duration measurement carries too.
_METRIC_ATTRIBUTES = (
    "http.request.method",
    "http.response.status_code",
    "http.route",
    "error.type",
    "network.protocol.version",
    "server.address",
    "server.port",
    "url.scheme",
)


def route_template(scope: Scope) -> str | None:
    """The template of the route that served ``scope``, below its mounts; None if unknown."""
    route = scope.get("route")
    root_path: str = scope.get("root_path", "")
    if isinstance(route, Mount):
        return root_path or "/"
    path_format = getattr(route, "path_format", None)
    if not isinstance(path_format, str):
        return None
    return root_path.rstrip("/") + path_format or "/"


def _request_attributes(scope: Scope, url: URL) -> dict[str, str | int]:
    original: str = scope.get("method", "")
    method = original.upper()
    if method not in _KNOWN_METHODS:
        method = "_OTHER"
    attributes: dict[str, str | int] = {
        "http.request.method": method,
        "url.path": scope.get("path", ""),
        "url.scheme": scope.get("scheme", "http"),
    }
    if original != method:
        attributes["http.request.method_original"] = original
    if url.query:
        attributes["url.query"] = url.query
    if url.hostname is not None:
        attributes["server.address"] = url.hostname
        server = scope.get("server")
        port = url.port if url.port is not None else server[1] if server else None
        if port is not None:
            attributes["server.port"] = port
    if scope.get("http_version"):
        attributes["network.protocol.version"] = scope["http_version"]
    if scope.get("client"):
        attributes["client.address"] = scope["client"][0]
    user_agent = next((value for name, value in scope["headers"] if name == b"user-agent"), None)
    if user_agent:
        attributes["user_agent.original"] = user_agent.decode("latin-1")
    return attributes


class OpenTelemetryMiddleware:
    """Traces each HTTP request as an OpenTelemetry server span and measures its duration.

    The span continues a trace the client propagated (``traceparent``), carries the
    semantic-convention attributes (method, route, status, URL parts, server, client, user
    agent) and is marked as an error for an exception or a 5xx response. The duration goes to
    the ``http.server.request.duration`` histogram. Websockets and lifespan pass untraced.

    Args:
        excluded_urls: regular expressions searched in each request's full URL; a match is
            not traced. A string holds them separated by commas.
        tracer_provider: where spans go; the global tracer provider when omitted.
        meter_provider: where the duration goes; the global meter provider when omitted.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        excluded_urls: str | Sequence[str] = (),
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        if isinstance(excluded_urls, str):
            excluded_urls = [url.strip() for url in excluded_urls.split(",") if url.strip()]
        self.app = app
        self.excluded_urls = tuple(re.compile(pattern) for pattern in excluded_urls)
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        # The global providers may be set after the app is built: look them up on first use.
        self._tracer: trace.Tracer | None = None
        self._duration: metrics.Histogram | None = None

    def _instruments(self) -> tuple[trace.Tracer, metrics.Histogram] | None:
        if self._tracer is None or self._duration is None:
            tracer_provider = self.tracer_provider or trace.get_tracer_provider()
            if isinstance(tracer_provider, trace.NoOpTracerProvider):
                return None
            meter_provider = self.meter_provider or metrics.get_meter_provider()
            self._tracer = tracer_provider.get_tracer("resourceful", __version__)
            self._duration = meter_provider.get_meter("resourceful", __version__).create_histogram(
                "http.server.request.duration",
                unit="s",
                description="Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
            )
        return self._tracer, self._duration

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _ACTIVE in scope:
            await self.app(scope, receive, send)
            return
        scope[_ACTIVE] = True
        try:
            instruments = self._instruments()
            url = URL(scope=scope)
            if instruments is None or any(rule.search(str(url)) for rule in self.excluded_urls):
                await self.app(scope, receive, send)
            else:
                await self._traced(scope, receive, send, url, *instruments)
        finally:
            del scope[_ACTIVE]

    async def _traced(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        url: URL,
        tracer: trace.Tracer,
        duration: metrics.Histogram,
    ) -> None:
        attributes = _request_attributes(scope, url)
        method = attributes["http.request.method"]
        name = "HTTP" if method == "_OTHER" else str(method)
        carrier: dict[str, str] = {}
        for key, value in scope["headers"]:
            field, text = key.decode("latin-1").lower(), value.decode("latin-1")
            carrier[field] = f"{carrier[field]},{text}" if field in carrier else text
        started = time.perf_counter()
        with tracer.start_as_current_span(
            name, context=propagate.extract(carrier), kind=SpanKind.SERVER, attributes=attributes
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status: int = message["status"]
                    attributes["http.response.status_code"] = status
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        attributes["error.type"] = str(status)
                        span.set_attribute("error.type", str(status))
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            except Exception as exc:
                attributes["error.type"] = type(exc).__qualname__
                span.set_attribute("error.type", type(exc).__qualname__)
                raise
            finally:
                route = route_template(scope)
                if route is not None:
                    attributes["http.route"] = route
                    span.update_name(f"{name} {route}")
                    span.set_attribute("http.route", route)
                measured: dict[str, Any] = {
                    key: attributes[key] for key in _METRIC_ATTRIBUTES if key in attributes
                }
                duration.record(time.perf_counter() - started, measured)


__all__ = ["OpenTelemetryMiddleware"]
