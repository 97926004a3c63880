"""RateLimiter: a token bucket whose callers reserve, shared by threads, tasks and clients."""

from __future__ import annotations

import threading

import httpx
import pytest
from aresilient_harness import Harness

import aresilient
from httpy.testing import RunningServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_token_per_interval() -> None:
    limiter = aresilient.RateLimiter(1.0, burst=2, max_wait=None, clock=FakeClock())
    assert [limiter.reserve() for _ in range(4)] == [0.0, 0.0, 1.0, 2.0]
    assert limiter.available == -2.0  # two callers queued


def test_tokens_come_back_with_time_up_to_the_burst() -> None:
    clock = FakeClock()
    limiter = aresilient.RateLimiter(2.0, burst=3, clock=clock)
    for _ in range(3):
        limiter.reserve()
    clock.now += 1.0
    assert limiter.available == 2.0
    clock.now += 60.0
    assert limiter.available == 3.0  # capped at the burst


def test_a_wait_over_max_wait_is_refused_and_takes_nothing() -> None:
    limiter = aresilient.RateLimiter(1.0, burst=1, max_wait=1.5, clock=FakeClock())
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 1.0
    with pytest.raises(aresilient.RateLimitExceeded, match="max_wait"):
        limiter.reserve()
    assert limiter.available == -1.0


def test_a_refund_gives_the_token_to_the_next_caller() -> None:
    limiter = aresilient.RateLimiter(1.0, burst=1, max_wait=None, clock=FakeClock())
    limiter.reserve()
    assert limiter.reserve() == 1.0
    limiter.refund()  # that caller was cancelled
    assert limiter.reserve() == 1.0


@pytest.mark.parametrize(
    ("arguments", "name"),
    [({"rate": 0}, "rate"), ({"burst": 0}, "burst"), ({"max_wait": -1.0}, "max_wait")],
)
def test_bad_arguments_are_refused(arguments: dict[str, float], name: str) -> None:
    settings: dict[str, float] = {"rate": 1.0, **arguments}
    with pytest.raises(ValueError, match=name):
        aresilient.RateLimiter(**settings)  # type: ignore[arg-type]


def test_64_threads_each_get_their_own_slot_in_line() -> None:
    limiter = aresilient.RateLimiter(10.0, burst=4, max_wait=None, clock=FakeClock())
    start = threading.Barrier(64)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait(timeout=30)
        wait = limiter.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Four from the burst, then one every 0.1 s: no token handed out twice, none skipped.
    expected = [0.0] * 4 + [round(0.1 * n, 6) for n in range(1, 61)]
    assert sorted(round(wait, 6) for wait in waits) == expected


# -- in the clients --------------------------------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def test_clients_wait_their_turn(harness: Harness, httpbin: RunningServer) -> None:
    limiter = aresilient.RateLimiter(10.0, burst=1, clock=FakeClock())
    client = {"rate_limiter": limiter}
    for _ in range(3):  # each on a client of its own: the limiter is shared
        assert harness.request("GET", f"{httpbin.url}/get", client=client).status_code == 200
    assert [round(wait, 6) for wait in harness.sleeps] == [0.1, 0.2]


def test_each_retry_takes_a_token_too(harness: Harness, httpbin: RunningServer, key: str) -> None:
    limiter = aresilient.RateLimiter(10.0, burst=1, clock=FakeClock())
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=1", client={"rate_limiter": limiter}
    )
    assert response.status_code == 200
    # The retry's backoff (0.3 s) and then its token's wait (0.1 s).
    assert [round(wait, 6) for wait in harness.sleeps] == [0.3, 0.1]


def test_over_max_wait_the_request_is_not_sent(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    limiter = aresilient.RateLimiter(1.0, burst=1, max_wait=0.0, clock=FakeClock())
    client = {"rate_limiter": limiter}
    assert harness.request("GET", f"{httpbin.url}/get", client=client).status_code == 200
    with pytest.raises(aresilient.RateLimitExceeded) as caught:
        harness.request("GET", f"{httpbin.url}/flaky/{key}", client=client)
    assert isinstance(caught.value, httpx.TransportError)
    assert httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"] == 0
    assert harness.sleeps == []  # not retried
