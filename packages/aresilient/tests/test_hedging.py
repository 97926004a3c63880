"""Hedging: a slow idempotent request is sent again; the first good answer wins."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import httpx
import pytest
from aresilient_harness import Harness, StallServer

import aresilient
from aresilient import Hedging
from httpy.testing import RunningServer


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


def test_a_slow_first_answer_is_overtaken_by_the_hedge(
    harness: Harness, failing_server: RunningServer, key: str
) -> None:
    # The first call for the key takes 2 s; the copy sent 0.05 s later answers at once.
    response = harness.request(
        "GET",
        f"{failing_server.url}/slow-first/{key}?delay=2",
        client={"hedging": Hedging(0.05)},
    )
    assert response.json() == {"calls": 2}
    assert harness.sleeps == []  # a hedge is not a retry: no backoff


def _hedged_get(flavour: str, layer: str, url: str) -> httpx.Response:
    """One GET under a 60 s timeout, hedged after 0.05 s, by a client or a transport."""
    hedging = Hedging(0.05)
    if flavour == "sync" and layer == "client":
        with aresilient.Client(timeout=60.0, hedging=hedging) as client:
            return client.get(url)
    if flavour == "sync":
        transport = aresilient.RetryTransport(hedging=hedging)
        with httpx.Client(transport=transport, timeout=60.0) as plain_client:
            return plain_client.get(url)

    async def main() -> httpx.Response:
        if layer == "client":
            async with aresilient.AsyncClient(timeout=60.0, hedging=hedging) as client:
                return await client.get(url)
        async_transport = aresilient.AsyncRetryTransport(hedging=hedging)
        async with httpx.AsyncClient(transport=async_transport, timeout=60.0) as client:
            return await client.get(url)

    return asyncio.run(main())


def _hedge_threads_end() -> list[threading.Thread]:
    """The hedge worker threads still running after a bounded wait for each to end."""
    threads = [t for t in threading.enumerate() if t.name.startswith("aresilient-hedge")]
    for thread in threads:
        thread.join(10.0)
    return [thread for thread in threads if thread.is_alive()]


@pytest.mark.parametrize("layer", ["client", "transport"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_losing_copy_is_cancelled(flavour: str, layer: str) -> None:
    # The first copy's server never answers (for 30 s); the hedge gets `ok` at once. The
    # winner must not leave the loser running: its connection is closed (async: its task is
    # cancelled; sync: its socket is shut down under the blocked read), and no thread stays.
    with closing(StallServer(["stall"], hold=30.0)) as server:
        response = _hedged_get(flavour, layer, server.url)
        assert response.text == "ok"
        # Left running, the loser would have been answered after 30 s ("answered").
        assert server.wait_for_outcomes(1) == ["client closed"]
    assert _hedge_threads_end() == []


def test_a_sync_loser_gives_its_pool_slot_back() -> None:
    # Two connections at most. A loser still blocked on its read would hold one of them for
    # 30 s, and of two requests sent together after the hedged one, one would wait for a
    # slot until its pool timeout.
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    timeout = httpx.Timeout(60.0, pool=5.0)
    with (
        closing(StallServer(["stall"], hold=30.0)) as server,
        aresilient.Client(limits=limits, timeout=timeout, hedging=Hedging(0.05)) as client,
    ):
        assert client.get(server.url).text == "ok"
        assert server.wait_for_outcomes(1) == ["client closed"]
        with ThreadPoolExecutor(2) as pool:
            # POST: not hedged, so each is one request on one connection.
            answers = list(pool.map(lambda _: client.post(server.url).text, range(2)))
        assert answers == ["ok", "ok"]


def test_a_quick_answer_sends_no_copy(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=0", client={"hedging": Hedging(30.0)}
    )
    assert response.status_code == 200
    assert calls(httpbin, key) == 1


def test_a_quick_bad_answer_goes_back_to_the_retry_loop(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=1",
        client={"hedging": Hedging(30.0)},
    )
    assert response.status_code == 200  # the 503 came back before any copy; retried once
    assert calls(httpbin, key) == 2
    assert harness.sleeps == [0.3]


def test_only_idempotent_replayable_requests_are_hedged() -> None:
    policy = aresilient.RetryPolicy(hedging=Hedging(0.1))
    assert policy.may_hedge(httpx.Request("GET", "http://127.0.0.1/"), stream=False)
    assert not policy.may_hedge(httpx.Request("GET", "http://127.0.0.1/"), stream=True)
    assert not policy.may_hedge(httpx.Request("POST", "http://127.0.0.1/"), stream=False)
    streamed = httpx.Request("PUT", "http://127.0.0.1/", content=iter([b"once"]))
    assert not policy.may_hedge(streamed, stream=False)
    assert not aresilient.RetryPolicy().may_hedge(
        httpx.Request("GET", "http://127.0.0.1/"), stream=False
    )


def test_the_delay_can_follow_a_latency_percentile() -> None:
    hedging = Hedging(10.0, percentile=0.5, samples=4, min_samples=3)
    hedging.record_latency(0.3)
    hedging.record_latency(0.1)
    assert hedging.current_delay() == 10.0  # too few samples yet
    hedging.record_latency(0.2)
    assert hedging.current_delay() == 0.2
    for latency in (0.5, 0.6, 0.7):  # the oldest samples leave the window
        hedging.record_latency(latency)
    assert hedging.current_delay() == 0.5


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"delay": -1.0}, "delay"),
        ({"max_hedges": 0}, "max_hedges"),
        ({"max_hedges": 11}, "max_hedges"),
        ({"percentile": 1.0}, "percentile"),
        ({"min_samples": 0}, "min_samples"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Hedging(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_transport_hedges_too(flavour: str, failing_server: RunningServer, key: str) -> None:
    url = f"{failing_server.url}/slow-first/{key}?delay=2"
    if flavour == "sync":
        transport = aresilient.RetryTransport(hedging=Hedging(0.05))
        with httpx.Client(transport=transport) as client:
            response = client.get(url)
    else:

        async def main() -> httpx.Response:
            async_transport = aresilient.AsyncRetryTransport(hedging=Hedging(0.05))
            async with httpx.AsyncClient(transport=async_transport) as client:
                return await client.get(url)

        response = asyncio.run(main())
    assert response.json() == {"calls": 2}
