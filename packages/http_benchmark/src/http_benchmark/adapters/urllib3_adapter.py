"""urllib3: sync only; one PoolManager, one pool of `pool_size` connections."""

from __future__ import annotations

from typing import ClassVar

from http_benchmark.adapters.base import (
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.models import HTTPRequest, Mode

__all__ = ["Urllib3Adapter"]


class _Session:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        import urllib3

        # retries=False when 0: like the other clients, one attempt and no redirect following.
        retries: urllib3.Retry | bool = (
            urllib3.Retry(total=settings.retries, redirect=0) if settings.retries else False
        )
        self._manager = urllib3.PoolManager(
            num_pools=1,
            maxsize=settings.pool_size,
            headers=request_headers(request),
            retries=retries,
            timeout=urllib3.Timeout(settings.timeout),
            cert_reqs="CERT_REQUIRED" if settings.verify else "CERT_NONE",
        )
        self._method, self._url, self._body = request.method, request.url, request.body

    def send(self) -> tuple[int, int]:
        response = self._manager.request(self._method, self._url, body=self._body)
        return response.status, len(response.data)

    def close(self) -> None:
        self._manager.clear()


class Urllib3Adapter(ClientAdapter):
    name = "urllib3"
    distribution = "urllib3"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync"})

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request, settings)
