"""The resilience settings of a client or a request, and every retry decision made from them.

A client builds its `RetryPolicy` once; a request with per-request overrides gets a copy. The
success path reads two attributes of it (`plain`, `status_forcelist`), so it stays cheap.
The decisions live here so that the sync and async clients cannot drift apart: their loops
only send, sleep and call back.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import TypedDict

import httpx

# The private stream types that wrap a caller's iterator: such a body is read once, so a
# request carrying one cannot be sent a second time. (tests/test_bodies.py fails if httpx
# renames them.)
from httpx._content import AsyncIteratorByteStream, IteratorByteStream

from aresilient._backoff import BackoffStrategy, FullJitterBackoff
from aresilient._bulkhead import Bulkhead
from aresilient._callbacks import OnFailure, OnRequest, OnRetry, OnSuccess
from aresilient._circuit_breaker import CircuitBreaker
from aresilient._hedging import Hedging
from aresilient._rate_limiter import RateLimiter
from aresilient._retry_after import parse_retry_after
from aresilient._retry_budget import RetryBudget

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_MAX_RETRY_TIME",
    "DEFAULT_RETRY_METHODS",
    "DEFAULT_STATUS_FORCELIST",
    "NOT_SENT_ERRORS",
    "RETRYABLE_ERRORS",
    "RetryOptions",
    "RetryPolicy",
    "RetryPredicate",
]

DEFAULT_MAX_RETRIES = 3
# A server may ask for any Retry-After; one that asks for more than a minute is better answered
# at once (with its response) than by a caller blocked for a day. A knob: `max_retry_after`.
DEFAULT_MAX_RETRY_AFTER = 60.0
# Like stamina's 45 s: retries of one call stop once this much time has passed since its first
# attempt started, whatever the attempt count says. A knob: `max_retry_time`.
DEFAULT_MAX_RETRY_TIME = 45.0
DEFAULT_STATUS_FORCELIST: frozenset[int] = frozenset({429, 500, 502, 503, 504})
# Idempotent methods (RFC 9110 section 9.2.2): repeating them changes nothing on the server.
DEFAULT_RETRY_METHODS: frozenset[str] = frozenset(
    {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}
)
# Failures worth another attempt: timeouts, dropped or refused connections, a server that
# closed without answering. Not LocalProtocolError, UnsupportedProtocol, InvalidURL...: the
# same request would fail the same way.
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)
# Failures before a single byte of the request left: safe to retry for any method, POST too.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)

RetryPredicate = Callable[[httpx.Response | None, Exception | None], bool]


class RetryOptions(TypedDict, total=False):
    """The resilience arguments a single request may override."""

    max_retries: int
    backoff_strategy: BackoffStrategy
    jitter_factor: float
    status_forcelist: Iterable[int]
    retry_if: RetryPredicate | None
    max_total_time: float | None
    max_retry_time: float | None
    max_wait_time: float | None
    max_retry_after: float | None
    retry_methods: Iterable[str]
    circuit_breaker: CircuitBreaker | None
    retry_budget: RetryBudget | None
    rate_limiter: RateLimiter | None
    bulkhead: Bulkhead | None
    hedging: Hedging | None
    on_request: OnRequest | None
    on_retry: OnRetry | None
    on_success: OnSuccess | None
    on_failure: OnFailure | None
    raise_on_failure: bool


class RetryPolicy:
    """Immutable once built; `replace` makes a validated copy with some settings changed."""

    __slots__ = (
        "backoff_strategy",
        "bulkhead",
        "circuit_breaker",
        "hedging",
        "jitter_factor",
        "max_retries",
        "max_retry_after",
        "max_retry_time",
        "max_total_time",
        "max_wait_time",
        "on_failure",
        "on_request",
        "on_retry",
        "on_success",
        "plain",
        "raise_on_failure",
        "rate_limiter",
        "retry_budget",
        "retry_if",
        "retry_methods",
        "status_forcelist",
    )

    def __init__(
        self,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_strategy: BackoffStrategy | None = None,
        jitter_factor: float = 0.0,
        status_forcelist: Iterable[int] = DEFAULT_STATUS_FORCELIST,
        retry_if: RetryPredicate | None = None,
        max_total_time: float | None = None,
        max_retry_time: float | None = DEFAULT_MAX_RETRY_TIME,
        max_wait_time: float | None = None,
        max_retry_after: float | None = DEFAULT_MAX_RETRY_AFTER,
        retry_methods: Iterable[str] = DEFAULT_RETRY_METHODS,
        circuit_breaker: CircuitBreaker | None = None,
        retry_budget: RetryBudget | None = None,
        rate_limiter: RateLimiter | None = None,
        bulkhead: Bulkhead | None = None,
        hedging: Hedging | None = None,
        on_request: OnRequest | None = None,
        on_retry: OnRetry | None = None,
        on_success: OnSuccess | None = None,
        on_failure: OnFailure | None = None,
        raise_on_failure: bool = False,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        if jitter_factor < 0:
            raise ValueError(f"jitter_factor must be >= 0, got {jitter_factor!r}")
        if max_total_time is not None and max_total_time <= 0:
            raise ValueError(f"max_total_time must be > 0, got {max_total_time!r}")
        if max_wait_time is not None and max_wait_time < 0:
            raise ValueError(f"max_wait_time must be >= 0, got {max_wait_time!r}")
        if max_retry_time is not None and max_retry_time < 0:
            raise ValueError(f"max_retry_time must be >= 0, got {max_retry_time!r}")
        if max_retry_after is not None and max_retry_after < 0:
            raise ValueError(f"max_retry_after must be >= 0, got {max_retry_after!r}")
        if backoff_strategy is not None and not isinstance(backoff_strategy, BackoffStrategy):
            raise TypeError("backoff_strategy needs a delay(attempt, previous_delay) method")
        self.max_retries = max_retries
        self.backoff_strategy: BackoffStrategy = backoff_strategy or _DEFAULT_BACKOFF
        self.jitter_factor = jitter_factor
        self.status_forcelist = frozenset(status_forcelist)
        self.retry_if = retry_if
        self.max_total_time = max_total_time
        self.max_retry_time = max_retry_time
        self.max_wait_time = max_wait_time
        self.max_retry_after = max_retry_after
        self.retry_methods = frozenset(method.upper() for method in retry_methods)
        self.circuit_breaker = circuit_breaker
        self.retry_budget = retry_budget
        self.rate_limiter = rate_limiter
        self.bulkhead = bulkhead
        self.hedging = hedging
        self.on_request = on_request
        self.on_retry = on_retry
        self.on_success = on_success
        self.on_failure = on_failure
        self.raise_on_failure = raise_on_failure
        # Nothing to do around a successful attempt: the send loop skips that bookkeeping.
        self.plain = (
            circuit_breaker is None
            and retry_budget is None  # its successes are counted off the fast path
            and rate_limiter is None
            and bulkhead is None
            and hedging is None
            and on_request is None
            and on_success is None
            and on_failure is None
            and max_total_time is None
        )

    def options(self) -> RetryOptions:
        return RetryOptions(
            max_retries=self.max_retries,
            backoff_strategy=self.backoff_strategy,
            jitter_factor=self.jitter_factor,
            status_forcelist=self.status_forcelist,
            retry_if=self.retry_if,
            max_total_time=self.max_total_time,
            max_retry_time=self.max_retry_time,
            max_wait_time=self.max_wait_time,
            max_retry_after=self.max_retry_after,
            retry_methods=self.retry_methods,
            circuit_breaker=self.circuit_breaker,
            retry_budget=self.retry_budget,
            rate_limiter=self.rate_limiter,
            bulkhead=self.bulkhead,
            hedging=self.hedging,
            on_request=self.on_request,
            on_retry=self.on_retry,
            on_success=self.on_success,
            on_failure=self.on_failure,
            raise_on_failure=self.raise_on_failure,
        )

    def replace(self, overrides: RetryOptions) -> RetryPolicy:
        unknown = set(overrides) - set(RetryOptions.__annotations__)
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
        merged = self.options()
        merged.update(overrides)
        return RetryPolicy(**merged)

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.options().items())
        return f"RetryPolicy({settings})"

    # -- decisions -------------------------------------------------------------------------

    def is_failed_response(self, response: httpx.Response) -> bool:
        """Whether this response asks for another attempt (and counts against a breaker)."""
        if self.retry_if is not None:
            return bool(self.retry_if(response, None))
        return response.status_code in self.status_forcelist

    def is_retryable_error(self, request: httpx.Request, error: Exception) -> bool:
        """Whether another attempt may follow this exception (attempts and time aside)."""
        if request.method not in self.retry_methods and not isinstance(error, NOT_SENT_ERRORS):
            return False
        if not is_replayable(request):
            return False
        if self.retry_if is not None:
            return bool(self.retry_if(None, error))
        return isinstance(error, RETRYABLE_ERRORS)

    def may_hedge(self, request: httpx.Request, stream: bool) -> bool:
        """Whether this request is sent in copies: hedging on, idempotent, body replayable,
        and not streamed (a streamed body is read after the winner is chosen)."""
        return self.hedging is not None and not stream and self.may_retry_response(request)

    def is_acceptable(self, response: httpx.Response) -> bool:
        return not self.is_failed_response(response)

    def may_retry_response(self, request: httpx.Request) -> bool:
        """Whether a failed response may be followed by another attempt (attempts aside)."""
        return request.method in self.retry_methods and is_replayable(request)

    def wait_before(
        self, retry: int, previous_wait: float, response: httpx.Response | None
    ) -> float | None:
        """Seconds before retry number `retry`: Retry-After if the response has one, else the
        backoff (plus jitter); `max_wait_time` caps both. None: a Retry-After longer than
        `max_retry_after`, which is not waited for at all (the caller gets the response)."""
        retry_after = None
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            if self.max_retry_after is not None and retry_after > self.max_retry_after:
                return None
            wait = retry_after
        else:
            wait = self.backoff_strategy.delay(retry, previous_wait)
            if self.jitter_factor:
                wait += wait * self.jitter_factor * _random_unit()
        if self.max_wait_time is not None and wait > self.max_wait_time:
            wait = self.max_wait_time
        return wait


def is_replayable(request: httpx.Request) -> bool:
    return not isinstance(request.stream, IteratorByteStream | AsyncIteratorByteStream)


def limit_timeout(request: httpx.Request, base: dict[str, float | None], remaining: float) -> None:
    """Shorten every timeout of this attempt to the time left in `max_total_time`."""
    # Never zero: httpcore reads 0 as "fail at once" before the socket is even tried.
    remaining = max(remaining, 0.001)
    request.extensions = {
        **request.extensions,
        "timeout": {
            key: remaining if value is None else min(value, remaining)
            for key, value in base.items()
        },
    }


def _random_unit() -> float:
    return random.random()  # noqa: S311 - jitter, not a secret


# Jitter on by default: see FullJitterBackoff for why. Shared: strategies keep no state.
_DEFAULT_BACKOFF = FullJitterBackoff()
