"""Sync or async: the same call returns a Response, or an awaitable inside a running loop.

`auto` (the default) looks for a running asyncio loop in the current thread. `sync` and
`async` force a mode: the escape hatch for synchronous code that runs on a loop's thread
(Jupyter, a sync helper called from async code), through `requestx.sync` and `requestx.aio`.
"""

from __future__ import annotations

import asyncio
from typing import Literal

__all__ = ["Mode", "wants_async"]

Mode = Literal["auto", "sync", "async"]
MODES: tuple[Mode, ...] = ("auto", "sync", "async")


def wants_async(mode: Mode) -> bool:
    if mode == "auto":
        # The non-raising form: this runs on every call, and a raised RuntimeError costs more.
        return asyncio._get_running_loop() is not None
    return mode == "async"


def check_mode(mode: str) -> Mode:
    for known in MODES:
        if mode == known:
            return known
    raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
