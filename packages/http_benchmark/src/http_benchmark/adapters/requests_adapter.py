"""requests: sync only; one Session shared by the threads, its pool sized to the concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from http_benchmark.adapters.base import (
    STREAM_CHUNK,
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import requests

__all__ = ["RequestsAdapter", "connect_only_retry"]


def connect_only_retry(retry_class: Any, retries: int) -> Any:
    """`retries` more attempts after a failed connection and for nothing else (no read, status
    or redirect retries): the meaning `--retries` has for every client. 0 stays 0."""
    if not retries:
        return 0
    return retry_class(total=retries, connect=retries, read=0, redirect=0, status=0, other=0)


class _Session:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3 import Retry

        self._session = requests.Session()
        # No proxy, .netrc or CA bundle from the environment: the same for every client.
        self._session.trust_env = False
        self._session.headers.clear()
        self._session.headers.update(request_headers(request))
        adapter = HTTPAdapter(
            pool_connections=1,
            pool_maxsize=settings.pool_size,
            max_retries=connect_only_retry(Retry, settings.retries),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._method, self._url, self._body = request.method, request.url, request.body
        self._timeout = settings.timeout
        # Per request: requests lets REQUESTS_CA_BUNDLE override a session's verify.
        self._verify = settings.verify
        self._stream = request.stream

    def response(self) -> requests.Response:
        return self._session.request(
            self._method,
            self._url,
            data=self._body,
            timeout=self._timeout,
            verify=self._verify,
            stream=self._stream,
        )

    def send(self) -> tuple[int, int]:
        response = self.response()
        if self._stream:
            size = sum(len(chunk) for chunk in response.iter_content(STREAM_CHUNK))
            response.close()
            return response.status_code, size
        return response.status_code, len(response.content)

    def close(self) -> None:
        self._session.close()


class RequestsAdapter(ClientAdapter):
    name = "requests"
    distribution = "requests"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync"})

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request, settings)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        session = _Session(request, settings)
        try:
            version: int = session.response().raw.version
        finally:
            session.close()
        return version
