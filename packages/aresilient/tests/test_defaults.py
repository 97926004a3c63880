"""The safe defaults: jittered backoff, a cap on the whole retrying, a cap on Retry-After."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import aresilient
from httpy.testing import RunningServer


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


class FakeTime:
    """A clock that only the (recorded) sleeps move: time arithmetic, exactly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def sleep_async(self, seconds: float) -> None:
        self.sleep(seconds)


def get(flavour: str, url: str, fake: FakeTime, **client: object) -> httpx.Response:
    if flavour == "sync":
        with aresilient.Client(sleep=fake.sleep, clock=fake.clock, **client) as sync_client:  # type: ignore[arg-type]
            return sync_client.get(url)

    async def main() -> httpx.Response:
        async with aresilient.AsyncClient(
            sleep=fake.sleep_async,
            clock=fake.clock,
            **client,  # type: ignore[arg-type]
        ) as async_client:
            return await async_client.get(url)

    return asyncio.run(main())


def test_the_default_policy() -> None:
    policy = aresilient.RetryPolicy()
    assert isinstance(policy.backoff_strategy, aresilient.FullJitterBackoff)
    assert policy.max_retry_time == aresilient.DEFAULT_MAX_RETRY_TIME == 45.0
    assert policy.max_retry_after == aresilient.DEFAULT_MAX_RETRY_AFTER == 60.0
    assert policy.max_total_time is None  # a hard deadline would cut long downloads


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_default_waits_are_jittered_within_the_exponential(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    fake = FakeTime()
    response = get(flavour, f"{httpbin.url}/flaky/{key}?fail=3", fake)
    assert response.status_code == 200
    assert len(fake.sleeps) == 3
    for wait, ceiling in zip(fake.sleeps, [0.3, 0.6, 1.2], strict=True):
        assert 0.0 <= wait <= ceiling


def test_full_jitter_draws_from_zero_to_the_capped_exponential() -> None:
    top = aresilient.FullJitterBackoff(random=lambda: 1.0, max_delay=1.0)
    assert [top.delay(attempt, 0.0) for attempt in (1, 2, 3, 4)] == [0.3, 0.6, 1.0, 1.0]
    half = aresilient.FullJitterBackoff(random=lambda: 0.5)
    assert [half.delay(attempt, 0.0) for attempt in (1, 2, 3)] == [0.15, 0.3, 0.6]
    assert aresilient.FullJitterBackoff(random=lambda: 0.0).delay(5, 0.0) == 0.0
    assert aresilient.FullJitterBackoff().delay(10_000, 0.0) <= 20.0  # no overflow, capped


@pytest.mark.parametrize(
    "arguments",
    [{"base_delay": -1.0}, {"max_delay": -1.0}, {"multiplier": 0.5}],
)
def test_full_jitter_refuses_bad_arguments(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(arguments))):
        aresilient.FullJitterBackoff(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_retrying_stops_at_max_retry_time(flavour: str, httpbin: RunningServer, key: str) -> None:
    fake = FakeTime()
    backoff = aresilient.ConstantBackoff(20.0)
    response = get(flavour, f"{httpbin.url}/flaky/{key}?fail=10", fake, backoff_strategy=backoff)
    # Retries at 20 s and 40 s; the third would start at 60 s, past the default 45 s.
    assert response.status_code == 503
    assert fake.sleeps == [20.0, 20.0]
    assert calls(httpbin, key) == 3


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_max_retry_time_is_a_knob(flavour: str, httpbin: RunningServer, key: str) -> None:
    fake = FakeTime()
    backoff = aresilient.ConstantBackoff(20.0)
    response = get(
        flavour,
        f"{httpbin.url}/flaky/{key}?fail=10",
        fake,
        backoff_strategy=backoff,
        max_retry_time=None,
    )
    assert response.status_code == 503
    assert fake.sleeps == [20.0, 20.0, 20.0]


@pytest.mark.parametrize(
    ("arguments", "name"),
    [({"max_retry_time": -1.0}, "max_retry_time"), ({"max_retry_after": -1.0}, "max_retry_after")],
)
def test_the_caps_refuse_negative_values(arguments: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        aresilient.RetryPolicy(**arguments)  # type: ignore[arg-type]
