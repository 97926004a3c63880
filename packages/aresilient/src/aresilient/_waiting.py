"""The default sleeps, and the switch that `aresilient.testing.no_wait()` flips.

The switch is read only when a retry is about to wait, never on the success path.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel

__all__ = [
    "NO_WAIT_ENV",
    "AsyncSleep",
    "Sleep",
    "async_sleep",
    "disable_waiting",
    "enable_waiting",
    "sleep",
]

# What the clients' injectable `sleep=` must be (named so the sync client is generated).
Sleep = Callable[[float], object]
AsyncSleep = Callable[[float], Awaitable[object]]

NO_WAIT_ENV = "ARESILIENT_NO_WAIT"

_lock = threading.Lock()
# A count, not a flag, so nested or concurrent no_wait() blocks end in any order.
_disabled = 0


def _waiting_off() -> bool:
    return _disabled > 0 or os.environ.get(NO_WAIT_ENV, "") not in {"", "0"}


def disable_waiting() -> None:
    global _disabled  # noqa: PLW0603 - the process-wide switch is the feature
    with _lock:
        _disabled += 1


def enable_waiting() -> None:
    global _disabled  # noqa: PLW0603
    with _lock:
        _disabled = max(_disabled - 1, 0)


def sleep(seconds: float) -> None:
    if seconds > 0 and not _waiting_off():
        time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    # anyio, not asyncio: httpx's AsyncClient also runs under trio.
    if seconds > 0 and not _waiting_off():
        await anyio.sleep(seconds)
    else:
        # Still a checkpoint (as asyncio.sleep(0) is): a retry loop stays cancellable.
        await anyio.lowlevel.checkpoint()
