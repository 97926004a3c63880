"""The circuit breaker alone (fake clock), under 64 threads and 64 tasks, alone and through the
clients, and in the clients."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from aresilient_harness import Harness

import aresilient
from aresilient import CircuitBreaker, CircuitBreakerError, CircuitState
from aresilient.testing import no_wait
from httpy.testing import RunningServer


def state_of(breaker: CircuitBreaker) -> CircuitState:
    """Reads the property through a call, so the type checker does not narrow it."""
    return breaker.state


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record_failure(breaker.acquire())


def test_opens_at_the_threshold_and_refuses_calls() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=10, clock=clock)
    fail(breaker, 2)
    assert (state_of(breaker), breaker.failure_count) == (CircuitState.CLOSED, 2)
    fail(breaker)
    assert state_of(breaker) is CircuitState.OPEN
    assert breaker.last_failure_time == 1000.0
    with pytest.raises(CircuitBreakerError, match="open"):
        breaker.acquire()


def test_a_success_resets_the_consecutive_count() -> None:
    breaker = CircuitBreaker(failure_threshold=3)
    fail(breaker, 2)
    breaker.record_success(breaker.acquire())
    fail(breaker, 2)
    assert (state_of(breaker), breaker.failure_count) == (CircuitState.CLOSED, 2)


def test_half_open_after_the_timeout_then_closed_by_a_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=10, clock=clock)
    fail(breaker)
    clock.now += 9.9
    assert state_of(breaker) is CircuitState.OPEN
    clock.now += 0.1
    assert state_of(breaker) is CircuitState.HALF_OPEN
    probe = breaker.acquire()
    with pytest.raises(CircuitBreakerError, match="half-open"):
        breaker.acquire()  # half_open_max_calls=1: one probe at a time
    breaker.record_success(probe)
    assert (state_of(breaker), breaker.failure_count) == (CircuitState.CLOSED, 0)


def test_a_failed_probe_opens_it_again() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=10, clock=clock)
    fail(breaker)
    clock.now += 10
    breaker.record_failure(breaker.acquire())
    assert state_of(breaker) is CircuitState.OPEN
    assert breaker.last_failure_time == clock.now


def test_a_released_probe_frees_its_slot() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=1, clock=clock)
    fail(breaker)
    clock.now += 1
    breaker.release(breaker.acquire())
    breaker.acquire()  # the slot is free again
    assert state_of(breaker) is CircuitState.HALF_OPEN


def test_late_answers_from_an_earlier_period_change_nothing() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, recovery_timeout=1, clock=clock)
    slow_call = breaker.acquire()  # admitted while closed
    fail(breaker, 2)
    clock.now += 1
    probe = breaker.acquire()
    breaker.record_success(slow_call)  # not a probe: must not close the breaker
    assert state_of(breaker) is CircuitState.HALF_OPEN
    breaker.record_failure(probe)
    assert state_of(breaker) is CircuitState.OPEN


def test_expected_exception_filters_what_counts() -> None:
    breaker = CircuitBreaker(failure_threshold=1, expected_exception=httpx.TransportError)

    def boom(error: Exception) -> None:
        raise error

    with pytest.raises(ValueError, match="bad"):
        breaker.call(boom, ValueError("bad"))
    assert state_of(breaker) is CircuitState.CLOSED
    with pytest.raises(httpx.ConnectError):
        breaker.call(boom, httpx.ConnectError("refused"))
    assert state_of(breaker) is CircuitState.OPEN
    with pytest.raises(CircuitBreakerError):
        breaker.call(boom, ValueError("never called"))


def test_call_async() -> None:
    breaker = CircuitBreaker(failure_threshold=1)

    async def answer(value: int) -> int:
        await asyncio.sleep(0)
        return value

    assert asyncio.run(breaker.call_async(answer, 42)) == 42


def test_reset_closes_it() -> None:
    changes: list[tuple[CircuitState, CircuitState]] = []
    breaker = CircuitBreaker(
        failure_threshold=1, on_state_change=lambda old, new: changes.append((old, new))
    )
    fail(breaker)
    breaker.reset()
    assert (state_of(breaker), breaker.failure_count, breaker.last_failure_time) == (
        CircuitState.CLOSED,
        0,
        None,
    )
    assert changes == [
        (CircuitState.CLOSED, CircuitState.OPEN),
        (CircuitState.OPEN, CircuitState.CLOSED),
    ]


def test_the_callback_may_read_and_reset_the_breaker() -> None:
    seen: list[tuple[CircuitState, int]] = []

    def on_change(old: CircuitState, new: CircuitState) -> None:
        # Runs outside the lock: reading (and even resetting) cannot deadlock.
        seen.append((state_of(breaker), breaker.failure_count))
        if new is CircuitState.OPEN:
            breaker.reset()

    breaker = CircuitBreaker(failure_threshold=2, on_state_change=on_change)
    done = threading.Event()

    def trip() -> None:
        fail(breaker, 2)
        done.set()

    threading.Thread(target=trip, daemon=True).start()
    assert done.wait(5), "deadlock: the state-change callback could not read the breaker"
    assert state_of(breaker) is CircuitState.CLOSED
    assert seen[0][0] in (CircuitState.OPEN, CircuitState.CLOSED)


@pytest.mark.parametrize("value", [0, -1])
def test_arguments_are_validated(value: int) -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(failure_threshold=value)
    with pytest.raises(ValueError, match="half_open_max_calls"):
        CircuitBreaker(half_open_max_calls=value)


# -- concurrency -------------------------------------------------------------------------------

WORKERS = 64


def test_64_threads_trip_it_exactly_once() -> None:
    changes: list[tuple[CircuitState, CircuitState]] = []
    breaker = CircuitBreaker(
        failure_threshold=10,
        recovery_timeout=60,
        on_state_change=lambda old, new: changes.append((old, new)),
    )
    barrier = threading.Barrier(WORKERS)

    def worker() -> str:
        barrier.wait()
        try:
            token = breaker.acquire()
        except CircuitBreakerError:
            return "refused"
        breaker.record_failure(token)
        return "failed"

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda _: worker(), range(WORKERS)))
    assert state_of(breaker) is CircuitState.OPEN
    assert changes == [(CircuitState.CLOSED, CircuitState.OPEN)]
    assert outcomes.count("failed") >= 10
    assert outcomes.count("failed") + outcomes.count("refused") == WORKERS
    # Counting stops at the threshold: failures answered after it opened are stale.
    assert breaker.failure_count == 10


@pytest.mark.parametrize("max_calls", [1, 3])
def test_64_threads_half_open_lets_only_the_probes_through(max_calls: int) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(
        failure_threshold=1, recovery_timeout=5, half_open_max_calls=max_calls, clock=clock
    )
    fail(breaker)
    clock.now += 5
    barrier = threading.Barrier(WORKERS)
    admitted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            token = breaker.acquire()
        except CircuitBreakerError:
            return
        with lock:
            admitted.append(token)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda _: worker(), range(WORKERS)))
    assert len(admitted) == max_calls
    assert state_of(breaker) is CircuitState.HALF_OPEN
    breaker.record_success(admitted[0])
    assert state_of(breaker) is CircuitState.CLOSED


def test_64_asyncio_tasks_share_one_breaker() -> None:
    clock = FakeClock()
    changes: list[tuple[CircuitState, CircuitState]] = []
    breaker = CircuitBreaker(
        failure_threshold=5,
        recovery_timeout=5,
        half_open_max_calls=2,
        clock=clock,
        on_state_change=lambda old, new: changes.append((old, new)),
    )

    async def failing_call() -> None:
        await asyncio.sleep(0)
        raise httpx.ReadError("boom")

    async def task() -> str:
        try:
            await breaker.call_async(failing_call)
        except CircuitBreakerError:
            return "refused"
        except httpx.ReadError:
            return "failed"
        return "ok"

    async def main() -> tuple[list[str], list[str]]:
        first = await asyncio.gather(*(task() for _ in range(WORKERS)))
        clock.now += 5
        probes_started = asyncio.Event()
        release = asyncio.Event()
        admitted: list[str] = []

        async def slow_probe() -> str:
            admitted.append("probe")
            if len(admitted) == 2:
                probes_started.set()
            await release.wait()
            return "ok"

        async def probe_task() -> str:
            try:
                return await breaker.call_async(slow_probe)
            except CircuitBreakerError:
                return "refused"

        pending = [asyncio.create_task(probe_task()) for _ in range(WORKERS)]
        await asyncio.wait_for(probes_started.wait(), 5)
        release.set()
        second = await asyncio.gather(*pending)
        return first, second

    first, second = asyncio.run(main())
    # All 64 were admitted while closed (each failed after a checkpoint): every failure counts.
    assert first.count("failed") == WORKERS
    assert second.count("ok") == 2
    assert second.count("refused") == WORKERS - 2
    assert changes == [
        (CircuitState.CLOSED, CircuitState.OPEN),
        (CircuitState.OPEN, CircuitState.HALF_OPEN),
        (CircuitState.HALF_OPEN, CircuitState.CLOSED),
    ]


# -- in the clients ------------------------------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def test_client_counts_failures_and_fails_fast_when_open(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=60)
    url = f"{httpbin.url}/flaky/{key}?fail=100"
    client = {"circuit_breaker": breaker, "max_retries": 1}
    for counted in (1, 2):
        assert harness.request("GET", url, client=client).status_code == 503
        # One logical request counts once, however many attempts it made.
        assert breaker.failure_count == counted
    assert harness.request("GET", url, client=client).status_code == 503  # the third opens it
    with pytest.raises(CircuitBreakerError) as caught:
        harness.request("GET", url, client=client)
    # The fourth request was refused without reaching the server.
    assert httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"] == 6
    assert caught.value.request.url == url
    assert state_of(breaker) is CircuitState.OPEN
    with pytest.raises(CircuitBreakerError):
        harness.request("GET", f"{httpbin.url}/get", client=client)
    assert isinstance(caught.value, httpx.TransportError)


def test_client_probe_closes_the_breaker(harness: Harness, httpbin: RunningServer) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=1, clock=clock)
    fail(breaker)
    clock.now += 1
    response = harness.request("GET", f"{httpbin.url}/get", client={"circuit_breaker": breaker})
    assert response.status_code == 200
    assert state_of(breaker) is CircuitState.CLOSED


def test_client_success_keeps_it_closed(harness: Harness, httpbin: RunningServer) -> None:
    breaker = aresilient.CircuitBreaker(failure_threshold=2)
    fail(breaker)
    harness.request("GET", f"{httpbin.url}/status/404", client={"circuit_breaker": breaker})
    assert breaker.failure_count == 0  # a 404 is an answer, not a failure of the service


# -- the failure-ratio window ------------------------------------------------------------------


def succeed(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record_success(breaker.acquire())


def ratio_breaker(clock: FakeClock, **overrides: object) -> CircuitBreaker:
    settings: dict[str, object] = {
        "failure_threshold": None,
        "failure_ratio": 0.5,
        "sampling_duration": 10.0,
        "minimum_throughput": 10,
        "recovery_timeout": 5.0,
        "clock": clock,
    }
    settings.update(overrides)
    return CircuitBreaker(**settings)  # type: ignore[arg-type]


def test_a_failure_ratio_opens_it_though_successes_interleave() -> None:
    breaker = ratio_breaker(FakeClock())
    for _ in range(4):
        succeed(breaker)
        fail(breaker)
    succeed(breaker)
    assert breaker.window_counts == (5, 4)
    assert state_of(breaker) is CircuitState.CLOSED
    fail(breaker)  # 5 of 10: the ratio, at the minimum throughput
    assert state_of(breaker) is CircuitState.OPEN
    assert breaker.window_counts == (0, 0)  # a transition starts a new window


def test_below_the_minimum_throughput_nothing_opens_it() -> None:
    breaker = ratio_breaker(FakeClock())
    fail(breaker, 9)
    assert state_of(breaker) is CircuitState.CLOSED


def test_old_calls_leave_the_window() -> None:
    clock = FakeClock()
    breaker = ratio_breaker(clock)
    fail(breaker, 4)
    clock.now += 10.0  # the whole window later: those failures aged out
    succeed(breaker, 5)
    fail(breaker)
    assert breaker.window_counts == (5, 1)
    assert state_of(breaker) is CircuitState.CLOSED


def test_the_threshold_and_the_ratio_both_apply() -> None:
    breaker = ratio_breaker(FakeClock(), failure_threshold=3)
    fail(breaker, 3)
    assert state_of(breaker) is CircuitState.OPEN


@pytest.mark.parametrize(
    "overrides",
    [
        {"failure_ratio": 0.0},
        {"failure_ratio": 1.5},
        {"failure_ratio": None},  # and no threshold: nothing would open it
        {"minimum_throughput": 0},
        {"sampling_duration": 0.0},
    ],
)
def test_window_arguments_are_validated(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"failure_ratio|minimum_throughput|sampling_duration"):
        ratio_breaker(FakeClock(), **overrides)


def test_64_threads_open_it_by_ratio_exactly_once() -> None:
    changes: list[tuple[CircuitState, CircuitState]] = []
    breaker = ratio_breaker(
        FakeClock(),
        minimum_throughput=32,
        sampling_duration=60.0,
        on_state_change=lambda old, new: changes.append((old, new)),
    )
    all_admitted = threading.Barrier(WORKERS)

    def worker(index: int) -> None:
        token = breaker.acquire()
        all_admitted.wait(timeout=30)
        if index % 4 == 0:
            breaker.record_success(token)
        else:
            breaker.record_failure(token)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(worker, range(WORKERS)))
    # 48 failures of 64, in whatever order the threads ran: the ratio holds by the last one.
    assert state_of(breaker) is CircuitState.OPEN
    assert changes == [(CircuitState.CLOSED, CircuitState.OPEN)]


def test_client_a_failed_probe_is_not_retried_past_the_breaker(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, recovery_timeout=1, clock=clock)
    fail(breaker)
    clock.now += 1
    with pytest.raises(CircuitBreakerError):
        harness.request(
            "GET", f"{httpbin.url}/flaky/{key}?fail=10", client={"circuit_breaker": breaker}
        )
    # The probe failed and reopened it; the retry was refused, so one request reached it.
    assert httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"] == 1
    assert state_of(breaker) is CircuitState.OPEN


def test_client_shares_a_ratio_breaker_between_clients(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    breaker = CircuitBreaker(
        failure_threshold=None, failure_ratio=0.5, minimum_throughput=4, recovery_timeout=60
    )
    client = {"circuit_breaker": breaker, "max_retries": 0}
    for _ in range(2):  # each request on a client of its own
        assert harness.request("GET", f"{httpbin.url}/get", client=client).status_code == 200
        url = f"{httpbin.url}/flaky/{key}?fail=10"
        assert harness.request("GET", url, client=client).status_code == 503
    assert state_of(breaker) is CircuitState.OPEN


# -- 64 threads, 64 tasks, in the clients: one count per logical request ---------------------


def _half_failing_keys() -> list[tuple[str, int]]:
    """Fresh /flaky keys: the odd ones fail every attempt, the even ones only their first."""
    return [(uuid.uuid4().hex, 100 if n % 2 else 1) for n in range(WORKERS)]


def _counting_breaker() -> CircuitBreaker:
    # Neither limit can be reached, so the breaker only counts; the window outlasts any run.
    return CircuitBreaker(
        failure_threshold=10_000,
        failure_ratio=1.0,
        minimum_throughput=10_000,
        sampling_duration=3600,
    )


def _server_calls(httpbin: RunningServer, keys: list[tuple[str, int]]) -> int:
    return sum(
        int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"]) for key, _ in keys
    )


def test_64_threads_through_one_client_count_each_request_once(httpbin: RunningServer) -> None:
    breaker = _counting_breaker()
    keys = _half_failing_keys()
    with (
        no_wait(),
        aresilient.Client(base_url=httpbin.url, circuit_breaker=breaker, max_retries=2) as client,
    ):

        def fetch(key_and_fail: tuple[str, int]) -> int:
            key, failures = key_and_fail
            return client.get(f"/flaky/{key}", params={"fail": failures}).status_code

        with ThreadPoolExecutor(WORKERS) as pool:
            statuses = list(pool.map(fetch, keys))
    assert statuses == [200, 503] * (WORKERS // 2)
    # 32 requests of three failed attempts and 32 of a failed and a good one: 160 attempts,
    # but 32 failures and 32 successes, whatever order the threads ran in.
    assert _server_calls(httpbin, keys) == 32 * 3 + 32 * 2
    assert breaker.window_counts == (32, 32)
    assert state_of(breaker) is CircuitState.CLOSED


def test_64_tasks_through_one_client_count_each_request_once(httpbin: RunningServer) -> None:
    breaker = _counting_breaker()
    keys = _half_failing_keys()

    async def main() -> list[int]:
        async with aresilient.AsyncClient(
            base_url=httpbin.url, circuit_breaker=breaker, max_retries=2
        ) as client:
            responses = await asyncio.gather(
                *(client.get(f"/flaky/{key}", params={"fail": fail}) for key, fail in keys)
            )
        return [response.status_code for response in responses]

    with no_wait():
        statuses = asyncio.run(main())
    assert statuses == [200, 503] * (WORKERS // 2)
    assert _server_calls(httpbin, keys) == 32 * 3 + 32 * 2
    assert breaker.window_counts == (32, 32)
    assert state_of(breaker) is CircuitState.CLOSED


def test_64_threads_open_a_shared_breaker_once_and_the_rest_fail_fast(
    httpbin: RunningServer,
) -> None:
    changes: list[tuple[CircuitState, CircuitState]] = []
    lock = threading.Lock()

    def on_change(old: CircuitState, new: CircuitState) -> None:
        with lock:
            changes.append((old, new))

    breaker = CircuitBreaker(failure_threshold=8, recovery_timeout=3600, on_state_change=on_change)
    keys = [uuid.uuid4().hex for _ in range(WORKERS)]
    # Two clients share the breaker, as clients of one dependency in one process would.
    with (
        no_wait(),
        aresilient.Client(base_url=httpbin.url, circuit_breaker=breaker, max_retries=1) as one,
        aresilient.Client(base_url=httpbin.url, circuit_breaker=breaker, max_retries=1) as two,
    ):

        def fetch(index: int) -> str:
            client = one if index % 2 else two
            try:
                return str(client.get(f"/flaky/{keys[index]}?fail=100").status_code)
            except CircuitBreakerError:
                return "refused"

        with ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(fetch, range(WORKERS)))
    assert set(outcomes) <= {"503", "refused"}
    assert changes == [(CircuitState.CLOSED, CircuitState.OPEN)]
    assert state_of(breaker) is CircuitState.OPEN
    # Eight requests had to fail (each once, after both attempts) to open it. A 503 made both
    # attempts; a refused request made one (its retry refused) or none (refused at once).
    failed, refused = outcomes.count("503"), outcomes.count("refused")
    assert failed >= 8
    sent = _server_calls(httpbin, [(key, 0) for key in keys])
    assert 2 * failed <= sent <= 2 * failed + refused
