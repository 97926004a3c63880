"""OpenTelemetry metrics and span events, when `opentelemetry-api` is installed (the `otel`
extra: `pip install "htk-aresilient[otel]"`).

Through the API only: until the application configures an SDK (a MeterProvider, a
TracerProvider), every call here is OpenTelemetry's no-op. Counters: `aresilient.retries`,
`aresilient.give_ups`, `aresilient.circuit_breaker.transitions`. Events on the current span
(an httpx instrumentation's, or the application's): `aresilient.retry`,
`aresilient.give_up`, `aresilient.circuit_breaker.transition`. Attributes follow the HTTP
semantic conventions (`http.request.method`, `server.address`, `http.response.status_code`,
`error.type`). Like the log records, they are written on the slow path only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter

try:
    from opentelemetry import metrics, trace
except ImportError:  # the extra is not installed: nothing to report to
    ENABLED = False
else:
    ENABLED = True

__all__ = ["ENABLED", "breaker_moved", "gave_up", "retry_scheduled"]

_counters: dict[str, Counter] = {}


def _counter(name: str, unit: str, description: str) -> Counter:
    # Created on first use: the meter then comes from whatever provider the application set.
    counter = _counters.get(name)
    if counter is None:
        meter = metrics.get_meter("aresilient")
        counter = _counters[name] = meter.create_counter(name, unit=unit, description=description)
    return counter


def _request_attributes(
    request: httpx.Request, error: BaseException | None, status: int | None
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": request.method,
        "server.address": request.url.host,
    }
    if request.url.port is not None:
        attributes["server.port"] = request.url.port
    if status is not None:
        attributes["http.response.status_code"] = status
    if error is not None:
        attributes["error.type"] = type(error).__qualname__
    return attributes


def _span_event(name: str, attributes: dict[str, Any]) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, attributes)


def retry_scheduled(
    request: httpx.Request,
    attempt: int,
    wait: float,
    error: BaseException | None,
    status: int | None,
) -> None:
    attributes = _request_attributes(request, error, status)
    _counter("aresilient.retries", "{retry}", "Retries scheduled").add(1, attributes)
    _span_event(
        "aresilient.retry", {**attributes, "aresilient.attempt": attempt, "aresilient.wait": wait}
    )


def gave_up(
    request: httpx.Request, attempt: int, error: BaseException | None, status: int | None
) -> None:
    attributes = _request_attributes(request, error, status)
    _counter("aresilient.give_ups", "{request}", "Requests given up on").add(1, attributes)
    _span_event("aresilient.give_up", {**attributes, "aresilient.attempt": attempt})


def breaker_moved(name: str, old: str, new: str) -> None:
    attributes = {"aresilient.breaker": name, "aresilient.from": old, "aresilient.to": new}
    _counter(
        "aresilient.circuit_breaker.transitions", "{transition}", "Circuit breaker transitions"
    ).add(1, attributes)
    _span_event("aresilient.circuit_breaker.transition", attributes)
