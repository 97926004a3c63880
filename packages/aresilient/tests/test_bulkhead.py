"""Bulkhead: a cap on calls in flight with a queue, shared by threads, tasks and clients."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import aresilient
from aresilient import Bulkhead, BulkheadFullError
from httpy.testing import RunningServer

WORKERS = 64


def test_past_the_slots_and_the_queue_calls_are_refused() -> None:
    bulkhead = Bulkhead(2, max_queue=0)
    bulkhead.acquire()
    bulkhead.acquire()
    with pytest.raises(BulkheadFullError, match="2 calls in flight"):
        bulkhead.acquire()
    bulkhead.release()
    bulkhead.acquire()
    assert (bulkhead.active, bulkhead.queued) == (2, 0)


def test_a_queued_thread_gets_the_freed_slot() -> None:
    bulkhead = Bulkhead(1, max_queue=1, queue_timeout=None)
    bulkhead.acquire()
    got_it = threading.Event()

    def waiter() -> None:
        bulkhead.acquire()
        got_it.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    while bulkhead.queued == 0:  # until it is in line
        threading.Event().wait(0.001)
    assert not got_it.is_set()
    bulkhead.release()
    thread.join(timeout=30)
    assert got_it.is_set()
    assert (bulkhead.active, bulkhead.queued) == (1, 0)  # handed over, not dropped and retaken


def test_a_queue_wait_that_runs_out_is_refused() -> None:
    bulkhead = Bulkhead(1, max_queue=1, queue_timeout=0.0)
    bulkhead.acquire()
    with pytest.raises(BulkheadFullError, match="queue_timeout"):
        bulkhead.acquire()
    assert bulkhead.queued == 0


@pytest.mark.parametrize(
    ("arguments", "name"),
    [({"max_concurrent": 0}, "max_concurrent"), ({"max_queue": -1}, "max_queue")],
)
def test_bad_arguments_are_refused(arguments: dict[str, int], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Bulkhead(**arguments)


def test_a_cancelled_task_leaves_the_queue() -> None:
    async def main() -> None:
        bulkhead = Bulkhead(1, max_queue=2, queue_timeout=None)
        await bulkhead.acquire_async()
        waiting = asyncio.create_task(bulkhead.acquire_async())
        await asyncio.sleep(0)  # one step: the task runs up to its wait in the queue
        assert bulkhead.queued == 1
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert bulkhead.queued == 0
        bulkhead.release()
        assert bulkhead.active == 0

    asyncio.run(main())


def test_a_task_cancelled_after_the_hand_over_passes_the_slot_on() -> None:
    async def main() -> None:
        bulkhead = Bulkhead(1, max_queue=2, queue_timeout=None)
        await bulkhead.acquire_async()
        first = asyncio.create_task(bulkhead.acquire_async())
        second = asyncio.create_task(bulkhead.acquire_async())
        await asyncio.sleep(0)
        assert bulkhead.queued == 2
        bulkhead.release()  # handed to `first`, whose wake-up is only scheduled...
        first.cancel()  # ...and it is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await first
        await asyncio.wait_for(second, 30)  # the slot went on to `second`
        assert (bulkhead.active, bulkhead.queued) == (1, 0)

    asyncio.run(main())


def test_a_thread_hands_its_slot_to_a_task() -> None:
    bulkhead = Bulkhead(1, max_queue=1, queue_timeout=None)
    bulkhead.acquire()  # this thread holds it

    async def main() -> None:
        waiting = asyncio.create_task(bulkhead.acquire_async())
        await asyncio.sleep(0)
        assert bulkhead.queued == 1
        await asyncio.to_thread(bulkhead.release)  # freed from another thread
        await asyncio.wait_for(waiting, 30)

    asyncio.run(main())
    assert bulkhead.active == 1


# -- 64 threads, 64 tasks, in the clients ---------------------------------------------------------


def test_64_threads_never_exceed_the_slots(failing_server: RunningServer) -> None:
    bulkhead = Bulkhead(4, max_queue=WORKERS, queue_timeout=None)
    seen: list[int] = []
    with (
        aresilient.Client(
            base_url=failing_server.url,
            bulkhead=bulkhead,
            on_request=lambda _: seen.append(bulkhead.active),
        ) as client,
        ThreadPoolExecutor(WORKERS) as pool,
    ):
        statuses = list(pool.map(lambda _: client.get("/slow/0.01").status_code, range(64)))
    assert statuses == [200] * WORKERS
    assert len(seen) == WORKERS
    assert max(seen) <= 4
    assert (bulkhead.active, bulkhead.queued) == (0, 0)


def test_64_tasks_never_exceed_the_slots(failing_server: RunningServer) -> None:
    bulkhead = Bulkhead(4, max_queue=WORKERS, queue_timeout=None)
    seen: list[int] = []

    async def main() -> list[int]:
        async with aresilient.AsyncClient(
            base_url=failing_server.url,
            bulkhead=bulkhead,
            on_request=lambda _: seen.append(bulkhead.active),
        ) as client:
            responses = await asyncio.gather(*(client.get("/slow/0.01") for _ in range(64)))
        return [response.status_code for response in responses]

    assert asyncio.run(main()) == [200] * WORKERS
    assert len(seen) == WORKERS
    assert max(seen) <= 4
    assert (bulkhead.active, bulkhead.queued) == (0, 0)


def test_64_tasks_without_a_queue_four_go_and_sixty_are_refused(
    httpbin: RunningServer,
) -> None:
    bulkhead = Bulkhead(4, max_queue=0)

    async def call(client: aresilient.AsyncClient) -> str:
        try:
            await client.get("/get")
        except BulkheadFullError:
            return "refused"
        return "sent"

    async def main() -> list[str]:
        async with aresilient.AsyncClient(base_url=httpbin.url, bulkhead=bulkhead) as client:
            # Every task reaches the bulkhead before any response comes back.
            return await asyncio.gather(*(call(client) for _ in range(WORKERS)))

    outcomes = asyncio.run(main())
    assert outcomes.count("sent") == 4
    assert outcomes.count("refused") == WORKERS - 4
    assert isinstance(BulkheadFullError("x"), httpx.TransportError)
