"""`max_total_time` over a response body: the deadline holds while the body trickles in.

httpx's timeouts are per operation: a server that sends one byte every 0.3 s never trips a
5 s read timeout, and the body of a response could take any time. `DeadlineStream` wraps a
response's stream and checks the clock after every chunk (and before the first), raising
`httpx.ReadTimeout` once the deadline has passed. A server that stalls completely is stopped by
the read timeout, which the engine has already shortened to the time left when the attempt
began; so a call ends at most one such read timeout after its deadline, never later.

One class serves sync and async responses, as httpx's own wrapped streams do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx

__all__ = ["DeadlineStream"]


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
            raise httpx.ReadTimeout(
                "max_total_time ran out while the response body was being read",
                request=self._request,
            )

    def __iter__(self) -> Iterator[bytes]:
        if not isinstance(self._stream, httpx.SyncByteStream):
            raise TypeError("attempted to read a sync body from an async response")
        self._check()
        for chunk in self._stream:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if not isinstance(self._stream, httpx.AsyncByteStream):
            raise TypeError("attempted to read an async body from a sync response")
        self._check()
        async for chunk in self._stream:
            self._check()
            yield chunk

    def close(self) -> None:
        if isinstance(self._stream, httpx.SyncByteStream):
            self._stream.close()

    async def aclose(self) -> None:
        if isinstance(self._stream, httpx.AsyncByteStream):
            await self._stream.aclose()
