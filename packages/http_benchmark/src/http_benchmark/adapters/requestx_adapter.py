"""requestx: requests' API on a Rust engine, sync and async under the same names.

The session's mode is forced ("sync" in threads, "async" on the loop) rather than left to
"auto", so each mode measures exactly the path it names. Its `http2=` knob is on only for the
h2 protocol: requestx offers h2 by ALPN by default, which would turn an HTTP/1.1-over-TLS cell
into an HTTP/2 one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from http_benchmark.adapters.base import (
    STREAM_CHUNK,
    AsyncSession,
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.adapters.requests_adapter import connect_only_retry
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import requestx

__all__ = ["RequestxAdapter"]


def _session(
    request: HTTPRequest, settings: FairSettings, mode: Literal["sync", "async"]
) -> requestx.Session:
    import requestx
    from requestx.adapters import HTTPAdapter, Retry

    http2 = request.protocol == "h2"
    session = requestx.Session(mode=mode, http2=http2)
    session.trust_env = False
    session.headers.clear()
    session.headers.update(request_headers(request))
    adapter = HTTPAdapter(
        pool_connections=1,
        pool_maxsize=settings.pool_size,
        max_retries=connect_only_retry(Retry, settings.retries),
        http2=http2,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _SyncSession:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        self._session = _session(request, settings, "sync")
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout, self._verify = settings.timeout, settings.verify
        self._stream = request.stream

    def response(self) -> requestx.Response:
        response: requestx.Response = self._session.request(
            self._method,
            self._url,
            data=self._body,
            timeout=self._timeout,
            verify=self._verify,
            stream=self._stream,
        )
        return response

    def send(self) -> tuple[int, int]:
        response = self.response()
        if self._stream:
            size = sum(len(chunk) for chunk in response.iter_content(STREAM_CHUNK))
            response.close()
            return response.status_code, size
        return response.status_code, len(response.content)

    def close(self) -> None:
        self._session.close()


class _AsyncSession:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        self._session = _session(request, settings, "async")
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout, self._verify = settings.timeout, settings.verify
        self._stream = request.stream

    async def response(self) -> requestx.Response:
        response: requestx.Response = await self._session.request(
            self._method,
            self._url,
            data=self._body,
            timeout=self._timeout,
            verify=self._verify,
            stream=self._stream,
        )
        return response

    async def send(self) -> tuple[int, int]:
        response = await self.response()
        if self._stream:
            size = 0
            async for chunk in response.aiter_content(STREAM_CHUNK):
                size += len(chunk)
            return response.status_code, size
        return response.status_code, len(response.content)

    async def close(self) -> None:
        self._session.close()


class RequestxAdapter(ClientAdapter):
    name = "requestx"
    distribution = "htk-requestx"
    module = "requestx"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})
    protocols: ClassVar[frozenset[str]] = frozenset({"h1", "h1-tls", "h2"})
    # Its engine sends concurrent requests to one host over one HTTP/2 connection.
    multiplexes = True

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _SyncSession(request, settings)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return _AsyncSession(request, settings)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = _SyncSession(request, settings)
        try:
            return session.response().http_version
        finally:
            session.close()

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = _AsyncSession(request, settings)
        try:
            return (await session.response()).http_version
        finally:
            await session.close()
