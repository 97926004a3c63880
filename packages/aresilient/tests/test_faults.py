"""The faults of issue #17, each against a real loopback server, sync and async.

Each test here failed before its fix: an uncapped Retry-After, a trickling body that overran
`max_total_time`, shortened timeouts left on the caller's Request, a `raise_for_status` hook
that stopped retries while the breaker counted it, and module functions that raised where
httpx's return.
"""

from __future__ import annotations

import asyncio
from contextlib import closing
from typing import Any

import httpx
import pytest
from aresilient_harness import Harness, StallServer

import aresilient
from aresilient.testing import no_wait
from httpy.testing import RunningServer


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


# -- Retry-After is capped ------------------------------------------------------------------------


def test_a_retry_after_over_the_cap_is_not_waited_for(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=5&retry_after=86400")
    assert response.status_code == 503  # at once, with the server's answer
    assert harness.sleeps == []
    assert calls(httpbin, key) == 1


def test_a_retry_after_over_the_cap_raises_when_asked(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    with pytest.raises(aresilient.HttpRequestError) as caught:
        harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=5&retry_after=61", resilient=True)
    assert caught.value.status_code == 503
    assert harness.sleeps == []


def test_the_retry_after_cap_is_a_knob(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=1&retry_after=86400",
        # Both caps off: the 45 s max_retry_time would refuse a day's wait as well.
        client={"max_retry_after": None, "max_retry_time": None},
    )
    assert response.status_code == 200
    assert harness.sleeps == [86400.0]
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}b?fail=1&retry_after=5", max_retry_after=4.0
    )
    assert response.status_code == 503


# -- max_total_time covers the body ----------------------------------------------------------


def test_a_trickling_body_cannot_overrun_max_total_time(
    harness: Harness, httpbin: RunningServer
) -> None:
    # One byte every 0.5 s for 10 s: each read is quick, so httpx's read timeout never fires.
    with pytest.raises(httpx.ReadTimeout, match="max_total_time"):
        harness.request(
            "GET", f"{httpbin.url}/drip?duration=10&numbytes=20", client={"max_total_time": 2.0}
        )
    assert harness.sleeps == []  # no time left for a retry


def test_a_trickling_stream_cannot_overrun_max_total_time(
    harness: Harness, httpbin: RunningServer
) -> None:
    with pytest.raises(httpx.ReadTimeout, match="max_total_time"):
        harness.stream_status(
            f"{httpbin.url}/drip?duration=10&numbytes=20", client={"max_total_time": 2.0}
        )


def test_a_body_that_stalls_cannot_outlast_max_total_time(harness: Harness) -> None:
    # Two body bytes, then silence for 30 s, under a 30 s read timeout: only the deadline ends
    # the call before the server finishes. The message says which: the read timeout shortened
    # when the attempt began would only fire later (it counts from the read's own start).
    with closing(StallServer(["partial"], hold=30.0)) as server:
        with pytest.raises(httpx.ReadTimeout, match="max_total_time ran out while the response"):
            harness.request("GET", server.url, client={"timeout": 30.0, "max_total_time": 1.0})
        assert server.wait_for_outcomes(1) == ["client closed"]
    assert harness.sleeps == []


def _get_through(flavour: str, layer: str, url: str, max_total_time: float) -> httpx.Response:
    """One GET with a 30 s timeout and `max_total_time`, by a client or a transport."""
    if flavour == "sync" and layer == "client":
        with aresilient.Client(timeout=30.0, max_total_time=max_total_time) as client:
            return client.get(url)
    if flavour == "sync":
        transport = aresilient.RetryTransport(max_total_time=max_total_time)
        with httpx.Client(transport=transport, timeout=30.0) as plain_client:
            return plain_client.get(url)

    async def main() -> httpx.Response:
        if layer == "client":
            async with aresilient.AsyncClient(
                timeout=30.0, max_total_time=max_total_time
            ) as client:
                return await client.get(url)
        async_transport = aresilient.AsyncRetryTransport(max_total_time=max_total_time)
        async with httpx.AsyncClient(transport=async_transport, timeout=30.0) as client:
            return await client.get(url)

    return asyncio.run(main())


@pytest.mark.parametrize("layer", ["client", "transport"])
@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_head_that_trickles_ends_at_max_total_time(flavour: str, layer: str) -> None:
    # The response head comes a byte every 0.3 s (about 20 s in all): every read returns well
    # within its 30 s timeout, so only the deadline itself, over the whole wait for the head,
    # ends the call. Had it not, the call would return the server's 200.
    with closing(StallServer(["trickle-head"], trickle_interval=0.3)) as server:
        with pytest.raises(httpx.ReadTimeout, match="max_total_time ran out before the response"):
            _get_through(flavour, layer, server.url, max_total_time=1.0)
        # The connection is closed, not left to the server to finish.
        assert server.wait_for_outcomes(1) == ["client closed"]


def test_a_request_deadline_holds_on_a_connection_kept_from_before() -> None:
    # A client without max_total_time, whose kept-alive connection then carries a request that
    # has one: the deadline must hold on that connection too, opened before anything asked
    # for one.
    with (
        closing(StallServer(["ok-then-trickle-head"], trickle_interval=0.3)) as server,
        aresilient.Client(timeout=30.0) as client,
    ):
        assert client.get(server.url).text == "ok"
        with pytest.raises(httpx.ReadTimeout, match="max_total_time ran out before the response"):
            client.get(server.url, max_total_time=1.0)
        assert server.wait_for_outcomes(1) == ["client closed"]


def test_a_body_within_max_total_time_is_read_whole(
    harness: Harness, httpbin: RunningServer
) -> None:
    response = harness.request(
        "GET", f"{httpbin.url}/drip?duration=0.2&numbytes=4", client={"max_total_time": 30.0}
    )
    assert response.content == b"****"


# -- the caller's Request keeps its own timeouts --------------------------------------------------


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_shortened_timeouts_do_not_stay_on_the_request(
    flavour: str, httpbin: RunningServer
) -> None:
    url = f"{httpbin.url}/get"
    if flavour == "sync":
        with aresilient.Client(timeout=10.0) as client:
            request = client.build_request("GET", url)
            original = dict(request.extensions["timeout"])
            assert client.send(request, max_total_time=2.0).status_code == 200
            after = request.extensions["timeout"]
    else:

        async def main() -> tuple[dict[str, Any], dict[str, Any]]:
            async with aresilient.AsyncClient(timeout=10.0) as client:
                request = client.build_request("GET", url)
                original = dict(request.extensions["timeout"])
                response = await client.send(request, max_total_time=2.0)
                assert response.status_code == 200
                return original, request.extensions["timeout"]

        original, after = asyncio.run(main())
    assert original["read"] == 10.0
    assert after == original


# -- a raise_for_status hook: retries and breaker agree -------------------------------------------


def _raise_for_status_hook(flavour: str) -> Any:
    if flavour == "sync":
        return lambda response: response.raise_for_status()

    async def hook(response: httpx.Response) -> None:
        response.raise_for_status()

    return hook


def test_a_raise_for_status_hook_keeps_retries_on(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    hooks = {"response": [_raise_for_status_hook(harness.flavour)]}
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=2", client={"event_hooks": hooks}
    )
    assert response.status_code == 200
    assert calls(httpbin, key) == 3
    assert harness.sleeps == [0.3, 0.6]


def test_a_raise_for_status_hook_raises_its_error_when_retries_run_out(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    hooks = {"response": [_raise_for_status_hook(harness.flavour)]}
    breaker = aresilient.CircuitBreaker(failure_threshold=1)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        harness.request(
            "GET",
            f"{httpbin.url}/flaky/{key}?fail=10",
            client={"event_hooks": hooks, "max_retries": 1, "circuit_breaker": breaker},
        )
    assert caught.value.response.status_code == 503
    assert calls(httpbin, key) == 2  # retried: the first 503 did not open the breaker...
    assert breaker.state is aresilient.CircuitState.OPEN  # ...the request's failure did


def test_a_raise_for_status_hook_on_a_404_does_not_trip_the_breaker(
    harness: Harness, httpbin: RunningServer
) -> None:
    hooks = {"response": [_raise_for_status_hook(harness.flavour)]}
    breaker = aresilient.CircuitBreaker(failure_threshold=2)
    for _ in range(3):
        with pytest.raises(httpx.HTTPStatusError):
            harness.request(
                "GET",
                f"{httpbin.url}/status/404",
                client={"event_hooks": hooks, "circuit_breaker": breaker},
            )
    # A 404 without the hook is no failure of the service; with it, neither.
    assert breaker.state is aresilient.CircuitState.CLOSED
    assert breaker.failure_count == 0
    assert harness.sleeps == []


# -- the module functions behave as httpx's -------------------------------------------------------


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_module_functions_return_the_last_response_as_httpx_does(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=10"
    with no_wait():
        ours = aresilient.get(url) if flavour == "sync" else asyncio.run(aresilient.get_async(url))
    theirs = httpx.get(url)
    assert ours.status_code == theirs.status_code == 503
    assert calls(httpbin, key) == 5  # our first attempt and three retries, then httpx's one


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_the_raising_variant_keeps_its_own_name(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=10"

    def call() -> object:
        if flavour == "sync":
            return aresilient.get_with_automatic_retry(url)
        return asyncio.run(aresilient.get_with_automatic_retry_async(url))

    with no_wait(), pytest.raises(aresilient.HttpRequestError):
        call()


def test_module_functions_raise_what_httpx_raises() -> None:
    url = "ftp://127.0.0.1/file"
    with pytest.raises(httpx.UnsupportedProtocol):
        httpx.get(url)
    with pytest.raises(httpx.UnsupportedProtocol):
        aresilient.get(url)
    with pytest.raises(httpx.UnsupportedProtocol):
        asyncio.run(aresilient.get_async(url))


def test_module_functions_raise_the_connect_error_as_httpx_does(refused_url: str) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(refused_url)
    with no_wait(), pytest.raises(httpx.ConnectError):
        aresilient.get(refused_url)
