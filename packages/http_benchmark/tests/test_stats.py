"""scipy's bootstrap and Mann-Whitney behind the run's numbers, against values known by hand."""

from __future__ import annotations

import pytest

from http_benchmark.metrics import spread
from http_benchmark.models import CellKey, ResourceMetrics, RoundSample
from http_benchmark.stats import mann_whitney_p, median_ci, ratio_ci
from http_benchmark.tables import ratio_text


def test_the_median_interval_of_two_values_spans_them() -> None:
    # Resampling [1, 3] gives medians 1, 2, 3 with chances 1/4, 1/2, 1/4: the 95 % percentile
    # interval is (1, 3).
    assert median_ci([1.0, 3.0], seed=1) == (1.0, 3.0)


def test_the_median_interval_is_seeded_and_contains_the_median() -> None:
    values = [100.0, 104.0, 98.0, 101.0, 99.0, 103.0]
    low, high = median_ci(values, seed=7)
    assert low <= 100.5 <= high
    assert (low, high) == median_ci(values, seed=7)
    assert median_ci([5.0]) == (5.0, 5.0)
    assert median_ci([5.0, 5.0, 5.0]) == (5.0, 5.0)


def test_the_ratio_interval_is_the_ratio_of_resampled_medians() -> None:
    # [4, 4] over [1, 3]: the denominator's bootstrap median is 1, 2 or 3 (1/4, 1/2, 1/4),
    # so the ratio is 4, 2 or 4/3: the 95 % interval is (4/3, 4) around the ratio 2.
    ratio, low, high = ratio_ci([4.0, 4.0], [1.0, 3.0], seed=3)
    assert ratio == 2.0
    assert low == pytest.approx(4 / 3)
    assert high == 4.0
    assert ratio_ci([2.0, 2.0, 2.0], [1.0, 1.0, 1.0]) == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="at least one value"):
        ratio_ci([], [1.0])


def test_the_ratio_interval_is_narrower_than_dividing_the_ends() -> None:
    a = [1000.0, 1010.0, 990.0, 1005.0, 995.0]
    b = [500.0, 520.0, 480.0, 510.0, 490.0]
    ratio, low, high = ratio_ci(a, b, seed=0)
    a_low, a_high = median_ci(a, seed=0)
    b_low, b_high = median_ci(b, seed=0)
    assert low <= ratio <= high
    # The old column's "interval": the extremes of the two intervals divided crosswise.
    assert high - low < a_high / b_low - a_low / b_high


def test_mann_whitney_known_values() -> None:
    # Completely separated 5 and 5: exact p = 2 / C(10, 5) = 2 / 252.
    assert mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    # Identical samples: no evidence at all.
    assert mann_whitney_p([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)


def test_spread_uses_the_bootstrap() -> None:
    result = spread([1.0, 3.0], seed=1)
    assert (result.median, result.ci_low, result.ci_high) == (2.0, 1.0, 3.0)


def _sample(rps: float) -> RoundSample:
    return RoundSample(
        round=1, ok=10, elapsed=1.0, requests_per_second=rps, latency=None,
        resources=ResourceMetrics(cpu_us_per_request=1, rss_start=1, rss_peak=1,
                                  rss_growth=0, rss_peak_method="t"),
    )  # fmt: skip


def test_the_table_ratio_column_is_the_ratio_interval() -> None:
    from http_benchmark.models import BenchmarkResult  # noqa: PLC0415

    def cell(client: str, values: list[float]) -> BenchmarkResult:
        key = CellKey(scenario="s", client=client, mode="sync", concurrency=1)
        return BenchmarkResult(key=key, status="ok", samples=[_sample(v) for v in values])

    text = ratio_text(cell("a", [4.0, 4.0]), cell("b", [1.0, 3.0]), seed=3)
    assert text == "2.00x (1.33-4.00)"
    assert ratio_text(cell("a", [4.0]), None) == "-"
