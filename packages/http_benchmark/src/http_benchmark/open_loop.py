"""Open-loop load: requests sent on a fixed schedule, whatever the answers do (as wrk2 does).

Request i is due at `start + i / rate`. `concurrency` senders (threads, or asyncio tasks) take
the next due request in turn, wait for its time if it is still ahead, and send it. Latency is
counted from the *scheduled* time, not from when a sender got round to it: when the client
(or the server) stalls, the requests that should have gone out meanwhile carry the wait in
their latency instead of silently not being sent. A closed loop hides exactly that
(coordinated omission).

Latencies go into an HDR histogram (microseconds, 3 significant digits, up to an hour), from
which the percentiles to p99.99 are read and which is kept whole (base64) for the report's
latency-by-percentile plot.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from hdrh.histogram import HdrHistogram

__all__ = [
    "PERCENTILES",
    "Schedule",
    "decode_histogram",
    "histogram_percentiles",
    "new_histogram",
    "percentile_curve",
]

#: Percentiles reported for every open-loop cell.
PERCENTILES = (50.0, 90.0, 99.0, 99.9, 99.99, 100.0)
_LOWEST_US, _HIGHEST_US, _DIGITS = 1, 3_600_000_000, 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(_LOWEST_US, _HIGHEST_US, _DIGITS)


def decode_histogram(encoded: str) -> HdrHistogram:
    return HdrHistogram.decode(encoded.encode("ascii"))


def histogram_percentiles(histogram: HdrHistogram) -> dict[str, float]:
    """{"50": ms, ..., "99.99": ms, "100": ms}; empty when nothing was recorded."""
    if histogram.get_total_count() == 0:
        return {}
    return {
        f"{point:g}": histogram.get_value_at_percentile(point) / 1000.0 for point in PERCENTILES
    }


def percentile_curve(histogram: HdrHistogram, ticks_per_half: int = 5) -> list[tuple[float, float]]:
    """(percentile, ms) points of the whole distribution, denser towards the tail, as
    HdrHistogram's percentile distribution output lays them out (for plotting)."""
    points = []
    for index in range(ticks_per_half * 6 + 1):
        # 0, 50, 75, 87.5, ... : each half of the remaining distance, `ticks_per_half` steps.
        remaining = 0.5 ** (index / ticks_per_half)
        percentile = min(100.0, 100.0 * (1 - remaining))
        points.append((percentile, histogram.get_value_at_percentile(percentile) / 1000.0))
    points.append((100.0, histogram.get_max_value() / 1000.0))
    return points


class Schedule:
    """Due times for `total` requests at `rate` per second, handed out one by one.

    `next_due()` is safe from several threads (itertools.count's next() is atomic under the
    GIL) and returns None once every request has been handed out. The clock starts when the
    schedule is made: make it right before the senders start.
    """

    def __init__(
        self, rate: float, total: int, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be more than 0 requests per second")
        self.rate, self.total, self._clock = rate, total, clock
        self.interval = 1.0 / rate
        self._tickets = itertools.count()
        self.start = clock()

    def next_due(self) -> float | None:
        index = next(self._tickets)
        if index >= self.total:
            return None
        return self.start + index * self.interval

    def is_late(self, due: float, now: float) -> bool:
        """Whether a send starting at `now` is more than one interval behind its due time."""
        return now - due > self.interval

    def wait_sync(self, due: float) -> None:
        """Sleep until `due` if it is still ahead."""
        delay = due - self._clock()
        if delay > 0:
            time.sleep(delay)

    async def wait_async(self, due: float) -> None:
        delay = due - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)
