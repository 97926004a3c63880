"""Async iterables as request bodies: the engine pulls chunks that the event loop produces.

The engine streams an upload by calling a sync iterator's `next()` on one of its own
threads. `AsyncBodyFeed` is that iterator for an async iterable: each `next()` schedules the
iterable's `__anext__` on the loop that sent the request and waits for it (that engine
thread waits, with the GIL released; the loop goes on). Exceptions raised by the iterable
reach the caller as themselves, as with sync generators.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, TypeGuard

__all__ = ["AsyncBodyFeed", "is_async_body"]

_END = object()


def is_async_body(body: object) -> TypeGuard[AsyncIterable[Any]]:
    """An async iterable (async generator) that is not also a sync one."""
    return hasattr(body, "__aiter__") and not hasattr(body, "__iter__")


class AsyncBodyFeed:
    """A sync iterator over `source`, an async iterable consumed on `loop`."""

    def __init__(self, source: AsyncIterable[Any], loop: asyncio.AbstractEventLoop) -> None:
        self._chunks: AsyncIterator[Any] = source.__aiter__()
        self._loop = loop

    def __iter__(self) -> AsyncBodyFeed:
        return self

    def __next__(self) -> Any:
        if asyncio._get_running_loop() is self._loop:
            # Waiting here would block the loop that has to produce the chunk.
            raise RuntimeError("an async request body cannot be read from its own loop")
        chunk = asyncio.run_coroutine_threadsafe(self._next_chunk(), self._loop).result()
        if chunk is _END:
            raise StopIteration
        return chunk

    async def _next_chunk(self) -> Any:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return _END
