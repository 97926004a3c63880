"""Backoff strategies, Retry-After parsing, policy validation and the no-wait test mode."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import aresilient
from aresilient import (
    ConstantBackoff,
    DecorrelatedJitterBackoff,
    ExponentialBackoff,
    FibonacciBackoff,
    LinearBackoff,
    RetryPolicy,
    parse_retry_after,
)
from aresilient.testing import no_wait
from httpy.testing import RunningServer


def delays(strategy: aresilient.BackoffStrategy, count: int) -> list[float]:
    result, previous = [], 0.0
    for attempt in range(1, count + 1):
        previous = strategy.delay(attempt, previous)
        result.append(previous)
    return result


def test_exponential_backoff() -> None:
    assert delays(ExponentialBackoff(), 4) == pytest.approx([0.3, 0.6, 1.2, 2.4])
    assert delays(ExponentialBackoff(1, max_delay=3), 4) == [1, 2, 3, 3]
    assert ExponentialBackoff().delay(10_000, 0) > 0  # no OverflowError


def test_linear_fibonacci_constant() -> None:
    assert delays(LinearBackoff(1), 3) == [1, 2, 3]
    assert delays(FibonacciBackoff(1), 6) == [1, 1, 2, 3, 5, 8]
    assert delays(FibonacciBackoff(1, max_delay=4), 6) == [1, 1, 2, 3, 4, 4]
    assert delays(ConstantBackoff(2), 3) == [2, 2, 2]


def test_decorrelated_jitter_stays_in_its_bounds() -> None:
    low = DecorrelatedJitterBackoff(1, 10, random=lambda: 0.0)
    high = DecorrelatedJitterBackoff(1, 10, random=lambda: 0.999999)
    assert delays(low, 3) == [1, 1, 1]
    assert delays(high, 4) == pytest.approx([1, 3, 9, 10], rel=1e-5)
    real = DecorrelatedJitterBackoff(0.5, 5)
    assert all(0.5 <= wait <= 5 for wait in delays(real, 50))


def test_strategies_refuse_negative_delays() -> None:
    with pytest.raises(ValueError, match="base_delay"):
        ExponentialBackoff(-1)
    with pytest.raises(ValueError, match="multiplier"):
        ExponentialBackoff(1, multiplier=0.5)
    with pytest.raises(ValueError, match="max_delay"):
        DecorrelatedJitterBackoff(2, 1)


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("Thu, 01 Jan 2026 12:00:30 GMT", 30.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("Thursday, 01-Jan-26 12:01:00 GMT", 60.0),  # RFC 850, obsolete but allowed
        ("Thu Jan  1 12:00:10 2026", 10.0),  # asctime, no zone: read as UTC
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("12abc", None),
        ("1e400", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"jitter_factor": -0.1}, "jitter_factor"),
        ({"max_total_time": 0}, "max_total_time"),
        ({"max_wait_time": -1}, "max_wait_time"),
    ],
)
def test_policy_validation(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**options)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        aresilient.Client(**options)  # type: ignore[arg-type]


def test_backoff_strategy_must_have_delay() -> None:
    with pytest.raises(TypeError, match="backoff_strategy"):
        RetryPolicy(backoff_strategy=0.3)  # type: ignore[arg-type]


def test_retry_methods_are_case_insensitive() -> None:
    assert RetryPolicy(retry_methods=["post"]).retry_methods == {"POST"}


def test_replace_keeps_the_rest() -> None:
    policy = RetryPolicy(max_retries=5, status_forcelist=[418])
    changed = policy.replace({"max_retries": 1})
    assert (changed.max_retries, changed.status_forcelist) == (1, frozenset({418}))
    assert policy.max_retries == 5


# Each of these asks for an hour of backoff (and no max_retry_time, which would refuse such a
# wait): a wait that was not skipped fails the test by its timeout, not by a measured duration.
HOUR: dict[str, Any] = {"backoff_strategy": ConstantBackoff(3600), "max_retry_time": None}


@pytest.mark.timeout(60)
def test_no_wait_skips_the_default_sleep(httpbin: RunningServer, key: str) -> None:
    with no_wait(), aresilient.Client(**HOUR) as client:
        response = client.get(f"{httpbin.url}/flaky/{key}?fail=3")
    assert response.status_code == 200


@pytest.mark.timeout(60)
def test_no_wait_async(httpbin: RunningServer, key: str) -> None:
    async def main() -> int:
        async with aresilient.AsyncClient(**HOUR) as client:
            return (await client.get(f"{httpbin.url}/flaky/{key}?fail=3")).status_code

    with no_wait():
        assert asyncio.run(main()) == 200


@pytest.mark.timeout(60)
def test_no_wait_environment_variable(
    httpbin: RunningServer, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARESILIENT_NO_WAIT", "1")
    response = aresilient.get(f"{httpbin.url}/flaky/{key}?fail=3", **HOUR)
    assert response.status_code == 200


def test_without_no_wait_the_default_sleep_waits(httpbin: RunningServer, key: str) -> None:
    started = time.monotonic()
    with aresilient.Client(backoff_strategy=ConstantBackoff(0.4)) as client:
        assert client.get(f"{httpbin.url}/flaky/{key}?fail=1").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_nested_no_wait_blocks() -> None:
    from aresilient import _waiting  # noqa: PLC0415 - the private switch, to check nesting

    with no_wait():
        with no_wait():
            assert _waiting._waiting_off()
        assert _waiting._waiting_off()
    assert not _waiting._waiting_off()


def test_a_generator_body_is_recognised_as_not_replayable() -> None:
    # Guards the private httpx stream types aresilient relies on (httpx._content).
    from aresilient._policy import is_replayable  # noqa: PLC0415

    def body() -> Iterator[bytes]:
        yield b"x"

    assert not is_replayable(httpx.Request("PUT", "http://127.0.0.1/", content=body()))
    assert is_replayable(httpx.Request("PUT", "http://127.0.0.1/", content=b"x"))
    assert is_replayable(httpx.Request("PUT", "http://127.0.0.1/", json={"a": 1}))
    assert is_replayable(httpx.Request("PUT", "http://127.0.0.1/", files={"f": ("a.txt", b"data")}))


def test_each_attempt_gets_the_time_left_as_its_timeout() -> None:
    # A fake clock that the fake sleep advances: the arithmetic of max_total_time, exactly.
    now = [100.0]
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        now[0] += 1.0  # every attempt takes a second
        return httpx.Response(503)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with aresilient.Client(
        transport=httpx.MockTransport(handler),
        timeout=httpx.Timeout(5.0, pool=None),
        max_total_time=6.0,
        max_retries=10,
        backoff_strategy=ConstantBackoff(1.0),
        clock=lambda: now[0],
        sleep=sleep,
    ) as client:
        response = client.get("http://127.0.0.1/")
    assert response.status_code == 503
    # Attempts start at 0, 2 and 4 s into the 6 s budget; a fourth would start at 6 s.
    assert [timeout["read"] for timeout in seen] == [5.0, 4.0, 2.0]
    assert [timeout["pool"] for timeout in seen] == [6.0, 4.0, 2.0]  # None became the budget


def test_each_async_attempt_gets_the_time_left_as_its_timeout() -> None:
    now = [100.0]
    seen: list[float | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"]["read"])
        now[0] += 1.0
        return httpx.Response(503)

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def main() -> int:
        async with aresilient.AsyncClient(
            transport=httpx.MockTransport(handler),
            timeout=5.0,
            max_total_time=6.0,
            max_retries=10,
            backoff_strategy=ConstantBackoff(1.0),
            clock=lambda: now[0],
            sleep=sleep,
        ) as client:
            return (await client.get("http://127.0.0.1/")).status_code

    assert asyncio.run(main()) == 503
    assert seen == [5.0, 4.0, 2.0]
