"""A retry budget: retries limited to a share of recent successful requests, across all callers.

Per-request limits (`max_retries=3`) multiply traffic when a dependency fails for everyone:
every caller's request becomes four. A budget shared by every client, thread and task that
calls one dependency caps the retries instead at `ratio` of the requests that succeeded in the
last `window` seconds, plus a floor of `min_retries` per window so that a quiet client can
still retry a blip. This is Finagle's `RetryBudget` and the idea behind gRPC's retry throttling
and Envoy's retry budgets; when the dependency is down, successes stop, the budget drains,
and callers get their failure at once instead of hammering it.

The window is a ring of one-second buckets (as Finagle's), so old successes age out bucket by
bucket. One `threading.Lock` guards it, held for a few arithmetic steps and never across I/O
or an `await`: threads and asyncio tasks may share one budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from aresilient._window import SlidingWindow

__all__ = ["RetryBudget"]


class RetryBudget:
    """Allows a retry while the retries of the last `window` seconds number fewer than
    `min_retries + ratio * successes` of that same window. `clock` is injectable."""

    def __init__(
        self,
        ratio: float = 0.2,
        *,
        min_retries: int = 10,
        window: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= ratio <= 1000:
            raise ValueError(f"ratio must be between 0 and 1000, got {ratio!r}")
        if min_retries < 0:
            raise ValueError(f"min_retries must be >= 0, got {min_retries!r}")
        if not 1 <= window <= 3600:  # one bucket per second: a bounded, small ring
            raise ValueError(f"window must be between 1 and 3600 seconds, got {window!r}")
        self.ratio = ratio
        self.min_retries = min_retries
        self.window = window
        self._lock = threading.Lock()
        # One-second buckets; the first count is successes, the second retries.
        self._window = SlidingWindow(window, int(window), clock)

    def record_success(self) -> None:
        """One request succeeded (deposits `ratio` of a retry)."""
        with self._lock:
            self._window.add(first=1)

    def try_retry(self) -> bool:
        """Take one retry from the budget; False (and nothing taken) when it is spent."""
        with self._lock:
            successes, retries = self._window.totals()
            if retries >= self.min_retries + self.ratio * successes:
                return False
            self._window.add(second=1)
            return True

    @property
    def available(self) -> int:
        """How many retries the budget would allow right now."""
        with self._lock:
            successes, retries = self._window.totals()
        return max(math.floor(self.min_retries + self.ratio * successes) - retries, 0)

    def reset(self) -> None:
        """Forget every success and retry counted."""
        with self._lock:
            self._window.clear()

    def __repr__(self) -> str:
        return (
            f"RetryBudget(ratio={self.ratio!r}, min_retries={self.min_retries!r}, "
            f"window={self.window!r})"
        )
