"""Sync or async: the same call returns a Response, or an awaitable inside a running loop.

`auto` (the default) looks for a running asyncio loop in the current thread. `sync` and
`async` force a mode: the escape hatch for synchronous code that runs on a loop's thread
(Jupyter, a sync helper called from async code), through `requestx.sync` and `requestx.aio`,
per session (`Session(mode=...)`), or for the whole process: `set_default_mode` or the
`REQUESTX_MODE` environment variable decide what `auto` means. An awaitable that `auto`
returned and nobody awaited warns, naming those knobs.
"""

from __future__ import annotations

import asyncio
import os
import warnings
import weakref
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "Mode",
    "check_mode",
    "get_default_mode",
    "set_default_mode",
    "track_auto",
    "wants_async",
]

Mode = Literal["auto", "sync", "async"]
MODES: tuple[Mode, ...] = ("auto", "sync", "async")
ENVIRONMENT_VARIABLE = "REQUESTX_MODE"

T = TypeVar("T")


def check_mode(mode: str) -> Mode:
    for known in MODES:
        if mode == known:
            return known
    raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")


def _mode_from_environment() -> Mode:
    value = os.environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower() or "auto"
    try:
        return check_mode(value)
    except ValueError:
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE} must be one of {', '.join(MODES)}; "
            f"got {os.environ[ENVIRONMENT_VARIABLE]!r}"
        ) from None


# What "auto" means in this process: read once at import, changed by set_default_mode.
_default: Mode = _mode_from_environment()


def set_default_mode(mode: str) -> None:
    """Make ``mode`` what "auto" means for every call in this process.

    ``"sync"`` makes calls that do not choose a mode return a ``Response`` even on a
    thread running an event loop (notebooks, sync libraries called from async code);
    ``"async"`` makes them return awaitables; ``"auto"`` (the default, or the value of the
    ``REQUESTX_MODE`` environment variable at import) looks for a running loop on each call.
    ``requestx.sync``, ``requestx.aio`` and ``Session(mode="sync" | "async")`` still win.

    :raises ValueError: if ``mode`` is not one of "auto", "sync", "async".
    """
    global _default  # noqa: PLW0603 - the one process-wide setting
    _default = check_mode(mode)


def get_default_mode() -> Mode:
    """What "auto" means in this process (see :func:`set_default_mode`)."""
    return _default


def wants_async(mode: Mode) -> bool:
    if mode == "auto":
        mode = _default
        if mode == "auto":
            # The non-raising form: this runs on every call, and a raised RuntimeError
            # costs more.
            return asyncio._get_running_loop() is not None
    return mode == "async"


class _Started:
    __slots__ = ("started",)

    def __init__(self) -> None:
        self.started = False


_NEVER_AWAITED = (
    "a requestx call made on a thread running an event loop returned a coroutine that was "
    "never awaited, so no request was sent. Await it, or, for synchronous code on that "
    "thread, call requestx.set_default_mode('sync') (or set REQUESTX_MODE=sync), use "
    "requestx.sync, or make the session with Session(mode='sync')."
)


def _warn_if_never_started(call: Coroutine[Any, Any, Any], state: _Started) -> None:
    if not state.started:
        call.close()  # never started: closed quietly, the warning below says it instead
        warnings.warn(_NEVER_AWAITED, RuntimeWarning, stacklevel=2)


def track_auto(mode: Mode, call: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T]:
    """``call`` as returned to a caller that did not choose async: a coroutine that warns,
    naming the mode knobs, if it is dropped without being awaited. Returned as it is when
    the caller asked for async (``mode="async"``, or a process default of "async")."""
    if mode != "auto" or _default != "auto":
        return call
    state = _Started()

    async def requestx_call() -> T:
        state.started = True
        return await call

    awaitable = requestx_call()
    weakref.finalize(awaitable, _warn_if_never_started, call, state)
    return awaitable
