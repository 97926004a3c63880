"""Comparisons on synthetic samples whose difference is known: flag 20 %, never flag noise."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from http_benchmark.compare import (
    Change,
    classify,
    compare_runs,
    mann_whitney_p,
)
from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, ResourceMetrics, RoundSample
from http_benchmark.storage import RunRecord, StoredRun


def _noisy(median: float, count: int, noise: float, seed: int) -> list[float]:
    generator = random.Random(seed)  # noqa: S311 - synthetic noise
    return [median * (1 + generator.gauss(0, noise)) for _ in range(count)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Exact two-sided p-values of completely separated samples: 2 / C(n1+n2, n1).
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 2 / 252),
        ([1, 2, 3], [4, 5, 6, 7], 2 / 35),
        # Interleaved: U = 6 of 16; 48 of the 70 splits are as extreme (scipy agrees).
        ([1, 3, 5, 7], [2, 4, 6, 8], 48 / 70),
    ],
)
def test_exact_p_values(a: list[float], b: list[float], expected: float) -> None:
    assert mann_whitney_p(a, b) == pytest.approx(expected)


def test_large_samples_use_the_normal_approximation() -> None:
    a, b = _noisy(100, 15, 0.02, 1), _noisy(80, 15, 0.02, 2)
    # Fully separated, 15 against 15: U = 0 against a mean of 112.5, sd sqrt(225 * 31 / 12)
    # = 24.11; z = (112.5 - 0.5) / 24.11 = 4.645; two-sided p = 3.39e-6 (scipy's automatic
    # method is the normal approximation at this size).
    assert mann_whitney_p(a, b) == pytest.approx(3.39e-6, rel=0.01)


def test_ties_use_the_tie_corrected_approximation() -> None:
    # By hand: midranks give U = 3 against a mean of 8; the tie-corrected variance is
    # 16/12 * (9 - 48/56) = 10.857; z = (5 - 0.5) / 3.295 = 1.3657 (continuity corrected);
    # two-sided p = 2 * (1 - Phi(1.3657)) = 0.1720.
    assert mann_whitney_p([1, 2, 2, 3], [2, 3, 3, 4]) == pytest.approx(0.1720, abs=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_a_20_percent_regression_is_flagged(seed: int) -> None:
    before = _noisy(1000, 5, 0.03, seed)
    after = _noisy(800, 5, 0.03, seed + 100)
    change, relative, p = classify(before, after)
    assert change is Change.REGRESSED
    assert relative == pytest.approx(-0.2, abs=0.06)
    assert p < 0.05


@pytest.mark.parametrize("seed", range(5))
def test_a_20_percent_improvement_is_flagged(seed: int) -> None:
    change, _, _ = classify(_noisy(1000, 6, 0.03, seed), _noisy(1200, 6, 0.03, seed + 50))
    assert change is Change.IMPROVED


def test_noise_is_not_flagged() -> None:
    # 40 pairs of runs of the same client with 3 % noise: none may be called a change.
    flagged = [
        seed
        for seed in range(40)
        if classify(_noisy(1000, 5, 0.03, seed), _noisy(1000, 5, 0.03, seed + 1000))[0]
        in {Change.IMPROVED, Change.REGRESSED}
    ]
    assert flagged == []


def test_large_change_that_the_samples_cannot_confirm_is_unstable() -> None:
    # Medians 20 % apart, but the rounds overlap wildly.
    before = [1000, 400, 1600, 900, 1100]
    after = [800, 1500, 300, 1300, 700]
    assert classify(before, after)[0] is Change.UNSTABLE


def test_small_certain_change_is_unchanged() -> None:
    before = [1000, 1001, 1002, 1003, 1004]
    after = [1020, 1021, 1022, 1023, 1024]  # +2 %, certain, below the 5 % threshold
    change, relative, p = classify(before, after)
    assert change is Change.UNCHANGED
    assert p < 0.05
    assert relative == pytest.approx(0.02, abs=0.001)


def _stored(run_id: int, cells: dict[str, list[float]]) -> StoredRun:
    results = []
    for client, values in cells.items():
        key = CellKey(scenario="sweep", client=client, mode="sync", concurrency=1)
        samples = [
            RoundSample(
                round=index + 1, ok=100, elapsed=100 / value, requests_per_second=value,
                latency=None,
                resources=ResourceMetrics(cpu_us_per_request=1, rss_start=1, rss_peak=1,
                                          rss_growth=0, rss_peak_method="test"),
            )
            for index, value in enumerate(values)
        ]  # fmt: skip
        results.append(summarize(key, samples, rounds_planned=len(values), ceiling=None))
    record = RunRecord(
        id=run_id, name=f"run{run_id}", status="finished",
        started_at=datetime(2026, 1, 1, tzinfo=UTC), finished_at=None, git_commit=None,
        configuration={}, environment={},
    )  # fmt: skip
    return StoredRun(run=record, ceilings=[], results=results)


def test_compare_runs_matches_cells_and_reports_missing() -> None:
    a = _stored(1, {"requests": _noisy(1000, 5, 0.02, 1), "httpx": _noisy(500, 5, 0.02, 2)})
    b = _stored(2, {"requests": _noisy(790, 5, 0.02, 3), "pycurl": _noisy(900, 5, 0.02, 4)})
    changes = {item.key.client: item.change for item in compare_runs(a, b)}
    assert changes == {
        "requests": Change.REGRESSED,
        "httpx": Change.MISSING,
        "pycurl": Change.MISSING,
    }
