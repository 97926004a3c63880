"""Cancellation and Ctrl-C are never retried, and free a half-open breaker's probe slot."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import aresilient
from aresilient import CircuitBreaker, CircuitState
from httpy.testing import RunningServer


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """Reads the property through a call, so the type checker does not narrow it."""
    return breaker.state


@pytest.mark.timeout(60)  # a wait the cancellation did not stop fails here, after 60 s
def test_async_cancellation_during_the_wait_stops_the_retries(
    httpbin: RunningServer, key: str
) -> None:
    async def main() -> None:
        waiting = asyncio.Event()  # set when the first 503 is in and the hour's wait begins
        async with aresilient.AsyncClient(
            backoff_strategy=aresilient.ConstantBackoff(3600),
            max_retry_time=None,  # which would refuse an hour's wait
            on_retry=lambda _info: waiting.set(),
        ) as client:
            task = asyncio.create_task(client.get(f"{httpbin.url}/flaky/{key}?fail=5"))
            await waiting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    assert httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"] == 1


def test_async_cancellation_during_an_attempt_is_not_retried(
    failing_server: RunningServer,
) -> None:
    attempts: list[int] = []

    async def main() -> None:
        async with aresilient.AsyncClient(
            on_request=lambda info: attempts.append(info.attempt)
        ) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await client.get(f"{failing_server.url}/slow/2.0")

    asyncio.run(main())
    assert attempts == [1]


def test_keyboard_interrupt_is_not_retried_and_frees_the_probe(httpbin: RunningServer) -> None:
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=0)
    breaker.record_failure(breaker.acquire())
    assert state_of(breaker) is CircuitState.HALF_OPEN
    attempts: list[int] = []

    def interrupt(request: httpx.Request) -> None:
        raise KeyboardInterrupt

    with (
        aresilient.Client(
            event_hooks={"request": [interrupt]},
            circuit_breaker=breaker,
            on_request=lambda info: attempts.append(info.attempt),
        ) as client,
        pytest.raises(KeyboardInterrupt),
    ):
        client.get(f"{httpbin.url}/get")
    assert attempts == [1]
    # The interrupted probe neither failed nor succeeded: the next probe may go.
    breaker.record_success(breaker.acquire())
    assert state_of(breaker) is CircuitState.CLOSED


def test_async_cancelled_probe_frees_its_slot(failing_server: RunningServer) -> None:
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=0)
    breaker.record_failure(breaker.acquire())

    async def main() -> None:
        async with aresilient.AsyncClient(circuit_breaker=breaker) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await client.get(f"{failing_server.url}/slow/2.0")

    asyncio.run(main())
    breaker.acquire()  # would raise if the cancelled probe still held the only slot
