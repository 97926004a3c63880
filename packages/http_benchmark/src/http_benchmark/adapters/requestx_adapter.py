"""requestx: requests' API on a Rust engine, sync and async under the same names.

The session's mode is forced ("sync" in threads, "async" on the loop) rather than left to
"auto", so each mode measures exactly the path it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from http_benchmark.adapters.base import (
    AsyncSession,
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import requestx

__all__ = ["RequestxAdapter"]


def _session(
    request: HTTPRequest, settings: FairSettings, mode: Literal["sync", "async"]
) -> requestx.Session:
    import requestx
    from requestx.adapters import HTTPAdapter

    session = requestx.Session(mode=mode)
    session.trust_env = False
    session.verify = settings.verify
    session.headers.clear()
    session.headers.update(request_headers(request))
    adapter = HTTPAdapter(
        pool_connections=1, pool_maxsize=settings.pool_size, max_retries=settings.retries
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _SyncSession:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        self._session = _session(request, settings, "sync")
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout = settings.timeout

    def send(self) -> tuple[int, int]:
        response = self._session.request(
            self._method, self._url, data=self._body, timeout=self._timeout
        )
        return response.status_code, len(response.content)

    def close(self) -> None:
        self._session.close()


class _AsyncSession:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        self._session = _session(request, settings, "async")
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout = settings.timeout

    async def send(self) -> tuple[int, int]:
        response = await self._session.request(
            self._method, self._url, data=self._body, timeout=self._timeout
        )
        return response.status_code, len(response.content)

    async def close(self) -> None:
        self._session.close()


class RequestxAdapter(ClientAdapter):
    name = "requestx"
    distribution = "htk-requestx"
    module = "requestx"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _SyncSession(request, settings)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return _AsyncSession(request, settings)
