"""What the `on_request`, `on_retry`, `on_success` and `on_failure` callbacks receive.

They are created only when the matching callback is set, so a client without callbacks pays
nothing for them. Frozen: a callback cannot change what the next one sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

__all__ = [
    "FailureInfo",
    "OnFailure",
    "OnRequest",
    "OnRetry",
    "OnSuccess",
    "RequestInfo",
    "ResponseInfo",
    "RetryInfo",
]


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """Attempt `attempt` (1 for the first) is about to be sent."""

    url: httpx.URL
    method: str
    attempt: int
    max_retries: int


@dataclass(frozen=True, slots=True)
class RetryInfo:
    """Attempt `attempt` failed; attempt `attempt + 1` follows after `wait_time` seconds.

    `error` is the exception of the failed attempt, or None when it was a retryable
    response, whose status is `status_code`.
    """

    url: httpx.URL
    method: str
    attempt: int
    max_retries: int
    wait_time: float
    error: Exception | None
    status_code: int | None


@dataclass(frozen=True, slots=True)
class ResponseInfo:
    """Attempt `attempt` returned a response that is not retried; `total_time` since the start."""

    url: httpx.URL
    method: str
    attempt: int
    max_retries: int
    response: httpx.Response
    status_code: int
    total_time: float


@dataclass(frozen=True, slots=True)
class FailureInfo:
    """The request failed for good after `attempt` attempts.

    `error` is the exception about to be raised or None when the last retryable response is
    returned (or raised as HttpRequestError); `status_code` is that response's status.
    """

    url: httpx.URL
    method: str
    attempt: int
    max_retries: int
    error: Exception | None
    status_code: int | None
    total_time: float


OnRequest = Callable[[RequestInfo], object]
OnRetry = Callable[[RetryInfo], object]
OnSuccess = Callable[[ResponseInfo], object]
OnFailure = Callable[[FailureInfo], object]
