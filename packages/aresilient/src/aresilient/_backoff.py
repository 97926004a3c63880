"""Backoff strategies: how long to wait before retry number `attempt` (1 for the first retry).

Strategies are immutable and keep no per-request state (the decorrelated jitter strategy is
given the previous delay instead), so one instance can be shared by every thread and task.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = [
    "BackoffStrategy",
    "ConstantBackoff",
    "DecorrelatedJitterBackoff",
    "ExponentialBackoff",
    "FibonacciBackoff",
    "FullJitterBackoff",
    "LinearBackoff",
]


@runtime_checkable
class BackoffStrategy(Protocol):
    """Anything with `delay(attempt, previous_delay) -> seconds` can pace the retries."""

    def delay(self, attempt: int, previous_delay: float) -> float:
        """Seconds to wait before retry `attempt` (1-based); `previous_delay` is the last wait."""
        ...


def _check_non_negative(name: str, value: float) -> None:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")


def _cap(delay: float, max_delay: float | None) -> float:
    return delay if max_delay is None else min(delay, max_delay)


class ExponentialBackoff:
    """`base_delay * multiplier ** (attempt - 1)`: 0.3, 0.6, 1.2, 2.4 s... by default."""

    __slots__ = ("base_delay", "max_delay", "multiplier")

    def __init__(
        self, base_delay: float = 0.3, multiplier: float = 2.0, max_delay: float | None = None
    ) -> None:
        _check_non_negative("base_delay", base_delay)
        if multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {multiplier!r}")
        if max_delay is not None:
            _check_non_negative("max_delay", max_delay)
        self.base_delay = base_delay
        self.multiplier = multiplier
        self.max_delay = max_delay

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - stateless
        # The exponent is capped so that a huge attempt number cannot overflow a float.
        return _cap(self.base_delay * self.multiplier ** min(attempt - 1, 64), self.max_delay)

    def __repr__(self) -> str:
        return (
            f"ExponentialBackoff(base_delay={self.base_delay!r}, "
            f"multiplier={self.multiplier!r}, max_delay={self.max_delay!r})"
        )


class LinearBackoff:
    """`base_delay * attempt`: 0.3, 0.6, 0.9 s... by default."""

    __slots__ = ("base_delay", "max_delay")

    def __init__(self, base_delay: float = 0.3, max_delay: float | None = None) -> None:
        _check_non_negative("base_delay", base_delay)
        if max_delay is not None:
            _check_non_negative("max_delay", max_delay)
        self.base_delay = base_delay
        self.max_delay = max_delay

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - stateless
        return _cap(self.base_delay * attempt, self.max_delay)

    def __repr__(self) -> str:
        return f"LinearBackoff(base_delay={self.base_delay!r}, max_delay={self.max_delay!r})"


class FibonacciBackoff:
    """`base_delay * fib(attempt)`: 0.3, 0.3, 0.6, 0.9, 1.5 s... by default."""

    __slots__ = ("base_delay", "max_delay")

    def __init__(self, base_delay: float = 0.3, max_delay: float | None = None) -> None:
        _check_non_negative("base_delay", base_delay)
        if max_delay is not None:
            _check_non_negative("max_delay", max_delay)
        self.base_delay = base_delay
        self.max_delay = max_delay

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - stateless
        current, following = 1, 1
        # Bounded like the exponential one: fib(90) already dwarfs any sensible delay.
        for _ in range(min(attempt, 90) - 1):
            current, following = following, current + following
        return _cap(self.base_delay * current, self.max_delay)

    def __repr__(self) -> str:
        return f"FibonacciBackoff(base_delay={self.base_delay!r}, max_delay={self.max_delay!r})"


class ConstantBackoff:
    """The same `delay` before every retry."""

    __slots__ = ("constant",)

    def __init__(self, delay: float = 0.3) -> None:
        _check_non_negative("delay", delay)
        self.constant = delay

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - stateless
        return self.constant

    def __repr__(self) -> str:
        return f"ConstantBackoff(delay={self.constant!r})"


class FullJitterBackoff:
    """AWS's "full jitter", the default: a random wait in [0, min(max_delay, exponential)].

    The exponential is `base_delay * multiplier ** (attempt - 1)` (0.3, 0.6, 1.2 s...). Clients
    that failed together (a server restart, a 503 burst) would otherwise come back together,
    in lockstep, and fail together again; drawing each wait from the whole range spreads them
    out most, for the least total work (Marc Brooker, "Exponential Backoff And Jitter", AWS
    Architecture Blog, 2015). The waits are no longer reproducible: tests that need exact waits
    pass `ExponentialBackoff()`, or inject `random`.
    """

    __slots__ = ("_random", "base_delay", "max_delay", "multiplier")

    def __init__(
        self,
        base_delay: float = 0.3,
        multiplier: float = 2.0,
        max_delay: float = 20.0,
        random: Callable[[], float] | None = None,
    ) -> None:
        _check_non_negative("base_delay", base_delay)
        _check_non_negative("max_delay", max_delay)
        if multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {multiplier!r}")
        self.base_delay = base_delay
        self.multiplier = multiplier
        self.max_delay = max_delay
        self._random = random or _random_unit

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - stateless
        ceiling = min(self.base_delay * self.multiplier ** min(attempt - 1, 64), self.max_delay)
        return ceiling * self._random()

    def __repr__(self) -> str:
        return (
            f"FullJitterBackoff(base_delay={self.base_delay!r}, "
            f"multiplier={self.multiplier!r}, max_delay={self.max_delay!r})"
        )


class DecorrelatedJitterBackoff:
    """ "Decorrelated jitter": a random wait in [base_delay, 3 * previous_delay], capped.

    It spreads clients that failed together apart faster than full jitter does, while each
    client's waits still grow. `random` is injectable for reproducible tests.
    """

    __slots__ = ("_random", "base_delay", "max_delay")

    def __init__(
        self,
        base_delay: float = 0.3,
        max_delay: float = 20.0,
        random: Callable[[], float] | None = None,
    ) -> None:
        _check_non_negative("base_delay", base_delay)
        if max_delay < base_delay:
            raise ValueError("max_delay must be >= base_delay")
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._random = random or _random_unit

    def delay(self, attempt: int, previous_delay: float) -> float:  # noqa: ARG002 - uses previous
        upper = max(self.base_delay, previous_delay * 3)
        wait = self.base_delay + (upper - self.base_delay) * self._random()
        return min(wait, self.max_delay)

    def __repr__(self) -> str:
        return (
            f"DecorrelatedJitterBackoff(base_delay={self.base_delay!r}, "
            f"max_delay={self.max_delay!r})"
        )


def _random_unit() -> float:
    return random.random()  # noqa: S311 - spreading retries apart, not a secret
