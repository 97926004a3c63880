"""httpx: sync (threads) and async (tasks), one Client/AsyncClient per session.

HTTP/2 is httpx's `http2=True` (the h2 package): over TLS by ALPN, and on cleartext (h2c) by
prior knowledge with `http1=False`. aresilient subclasses the clients, so its adapter reuses
these sessions with its own class.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from http_benchmark.adapters.base import (
    STREAM_CHUNK,
    AsyncSession,
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
    ssl_context,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import httpx

__all__ = [
    "HTTPX_PROTOCOLS",
    "HttpxAdapter",
    "httpx_async_session",
    "httpx_http_version",
    "httpx_sync_session",
    "httpx_transport_kwargs",
]

HTTPX_PROTOCOLS = frozenset({"h1", "h1-tls", "h2", "h2c"})
_VERSIONS = {"HTTP/1.0": 10, "HTTP/1.1": 11, "HTTP/2": 20, "HTTP/3": 30}


def httpx_transport_kwargs(request: HTTPRequest, settings: FairSettings) -> dict[str, Any]:
    """Client arguments shared by httpx and aresilient: pool, timeout, TLS, protocol, headers."""
    import httpx

    keepalive = 0 if request.new_connection else settings.pool_size
    http2 = request.protocol in {"h2", "h2c"}
    return {
        "headers": request_headers(request),
        "limits": httpx.Limits(
            max_connections=settings.pool_size, max_keepalive_connections=keepalive
        ),
        "timeout": settings.timeout,
        "verify": ssl_context(settings.verify),
        "trust_env": False,
        "http2": http2,
        # h2c has no ALPN to agree on HTTP/2: the client must not offer HTTP/1.1 at all.
        "http1": request.protocol != "h2c",
    }


def httpx_http_version(response: httpx.Response) -> int | None:
    return _VERSIONS.get(response.http_version)


class _SyncSession:
    def __init__(self, client: httpx.Client, request: HTTPRequest) -> None:
        self._client = client
        self._method, self._url, self._body = request.method, request.url, request.body
        self._stream = request.stream

    def send(self) -> tuple[int, int]:
        if self._stream:
            with self._client.stream(self._method, self._url, content=self._body) as response:
                size = sum(len(chunk) for chunk in response.iter_bytes(STREAM_CHUNK))
                return response.status_code, size
        response = self._client.request(self._method, self._url, content=self._body)
        return response.status_code, len(response.content)

    def close(self) -> None:
        self._client.close()


class _AsyncSession:
    def __init__(self, client: httpx.AsyncClient, request: HTTPRequest) -> None:
        self._client = client
        self._method, self._url, self._body = request.method, request.url, request.body
        self._stream = request.stream

    async def send(self) -> tuple[int, int]:
        if self._stream:
            async with self._client.stream(self._method, self._url, content=self._body) as response:
                size = 0
                async for chunk in response.aiter_bytes(STREAM_CHUNK):
                    size += len(chunk)
                return response.status_code, size
        response = await self._client.request(self._method, self._url, content=self._body)
        return response.status_code, len(response.content)

    async def close(self) -> None:
        await self._client.aclose()


def httpx_sync_session(client: httpx.Client, request: HTTPRequest) -> SyncSession:
    return _SyncSession(client, request)


def httpx_async_session(client: httpx.AsyncClient, request: HTTPRequest) -> AsyncSession:
    return _AsyncSession(client, request)


class _ConnectTrace:
    """httpcore's trace events: the time between `connect_tcp.started` and `.complete`."""

    def __init__(self) -> None:
        self.started = 0.0
        self.milliseconds: float | None = None

    def event(self, name: str) -> None:
        if name == "connection.connect_tcp.started":
            self.started = time.perf_counter()
        elif name == "connection.connect_tcp.complete":
            self.milliseconds = (time.perf_counter() - self.started) * 1000


def connect_ms_sync(client: httpx.Client, request: HTTPRequest) -> float | None:
    trace = _ConnectTrace()

    def on_event(name: str, _info: dict[str, Any]) -> None:
        trace.event(name)

    with client:
        client.request(
            request.method, request.url, content=request.body, extensions={"trace": on_event}
        )
    return trace.milliseconds


async def connect_ms_async(client: httpx.AsyncClient, request: HTTPRequest) -> float | None:
    trace = _ConnectTrace()

    async def on_event(name: str, _info: dict[str, Any]) -> None:
        trace.event(name)

    async with client:
        await client.request(
            request.method, request.url, content=request.body, extensions={"trace": on_event}
        )
    return trace.milliseconds


def http_version_sync(client: httpx.Client, request: HTTPRequest) -> int | None:
    with client:
        return httpx_http_version(client.request(request.method, request.url, content=request.body))


async def http_version_async(client: httpx.AsyncClient, request: HTTPRequest) -> int | None:
    async with client:
        response = await client.request(request.method, request.url, content=request.body)
        return httpx_http_version(response)


class HttpxAdapter(ClientAdapter):
    name = "httpx"
    distribution = "httpx"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})
    protocols: ClassVar[frozenset[str]] = HTTPX_PROTOCOLS
    multiplexes = True
    exposes_connect_time = True

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _SyncSession(self._sync_client(request, settings), request)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return _AsyncSession(self._async_client(request, settings), request)

    def _sync_client(self, request: HTTPRequest, settings: FairSettings) -> httpx.Client:
        import httpx

        arguments = httpx_transport_kwargs(request, settings)
        arguments["transport"] = httpx.HTTPTransport(
            retries=settings.retries,
            limits=arguments["limits"],
            verify=arguments["verify"],
            http1=arguments["http1"],
            http2=arguments["http2"],
        )
        return httpx.Client(**arguments)

    def _async_client(self, request: HTTPRequest, settings: FairSettings) -> httpx.AsyncClient:
        import httpx

        arguments = httpx_transport_kwargs(request, settings)
        arguments["transport"] = httpx.AsyncHTTPTransport(
            retries=settings.retries,
            limits=arguments["limits"],
            verify=arguments["verify"],
            http1=arguments["http1"],
            http2=arguments["http2"],
        )
        return httpx.AsyncClient(**arguments)

    def connect_ms_sync(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        return connect_ms_sync(self._sync_client(request, settings), request)

    async def connect_ms_async(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        return await connect_ms_async(self._async_client(request, settings), request)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        return http_version_sync(self._sync_client(request, settings), request)

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        return await http_version_async(self._async_client(request, settings), request)
