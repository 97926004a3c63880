"""`max_total_time` over a response body: the deadline holds while the body trickles in.

httpx's timeouts are per operation: a server that sends one byte every 0.3 s never trips a
5 s read timeout, and the body of a response could take any time. `DeadlineStream` wraps a
response's stream and checks the clock after every chunk (and before the first), raising
`httpx.ReadTimeout` once the deadline has passed.

The deadline itself ends the call, from the request's start to the body's last byte. Async,
`send_within_deadline_async` waits for the response head under a cancel scope that ends at the
deadline, and each body read waits under one too. Sync, `send_within_deadline` and each body
read run under a `Guard` (see `_interrupt`) that shortens every connect, write and read
timeout to the time the deadline leaves. So a server that trickles its head, or stalls between
body chunks, gets `httpx.ReadTimeout` at the deadline either way. (A sync call through a
transport that is not httpx's own keeps only the timeouts the engine shortened to the time left
when the attempt began, and the check after every body chunk.)

One class serves sync and async responses, as httpx's own wrapped streams do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import anyio
import httpx

from aresilient import _interrupt

__all__ = ["DeadlineStream", "send_within_deadline", "send_within_deadline_async"]

_HEAD_TIMEOUT = "max_total_time ran out before the response head arrived"


async def send_within_deadline_async(
    deadline: float,
    clock: Callable[[], float],
    request: httpx.Request,
    send: Callable[[], Awaitable[httpx.Response]],
) -> httpx.Response:
    """`send()` (up to the response head), cancelled at the deadline: a head that trickles in
    never trips a read timeout, and each phase's shortened timeout counts from that phase's
    own start, so together they could run past the deadline."""
    with anyio.move_on_after(deadline - clock()):
        return await send()
    raise httpx.ReadTimeout(_HEAD_TIMEOUT, request=request)


def send_within_deadline(
    deadline: float,
    clock: Callable[[], float],
    request: httpx.Request,
    send: Callable[[], httpx.Response],
) -> httpx.Response:
    """The sync twin (the generated sync modules call it): every operation of `send()` gets
    its timeout shortened to the time left, so the one that would end past the deadline
    times out at it."""
    with _interrupt.deadline(deadline, clock) as guard:
        try:
            return send()
        except httpx.TimeoutException as error:
            if not guard.limited:
                raise  # the operation's own timeout, before the deadline
            raise httpx.ReadTimeout(_HEAD_TIMEOUT, request=request) from error


class DeadlineStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    __slots__ = ("_clock", "_deadline", "_request", "_stream")

    def __init__(
        self,
        stream: httpx.SyncByteStream | httpx.AsyncByteStream,
        deadline: float,
        clock: Callable[[], float],
        request: httpx.Request,
    ) -> None:
        self._stream = stream
        self._deadline = deadline
        self._clock = clock
        self._request = request

    def _check(self) -> None:
        if self._clock() >= self._deadline:
            raise self._timeout()

    def _timeout(self) -> httpx.ReadTimeout:
        return httpx.ReadTimeout(
            "max_total_time ran out while the response body was being read",
            request=self._request,
        )

    def __iter__(self) -> Iterator[bytes]:
        if not isinstance(self._stream, httpx.SyncByteStream):
            raise TypeError("attempted to read a sync body from an async response")
        self._check()
        chunks = iter(self._stream)
        while True:
            # The guard only spans the read, never the yield: the caller's own reads between
            # chunks (on other connections, maybe) are not bounded by this deadline.
            with _interrupt.deadline(self._deadline, self._clock) as guard:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                except httpx.TimeoutException as error:
                    if not guard.limited:
                        raise
                    raise self._timeout() from error
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if not isinstance(self._stream, httpx.AsyncByteStream):
            raise TypeError("attempted to read an async body from a sync response")
        self._check()
        chunks = self._stream.__aiter__()
        while True:
            # The scope only spans the read, never the yield: the caller's own awaits between
            # chunks run outside it (a scope must not cross a generator's suspension).
            with anyio.move_on_after(self._deadline - self._clock()) as scope:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
            if scope.cancelled_caught:
                raise self._timeout()
            self._check()
            yield chunk

    def close(self) -> None:
        if isinstance(self._stream, httpx.SyncByteStream):
            self._stream.close()

    async def aclose(self) -> None:
        if isinstance(self._stream, httpx.AsyncByteStream):
            await self._stream.aclose()
