"""A bulkhead: at most `max_concurrent` calls in flight, up to `max_queue` more waiting.

It keeps one slow dependency from taking every connection, thread or task of the process:
past its limit, callers queue (first come, first served) for up to `queue_timeout` seconds,
and past the queue they fail at once with `BulkheadFullError`.

Threads and asyncio or trio tasks may share one bulkhead. One `threading.Lock` guards the
counts, never held across a wait. A freed slot is handed to the first waiter directly (the
in-flight count does not drop and rise again), so no later caller can overtake it; the waiter
is woken by a threading.Event (a thread) or its event loop's thread-safe callback (a task).
A task cancelled while queued leaves the queue, or, if a slot was handed to it in the
meantime, passes that slot on.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections import deque
from collections.abc import Callable

import anyio
import httpx

from aresilient.exceptions import BulkheadFullError

__all__ = ["Bulkhead"]


class _Waiter:
    __slots__ = ("granted", "wake")

    def __init__(self, wake: Callable[[], object]) -> None:
        self.granted = False
        self.wake = wake


def _task_waker(event: anyio.Event) -> Callable[[], object]:
    """Sets `event` from any thread, in the event loop that waits on it."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: httpx's AsyncClient also runs under trio
        # Imported by name: only trio programs get here, and they have it.
        token = importlib.import_module("trio").lowlevel.current_trio_token()
        return lambda: token.run_sync_soon(event.set)
    return lambda: loop.call_soon_threadsafe(event.set)


class Bulkhead:
    """`max_concurrent` calls at once; `max_queue` more wait up to `queue_timeout` seconds
    (None: as long as it takes) for a slot."""

    def __init__(
        self,
        max_concurrent: int = 10,
        *,
        max_queue: int = 0,
        queue_timeout: float | None = 30.0,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent!r}")
        if max_queue < 0:
            raise ValueError(f"max_queue must be >= 0, got {max_queue!r}")
        if queue_timeout is not None and queue_timeout < 0:
            raise ValueError(f"queue_timeout must be >= 0, got {queue_timeout!r}")
        self.max_concurrent = max_concurrent
        self.max_queue = max_queue
        self.queue_timeout = queue_timeout
        self._lock = threading.Lock()
        self._active = 0
        self._queue: deque[_Waiter] = deque()

    @property
    def active(self) -> int:
        """Calls holding a slot now."""
        return self._active

    @property
    def queued(self) -> int:
        """Calls waiting for a slot now."""
        return len(self._queue)

    def __repr__(self) -> str:
        return (
            f"Bulkhead(max_concurrent={self.max_concurrent!r}, max_queue={self.max_queue!r}, "
            f"active={self._active}, queued={len(self._queue)})"
        )

    def acquire(self, request: httpx.Request | None = None) -> None:
        """Take a slot, waiting in the queue if need be (a thread blocks)."""
        event = threading.Event()
        waiter = self._enter(event.set, request)
        if waiter is None or event.wait(self.queue_timeout):
            return
        self._give_up(waiter, request)

    async def acquire_async(self, request: httpx.Request | None = None) -> None:
        """Take a slot, waiting in the queue if need be (a task awaits)."""
        event = anyio.Event()
        waiter = self._enter(_task_waker(event), request)
        if waiter is None:
            return
        try:
            with anyio.fail_after(self.queue_timeout):
                await event.wait()
        except TimeoutError:
            self._give_up(waiter, request)
        except BaseException:
            # Cancelled: leave the queue, or pass on a slot handed over meanwhile.
            self._leave(waiter)
            raise

    def release(self) -> None:
        """Free a slot: the first waiter gets it, else the count drops."""
        with self._lock:
            waiter = self._hand_over()
        if waiter is not None:
            waiter.wake()

    # -- internals -----------------------------------------------------------------------

    def _enter(self, wake: Callable[[], object], request: httpx.Request | None) -> _Waiter | None:
        """None: a slot was free and is taken. Else the queued waiter to wait on."""
        with self._lock:
            if self._active < self.max_concurrent and not self._queue:
                self._active += 1
                return None
            if len(self._queue) >= self.max_queue:
                raise BulkheadFullError(
                    f"bulkhead full: {self._active} calls in flight, "
                    f"{len(self._queue)} queued (max_queue={self.max_queue})",
                    request=request,
                )
            waiter = _Waiter(wake)
            self._queue.append(waiter)
            return waiter

    def _give_up(self, waiter: _Waiter, request: httpx.Request | None) -> None:
        """The queue wait ran out: leave, unless a slot arrived at the last moment."""
        with self._lock:
            if waiter.granted:
                return
            self._queue.remove(waiter)
        raise BulkheadFullError(
            f"bulkhead full: no slot within queue_timeout={self.queue_timeout:g} s",
            request=request,
        )

    def _leave(self, waiter: _Waiter) -> None:
        with self._lock:
            if not waiter.granted:
                self._queue.remove(waiter)
                return
            successor = self._hand_over()
        if successor is not None:
            successor.wake()

    def _hand_over(self) -> _Waiter | None:  # lock held
        if self._queue:
            waiter = self._queue.popleft()
            waiter.granted = True
            return waiter
        self._active -= 1
        return None
