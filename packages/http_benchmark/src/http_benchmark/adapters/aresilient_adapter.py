"""aresilient: httpx's clients with retries, measured exactly like httpx (same sessions).

Next to httpx it shows what the resilience layer costs per request when nothing fails. Before
aresilient has its drop-in `Client`/`AsyncClient`, the adapter reports itself unavailable.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar

from http_benchmark.adapters.base import AsyncSession, ClientAdapter, FairSettings, SyncSession
from http_benchmark.adapters.httpx_adapter import (
    HTTPX_PROTOCOLS,
    connect_ms_async,
    connect_ms_sync,
    http_version_async,
    http_version_sync,
    httpx_async_session,
    httpx_sync_session,
    httpx_transport_kwargs,
)
from http_benchmark.models import HTTPRequest, Mode

if TYPE_CHECKING:
    import httpx

__all__ = ["AresilientAdapter"]


class AresilientAdapter(ClientAdapter):
    name = "aresilient"
    distribution = "htk-aresilient"
    module = "aresilient"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync", "async"})
    protocols: ClassVar[frozenset[str]] = HTTPX_PROTOCOLS
    multiplexes = True
    # aresilient's own policy: it retries 429/5xx answers and transport errors, with backoff.
    retries: ClassVar[str | None] = "answers 429/5xx and errors, with backoff"
    exposes_connect_time = True

    def unavailable_reason(self) -> str | None:
        reason = super().unavailable_reason()
        if reason is not None:
            return reason
        try:
            module = importlib.import_module("aresilient")
        except ImportError as error:  # an installed but broken package is unavailable too
            return f"aresilient does not import: {error}"
        if not hasattr(module, "Client") or not hasattr(module, "AsyncClient"):
            return "this aresilient has no Client/AsyncClient yet"
        return None

    def _sync_client(self, request: HTTPRequest, settings: FairSettings) -> httpx.Client:
        import aresilient

        client: httpx.Client = aresilient.Client(
            max_retries=settings.retries, **httpx_transport_kwargs(request, settings)
        )
        return client

    def _async_client(self, request: HTTPRequest, settings: FairSettings) -> httpx.AsyncClient:
        import aresilient

        client: httpx.AsyncClient = aresilient.AsyncClient(
            max_retries=settings.retries, **httpx_transport_kwargs(request, settings)
        )
        return client

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return httpx_sync_session(self._sync_client(request, settings), request)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        return httpx_async_session(self._async_client(request, settings), request)

    def connect_ms_sync(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        return connect_ms_sync(self._sync_client(request, settings), request)

    async def connect_ms_async(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        return await connect_ms_async(self._async_client(request, settings), request)

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        return http_version_sync(self._sync_client(request, settings), request)

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        return await http_version_async(self._async_client(request, settings), request)
