"""niquests: requests' API with HTTP/2 and HTTP/3 (qh3), sync (threads) and async (tasks).

niquests depends on urllib3-future, which replaces `urllib3` in the environment it is
installed in, so it cannot sit beside the urllib3 and requests adapters. Its workers run under
an interpreter of their own (`--client-python niquests=/path/to/python`, which `nox -s bench`
makes); where niquests is not importable it is reported unavailable, nothing else changes.

The protocol is pinned by turning the others off: `disable_http2`/`disable_http3` for HTTP/1.1,
`disable_http1`/`disable_http3` for HTTP/2 (by ALPN over TLS, by prior knowledge for h2c), and
HTTP/1.1 and HTTP/2 off for HTTP/3, whose endpoint is told to the QUIC cache up front instead
of learned from an Alt-Svc answer. Verification goes per request: niquests' QUIC path does not
use a session-level `verify`.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

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

__all__ = ["NiquestsAdapter", "session_options"]


def session_options(request: HTTPRequest, settings: FairSettings) -> dict[str, Any]:
    """Session arguments: pool, retries and the one protocol the cell is about."""
    from niquests.adapters import Retry

    protocol = request.protocol
    return {
        "pool_connections": 1,
        "pool_maxsize": settings.pool_size,
        "retries": connect_only_retry(Retry, settings.retries),
        "disable_http1": protocol in {"h2", "h2c", "h3"},
        "disable_http2": protocol in {"h1", "h1-tls", "h3"},
        "disable_http3": protocol != "h3",
        "headers": request_headers(request),
    }


def _prepare(session: Any, request: HTTPRequest) -> None:
    session.trust_env = False
    if request.protocol == "h3":
        parts = urlsplit(request.url)
        session.quic_cache_layer.add_domain(parts.hostname, parts.port or 443)


class _Base:
    def __init__(self, session: Any, request: HTTPRequest, settings: FairSettings) -> None:
        _prepare(session, request)
        self._session = session
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout, self._verify = settings.timeout, settings.verify
        self._stream = request.stream

    def _arguments(self) -> dict[str, Any]:
        return {
            "data": self._body,
            "timeout": self._timeout,
            "verify": self._verify,
            "stream": self._stream,
        }


class _SyncSession(_Base):
    def response(self) -> Any:
        return self._session.request(self._method, self._url, **self._arguments())

    def send(self) -> tuple[int, int]:
        response = self.response()
        if self._stream:
            size = sum(len(chunk) for chunk in response.iter_content(STREAM_CHUNK))
            response.close()
            return int(response.status_code), size
        return int(response.status_code), len(response.content)

    def close(self) -> None:
        self._session.close()


class _AsyncSession(_Base):
    async def response(self) -> Any:
        return await self._session.request(self._method, self._url, **self._arguments())

    async def send(self) -> tuple[int, int]:
        response = await self.response()
        if self._stream:
            size = 0
            async for chunk in await response.iter_content(STREAM_CHUNK):
                size += len(chunk)
            await response.close()
            return int(response.status_code), size
        return int(response.status_code), len(response.content)

    async def close(self) -> None:
        await self._session.close()


class NiquestsAdapter(ClientAdapter):
    name = "niquests"
    distribution = "niquests"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})
    protocols: ClassVar[frozenset[str]] = frozenset({"h1", "h1-tls", "h2", "h2c", "h3"})

    def _sync(self, request: HTTPRequest, settings: FairSettings) -> _SyncSession:
        import niquests

        session = niquests.Session(**session_options(request, settings))
        return _SyncSession(session, request, settings)

    def _async(self, request: HTTPRequest, settings: FairSettings) -> _AsyncSession:
        import niquests

        session = niquests.AsyncSession(**session_options(request, settings))
        return _AsyncSession(session, request, settings)

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return self._sync(request, settings)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return self._async(request, settings)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = self._sync(request, settings)
        try:
            version: int | None = session.response().http_version
        finally:
            session.close()
        return version

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = self._async(request, settings)
        try:
            version: int | None = (await session.response()).http_version
        finally:
            await session.close()
        return version
