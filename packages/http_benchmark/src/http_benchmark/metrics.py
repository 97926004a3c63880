"""A cell's numbers from its rounds: medians with a bootstrap interval, error rate, verdicts.

The intervals come from scipy (`http_benchmark.stats`); one round's latency percentiles are
`http_benchmark.latency`'s, re-exported here.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from http_benchmark.latency import latency_summary, percentile
from http_benchmark.models import (
    BenchmarkResult,
    CellKey,
    LatencySummary,
    RoundSample,
    Spread,
    Verdict,
)
from http_benchmark.stats import median_ci

__all__ = [
    "MAX_ERROR_RATE",
    "MIN_STABLE_ROUNDS",
    "bootstrap_ci",
    "error_rate",
    "latency_summary",
    "percentile",
    "spread",
    "summarize",
    "verdict",
]

#: With fewer rounds nothing can be said about the spread: the cell is "unstable".
MIN_STABLE_ROUNDS = 3
#: A cell that lost more than this share of its requests gets the "errors" verdict.
MAX_ERROR_RATE = 0.01
#: A median this much above the ceiling means the ceiling probe caught a slow moment.
CEILING_TOLERANCE = 1.1


def bootstrap_ci(
    values: Sequence[float], *, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Bootstrap interval of the median (scipy; seeded: the same samples, the same CI)."""
    return median_ci(values, confidence=confidence, seed=seed)


def spread(values: Sequence[float], *, seed: int = 0) -> Spread:
    low, high = bootstrap_ci(values, seed=seed)
    return Spread(
        median=statistics.median(values),
        minimum=min(values),
        maximum=max(values),
        ci_low=low,
        ci_high=high,
    )


def verdict(  # noqa: PLR0913 - keyword-only knobs of one decision
    throughput: Spread,
    rounds: int,
    ceiling: float | None,
    *,
    server_bound_fraction: float = 0.85,
    unstable_spread: float = 0.15,
    error_rate: float = 0.0,
    max_error_rate: float = MAX_ERROR_RATE,
) -> Verdict:
    """Errors above the allowed rate first; then server-bound near the ceiling, else unstable
    if the rounds disagree, else client-bound.

    A client that fails is not fast, whatever its successful requests' rate: "errors" wins.
    Server-bound comes next: near the ceiling the server's own noise is what varies. A
    median well above the ceiling is unstable: the probe and the client saw different servers.
    """
    if error_rate > max_error_rate:
        return Verdict.ERRORS
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


def _median_summary(summaries: Sequence[LatencySummary | None]) -> LatencySummary | None:
    present = [summary for summary in summaries if summary is not None]
    if not present:
        return None
    values = {
        name: _median_of(getattr(summary, name) for summary in present)
        for name in LatencySummary.model_fields
    }
    return LatencySummary.model_validate(values)


def _median_latency(samples: Sequence[RoundSample]) -> LatencySummary | None:
    return _median_summary([sample.latency for sample in samples])


def _open_loop(samples: Sequence[RoundSample]) -> tuple[dict[str, float] | None, float | None]:
    rounds = [sample.open_loop for sample in samples if sample.open_loop is not None]
    if not rounds:
        return None, None
    keys = sorted({key for r in rounds for key in r.percentiles}, key=float)
    percentiles = {
        key: statistics.median(r.percentiles[key] for r in rounds if key in r.percentiles)
        for key in keys
    }
    return percentiles, statistics.median(r.achieved_rate for r in rounds)


def error_rate(samples: Sequence[RoundSample], extra_failures: int = 0) -> float | None:
    """Failed over sent requests, all rounds together (a crashed round counts one failure)."""
    sent = sum(sample.attempted for sample in samples) + extra_failures
    failed = sum(sum(sample.errors.values()) for sample in samples) + extra_failures
    return failed / sent if sent else None


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
    max_error_rate: float = MAX_ERROR_RATE,
    note: str | None = None,
) -> BenchmarkResult:
    """A cell over its rounds. Rounds without a counted response add errors, not zeros."""
    errors: Counter[str] = Counter(extra_errors or {})
    for sample in samples:
        errors.update(sample.errors)
    rate = error_rate(samples, sum((extra_errors or {}).values()))
    failures = _median_summary([sample.failure_latency for sample in samples])
    counted = [sample for sample in samples if sample.ok > 0]
    if not counted:
        return BenchmarkResult(
            key=key,
            status="failed",
            reason="no round produced a checked response",
            rounds=len(samples),
            errors=dict(errors),
            error_rate=rate,
            failure_latency=failures,
            note=note,
            samples=list(samples),
        )
    throughput = spread([sample.requests_per_second for sample in counted], seed=seed)
    open_loop_percentiles, achieved = _open_loop(counted)
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
        error_rate=rate,
        failure_latency=failures,
        open_loop_percentiles=open_loop_percentiles,
        achieved_rate=achieved,
        note=note,
        verdict=verdict(
            throughput,
            len(counted),
            ceiling,
            server_bound_fraction=server_bound_fraction,
            unstable_spread=unstable_spread,
            error_rate=rate or 0.0,
            max_error_rate=max_error_rate,
        ),
        samples=list(samples),
    )


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else round(value)
