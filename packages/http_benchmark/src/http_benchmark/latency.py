"""Latency percentiles of one round, in the worker: plain arithmetic, no heavy imports.

The worker imports this, not `metrics` (which loads scipy): every import a worker makes is
resident memory in every client's numbers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

from http_benchmark.models import LatencySummary

__all__ = ["latency_summary", "percentile"]


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile of sorted values, interpolating between neighbours."""
    if not ordered:
        raise ValueError("no values")
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be in [0, 1]")
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Iterable[float]) -> LatencySummary | None:
    """avg, p50, p90, p99, p99.9, p99.99 and max of latencies given in seconds, in ms."""
    ordered = sorted(seconds)
    if not ordered:
        return None
    ms = 1000.0
    return LatencySummary(
        avg=statistics.fmean(ordered) * ms,
        p50=percentile(ordered, 0.5) * ms,
        p90=percentile(ordered, 0.9) * ms,
        p99=percentile(ordered, 0.99) * ms,
        p999=percentile(ordered, 0.999) * ms,
        p9999=percentile(ordered, 0.9999) * ms,
        max=ordered[-1] * ms,
    )
