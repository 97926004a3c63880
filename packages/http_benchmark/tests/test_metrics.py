"""Percentiles, bootstrap intervals, summaries and verdicts."""

from __future__ import annotations

import pytest

from http_benchmark.metrics import (
    bootstrap_ci,
    latency_summary,
    percentile,
    spread,
    summarize,
    verdict,
)
from http_benchmark.models import CellKey, ResourceMetrics, RoundSample, Verdict

KEY = CellKey(scenario="sweep", client="httpx", mode="sync", concurrency=4)


def _sample(round_number: int, rps: float, ok: int = 100, **errors: int) -> RoundSample:
    return RoundSample(
        round=round_number,
        ok=ok,
        errors=errors,
        elapsed=1.0,
        requests_per_second=rps,
        latency=latency_summary([0.001 * (round_number + 1)] * 10),
        resources=ResourceMetrics(
            cpu_us_per_request=50.0 * round_number,
            rss_start=100,
            rss_peak=150,
            rss_growth=10,
            rss_peak_method="test",
        ),
        connect_ms=0.1 * round_number,
    )


def test_percentile_interpolates() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.99) == pytest.approx(99.01)
    assert percentile(values, 1.0) == 100
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_latency_summary_in_milliseconds() -> None:
    summary = latency_summary([0.001] * 998 + [0.010, 0.100])
    assert summary is not None
    assert summary.p50 == pytest.approx(1.0)
    assert summary.max == pytest.approx(100.0)
    assert summary.p90 <= summary.p99 <= summary.p999 <= summary.max
    assert latency_summary([]) is None


def test_bootstrap_interval_contains_the_median_and_is_seeded() -> None:
    values = [100.0, 104.0, 98.0, 101.0, 99.0, 103.0]
    low, high = bootstrap_ci(values, seed=7)
    assert low <= 100.5 <= high
    assert (low, high) == bootstrap_ci(values, seed=7)
    assert bootstrap_ci([5.0]) == (5.0, 5.0)


def test_verdicts() -> None:
    tight = spread([1000, 1010, 990, 1005, 995])
    wide = spread([1000, 600, 1400, 800, 1200])
    assert verdict(tight, 5, ceiling=5000) is Verdict.CLIENT_BOUND
    assert verdict(tight, 5, ceiling=1100) is Verdict.SERVER_BOUND
    assert verdict(wide, 5, ceiling=5000) is Verdict.UNSTABLE
    assert verdict(tight, 2, ceiling=None) is Verdict.UNSTABLE  # too few rounds to tell
    assert verdict(tight, 5, ceiling=None) is Verdict.CLIENT_BOUND
    # Faster than the "ceiling": the probe caught a slow moment; nothing can be concluded.
    assert verdict(tight, 5, ceiling=800) is Verdict.UNSTABLE


def test_summary_is_medians_and_errors_add_up() -> None:
    samples = [_sample(1, 1000), _sample(2, 1100, ReadTimeout=2), _sample(3, 900)]
    result = summarize(KEY, samples, rounds_planned=3, ceiling=None, extra_errors={"worker": 1})
    assert result.status == "ok"
    assert result.requests_per_second is not None
    assert result.requests_per_second.median == 1000
    assert (result.requests_per_second.minimum, result.requests_per_second.maximum) == (900, 1100)
    assert result.cpu_us_per_request == 100
    assert result.connect_ms == pytest.approx(0.2)
    assert result.latency is not None
    assert result.latency.p50 == pytest.approx(3.0)
    assert result.errors == {"ReadTimeout": 2, "worker": 1}
    assert len(result.samples) == 3


def test_rounds_without_a_good_response_fail_the_cell() -> None:
    samples = [_sample(1, 0, ok=0, ConnectError=5)]
    result = summarize(KEY, samples, rounds_planned=1, ceiling=None)
    assert result.status == "failed"
    assert result.requests_per_second is None
    assert result.errors == {"ConnectError": 5}


def test_fewer_rounds_than_planned_is_partial() -> None:
    result = summarize(KEY, [_sample(1, 1000)], rounds_planned=5, ceiling=None)
    assert result.status == "partial"
