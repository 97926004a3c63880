"""How `retry-overhead` orders its separate-process runs and turns them into ratios.

- `mirrored_orders`: each round's order of runs. An even-numbered round (0, 2, ...) is a seeded
  shuffle, the round after it the same order reversed: every run goes before each other one
  in one round of a pair and after it in the other, and every run's mean place is the same.
  Whatever the place in a round costs (the first process after a pause meets a colder CPU and
  page cache, the one after a heavy process a hotter one) then weighs on every run alike.
- `block_sizes`: how a run's requests are cut into blocks timed one by one; the run's CPU per
  request is its median block's, so a burst of load from elsewhere that slows a few blocks
  (another process's build, a test run) does not move it.
- `ratio_estimate`: a side's CPU per request over the baseline's, one ratio per round (the two
  processes of a round ran minutes apart at most, so drift across the run cancels), and the
  median of those ratios with its bootstrap 95 % interval (`stats.median_ci`, scipy).
- `verdict`: a target met only when the whole interval is at or under it, missed only when the
  whole interval is over it, undecided otherwise.

The same estimate of bare httpx against a second bare httpx (an A/A control, run in the same
mirrored order) is the harness's own bias and spread: an A/B ratio means something only
beside it.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from http_benchmark.stats import median_ci

__all__ = [
    "RatioEstimate",
    "block_sizes",
    "median_estimate",
    "mirrored_orders",
    "per_round_ratios",
    "ratio_estimate",
    "verdict",
]

T = TypeVar("T")


def mirrored_orders(cells: Sequence[T], rounds: int, rng: random.Random) -> list[list[T]]:
    """One order of `cells` per round: a shuffle by `rng`, then its reverse, and so on. An odd
    number of rounds leaves the last shuffle without its mirror."""
    if rounds < 0:
        raise ValueError(f"rounds must be 0 or more, not {rounds}")
    orders: list[list[T]] = []
    for number in range(rounds):
        if number % 2:
            orders.append(orders[-1][::-1])
        else:
            order = list(cells)
            rng.shuffle(order)
            orders.append(order)
    return orders


def block_sizes(total: int, blocks: int) -> list[int]:
    """`total` requests cut into `blocks` near-equal blocks (fewer when there are fewer
    requests than blocks), the larger ones first."""
    if total < 1 or blocks < 1:
        raise ValueError(f"need 1 request and 1 block or more, not {total} and {blocks}")
    count = min(total, blocks)
    size, extra = divmod(total, count)
    return [size + 1] * extra + [size] * (count - extra)


def per_round_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """numerator[i] / denominator[i] for each round i."""
    if len(numerator) != len(denominator):
        raise ValueError(
            f"{len(numerator)} rounds against {len(denominator)}: each round needs both sides"
        )
    if not numerator:
        raise ValueError("no rounds")
    if any(value <= 0 for value in denominator):
        raise ValueError("a baseline value is zero or negative: no ratio to it")
    return [a / b for a, b in zip(numerator, denominator, strict=True)]


@dataclass(frozen=True)
class RatioEstimate:
    """The median of the per-round ratios, its bootstrap 95 % interval, and the ratios."""

    median: float
    low: float
    high: float
    rounds: tuple[float, ...]

    @property
    def half_width(self) -> float:
        """Half the interval's width, as a fraction of the median (0.01: +-1 %)."""
        return (self.high - self.low) / 2 / self.median

    def describe(self) -> str:
        """`1.004x (95 % CI 0.998-1.011, rounds 0.981-1.030)`."""
        return (
            f"{self.median:.3f}x (95 % CI {self.low:.3f}-{self.high:.3f}, "
            f"rounds {min(self.rounds):.3f}-{max(self.rounds):.3f})"
        )


def ratio_estimate(
    numerator: Sequence[float], denominator: Sequence[float], *, seed: int = 0
) -> RatioEstimate:
    """The per-round ratios of `numerator` to `denominator`, their median and its interval
    (seeded: the same samples give the same interval)."""
    return median_estimate(per_round_ratios(numerator, denominator), seed=seed)


def median_estimate(ratios: Sequence[float], *, seed: int = 0) -> RatioEstimate:
    """The median of ratios already taken per round (a paired run's), with its interval."""
    if not ratios:
        raise ValueError("no rounds")
    low, high = median_ci(ratios, seed=seed)
    return RatioEstimate(statistics.median(ratios), low, high, tuple(ratios))


def verdict(estimate: RatioEstimate, target: float) -> str:
    """'met', 'NOT met' or 'undecided', by where the interval lies against `target`."""
    if estimate.high <= target:
        return f"met: the whole CI is at or under {target}x"
    if estimate.low > target:
        return f"NOT met: the whole CI is over {target}x"
    return f"undecided: the CI straddles {target}x"
