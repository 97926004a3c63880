"""Hedging: when an idempotent request is slow, send it again; the first good answer wins.

A tail-latency tool (Dean and Barroso, "The Tail at Scale", 2013; Polly's hedging strategy):
after `delay` seconds without an answer (or, with `percentile`, after the latency that share
of recent attempts stayed under), a second copy goes out, up to `max_hedges` extra copies.
The first response the policy accepts (no exception, a status it would not retry) is
returned and the others are dropped. When every copy in flight ends badly, the last outcome
goes back to the retry loop, which decides as for any attempt (a hedge is not a retry).

The copies of one call count as one attempt: one circuit breaker admission, one rate limiter
token, one bulkhead slot. Only idempotent methods (the policy's `retry_methods`) with a body
that can be sent twice are hedged, and never a streamed request (its body is read later).

Async: the copies run in one anyio task group; the winner cancels the others, and a loser's
response that arrived meanwhile is closed. Sync: each copy runs in a worker thread under a
`Guard` (see `_interrupt`); the winner cancels the others' guards, which shuts down the socket
a losing copy is blocked on, so its read fails at once, its connection is closed and its pool
slot freed (on a transport that is not httpx's own, or an HTTP/2 connection shared with other
requests, a loser runs on until it ends, bounded by its timeouts). Whatever a loser got is
closed as soon as it arrives. These two functions are the one place where sync and async
differ in kind (tasks against threads) rather than in keywords, so they are not generated.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import anyio
import httpx

from aresilient._interrupt import Guard, guarded

__all__ = ["Hedging", "hedge", "hedge_async"]

Outcome = tuple[httpx.Response | None, Exception | None]


class Hedging:
    """Send up to `max_hedges` extra copies of a slow idempotent request.

    `delay`: seconds to wait for an answer before the next copy. `percentile` (e.g. 0.95):
    wait instead as long as that share of the last `samples` answered attempts took, once
    `min_samples` are known (`delay` until then). Shareable; `clock` is injectable.
    """

    def __init__(
        self,
        delay: float = 1.0,
        *,
        max_hedges: int = 1,
        percentile: float | None = None,
        samples: int = 200,
        min_samples: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay!r}")
        if not 1 <= max_hedges <= 10:
            raise ValueError(f"max_hedges must be between 1 and 10, got {max_hedges!r}")
        if percentile is not None and not 0 < percentile < 1:
            raise ValueError(f"percentile must be in (0, 1), got {percentile!r}")
        if not 1 <= min_samples <= samples:
            raise ValueError("min_samples must be at least 1 and at most samples")
        self.delay = delay
        self.max_hedges = max_hedges
        self.percentile = percentile
        self.min_samples = min_samples
        self.clock = clock
        self._lock = threading.Lock()
        self._latencies: deque[float] = deque(maxlen=samples)

    def current_delay(self) -> float:
        """How long to wait for an answer before sending the next copy."""
        if self.percentile is None:
            return self.delay
        with self._lock:
            if len(self._latencies) < self.min_samples:
                return self.delay
            ordered = sorted(self._latencies)
        return ordered[min(math.ceil(self.percentile * len(ordered)) - 1, len(ordered) - 1)]

    def record_latency(self, seconds: float) -> None:
        """An attempt answered after `seconds` (kept for `percentile`)."""
        if self.percentile is not None:
            with self._lock:
                self._latencies.append(seconds)

    def __repr__(self) -> str:
        return (
            f"Hedging(delay={self.delay!r}, max_hedges={self.max_hedges!r}, "
            f"percentile={self.percentile!r})"
        )


async def hedge_async(
    hedging: Hedging,
    send: Callable[[], Awaitable[httpx.Response]],
    acceptable: Callable[[httpx.Response], bool],
) -> httpx.Response:
    """The first acceptable response of up to `1 + max_hedges` copies of `send()`; else the
    last outcome (returned, or raised if it was an exception)."""
    clock = hedging.clock
    copies = hedging.max_hedges + 1
    # Room for every copy's outcome: a copy never blocks on reporting, even after we stop.
    outbox, inbox = anyio.create_memory_object_stream[Outcome](copies)
    winner: httpx.Response | None = None
    last: Outcome | None = None

    async def copy() -> None:
        started = clock()
        try:
            response = await send()
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            outbox.send_nowait((None, error))
            return
        hedging.record_latency(clock() - started)
        outbox.send_nowait((response, None))

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(copy)
            launched, ended = 1, 0
            while True:
                timeout = hedging.current_delay() if launched < copies else math.inf
                outcome = None
                with anyio.move_on_after(timeout):
                    outcome = await inbox.receive()
                if outcome is None:  # slow: send the next copy
                    group.start_soon(copy)
                    launched += 1
                    continue
                ended += 1
                response = outcome[0]
                if response is not None and acceptable(response):
                    winner = response
                    break
                await _aclose(last)  # only the last bad outcome is kept
                last = outcome
                if ended == launched:
                    break
            group.cancel_scope.cancel()
    finally:
        # Shielded: this also runs when the caller is cancelled, and must still close the
        # responses copies got while the others were being cancelled.
        with anyio.CancelScope(shield=True):
            outbox.close()
            while True:
                try:
                    leftover = inbox.receive_nowait()
                except (anyio.WouldBlock, anyio.EndOfStream):
                    break
                await _aclose(leftover)
            inbox.close()
    if winner is not None:
        await _aclose(last)
    return _result(winner, last)


async def _aclose(outcome: Outcome | None) -> None:
    if outcome is not None and outcome[0] is not None:
        await outcome[0].aclose()


def hedge(
    hedging: Hedging,
    send: Callable[[], httpx.Response],
    acceptable: Callable[[httpx.Response], bool],
) -> httpx.Response:
    """`hedge_async` with threads: the copies run in worker threads of their own."""
    clock = hedging.clock
    copies = hedging.max_hedges + 1
    winner: httpx.Response | None = None
    last: Outcome | None = None

    def copy(guard: Guard) -> Outcome:
        started = clock()
        try:
            with guarded(guard):
                response = send()
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            return None, error
        hedging.record_latency(clock() - started)
        return response, None

    pool = ThreadPoolExecutor(copies, thread_name_prefix="aresilient-hedge")
    guards: dict[Future[Outcome], Guard] = {}

    def launch() -> Future[Outcome]:
        guard = Guard()
        future = pool.submit(copy, guard)
        guards[future] = guard
        return future

    pending: set[Future[Outcome]] = set()
    try:
        pending.add(launch())
        launched = 1
        while pending:
            timeout = hedging.current_delay() if launched < copies else None
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not done:  # slow: send the next copy
                pending.add(launch())
                launched += 1
                continue
            for future in done:
                outcome = future.result()
                response = outcome[0]
                if winner is None and response is not None and acceptable(response):
                    winner = response
                elif winner is not None:
                    _close(outcome)  # a second answer in the same batch
                else:
                    _close(last)  # only the last bad outcome is kept
                    last = outcome
            if winner is not None:
                break
    finally:
        # The losers' sockets are shut down, so their threads end at once; what a loser got
        # before that is closed as soon as it arrives.
        for future in pending:
            future.add_done_callback(_close_outcome)
            guards[future].cancel()
        pool.shutdown(wait=False)
    if winner is not None:
        _close(last)
    return _result(winner, last)


def _close(outcome: Outcome | None) -> None:
    if outcome is not None and outcome[0] is not None:
        outcome[0].close()


def _close_outcome(future: Future[Outcome]) -> None:
    _close(future.result())


def _result(winner: httpx.Response | None, last: Outcome | None) -> httpx.Response:
    if winner is not None:
        return winner
    assert last is not None  # noqa: S101 - every copy ended, so one outcome is the last
    response, error = last
    if error is not None:
        raise error
    assert response is not None  # noqa: S101 - an outcome is a response or an error
    return response
