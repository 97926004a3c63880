"""A client that does no I/O: whatever the harness measures with it is the harness itself.

`send()` answers at once with the status and length the checks expect, so every cost in its
numbers (threads, the counter, latency recording, the checks, the event loop for async) is
overhead every real client pays too.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from http_benchmark.adapters.base import AsyncSession, ClientAdapter, FairSettings, SyncSession
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.protocols import PROTOCOLS

__all__ = ["NullAdapter"]


class _Session:
    def __init__(self, request: HTTPRequest) -> None:
        self._answer = (request.expected_status, request.expected_length or 0)

    def send(self) -> tuple[int, int]:
        return self._answer

    def close(self) -> None:
        return None


class _AsyncSession:
    def __init__(self, request: HTTPRequest) -> None:
        self._answer = (request.expected_status, request.expected_length or 0)

    async def send(self) -> tuple[int, int]:
        # One trip through the event loop, as a real request's await on the socket makes.
        await asyncio.sleep(0)
        return self._answer

    async def close(self) -> None:
        return None


class NullAdapter(ClientAdapter):
    name = "null"
    distribution = "htk-http-benchmark"
    module = "http_benchmark"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})
    # It speaks nothing, so it stands for every protocol's harness cost.
    protocols: ClassVar[frozenset[str]] = frozenset(PROTOCOLS)
    multiplexes = True

    def unavailable_reason(self) -> str | None:
        return None

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return _AsyncSession(request)
