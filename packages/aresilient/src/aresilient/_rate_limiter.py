"""A token bucket: at most `rate` requests per second on average, bursts up to `burst`.

Callers reserve a token rather than poll for one: `reserve()` takes the next token (the
bucket may go below zero: later callers queue behind earlier ones, first come first served)
and returns how long to wait until it is theirs. So a waiting caller never wakes up to find
its token taken, and sync threads and async tasks can share one limiter: one
`threading.Lock`, held for a few arithmetic steps, never across a wait. A caller that would
wait longer than `max_wait` gets `RateLimitExceeded` at once and takes nothing; one that is
cancelled while waiting gives its token back (`refund`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from aresilient.exceptions import RateLimitExceeded

__all__ = ["RateLimiter"]


class RateLimiter:
    """`rate` tokens per second, `burst` at most (default: `rate`, at least 1); a request
    waits up to `max_wait` seconds (None: as long as it takes) for its token."""

    def __init__(
        self,
        rate: float,
        *,
        burst: int | None = None,
        max_wait: float | None = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be > 0 requests per second, got {rate!r}")
        if burst is not None and burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        if max_wait is not None and max_wait < 0:
            raise ValueError(f"max_wait must be >= 0, got {max_wait!r}")
        self.rate = rate
        self.burst = burst if burst is not None else max(int(rate), 1)
        self.max_wait = max_wait
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._updated = clock()

    def reserve(self, request: httpx.Request | None = None) -> float:
        """Take the next token; the seconds to wait before using it (0.0: now)."""
        with self._lock:
            self._refill()
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            if self.max_wait is not None and wait > self.max_wait:
                raise RateLimitExceeded(
                    f"rate limit of {self.rate:g}/s: the next token is {wait:.3f} s away, "
                    f"over max_wait={self.max_wait:g} s",
                    request=request,
                )
            self._tokens -= 1
            return wait

    def refund(self) -> None:
        """Give back a token taken by `reserve` and not used (a cancelled wait)."""
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens + 1, float(self.burst))

    @property
    def available(self) -> float:
        """Tokens in the bucket now (negative: that many callers are queued)."""
        with self._lock:
            self._refill()
            return self._tokens

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r}, burst={self.burst!r}, max_wait={self.max_wait!r})"

    def _refill(self) -> None:  # lock held
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._updated = now
        self._tokens = min(self._tokens + elapsed * self.rate, float(self.burst))
