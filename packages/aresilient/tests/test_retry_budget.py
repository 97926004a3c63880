"""RetryBudget: retries capped at a share of recent successes, shared by every caller."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from aresilient_harness import Harness

import aresilient
from aresilient.testing import no_wait
from httpy.testing import RunningServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


def test_retries_are_a_share_of_successes() -> None:
    budget = aresilient.RetryBudget(0.2, min_retries=0, clock=FakeClock())
    assert budget.available == 0
    assert not budget.try_retry()
    for _ in range(10):
        budget.record_success()
    assert budget.available == 2
    assert [budget.try_retry() for _ in range(3)] == [True, True, False]
    assert budget.available == 0


def test_min_retries_is_a_floor_for_quiet_callers() -> None:
    budget = aresilient.RetryBudget(0.0, min_retries=3, clock=FakeClock())
    assert [budget.try_retry() for _ in range(4)] == [True, True, True, False]


def test_old_successes_and_retries_age_out_of_the_window() -> None:
    clock = FakeClock()
    budget = aresilient.RetryBudget(0.5, min_retries=1, window=10, clock=clock)
    for _ in range(4):
        budget.record_success()
    assert budget.available == 3
    assert budget.try_retry()
    clock.now += 5
    assert budget.available == 2  # still in the window
    clock.now += 5
    assert budget.available == 1  # successes and the retry aged out: the floor is left
    budget.record_success()
    budget.record_success()
    assert budget.available == 2
    budget.reset()
    assert budget.available == 1


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"ratio": -0.1}, "ratio"),
        ({"min_retries": -1}, "min_retries"),
        ({"window": 0}, "window"),
        ({"window": 3601}, "window"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        aresilient.RetryBudget(**arguments)  # type: ignore[arg-type]


def test_64_threads_never_overspend() -> None:
    budget = aresilient.RetryBudget(0.1, min_retries=0, clock=FakeClock())
    successes_in = threading.Barrier(64)
    granted: list[int] = []

    def worker() -> None:
        for _ in range(100):
            budget.record_success()
        successes_in.wait(timeout=30)
        granted.append(sum(budget.try_retry() for _ in range(100)))

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(granted) == 640  # 10% of 6,400 successes, not one more


# -- in the clients --------------------------------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def test_one_budget_spans_clients(harness: Harness, httpbin: RunningServer, key: str) -> None:
    budget = aresilient.RetryBudget(0.5, min_retries=0)
    for _ in range(4):  # each on a client of its own
        response = harness.request("GET", f"{httpbin.url}/get", client={"retry_budget": budget})
        assert response.status_code == 200
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=10", client={"retry_budget": budget}
    )
    assert response.status_code == 503
    assert calls(httpbin, key) == 3  # two retries: half of four successes
    assert harness.sleeps == [0.3, 0.6]


def test_a_spent_budget_fails_fast_on_exceptions_too(harness: Harness, refused_url: str) -> None:
    budget = aresilient.RetryBudget(0.0, min_retries=1)
    with pytest.raises(httpx.ConnectError):
        harness.request("GET", refused_url, client={"retry_budget": budget})
    assert len(harness.sleeps) == 1
    with pytest.raises(httpx.ConnectError):
        harness.request("GET", refused_url, client={"retry_budget": budget})
    assert len(harness.sleeps) == 1  # no retry left


def test_64_threads_share_one_budget(httpbin: RunningServer) -> None:
    budget = aresilient.RetryBudget(0.0, min_retries=5, window=3600)  # outlasts any slow run
    keys = [uuid.uuid4().hex for _ in range(64)]
    with no_wait(), aresilient.Client(base_url=httpbin.url, retry_budget=budget) as client:

        def fetch(key: str) -> int:
            return client.get(f"/flaky/{key}?fail=10").status_code

        with ThreadPoolExecutor(64) as pool:
            statuses = list(pool.map(fetch, keys))
    assert statuses == [503] * 64
    assert sum(calls(httpbin, key) for key in keys) == 64 + 5


def test_64_tasks_share_one_budget(httpbin: RunningServer) -> None:
    budget = aresilient.RetryBudget(0.0, min_retries=5, window=3600)  # outlasts any slow run
    keys = [uuid.uuid4().hex for _ in range(64)]

    async def main() -> list[int]:
        async with aresilient.AsyncClient(base_url=httpbin.url, retry_budget=budget) as client:
            responses = await asyncio.gather(*(client.get(f"/flaky/{key}?fail=10") for key in keys))
        return [response.status_code for response in responses]

    with no_wait():
        statuses = asyncio.run(main())
    assert statuses == [503] * 64
    assert sum(calls(httpbin, key) for key in keys) == 64 + 5
