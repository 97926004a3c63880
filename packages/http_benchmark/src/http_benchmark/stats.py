"""The statistics of a run, from scipy: bootstrap confidence intervals and the U test.

- `median_ci`: the bootstrap (BCa) interval of a cell's median requests/s over its rounds.
- `ratio_ci`: the bootstrap interval of the RATIO of two cells' medians (a client against the
  baseline), resampling both sides independently: a real interval of the ratio, not the
  quotient of two intervals' ends.
- `mann_whitney_p`: scipy's two-sided Mann-Whitney U test (exact for small samples without
  ties, with a tie-corrected normal approximation otherwise), for `compare`.

scipy is imported inside the functions: the worker processes never load it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["BOOTSTRAP_RESAMPLES", "mann_whitney_p", "median_ci", "ratio_ci"]

BOOTSTRAP_RESAMPLES = 9999


def _median(*samples: Any, axis: int = -1) -> Any:
    import numpy as np  # noqa: PLC0415

    return np.median(samples[0], axis=axis)


def _degenerate(values: Sequence[float]) -> bool:
    return len(values) < 2 or len(set(values)) == 1


def median_ci(
    values: Sequence[float], *, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of the median (seeded: the same samples, the same CI).

    One value, or all values equal, has no spread to resample: the interval is that value.
    """
    if not values:
        raise ValueError("no values")
    if _degenerate(values):
        middle = statistics.median(values)
        return middle, middle
    from scipy.stats import bootstrap  # noqa: PLC0415

    result = bootstrap(
        (list(values),),
        _median,
        confidence_level=confidence,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        rng=seed,
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _median_ratio(numerator: Any, denominator: Any, axis: int = -1) -> Any:
    import numpy as np  # noqa: PLC0415

    return np.median(numerator, axis=axis) / np.median(denominator, axis=axis)


def ratio_ci(
    numerator: Sequence[float],
    denominator: Sequence[float],
    *,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(ratio of medians, low, high): the bootstrap interval of median(a) / median(b), both
    samples resampled independently. Single-valued sides contribute no spread of their own."""
    if not numerator or not denominator:
        raise ValueError("both samples need at least one value")
    ratio = statistics.median(numerator) / statistics.median(denominator)
    if _degenerate(numerator) and _degenerate(denominator):
        return ratio, ratio, ratio
    from scipy.stats import bootstrap  # noqa: PLC0415

    # scipy resamples each sample on its own when `paired` is False; a one-value sample would
    # break its jackknife, so a constant side is given as two equal values (same median).
    a = list(numerator) if len(numerator) > 1 else [numerator[0]] * 2
    b = list(denominator) if len(denominator) > 1 else [denominator[0]] * 2
    result = bootstrap(
        (a, b),
        _median_ratio,
        confidence_level=confidence,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        paired=False,
        rng=seed,
    )
    return ratio, float(result.confidence_interval.low), float(result.confidence_interval.high)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test on two samples (scipy's choice of method:
    exact when both are small and have no ties)."""
    if not a or not b:
        raise ValueError("both samples need at least one value")
    from scipy.stats import mannwhitneyu  # noqa: PLC0415

    return float(mannwhitneyu(list(a), list(b), alternative="two-sided").pvalue)
