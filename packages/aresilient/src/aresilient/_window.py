"""Two counts over the last `duration` seconds: the sliding window of the retry budget and of
the circuit breaker's failure ratio.

The window is a ring of equal buckets (Finagle's and Polly's approach): a count ages out with
its bucket, so the totals cover between `duration - width` and `duration` seconds, and each
operation costs O(buckets) with no allocation. Not thread-safe by itself: the owner's lock
guards every call.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["SlidingWindow"]


class SlidingWindow:
    __slots__ = ("_clock", "_first", "_second", "_ticks", "_width")

    def __init__(self, duration: float, buckets: int, clock: Callable[[], float]) -> None:
        if duration <= 0 or buckets < 1:
            raise ValueError("a window needs a positive duration and at least one bucket")
        self._width = duration / buckets
        self._clock = clock
        # Per bucket: the tick (time // width) it counts, None when empty; and its two counts.
        self._ticks: list[int | None] = [None] * buckets
        self._first = [0] * buckets
        self._second = [0] * buckets

    def add(self, first: int = 0, second: int = 0) -> None:
        index = self._current()
        self._first[index] += first
        self._second[index] += second

    def totals(self) -> tuple[int, int]:
        self._current()
        return sum(self._first), sum(self._second)

    def clear(self) -> None:
        size = len(self._ticks)
        self._ticks = [None] * size
        self._first = [0] * size
        self._second = [0] * size

    def _current(self) -> int:
        """The current bucket's index, after emptying every bucket that left the window."""
        tick = math.floor(self._clock() / self._width)
        size = len(self._ticks)
        for index, counted in enumerate(self._ticks):
            if counted is not None and tick - counted >= size:
                self._empty(index, None)
        index = tick % size
        if self._ticks[index] != tick:
            self._empty(index, tick)
        return index

    def _empty(self, index: int, tick: int | None) -> None:
        self._ticks[index] = tick
        self._first[index] = 0
        self._second[index] = 0
