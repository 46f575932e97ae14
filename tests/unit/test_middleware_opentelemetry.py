"""OpenTelemetryMiddleware: server spans named by route, their attributes, errors and metrics."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from resourceful import App, Middleware, Mount, Route, Router, WebSocketRoute
from resourceful.exceptions import MissingDependencyError
from resourceful.middleware.opentelemetry import OpenTelemetryMiddleware
from resourceful.requests import Request
from resourceful.resources import HTTPResource
from resourceful.responses import PlainTextResponse, Response
from resourceful.websockets import WebSocket
from tests.conftest import TestClientFactory, serve


@attrs.define
class Telemetry:
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def middleware(self, **options: Any) -> Middleware:
        return Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            **options,
        )

    def span(self) -> ReadableSpan:
        (span,) = self.spans.get_finished_spans()
        return span

    def durations(self) -> list[HistogramDataPoint]:
        data = self.metrics.get_metrics_data()
        assert data is not None
        (resource,) = data.resource_metrics
        (scope,) = resource.scope_metrics
        (metric,) = scope.metrics
        assert metric.name == "http.server.request.duration"
        assert metric.unit == "s"
        points: list[HistogramDataPoint] = list(metric.data.data_points)  # type: ignore[arg-type]
        return points


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(spans, reader, tracer_provider, meter_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello")


async def fail(request: Request) -> Response:
    raise RuntimeError("broken")


async def unavailable(request: Request) -> Response:
    return PlainTextResponse("later", status_code=503)


class Note(HTTPResource):
    async def get(self, id: int) -> str:
        return f"note {id}"


def test_span_is_named_by_route_template_and_carries_request_attributes(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(routes=[Route("/users/{name:str}", hello)], middleware=[telemetry.middleware()])

    response = test_client_factory(app).get("/users/ada?full=1", headers={"user-agent": "probe"})

    assert response.text == "hello"
    span = telemetry.span()
    assert span.name == "GET /users/{name}"
    assert span.kind is SpanKind.SERVER
    assert span.status.status_code is StatusCode.UNSET
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "http.route": "/users/{name}",
        "url.path": "/users/ada",
        "url.query": "full=1",
        "url.scheme": "http",
        "server.address": "testserver",
        "server.port": 80,
        "network.protocol.version": "1.1",
        "client.address": "testclient",
        "user_agent.original": "probe",
    }


def test_resource_routes_inside_mounts_give_the_full_template(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(
        routes=[Mount("/api", routes=[Mount("/v1", routes=[Route("/notes/{id:int}", Note)])])],
        middleware=[telemetry.middleware()],
    )

    assert test_client_factory(app).get("/api/v1/notes/7").json() == "note 7"
    assert telemetry.span().name == "GET /api/v1/notes/{id}"


def test_a_mount_that_matched_nothing_below_names_the_span(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    """Sent: a path under a mount that none of the mount's routes serves."""
    app = App(
        routes=[Mount("/api", app=Router([Route("/here", hello)]))],
        middleware=[telemetry.middleware()],
    )

    assert test_client_factory(app).get("/api/elsewhere").status_code == 404
    span = telemetry.span()
    assert span.name == "GET /api"
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/api"
    assert span.attributes["http.response.status_code"] == 404
    assert "error.type" not in span.attributes


def test_unmatched_request_has_no_route(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    """Sent: a path no route serves."""
    app = OpenTelemetryMiddleware(
        Router([Route("/", hello)]),
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
    )

    assert test_client_factory(app).get("/nowhere").status_code == 404
    span = telemetry.span()
    assert span.name == "GET"
    assert "http.route" not in (span.attributes or {})


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "server", "expected"),
    [
        ([], None, {}),
        ([], ("10.0.0.1", 8000), {"server.address": "10.0.0.1", "server.port": 8000}),
        ([(b"host", b"example.org")], None, {"server.address": "example.org"}),
        (
            [(b"host", b"example.org")],
            ("10.0.0.1", 8443),
            {"server.address": "example.org", "server.port": 8443},
        ),
    ],
)
async def test_attributes_a_bare_scope_lacks_are_left_out(
    telemetry: Telemetry,
    headers: list[tuple[bytes, bytes]],
    server: tuple[str, int] | None,
    expected: dict[str, Any],
) -> None:
    """Sent: scopes without client, HTTP version or user agent, and with or without a
    ``server`` and a ``Host`` header; the server's port counts when the Host has none."""
    app = OpenTelemetryMiddleware(
        PlainTextResponse("raw"), tracer_provider=telemetry.tracer_provider
    )
    scope = {"type": "http", "method": "get", "path": "/", "query_string": b""}

    await serve(app, {**scope, "headers": headers, "server": server})

    assert dict(telemetry.span().attributes or {}) == {
        "http.request.method": "GET",
        "http.request.method_original": "get",
        "http.response.status_code": 200,
        "url.path": "/",
        "url.scheme": "http",
        **expected,
    }


def test_span_continues_the_clients_trace(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(routes=[Route("/", hello)], middleware=[telemetry.middleware()])
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    headers = [
        ("traceparent", f"00-{trace_id}-{parent_id}-01"),
        ("tracestate", "one=1"),
        ("tracestate", "two=2"),
    ]

    test_client_factory(app).get("/", headers=headers)

    span = telemetry.span()
    assert span.context is not None
    assert span.context.trace_id == int(trace_id, 16)
    assert span.parent is not None
    assert span.parent.span_id == int(parent_id, 16)
    assert span.parent.is_remote
    # Both tracestate lines count, as one comma-separated list.
    assert dict(span.context.trace_state) == {"one": "1", "two": "2"}


def test_exception_marks_the_span_as_failed(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(routes=[Route("/", fail)], middleware=[telemetry.middleware()])

    response = test_client_factory(app, raise_server_exceptions=False).get("/")

    assert response.status_code == 500
    span = telemetry.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "RuntimeError"
    assert span.attributes["http.route"] == "/"
    assert [event.name for event in span.events] == ["exception"]
    (point,) = telemetry.durations()
    assert point.attributes is not None
    assert point.attributes["error.type"] == "RuntimeError"


def test_server_error_response_marks_the_span_as_failed(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(routes=[Route("/", unavailable)], middleware=[telemetry.middleware()])

    assert test_client_factory(app).get("/").status_code == 503
    span = telemetry.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "503"


def test_duration_is_measured_with_the_low_cardinality_attributes(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    app = App(routes=[Route("/users/{name}", hello)], middleware=[telemetry.middleware()])
    client = test_client_factory(app)

    client.get("/users/ada?x=1")
    client.get("/users/grace")

    (point,) = telemetry.durations()
    assert point.count == 2
    assert 0 < point.sum < 10
    assert point.explicit_bounds[:3] == (0.005, 0.01, 0.025)
    assert dict(point.attributes or {}) == {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "http.route": "/users/{name}",
        "network.protocol.version": "1.1",
        "server.address": "testserver",
        "server.port": 80,
        "url.scheme": "http",
    }


def test_unknown_method_is_reported_as_other(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    """Sent: a request with the made-up method BREW."""
    app = App(routes=[Route("/", hello)], middleware=[telemetry.middleware()])

    assert test_client_factory(app).request("BREW", "/").status_code == 405
    span = telemetry.span()
    assert span.name == "HTTP /"
    assert span.attributes is not None
    assert span.attributes["http.request.method"] == "_OTHER"
    assert span.attributes["http.request.method_original"] == "BREW"


@pytest.mark.parametrize(
    ("excluded_urls", "excluded"),
    [
        ("/health$, /metrics$", ["/health", "/metrics"]),
        ([r"^http://testserver/health\?deep"], ["/health?deep=1"]),
        ("", []),
    ],
)
def test_excluded_urls_are_not_traced(
    test_client_factory: TestClientFactory,
    telemetry: Telemetry,
    excluded_urls: str | list[str],
    excluded: list[str],
) -> None:
    routes = [Route("/", hello), Route("/health", hello), Route("/metrics", hello)]
    app = App(routes=routes, middleware=[telemetry.middleware(excluded_urls=excluded_urls)])
    client = test_client_factory(app)

    for path in excluded:
        assert client.get(path).status_code == 200
    assert telemetry.spans.get_finished_spans() == ()
    client.get("/health")
    expected = 0 if "/health" in excluded else 1
    assert len(telemetry.spans.get_finished_spans()) == expected


def test_nested_middleware_adds_no_second_span(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    inner = App(routes=[Route("/notes", hello)], middleware=[telemetry.middleware()])
    app = App(
        routes=[Mount("/api", app=inner)],
        middleware=[telemetry.middleware(), telemetry.middleware()],
    )
    client = test_client_factory(app)

    client.get("/api/notes")
    assert telemetry.span().name == "GET /api/notes"
    client.get("/api/notes")  # the mark of the first request is gone: traced again, once
    assert len(telemetry.spans.get_finished_spans()) == 2


def test_global_providers_are_looked_up_at_the_first_request(
    test_client_factory: TestClientFactory,
    telemetry: Telemetry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App(routes=[Route("/", hello)], middleware=[Middleware(OpenTelemetryMiddleware)])
    app.build_middleware_stack()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: telemetry.tracer_provider)

    test_client_factory(app).get("/")

    assert telemetry.span().name == "GET /"


def test_no_op_tracer_provider_passes_requests_through(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    middleware = telemetry.middleware()
    middleware.kwargs["tracer_provider"] = trace.NoOpTracerProvider()
    app = App(routes=[Route("/", hello)], middleware=[middleware])

    assert test_client_factory(app).get("/").text == "hello"
    assert telemetry.spans.get_finished_spans() == ()


def test_websockets_are_not_traced(
    test_client_factory: TestClientFactory, telemetry: Telemetry
) -> None:
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    app = App(routes=[WebSocketRoute("/ws", echo)], middleware=[telemetry.middleware()])

    with test_client_factory(app) as client, client.websocket_connect("/ws") as websocket:
        websocket.send_text("ping")
        assert websocket.receive_text() == "ping"
    assert telemetry.spans.get_finished_spans() == ()


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "resourceful.middleware.opentelemetry")

    with pytest.raises(MissingDependencyError, match=r"resourceful-asgi\[opentelemetry\]"):
        importlib.import_module("resourceful.middleware.opentelemetry")
