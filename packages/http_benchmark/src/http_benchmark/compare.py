"""Two runs side by side: per cell, improved / regressed / unchanged / unstable.

A cell changed when both hold: the medians differ by more than `threshold` (a difference too
small to matter is "unchanged" however certain), and a two-sided Mann-Whitney U test on the
rounds' requests/s says the difference is not noise (p < `alpha`). A large difference the test
cannot confirm is "unstable": more rounds, or a quieter machine, would settle it.

The test is scipy's `mannwhitneyu` (two-sided): exact for small samples without ties, the
tie-corrected normal approximation otherwise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel

from http_benchmark import stats
from http_benchmark.models import CellKey
from http_benchmark.storage import StoredRun

__all__ = [
    "CellComparison",
    "Change",
    "classify",
    "compare_runs",
    "mann_whitney_p",
]


class Change(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    UNSTABLE = "unstable"
    #: The cell has no numbers in one of the runs (missing, unavailable or failed there).
    MISSING = "missing"


class CellComparison(BaseModel):
    key: CellKey
    change: Change
    median_a: float | None = None
    median_b: float | None = None
    #: B's median relative to A's, minus one (+0.20: B is 20 % faster).
    relative: float | None = None
    p_value: float | None = None
    note: str | None = None


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (scipy's `mannwhitneyu`)."""
    return stats.mann_whitney_p(a, b)


def classify(
    a: Sequence[float],
    b: Sequence[float],
    *,
    threshold: float = 0.05,
    alpha: float = 0.05,
) -> tuple[Change, float, float]:
    """(change, relative difference of the medians, p-value) for throughput samples a -> b."""
    median_a, median_b = statistics.median(a), statistics.median(b)
    relative = median_b / median_a - 1 if median_a else math.inf
    p_value = mann_whitney_p(a, b)
    if abs(relative) < threshold:
        return Change.UNCHANGED, relative, p_value
    if p_value >= alpha:
        return Change.UNSTABLE, relative, p_value
    return (Change.IMPROVED if relative > 0 else Change.REGRESSED), relative, p_value


def compare_runs(
    a: StoredRun, b: StoredRun, *, threshold: float = 0.05, alpha: float = 0.05
) -> list[CellComparison]:
    """Every cell of either run, matched by (scenario, client, mode, concurrency)."""
    cells_a = {result.key: result for result in a.results}
    cells_b = {result.key: result for result in b.results}
    comparisons = []
    for key in [*cells_a, *(key for key in cells_b if key not in cells_a)]:
        result_a, result_b = cells_a.get(key), cells_b.get(key)
        samples_a = [s.requests_per_second for s in result_a.samples if s.ok] if result_a else []
        samples_b = [s.requests_per_second for s in result_b.samples if s.ok] if result_b else []
        if not samples_a or not samples_b:
            where = "A" if not samples_a else "B"
            comparisons.append(
                CellComparison(key=key, change=Change.MISSING, note=f"no samples in run {where}")
            )
            continue
        change, relative, p_value = classify(samples_a, samples_b, threshold=threshold, alpha=alpha)
        comparisons.append(
            CellComparison(
                key=key,
                change=change,
                median_a=statistics.median(samples_a),
                median_b=statistics.median(samples_b),
                relative=relative,
                p_value=p_value,
            )
        )
    return comparisons
