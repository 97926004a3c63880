"""One connection's current deadline, on a single lazily re-armed loop timer.

A connection moves through many deadlines (header, keep-alive, write, linger...), often one
per request. Arming one must cost a couple of stores, not a timer allocation: the loop timer
is only re-made when it would fire later than the new deadline, and when it fires early (the
deadline moved on) it re-arms itself for the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["Deadline"]


class Deadline:
    """Calls ``expired(kind)`` once the last deadline armed passes, unless cancelled first.

    ``kind`` is the caller's own tag for what the deadline guards; 0 means none is armed.
    """

    __slots__ = ("_expired", "_handle", "_handle_when", "_loop", "_when", "kind")

    def __init__(self, loop: asyncio.AbstractEventLoop, expired: Callable[[int], None]) -> None:
        self._loop = loop
        self._expired = expired
        self._handle: asyncio.TimerHandle | None = None
        self._handle_when = 0.0
        self._when = 0.0
        self.kind = 0

    def arm(self, kind: int, delay: float) -> None:
        """Replace the current deadline with `kind` in `delay` seconds (<= 0: none)."""
        if delay <= 0:
            self.kind = 0
            return
        self.kind = kind
        self._when = when = self._loop.time() + delay
        handle = self._handle
        if handle is None or self._handle_when > when:
            if handle is not None:
                handle.cancel()
            self._handle_when = when
            self._handle = self._loop.call_at(when, self._fire)

    def disarm(self) -> None:
        """No deadline for now; the timer stays, so re-arming soon stays cheap."""
        self.kind = 0

    def cancel(self) -> None:
        """The connection is gone: drop the timer too."""
        self.kind = 0
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        kind = self.kind
        if not kind:
            return
        if self._loop.time() < self._when:
            self._handle_when = self._when
            self._handle = self._loop.call_at(self._when, self._fire)
            return
        self.kind = 0
        self._expired(kind)
