"""aiohttp: async only; one ClientSession whose connector is limited to the concurrency."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, ClassVar

from http_benchmark.adapters.base import (
    STREAM_CHUNK,
    AsyncSession,
    ClientAdapter,
    FairSettings,
    request_headers,
    ssl_context,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpAdapter"]


def _client_session(
    request: HTTPRequest, settings: FairSettings, trace_configs: list[aiohttp.TraceConfig] | None
) -> aiohttp.ClientSession:
    import aiohttp

    connector = aiohttp.TCPConnector(
        limit=settings.pool_size,
        limit_per_host=settings.pool_size,
        force_close=request.new_connection,
        ssl=ssl_context(settings.verify),
    )
    return aiohttp.ClientSession(
        connector=connector,
        headers=request_headers(request),
        timeout=aiohttp.ClientTimeout(total=settings.timeout),
        trust_env=False,
        auto_decompress=True,
        trace_configs=trace_configs,
    )


class _AsyncSession:
    def __init__(self, session: aiohttp.ClientSession, request: HTTPRequest) -> None:
        self._session = session
        self._method, self._url, self._body = request.method, request.url, request.body
        self._stream = request.stream

    async def send(self) -> tuple[int, int]:
        async with self._session.request(self._method, self._url, data=self._body) as response:
            if self._stream:
                size = 0
                async for chunk in response.content.iter_chunked(STREAM_CHUNK):
                    size += len(chunk)
                return response.status, size
            body = await response.read()
            return response.status, len(body)

    async def close(self) -> None:
        await self._session.close()


class AiohttpAdapter(ClientAdapter):
    name = "aiohttp"
    distribution = "aiohttp"
    modes: ClassVar[frozenset[Mode]] = frozenset({"async"})
    retries: ClassVar[str | None] = None
    exposes_connect_time = True

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return _AsyncSession(_client_session(request, settings, None), request)

    async def connect_ms_async(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        import aiohttp

        times: dict[str, float] = {}

        async def started(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            _params: aiohttp.TraceConnectionCreateStartParams,
        ) -> None:
            times["start"] = time.perf_counter()

        async def ended(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            _params: aiohttp.TraceConnectionCreateEndParams,
        ) -> None:
            times["end"] = time.perf_counter()

        trace = aiohttp.TraceConfig()
        trace.on_connection_create_start.append(started)
        trace.on_connection_create_end.append(ended)
        async with (
            _client_session(request, settings, [trace]) as session,
            session.request(request.method, request.url, data=request.body) as answer,
        ):
            await answer.read()
        if "start" not in times or "end" not in times:
            return None
        return (times["end"] - times["start"]) * 1000

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        async with (
            _client_session(request, settings, None) as session,
            session.request(request.method, request.url, data=request.body) as answer,
        ):
            await answer.read()
            version = answer.version
            return None if version is None else version.major * 10 + version.minor
