"""OpenTelemetry (the `otel` extra): counters and span events for retries, give-ups and breaker
transitions, read back from the SDK's in-memory reader and exporter."""

from __future__ import annotations

from typing import Any

import pytest
from aresilient_harness import Harness
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import aresilient
from aresilient import _otel
from httpy.testing import RunningServer


class Telemetry:
    def __init__(self) -> None:
        self.reader = InMemoryMetricReader()
        self.spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        # Global providers can be set once per process: this module's fixture does it.
        metrics.set_meter_provider(MeterProvider(metric_readers=[self.reader]))
        trace.set_tracer_provider(tracer_provider)
        self.tracer = trace.get_tracer("aresilient-tests")

    def count(self, name: str, **attributes: Any) -> int:
        """The counter's total over the points whose attributes include `attributes`."""
        data = self.reader.get_metrics_data()
        total = 0
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        if attributes.items() <= dict(point.attributes or {}).items():
                            total += int(point.value)  # type: ignore[union-attr]
        return total


@pytest.fixture(scope="module")
def telemetry() -> Telemetry:
    return Telemetry()


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def test_the_extra_is_detected() -> None:
    assert _otel.ENABLED


def test_retries_and_give_ups_are_counted_and_traced(
    telemetry: Telemetry, harness: Harness, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=10"
    retries = telemetry.count("aresilient.retries", **{"http.response.status_code": 503})
    give_ups = telemetry.count("aresilient.give_ups", **{"http.request.method": "GET"})
    telemetry.spans.clear()
    with telemetry.tracer.start_as_current_span("the call"):
        assert harness.request("GET", url, max_retries=2).status_code == 503
    assert telemetry.count("aresilient.retries", **{"http.response.status_code": 503}) == (
        retries + 2
    )
    assert telemetry.count("aresilient.give_ups", **{"http.request.method": "GET"}) == (
        give_ups + 1
    )
    (span,) = telemetry.spans.get_finished_spans()
    events = [(event.name, dict(event.attributes or {})) for event in span.events]
    assert [name for name, _ in events] == [
        "aresilient.retry",
        "aresilient.retry",
        "aresilient.give_up",
    ]
    first = events[0][1]
    assert first["aresilient.attempt"] == 1
    assert first["aresilient.wait"] == 0.3
    assert first["server.address"] == "127.0.0.1"


def test_errors_carry_their_type(telemetry: Telemetry, harness: Harness, refused_url: str) -> None:
    before = telemetry.count("aresilient.give_ups", **{"error.type": "ConnectError"})
    with pytest.raises(aresilient.ConnectError):
        harness.request("GET", refused_url, max_retries=0)
    assert telemetry.count("aresilient.give_ups", **{"error.type": "ConnectError"}) == before + 1


def test_breaker_transitions_are_counted(telemetry: Telemetry) -> None:
    breaker = aresilient.CircuitBreaker(failure_threshold=1, name="otel-breaker")
    breaker.record_failure(breaker.acquire())
    breaker.reset()
    opened = {"aresilient.breaker": "otel-breaker", "aresilient.to": "open"}
    closed = {"aresilient.breaker": "otel-breaker", "aresilient.to": "closed"}
    assert telemetry.count("aresilient.circuit_breaker.transitions", **opened) == 1
    assert telemetry.count("aresilient.circuit_breaker.transitions", **closed) == 1


def test_success_reports_nothing(
    telemetry: Telemetry, harness: Harness, httpbin: RunningServer
) -> None:
    telemetry.spans.clear()
    with telemetry.tracer.start_as_current_span("the call"):
        assert harness.request("GET", f"{httpbin.url}/get").status_code == 200
    (span,) = telemetry.spans.get_finished_spans()
    assert list(span.events) == []
