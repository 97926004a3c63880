"""The bookkeeping of one request's attempts, shared by the sync and async clients.

The clients' send loops only send, close, sleep and await; everything decided between two
attempts (circuit breaker, callbacks, attempts left, time left, the wait) happens here, so
both clients behave the same by construction. A `Run` is created only off the fast path: a
first attempt that succeeds with no breaker, callback or time budget never builds one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from aresilient import _telemetry
from aresilient._callbacks import FailureInfo, RequestInfo, ResponseInfo, RetryInfo
from aresilient._policy import RetryPolicy, limit_timeout
from aresilient.exceptions import CircuitBreakerError, HttpRequestError

__all__ = ["AsyncAttempt", "Attempt", "Run"]

# One attempt of a request, as the loops (`_async_loop`, `_loop`) call it.
Attempt = Callable[[], httpx.Response]
AsyncAttempt = Callable[[], Awaitable[httpx.Response]]


class Run:
    """One request through its attempts. The send loop calls, per attempt:
    `before_attempt()`, then `after_error(error)` or `after_response(response)`, which return
    the wait before the next attempt or None to stop; `abandon()` if a BaseException (Ctrl-C,
    cancellation) ends the attempt instead."""

    __slots__ = (
        "_base_timeout",
        "_caller_extensions",
        "_token",
        "attempt",
        "clock",
        "deadline",
        "gave_up",
        "policy",
        "previous_wait",
        "request",
        "retry_deadline",
        "started",
    )

    def __init__(
        self,
        policy: RetryPolicy,
        request: httpx.Request,
        clock: Callable[[], float],
        timeout: httpx.Timeout,
        *,
        attempts_made: int = 0,
        started: float | None = None,
    ) -> None:
        self.policy = policy
        self.request = request
        self.clock = clock
        self.attempt = attempts_made
        # `started`: when the fast path's first attempt began, if it made one.
        self.started = clock() if started is None else started
        self.deadline = (
            None if policy.max_total_time is None else self.started + policy.max_total_time
        )
        self.retry_deadline = (
            None if policy.max_retry_time is None else self.started + policy.max_retry_time
        )
        # The caller's own extensions, put back by `finish()`: the shortened timeouts belong
        # to this call only, not to a later send of the same Request.
        self._caller_extensions = request.extensions
        self.previous_wait = 0.0
        self.gave_up = False
        self._token = 0
        self._base_timeout: dict[str, float | None] | None = None
        if self.deadline is not None:
            # The timeouts this request would have had: its own, else the client's.
            configured = request.extensions.get("timeout")
            self._base_timeout = dict(configured) if configured else timeout.as_dict()

    def before_attempt(self) -> None:
        self.attempt += 1
        policy = self.policy
        if policy.circuit_breaker is not None:
            try:
                self._token = policy.circuit_breaker.acquire(self.request)
            except CircuitBreakerError as error:
                self.attempt -= 1  # refused, so not an attempt
                self._report_failure(error, None)
                raise
        if policy.on_request is not None:
            policy.on_request(
                RequestInfo(self.request.url, self.request.method, self.attempt, policy.max_retries)
            )
        if self.deadline is not None and self._base_timeout is not None:
            limit_timeout(self.request, self._base_timeout, self.deadline - self.clock())

    def after_error(self, error: Exception) -> float | None:
        policy = self.policy
        if isinstance(error, httpx.HTTPStatusError):
            # A response hook raised for a response (`raise_for_status`): judged by that
            # response, exactly as without the hook, so retries and breaker agree.
            return self._after_status_error(error)
        wait = None
        if self.attempt <= policy.max_retries and policy.is_retryable_error(self.request, error):
            wait = self._wait_within_budget(None)
        breaker = policy.circuit_breaker
        if breaker is not None and self._token:
            self._settle(failed=True if breaker.is_failure(error) else None, final=wait is None)
        if wait is None:
            self._report_failure(error, None)
            return None
        self._report_retry(wait, error, None)
        return wait

    def after_response(self, response: httpx.Response) -> float | None:
        policy = self.policy
        failed = policy.is_failed_response(response)
        if not failed:
            self._settle(failed=False, final=True)
            if policy.on_success is not None:
                policy.on_success(
                    ResponseInfo(
                        self.request.url,
                        self.request.method,
                        self.attempt,
                        policy.max_retries,
                        response,
                        response.status_code,
                        self.clock() - self.started,
                    )
                )
            return None
        wait = None
        if self.attempt <= policy.max_retries and policy.may_retry_response(self.request):
            wait = self._wait_within_budget(response)
        self._settle(failed=True, final=wait is None)
        if wait is None:
            self.gave_up = True
            self._report_failure(None, response.status_code)
            return None
        self._report_retry(wait, None, response.status_code)
        return wait

    def _after_status_error(self, error: httpx.HTTPStatusError) -> float | None:
        policy = self.policy
        response = error.response
        failed = policy.is_failed_response(response)
        wait = None
        if (
            failed
            and self.attempt <= policy.max_retries
            and policy.may_retry_response(self.request)
        ):
            wait = self._wait_within_budget(response)
        self._settle(failed=failed, final=wait is None)
        if wait is None:
            self._report_failure(error, response.status_code)
            return None
        self._report_retry(wait, error, response.status_code)
        return wait

    def _settle(self, *, failed: bool | None, final: bool) -> None:
        """Tell the budget and the breaker how this attempt ended. `failed` None: an outcome
        that is neither (an exception the breaker does not count).

        One logical request counts once: the breaker records the outcome of the last attempt
        only; an attempt that will be retried is released uncounted. Except a half-open probe:
        it exists to test the service, so its failure reopens the breaker at once (and the
        retry is refused), rather than letting one request send a probe per retry."""
        budget = self.policy.retry_budget
        if budget is not None and failed is False:
            budget.record_success()
        breaker = self.policy.circuit_breaker
        token = self._token
        if breaker is None or not token:
            return
        self._token = 0
        if failed is False:
            breaker.record_success(token)
        elif failed and (final or token & 1):
            breaker.record_failure(token)
        else:
            breaker.release(token)

    def finish(self) -> None:
        """The call is over (however it ended): the caller's Request gets its own extensions
        back, without the timeouts `max_total_time` shortened."""
        self.request.extensions = self._caller_extensions

    def give_up_error(self, response: httpx.Response) -> HttpRequestError | None:
        """The exception to raise for the response retries ran out on, if one is wanted."""
        if not self.policy.raise_on_failure:
            return None
        request = self.request
        attempts = "attempt" if self.attempt == 1 else "attempts"
        return HttpRequestError(
            f"{request.method} {request.url} failed with status {response.status_code} "
            f"after {self.attempt} {attempts}",
            request=request,
            response=response,
        )

    def abandon(self) -> None:
        """The attempt ended with a BaseException: free a half-open probe slot, count nothing."""
        breaker = self.policy.circuit_breaker
        if breaker is not None and self._token:
            breaker.release(self._token)
            self._token = 0

    def _wait_within_budget(self, response: httpx.Response | None) -> float | None:
        wait = self.policy.wait_before(self.attempt, self.previous_wait, response)
        if wait is None:
            return None
        # Waiting past the deadline would leave no time for the attempt it waits for; past
        # `max_retry_time`, the retry it waits for would start too late.
        if self.deadline is not None or self.retry_deadline is not None:
            resume = self.clock() + wait
            if self.deadline is not None and resume >= self.deadline:
                return None
            if self.retry_deadline is not None and resume > self.retry_deadline:
                return None
        # Last: a retry the other limits refuse must not be taken from the shared budget.
        budget = self.policy.retry_budget
        if budget is not None and not budget.try_retry():
            return None
        self.previous_wait = wait
        return wait

    def _report_retry(self, wait: float, error: Exception | None, status: int | None) -> None:
        _telemetry.retry_scheduled(self.request, self.attempt, wait, error, status)
        on_retry = self.policy.on_retry
        if on_retry is not None:
            on_retry(
                RetryInfo(
                    self.request.url,
                    self.request.method,
                    self.attempt,
                    self.policy.max_retries,
                    wait,
                    error,
                    status,
                )
            )

    def _report_failure(self, error: Exception | None, status: int | None) -> None:
        _telemetry.gave_up(self.request, self.attempt, error, status)
        on_failure = self.policy.on_failure
        if on_failure is not None:
            on_failure(
                FailureInfo(
                    self.request.url,
                    self.request.method,
                    self.attempt,
                    self.policy.max_retries,
                    error,
                    status,
                    self.clock() - self.started,
                )
            )
