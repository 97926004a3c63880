"""urllib3: sync only; one PoolManager, one pool of `pool_size` connections."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from http_benchmark.adapters.base import (
    STREAM_CHUNK,
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
    ssl_context,
)
from http_benchmark.adapters.requests_adapter import connect_only_retry
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import urllib3

__all__ = ["Urllib3Adapter"]


class _Session:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        import urllib3

        # retries=False when 0: like the other clients, one attempt and no redirect following.
        retries = connect_only_retry(urllib3.Retry, settings.retries) or False
        self._manager = urllib3.PoolManager(
            num_pools=1,
            maxsize=settings.pool_size,
            headers=request_headers(request),
            retries=retries,
            timeout=urllib3.Timeout(settings.timeout),
            ssl_context=ssl_context(settings.verify),
        )
        self._method, self._url, self._body = request.method, request.url, request.body
        self._stream = request.stream

    def response(self) -> urllib3.BaseHTTPResponse:
        return self._manager.request(
            self._method, self._url, body=self._body, preload_content=not self._stream
        )

    def send(self) -> tuple[int, int]:
        response = self.response()
        if self._stream:
            size = sum(len(chunk) for chunk in response.stream(STREAM_CHUNK))
            response.release_conn()
            return response.status, size
        return response.status, len(response.data)

    def close(self) -> None:
        self._manager.clear()


class Urllib3Adapter(ClientAdapter):
    name = "urllib3"
    distribution = "urllib3"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync"})

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request, settings)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = _Session(request, settings)
        try:
            return session.response().version
        finally:
            session.close()
