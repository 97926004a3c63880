"""requests: sync only; one Session shared by the threads, its pool sized to the concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from http_benchmark.adapters.base import (
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import requests

__all__ = ["RequestsAdapter"]


class _Session:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self._session = requests.Session()
        # No proxy, .netrc or CA bundle from the environment: the same for every client.
        self._session.trust_env = False
        self._session.verify = settings.verify
        self._session.headers.clear()
        self._session.headers.update(request_headers(request))
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=settings.pool_size, max_retries=settings.retries
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout = settings.timeout

    def send(self) -> tuple[int, int]:
        response: requests.Response = self._session.request(
            self._method, self._url, data=self._body, timeout=self._timeout
        )
        return response.status_code, len(response.content)

    def close(self) -> None:
        self._session.close()


class RequestsAdapter(ClientAdapter):
    name = "requests"
    distribution = "requests"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync"})

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request, settings)
