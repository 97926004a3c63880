"""What one load-tool run against one server measured, before it becomes a stored round."""

from __future__ import annotations

from dataclasses import dataclass, field

from http_benchmark.models import LatencySummary

__all__ = ["LoadSettings", "Measurement"]


@dataclass(frozen=True)
class LoadSettings:
    """How hard the load tools push: the same for every server of a suite.

    None means the suite's own default (wrk 64 connections, h2load 16 x 10 streams, 16
    WebSocket sockets, 10 HTTP/3 streams): each protocol is measured as its users load it.
    """

    connections: int | None = None
    #: Requests in flight per connection (h2load -m, HTTP/3 streams).
    streams: int | None = None
    #: Load generator processes of the WebSocket echo (they share the client CPU).
    ws_processes: int = 2
    #: The load tools run on this CPU (None: wherever the scheduler puts them).
    client_cpu: int | None = None


@dataclass(frozen=True)
class Measurement:
    """Counted answers only: an answer that failed a check is an error, never throughput."""

    ok: int
    elapsed: float
    requests_per_second: float
    errors: dict[str, int] = field(default_factory=dict)
    #: Percentiles, where the tool gives them per request (wrk, h2load's log).
    latency: LatencySummary | None = None
    #: Mean latency (round-trip time for the echo) in ms, which every tool gives.
    mean_latency_ms: float | None = None
    #: Anything else the tool measured (the load generator's CPU share...).
    detail: dict[str, float] = field(default_factory=dict)
