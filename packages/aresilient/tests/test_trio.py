"""`AsyncClient` under trio: httpx's AsyncClient runs there, so aresilient's async paths (the
retry wait, the bulkhead queue, hedging, the body deadline, cancellation) run through anyio
and must hold under trio as they do under asyncio (the other test modules)."""

from __future__ import annotations

from contextlib import closing

import httpx
import pytest
import trio
from aresilient_harness import StallServer

import aresilient
from aresilient import Bulkhead, Hedging
from httpy.testing import RunningServer

WORKERS = 64


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


def test_retries_wait_with_trio_sleep(httpbin: RunningServer, key: str) -> None:
    # No `sleep=`: the default wait (anyio.sleep) must work under trio.
    async def main() -> int:
        async with aresilient.AsyncClient(
            backoff_strategy=aresilient.ConstantBackoff(0.01)
        ) as client:
            return (await client.get(f"{httpbin.url}/flaky/{key}?fail=2")).status_code

    assert trio.run(main) == 200
    assert calls(httpbin, key) == 3


@pytest.mark.timeout(60)  # a wait the cancellation did not stop fails here, after 60 s
def test_cancelling_the_wait_stops_the_retries(httpbin: RunningServer, key: str) -> None:
    async def main() -> None:
        waiting = trio.Event()  # set when the first 503 is in and the hour's wait begins
        async with (
            aresilient.AsyncClient(
                backoff_strategy=aresilient.ConstantBackoff(3600),
                max_retry_time=None,  # which would refuse an hour's wait
                on_retry=lambda _info: waiting.set(),
            ) as client,
            trio.open_nursery() as nursery,
        ):
            nursery.start_soon(client.get, f"{httpbin.url}/flaky/{key}?fail=5")
            await waiting.wait()
            nursery.cancel_scope.cancel()

    trio.run(main)
    assert calls(httpbin, key) == 1


def test_64_tasks_never_exceed_the_bulkhead(failing_server: RunningServer) -> None:
    bulkhead = Bulkhead(4, max_queue=WORKERS, queue_timeout=None)
    seen: list[int] = []
    statuses: list[int] = []

    async def main() -> None:
        async with aresilient.AsyncClient(
            base_url=failing_server.url,
            bulkhead=bulkhead,
            on_request=lambda _: seen.append(bulkhead.active),
        ) as client:

            async def call() -> None:
                statuses.append((await client.get("/slow/0.01")).status_code)

            async with trio.open_nursery() as nursery:
                for _ in range(WORKERS):
                    nursery.start_soon(call)

    trio.run(main)
    assert statuses == [200] * WORKERS
    assert len(seen) == WORKERS
    assert max(seen) <= 4
    assert (bulkhead.active, bulkhead.queued) == (0, 0)


def test_a_hedge_cancels_its_losing_copy() -> None:
    async def main(url: str) -> httpx.Response:
        async with aresilient.AsyncClient(timeout=60.0, hedging=Hedging(0.05)) as client:
            return await client.get(url)

    with closing(StallServer(["stall"], hold=30.0)) as server:
        response = trio.run(main, server.url)
        assert response.text == "ok"
        assert server.wait_for_outcomes(1) == ["client closed"]


def test_a_stalled_body_ends_at_max_total_time() -> None:
    async def main(url: str) -> httpx.Response:
        async with aresilient.AsyncClient(timeout=30.0, max_total_time=1.0) as client:
            return await client.get(url)

    with closing(StallServer(["partial"], hold=30.0)) as server:
        with pytest.raises(httpx.ReadTimeout, match="max_total_time"):
            trio.run(main, server.url)
        assert server.wait_for_outcomes(1) == ["client closed"]


def test_a_trickling_head_ends_at_max_total_time() -> None:
    async def main(url: str) -> httpx.Response:
        async with aresilient.AsyncClient(timeout=30.0, max_total_time=1.0) as client:
            return await client.get(url)

    with closing(StallServer(["trickle-head"])) as server:
        with pytest.raises(httpx.ReadTimeout, match="max_total_time ran out before the response"):
            trio.run(main, server.url)
        assert server.wait_for_outcomes(1) == ["client closed"]
