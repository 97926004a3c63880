"""A circuit breaker shared by any number of threads and asyncio tasks.

CLOSED lets every call through and watches two things: consecutive failures (at
`failure_threshold` it opens) and, when `failure_ratio` is set, the share of failures among
the calls of the last `sampling_duration` seconds (with at least `minimum_throughput` calls
in that window it opens at that ratio, as Polly's breaker does: a busy service failing one
call in two trips it even if successes interleave). OPEN refuses calls (CircuitBreakerError)
for `recovery_timeout` seconds; then it is HALF_OPEN: `half_open_max_calls` probe calls go
through, the first probe to succeed closes it, a probe that fails opens it again. Every
transition starts a new window.

One `threading.Lock` guards the counters. It is held only for a few assignments and never
across I/O or an `await`, so asyncio tasks on one loop and threads alike can share a breaker.
State-change callbacks run after the lock is released: a callback may read the breaker (or
even call `reset()`) without deadlocking.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import httpx

from aresilient import _telemetry
from aresilient._window import SlidingWindow
from aresilient.exceptions import CircuitBreakerError

__all__ = ["CircuitBreaker", "CircuitState", "StateChangeCallback"]

P = ParamSpec("P")
T = TypeVar("T")


class CircuitState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


StateChangeCallback = Callable[[CircuitState, CircuitState], None]
_Transition = tuple[CircuitState, CircuitState]


class CircuitBreaker:
    """Stops calling a failing service for a while, then lets a few probes test it.

    `expected_exception`: the exception types that count as failures (default: any
    `Exception`); others pass through without changing the count. `on_state_change(old, new)`
    is called after each transition, outside the lock, and each transition is logged to the
    `aresilient` logger under `name`. `clock` is injectable.
    """

    def __init__(
        self,
        failure_threshold: int | None = 5,
        recovery_timeout: float = 60.0,
        expected_exception: type[BaseException] | tuple[type[BaseException], ...] | None = None,
        on_state_change: StateChangeCallback | None = None,
        half_open_max_calls: int = 1,
        *,
        failure_ratio: float | None = None,
        sampling_duration: float = 30.0,
        minimum_throughput: int = 100,
        name: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold is not None and failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if failure_ratio is not None and not 0 < failure_ratio <= 1:
            raise ValueError(f"failure_ratio must be in (0, 1], got {failure_ratio!r}")
        if failure_threshold is None and failure_ratio is None:
            raise ValueError("give failure_threshold or failure_ratio: nothing would open it")
        if not 0 < sampling_duration <= 86400:
            raise ValueError(f"sampling_duration must be in (0, 86400], got {sampling_duration!r}")
        if minimum_throughput < 1:
            raise ValueError("minimum_throughput must be at least 1")
        if recovery_timeout < 0:
            raise ValueError("recovery_timeout must be >= 0")
        if half_open_max_calls < 1:
            raise ValueError("half_open_max_calls must be at least 1")
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.expected_exception: tuple[type[BaseException], ...] = (
            (Exception,)
            if expected_exception is None
            else expected_exception
            if isinstance(expected_exception, tuple)
            else (expected_exception,)
        )
        self.on_state_change = on_state_change
        self.half_open_max_calls = half_open_max_calls
        self.failure_ratio = failure_ratio
        self.sampling_duration = sampling_duration
        self.minimum_throughput = minimum_throughput
        # Ten buckets, as Polly's: the window slides in tenths of its duration. The first
        # count is successes, the second failures.
        self._window = SlidingWindow(sampling_duration, 10, clock)
        # Names the breaker in log records (one per dependency, typically).
        self.name = name if name is not None else f"0x{id(self):x}"
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failure_count = 0
        self._last_failure_time: float | None = None
        self._probes_in_flight = 0
        # Bumped on every transition; a call's token remembers the generation that admitted it,
        # so a late answer from an earlier period cannot close or count in the current one.
        self._generation = 1

    # -- reading -------------------------------------------------------------------------

    @property
    def state(self) -> CircuitState:
        """The current state; an OPEN breaker whose timeout has passed reads HALF_OPEN."""
        with self._lock:
            transitions = self._refresh()
            state = self._state
        self._notify(transitions)
        return state

    @property
    def failure_count(self) -> int:
        return self._failure_count

    @property
    def window_counts(self) -> tuple[int, int]:
        """(successes, failures) counted in the current sampling window."""
        with self._lock:
            return self._window.totals()

    @property
    def last_failure_time(self) -> float | None:
        """The `clock()` value of the last counted failure, None before the first."""
        return self._last_failure_time

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(state={self._state.value}, failures={self._failure_count}/"
            f"{self.failure_threshold}, recovery_timeout={self.recovery_timeout})"
        )

    # -- the protocol a caller follows: acquire, then exactly one record_* or release ------

    def acquire(self, request: httpx.Request | None = None) -> int:
        """Admit one call or raise CircuitBreakerError; returns the token for `record_*`."""
        with self._lock:
            transitions = self._refresh()
            state = self._state
            token = 0
            if state is CircuitState.CLOSED:
                token = self._generation * 2
            elif (
                state is CircuitState.HALF_OPEN
                and self._probes_in_flight < self.half_open_max_calls
            ):
                self._probes_in_flight += 1
                token = self._generation * 2 + 1
            retry_in = self._retry_in()
        self._notify(transitions)
        if token:
            return token
        if state is CircuitState.OPEN:
            message = f"circuit breaker is open; the next probe is allowed in {retry_in:.3f} s"
        else:
            message = "circuit breaker is half-open and its probe calls are all in flight"
        raise CircuitBreakerError(message, request=request)

    def record_success(self, token: int) -> None:
        with self._lock:
            transitions: list[_Transition] = []
            if self._is_live_probe(token):
                self._probes_in_flight -= 1
                self._failure_count = 0
                transitions.append(self._move(CircuitState.CLOSED))
            elif self._state is CircuitState.CLOSED and not token & 1:
                self._failure_count = 0
                if self.failure_ratio is not None:
                    self._window.add(first=1)
        self._notify(transitions)

    def record_failure(self, token: int) -> None:
        with self._lock:
            transitions: list[_Transition] = []
            now = self._clock()
            if self._is_live_probe(token):
                self._probes_in_flight -= 1
                self._last_failure_time = now
                transitions.append(self._move(CircuitState.OPEN))
            elif self._state is CircuitState.CLOSED and not token & 1:
                self._failure_count += 1
                self._last_failure_time = now
                if self._should_open():
                    transitions.append(self._move(CircuitState.OPEN))
        self._notify(transitions)

    def release(self, token: int) -> None:
        """End a call that neither succeeded nor failed (cancelled, or an uncounted error)."""
        with self._lock:
            if self._is_live_probe(token):
                self._probes_in_flight -= 1

    def is_failure(self, error: BaseException) -> bool:
        return isinstance(error, self.expected_exception)

    def reset(self) -> None:
        """Back to CLOSED with no failures counted."""
        with self._lock:
            self._failure_count = 0
            self._last_failure_time = None
            transitions = (
                [] if self._state is CircuitState.CLOSED else [self._move(CircuitState.CLOSED)]
            )
        self._notify(transitions)

    # -- conveniences for code other than the clients --------------------------------------

    def call(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`func(*args, **kwargs)` guarded by the breaker."""
        token = self.acquire()
        try:
            result = func(*args, **kwargs)
        except BaseException as error:
            self._record_error(token, error)
            raise
        self.record_success(token)
        return result

    async def call_async(
        self, func: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`await func(*args, **kwargs)` guarded by the breaker."""
        token = self.acquire()
        try:
            result = await func(*args, **kwargs)
        except BaseException as error:
            self._record_error(token, error)
            raise
        self.record_success(token)
        return result

    # -- internals (the lock is held where noted) ------------------------------------------

    def _record_error(self, token: int, error: BaseException) -> None:
        if self.is_failure(error):
            self.record_failure(token)
        else:
            self.release(token)

    def _should_open(self) -> bool:  # lock held, a failure just counted
        threshold = self.failure_threshold
        if threshold is not None and self._failure_count >= threshold:
            return True
        if self.failure_ratio is None:
            return False
        self._window.add(second=1)
        successes, failures = self._window.totals()
        total = successes + failures
        return total >= self.minimum_throughput and failures >= self.failure_ratio * total

    def _is_live_probe(self, token: int) -> bool:  # lock held
        return (
            token & 1 == 1
            and token >> 1 == self._generation
            and self._state is CircuitState.HALF_OPEN
        )

    def _retry_in(self) -> float:  # lock held
        if self._last_failure_time is None:
            return 0.0
        return max(self._last_failure_time + self.recovery_timeout - self._clock(), 0.0)

    def _refresh(self) -> list[_Transition]:  # lock held
        if (
            self._state is CircuitState.OPEN
            and self._last_failure_time is not None
            and self._clock() - self._last_failure_time >= self.recovery_timeout
        ):
            return [self._move(CircuitState.HALF_OPEN)]
        return []

    def _move(self, new: CircuitState) -> _Transition:  # lock held
        old = self._state
        self._state = new
        self._generation += 1
        self._probes_in_flight = 0
        self._window.clear()
        if new is CircuitState.CLOSED:
            self._failure_count = 0
        return (old, new)

    def _notify(self, transitions: list[_Transition]) -> None:
        callback = self.on_state_change
        for old, new in transitions:
            _telemetry.breaker_moved(self, old, new)
            if callback is not None:
                callback(old, new)
