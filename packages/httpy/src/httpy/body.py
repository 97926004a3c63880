"""The request body as it arrives: the server feeds it, the handler reads it.

One channel per request. The server pushes chunks as the protocol yields them; the handler
pulls them with :meth:`BodyChannel.receive`. Reading is lazy: a handler that never reads the
body never waits for it (and the connection closes after its response if the body was left
unread, since the next request could not be found on the wire).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from httpy.exceptions import ClientDisconnectedError, HTTPException

__all__ = ["BodyChannel"]


class BodyChannel:
    __slots__ = (
        "_buffered",
        "_chunks",
        "_complete",
        "_error",
        "_on_drained",
        "_on_first_read",
        "_on_read",
        "_timeout",
        "_waiter",
        "trailers",
    )

    def __init__(
        self,
        *,
        timeout: float | None = None,
        on_first_read: Callable[[], None] | None = None,
        on_drained: Callable[[], None] | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._complete = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timeout = timeout
        # Sends `100 Continue` when the client asked to wait for it: only once someone reads.
        self._on_first_read = on_first_read
        self._on_drained = on_drained
        # HTTP/2 and HTTP/3 hand flow-control credit back as the handler reads, not before.
        self._on_read = on_read
        # Trailer fields that came after the body (HTTP/1.1 chunked, HTTP/2, HTTP/3): set by
        # the connection before `end()`, so a reader that saw the end sees them.
        self.trailers: list[tuple[bytes, bytes]] = []

    # --- server side --------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Bytes received but not yet read by the handler."""
        return self._buffered

    @property
    def complete(self) -> bool:
        return self._complete

    def feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        self._wake()

    def end(self) -> None:
        self._complete = True
        self._wake()

    def fail(self, status: int, reason: str) -> None:
        """The protocol refused the rest of the body (too large, malformed chunk...)."""
        self._error = HTTPException(status, reason)
        self._complete = True
        self._wake()

    def disconnect(self) -> None:
        if not self._complete:
            self._error = ClientDisconnectedError("the client closed the connection")
            self._complete = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- handler side -------------------------------------------------------------------

    async def receive(self) -> bytes | None:
        """The next chunk, or None at the end of the body."""
        if self._on_first_read is not None:
            callback, self._on_first_read = self._on_first_read, None
            callback()
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self._complete:
                return None
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            # A plain timer, not asyncio.timeout(): the server runs a handler's first step
            # outside any Task, and this wait may happen there.
            timer = loop.call_later(self._timeout, _expire, waiter) if self._timeout else None
            try:
                await waiter
            except TimeoutError:
                raise HTTPException(408, "timed out waiting for the request body") from None
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._on_read is not None:
            self._on_read(len(chunk))
        if self._on_drained is not None and not self._chunks:
            self._on_drained()
        return chunk


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
