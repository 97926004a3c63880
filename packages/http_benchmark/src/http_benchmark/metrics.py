"""Numbers from samples: latency percentiles, medians with a bootstrap interval, verdicts.

Everything here is plain arithmetic on lists, so it is the same code in the worker (one round)
and in the parent (a cell over its rounds).
"""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from http_benchmark.models import (
    BenchmarkResult,
    CellKey,
    LatencySummary,
    RoundSample,
    Spread,
    Verdict,
)

__all__ = [
    "MIN_STABLE_ROUNDS",
    "bootstrap_ci",
    "latency_summary",
    "percentile",
    "spread",
    "summarize",
    "verdict",
]

#: With fewer rounds nothing can be said about the spread: the cell is "unstable".
MIN_STABLE_ROUNDS = 3
BOOTSTRAP_RESAMPLES = 2000
#: A median this much above the ceiling means the ceiling probe caught a slow moment.
CEILING_TOLERANCE = 1.1


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
    """avg, p50, p90, p99, p99.9 and max of latencies given in seconds, reported in ms."""
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
        max=ordered[-1] * ms,
    )


def bootstrap_ci(
    values: Sequence[float], *, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of the median (seeded: the same samples, the same CI)."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return values[0], values[0]
    generator = random.Random(seed)  # noqa: S311 - resampling, not secrets
    medians = sorted(
        statistics.median(generator.choices(values, k=len(values)))
        for _ in range(BOOTSTRAP_RESAMPLES)
    )
    tail = (1 - confidence) / 2
    return percentile(medians, tail), percentile(medians, 1 - tail)


def spread(values: Sequence[float], *, seed: int = 0) -> Spread:
    low, high = bootstrap_ci(values, seed=seed)
    return Spread(
        median=statistics.median(values),
        minimum=min(values),
        maximum=max(values),
        ci_low=low,
        ci_high=high,
    )


def verdict(
    throughput: Spread,
    rounds: int,
    ceiling: float | None,
    *,
    server_bound_fraction: float = 0.85,
    unstable_spread: float = 0.15,
) -> Verdict:
    """Server-bound near the ceiling, else unstable if the rounds disagree, else client-bound.

    Server-bound is checked first: near the ceiling the server's own noise is what varies. A
    median well above the ceiling is unstable: the probe and the client saw different servers.
    """
    if ceiling is not None and ceiling > 0:
        if throughput.median > ceiling * CEILING_TOLERANCE:
            # The client beat the server's measured ceiling: the server's capacity moved while
            # the run went on (a shared machine), so neither number can be trusted alone.
            return Verdict.UNSTABLE
        if throughput.median >= server_bound_fraction * ceiling:
            return Verdict.SERVER_BOUND
    if rounds < MIN_STABLE_ROUNDS or throughput.relative_width > unstable_spread:
        return Verdict.UNSTABLE
    return Verdict.CLIENT_BOUND


def _median_of(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def _median_latency(samples: Sequence[RoundSample]) -> LatencySummary | None:
    summaries = [sample.latency for sample in samples if sample.latency is not None]
    if not summaries:
        return None
    return LatencySummary(
        **{
            name: statistics.median(getattr(summary, name) for summary in summaries)
            for name in LatencySummary.model_fields
        }
    )


def summarize(  # noqa: PLR0913 - keyword-only knobs of one computation
    key: CellKey,
    samples: Sequence[RoundSample],
    *,
    rounds_planned: int,
    ceiling: float | None,
    extra_errors: dict[str, int] | None = None,
    server_bound_fraction: float = 0.85,
    unstable_spread: float = 0.15,
    seed: int = 0,
) -> BenchmarkResult:
    """A cell over its rounds. Rounds without a counted response add errors, not zeros."""
    errors: Counter[str] = Counter(extra_errors or {})
    for sample in samples:
        errors.update(sample.errors)
    counted = [sample for sample in samples if sample.ok > 0]
    if not counted:
        return BenchmarkResult(
            key=key,
            status="failed",
            reason="no round produced a checked response",
            rounds=len(samples),
            errors=dict(errors),
            samples=list(samples),
        )
    throughput = spread([sample.requests_per_second for sample in counted], seed=seed)
    return BenchmarkResult(
        key=key,
        status="ok" if len(samples) >= rounds_planned else "partial",
        rounds=len(samples),
        requests_per_second=throughput,
        latency=_median_latency(counted),
        cpu_us_per_request=_median_of(s.resources.cpu_us_per_request for s in counted),
        rss_peak=_int_or_none(_median_of(s.resources.rss_peak for s in counted)),
        rss_growth=_int_or_none(_median_of(s.resources.rss_growth for s in counted)),
        connect_ms=_median_of(sample.connect_ms for sample in counted),
        errors=dict(errors),
        verdict=verdict(
            throughput,
            len(counted),
            ceiling,
            server_bound_fraction=server_bound_fraction,
            unstable_spread=unstable_spread,
        ),
        samples=list(samples),
    )


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else round(value)
