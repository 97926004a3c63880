"""`aresilient.AsyncRetryTransport`: the same policies under any client, at the transport layer.

An SDK that builds its own `httpx.AsyncClient` usually still accepts `transport=` (or
`mounts=`): `AsyncRetryTransport` wraps any transport (by default httpx's own) and retries
there, with every resilience option the clients take. As with httpx-retries, a transport sees
each response before its body is read: a failure while the caller reads the body is not
retried (the body is the caller's by then). `max_total_time` still bounds that read.

One source for sync and async: tools/unasync.py generates the sync module from the async one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Unpack

import httpx

from aresilient import _waiting
from aresilient._async_loop import run_attempts
from aresilient._deadline import DeadlineStream, send_within_deadline_async
from aresilient._engine import Run
from aresilient._hedging import hedge_async
from aresilient._interrupt import make_interruptible_async
from aresilient._policy import RetryOptions, RetryPolicy
from aresilient._waiting import AsyncSleep

__all__ = ["AsyncRetryTransport"]

# Timeouts are the client's business (in each request's extensions); a request without them
# has none, which is what the wrapped transport would do with it too.
_NO_TIMEOUT = httpx.Timeout(None)


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Wraps `transport` (default: `httpx.AsyncHTTPTransport()`) with retries.

    Takes every resilience option `AsyncClient` takes (`max_retries=`, `circuit_breaker=`,
    `retry_budget=`...), plus injectable `sleep` and `clock`. When retries run out on a
    retryable status the last response is returned (`raise_on_failure=True` raises).
    """

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        sleep: AsyncSleep | None = None,
        clock: Callable[[], float] = time.monotonic,
        **options: Unpack[RetryOptions],
    ) -> None:
        self._policy = RetryPolicy(**options)
        self._transport = transport if transport is not None else httpx.AsyncHTTPTransport()
        if self._policy.max_total_time is not None or self._policy.hedging is not None:
            # So that a sync read can be held to max_total_time and a hedge's losing copy be
            # stopped (see _interrupt); an async one is ended by cancellation, needing nothing.
            make_interruptible_async(self._transport)
        self._sleep: AsyncSleep = sleep or _waiting.async_sleep
        self._clock = clock

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        run = Run(self._policy, request, self._clock, _NO_TIMEOUT)

        policy = self._policy

        async def send_once() -> httpx.Response:
            if run.deadline is None:
                return await self._transport.handle_async_request(request)
            response = await send_within_deadline_async(
                run.deadline,
                run.clock,
                request,
                lambda: self._transport.handle_async_request(request),
            )
            response.stream = DeadlineStream(response.stream, run.deadline, run.clock, request)
            return response

        async def attempt() -> httpx.Response:
            # Here the copies race to the response headers: the body is the caller's.
            if policy.hedging is not None and policy.may_retry_response(request):
                return await hedge_async(policy.hedging, send_once, policy.is_acceptable)
            return await send_once()

        return await run_attempts(run, attempt, self._sleep)

    async def aclose(self) -> None:
        await self._transport.aclose()
