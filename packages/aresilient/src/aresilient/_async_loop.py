"""The attempt loop every async entry point runs: `AsyncClient.send` and `AsyncRetryTransport`.

The loop only sends, closes, sleeps and awaits; every decision between two attempts is the
`Run`'s (see `_engine`). One source for sync and async: tools/unasync.py generates the sync
module from the async one.
"""

from __future__ import annotations

import httpx

from aresilient._engine import AsyncAttempt, Run
from aresilient._waiting import AsyncSleep

__all__ = ["run_attempts"]


async def _admitted_attempt(
    run: Run, attempt: AsyncAttempt, sleep: AsyncSleep
) -> tuple[httpx.Response | None, Exception | None]:
    """One attempt, once the rate limiter and the bulkhead let it go: its response or its
    exception. Their refusals (RateLimitExceeded, BulkheadFullError) propagate: load shed
    here is not retried, and nothing was sent."""
    policy = run.policy
    limiter = policy.rate_limiter
    if limiter is not None:
        wait = limiter.reserve(run.request)
        if wait > 0:
            try:
                await sleep(wait)
            except BaseException:
                limiter.refund()  # cancelled in the queue: the token goes to the next caller
                raise
    bulkhead = policy.bulkhead
    if bulkhead is not None:
        await bulkhead.acquire_async(run.request)
    try:
        run.before_attempt()
        try:
            return await attempt(), None
        except Exception as caught:  # noqa: BLE001 - decided by the policy in the loop
            return None, caught
        except BaseException:
            # Ctrl-C and cancellation are never retried, and count as no failure.
            run.abandon()
            raise
    finally:
        # A streamed body is read after this returns: the slot covers sending and headers.
        if bulkhead is not None:
            bulkhead.release()


async def run_attempts(
    run: Run,
    attempt: AsyncAttempt,
    sleep: AsyncSleep,
    error: Exception | None = None,
    response: httpx.Response | None = None,
) -> httpx.Response:
    """Make attempts until the `Run` says stop; `error` or `response` is the outcome of a first
    attempt already made (both None: none made yet). The caller's Request gets its own
    extensions back however this ends."""
    try:
        while True:
            if error is None and response is None:
                response, error = await _admitted_attempt(run, attempt, sleep)
            if error is not None:
                wait = run.after_error(error)
                if wait is None:
                    raise error
            else:
                assert response is not None  # noqa: S101 - one of the two is always set
                wait = run.after_response(response)
                if wait is None:
                    failure = run.give_up_error(response) if run.gave_up else None
                    if failure is not None:
                        await response.aclose()
                        raise failure
                    return response
                # A discarded response must give its connection back before we sleep.
                await response.aclose()
            await sleep(wait)
            error = response = None
    finally:
        run.finish()
