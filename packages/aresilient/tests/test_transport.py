"""RetryTransport / AsyncRetryTransport: the policies under a plain httpx client (as an SDK
that builds its own client would have it), against real loopback servers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from aresilient_harness import ResetServer

import aresilient
from httpy.testing import RunningServer


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


class Closing(httpx.HTTPTransport):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


class AsyncClosing(httpx.AsyncHTTPTransport):
    closed = False

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


def get(
    flavour: str, url: str, inner: Any = None, **options: Any
) -> tuple[httpx.Response, list[float]]:
    """GET `url` through a plain httpx client over a retry transport; the response (body read)
    and the waits the transport asked for."""
    waits: list[float] = []
    options.setdefault("backoff_strategy", aresilient.ExponentialBackoff())
    if flavour == "sync":
        transport = aresilient.RetryTransport(inner, sleep=waits.append, **options)
        with httpx.Client(transport=transport) as client:
            return client.get(url), waits

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> httpx.Response:
        transport = aresilient.AsyncRetryTransport(inner, sleep=record, **options)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(url)

    return asyncio.run(main()), waits


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_plain_httpx_client_gets_retries(flavour: str, httpbin: RunningServer, key: str) -> None:
    response, waits = get(flavour, f"{httpbin.url}/flaky/{key}?fail=2")
    assert response.status_code == 200
    assert response.json()["calls"] == 3
    assert waits == [0.3, 0.6]


def test_the_last_response_is_returned_when_retries_run_out(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    response, waits = get(flavour, f"{httpbin.url}/flaky/{key}?fail=10", max_retries=1)
    assert response.status_code == 503
    assert calls(httpbin, key) == 2
    assert waits == [0.3]


@pytest.mark.resets(2)
def test_resets_are_retried(flavour: str, reset_server: ResetServer) -> None:
    response, waits = get(flavour, reset_server.url)
    assert (response.status_code, response.text) == (200, "ok")
    assert reset_server.requests == 3
    assert len(waits) == 2


def test_the_wrapped_transport_is_used_and_closed(flavour: str, httpbin: RunningServer) -> None:
    inner = Closing() if flavour == "sync" else AsyncClosing()
    response, _ = get(flavour, f"{httpbin.url}/get", inner)
    assert response.status_code == 200
    assert inner.closed


def test_max_total_time_bounds_the_body_read_through_the_transport(
    flavour: str, httpbin: RunningServer
) -> None:
    with pytest.raises(httpx.ReadTimeout, match="max_total_time"):
        get(flavour, f"{httpbin.url}/drip?duration=10&numbytes=20", max_total_time=2.0)


def test_budget_and_breaker_work_through_the_transport(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    budget = aresilient.RetryBudget(0.0, min_retries=1)
    breaker = aresilient.CircuitBreaker(failure_threshold=10)
    response, waits = get(
        flavour,
        f"{httpbin.url}/flaky/{key}?fail=10",
        retry_budget=budget,
        circuit_breaker=breaker,
    )
    assert response.status_code == 503
    assert waits == [0.3]  # the budget allowed one retry
    assert breaker.failure_count == 1  # one request, counted once


def test_unknown_options_are_refused() -> None:
    with pytest.raises(TypeError):
        aresilient.RetryTransport(max_retrys=3)  # type: ignore[call-arg]
