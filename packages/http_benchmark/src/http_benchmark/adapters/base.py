"""The one small interface every client sits behind, and the settings they all share.

An adapter opens a *session* (one connection pool, sized and configured the same way for every
client) that sends one prepared request again and again and returns `(status, body length)`.
Keeping the request fixed per session means no client pays for URL parsing or header merging
that another skips, and the harness code around `send()` is the same for all of them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from abc import ABC
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from http_benchmark.models import HTTPRequest, Mode

__all__ = [
    "COMMON_HEADERS",
    "AsyncSession",
    "ClientAdapter",
    "ClientUnavailableError",
    "FairSettings",
    "SyncSession",
    "UnsupportedModeError",
    "request_headers",
]

# Sent by every client on every request (plus Host, and Content-Length with a body). Naming
# Accept-Encoding explicitly makes the server compress (or not) the same way for all of them,
# and every adapter decodes what it names.
COMMON_HEADERS: Mapping[str, str] = {
    "User-Agent": "http-benchmark",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


class UnsupportedModeError(ValueError):
    """A client was asked for a mode (sync or async) it does not have."""

    def __init__(self, client: str, mode: Mode, supported: frozenset[Mode]) -> None:
        self.client, self.mode, self.supported = client, mode, supported
        super().__init__(
            f"{client} has no {mode} mode (it supports: {', '.join(sorted(supported))})"
        )


class ClientUnavailableError(RuntimeError):
    """The client library is not installed (or is too old to have what the adapter needs)."""


@dataclass(frozen=True)
class FairSettings:
    """The same for every client in a cell."""

    #: Connections the pool may keep: the cell's concurrency.
    pool_size: int
    timeout: float = 30.0
    verify: bool = True
    #: Retries for clients that have them; 0 means one attempt per request everywhere.
    retries: int = 0
    headers: Mapping[str, str] = field(default_factory=lambda: dict(COMMON_HEADERS))


def request_headers(request: HTTPRequest) -> dict[str, str]:
    """The common headers, then the request's own; `Connection: close` for new connections.

    A body gets an explicit Content-Type: aiohttp would add `application/octet-stream` by
    itself and the others nothing, so without it the clients would not send the same request.
    """
    headers = dict(COMMON_HEADERS)
    if request.body is not None:
        headers["Content-Type"] = "application/octet-stream"
    headers.update(request.headers)
    if request.new_connection:
        headers["Connection"] = "close"
    return headers


class SyncSession(Protocol):
    """One pool; `send()` may be called from several threads at once."""

    def send(self) -> tuple[int, int]:
        """Send the request, read the whole body; its status and decoded length."""
        ...

    def close(self) -> None: ...


class AsyncSession(Protocol):
    """One pool; `send()` may be awaited from several tasks at once."""

    async def send(self) -> tuple[int, int]: ...

    async def close(self) -> None: ...


class ClientAdapter(ABC):
    """A client library behind the benchmark's interface.

    Subclasses set `name`, `distribution` (what `pip` installs), `module` when the import name
    is not the distribution's (the toolkit's `htk-` packages), `modes`, and override
    `_open_sync` and/or `_open_async`. Libraries are imported inside those methods, so listing
    adapters never imports a client, and a missing one is reported, not raised at import.
    """

    name: ClassVar[str]
    distribution: ClassVar[str]
    #: The import name; empty means the distribution's name with `-` as `_`.
    module: ClassVar[str] = ""
    modes: ClassVar[frozenset[Mode]]
    #: Whether `connect_ms_*` can measure the TCP connect time of this client.
    exposes_connect_time: ClassVar[bool] = False

    def unavailable_reason(self) -> str | None:
        """None when the client can run here, else why not (for the table and the logs)."""
        module = self.module or self.distribution.replace("-", "_")
        if importlib.util.find_spec(module) is None:
            return f"{self.distribution} is not installed"
        return None

    def version(self) -> str:
        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def check_mode(self, mode: Mode) -> None:
        if mode not in self.modes:
            raise UnsupportedModeError(self.name, mode, self.modes)

    def _check_available(self) -> None:
        reason = self.unavailable_reason()
        if reason is not None:
            raise ClientUnavailableError(reason)

    def open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        """A session for threads; UnsupportedModeError if the client has no sync mode."""
        self.check_mode("sync")
        self._check_available()
        return self._open_sync(request, settings)

    async def open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        """A session for asyncio tasks; UnsupportedModeError if the client has no async mode."""
        self.check_mode("async")
        self._check_available()
        return await self._open_async(request, settings)

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        raise UnsupportedModeError(self.name, "sync", self.modes)

    async def _open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        raise UnsupportedModeError(self.name, "async", self.modes)

    def connect_ms_sync(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        """The TCP connect time of one fresh connection in ms, None where not exposed.

        Called outside the timed part, on a separate instrumented session, so measuring it
        costs the timed requests nothing.
        """
        return None

    async def connect_ms_async(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        return None
