"""The one small interface every client sits behind, and the settings they all share.

An adapter opens a *session* (one connection pool, sized and configured the same way for every
client) that sends one prepared request again and again and returns `(status, body length)`.
Keeping the request fixed per session means no client pays for URL parsing or header merging
that another skips, and the harness code around `send()` is the same for all of them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import ssl
from abc import ABC
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from http_benchmark.models import HTTPRequest, Mode

__all__ = [
    "COMMON_HEADERS",
    "STREAM_CHUNK",
    "AsyncSession",
    "ClientAdapter",
    "ClientUnavailableError",
    "FairSettings",
    "SyncSession",
    "UnsupportedModeError",
    "UnsupportedProtocolError",
    "protocol_gap",
    "request_headers",
    "ssl_context",
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


class UnsupportedProtocolError(ValueError):
    """A client was asked for a wire protocol (HTTP/2, h2c, HTTP/3) it cannot speak."""

    def __init__(self, client: str, protocol: str) -> None:
        self.client, self.protocol = client, protocol
        super().__init__(f"{client} has no {protocol_gap(protocol)}")


def protocol_gap(protocol: str) -> str:
    """What a client without `protocol` lacks, as the table says it: "HTTP/2", "h2c"..."""
    return {"h1-tls": "TLS", "h2": "HTTP/2", "h2c": "h2c (HTTP/2 prior knowledge)",
            "h3": "HTTP/3"}.get(protocol, protocol)  # fmt: skip


@dataclass(frozen=True)
class FairSettings:
    """The same for every client in a cell."""

    #: Connections the pool may keep: the cell's concurrency.
    pool_size: int
    timeout: float = 30.0
    #: True: the system's CAs; a path: that CA bundle (the run's own CA for its TLS server);
    #: False only when the user turned verification off (`--no-verify`), never implicitly.
    verify: bool | str = True
    #: Retries for clients that have them; 0 means one attempt per request everywhere.
    retries: int = 0
    headers: Mapping[str, str] = field(default_factory=lambda: dict(COMMON_HEADERS))


def ssl_context(verify: bool | str) -> ssl.SSLContext:  # noqa: FBT001 - verify's own type
    """A verifying client context: the system's CAs (True), a CA bundle (a path), or, only when
    the user said `--no-verify` (False), one that checks nothing."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=None if verify is True else verify)


#: Body chunks of streamed downloads are read in pieces this size where the client lets us say.
STREAM_CHUNK = 64 * 1024


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
    #: Wire protocols it speaks (`http_benchmark.protocols`): HTTP/1.1 with and without TLS
    #: unless the adapter says more.
    protocols: ClassVar[frozenset[str]] = frozenset({"h1", "h1-tls"})
    #: What `--retries N` does for this client, in the table's words. "connect": N more
    #: attempts after a failed connection, nothing else (the meaning every client that can
    #: is configured to); None: it has no retries; anything else is a different meaning that
    #: the table shows beside its numbers.
    retries: ClassVar[str | None] = "connect"
    #: Whether requests from all its threads or tasks can share ONE HTTP/2 connection
    #: (streams), as the h2-multiplex scenario asks.
    multiplexes: ClassVar[bool] = False
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

    def check_protocol(self, protocol: str) -> None:
        if protocol not in self.protocols:
            raise UnsupportedProtocolError(self.name, protocol)

    def _check_available(self) -> None:
        reason = self.unavailable_reason()
        if reason is not None:
            raise ClientUnavailableError(reason)

    def open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        """A session for threads; UnsupportedModeError if the client has no sync mode."""
        self.check_mode("sync")
        self.check_protocol(request.protocol)
        self._check_available()
        return self._open_sync(request, settings)

    async def open_async(self, request: HTTPRequest, settings: FairSettings) -> AsyncSession:
        """A session for asyncio tasks; UnsupportedModeError if the client has no async mode."""
        self.check_mode("async")
        self.check_protocol(request.protocol)
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

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        """The HTTP version (11, 20, 30) one response of a fresh session came with; None where
        the client does not say. The worker compares it with the cell's protocol before the
        timed part, so a client that quietly fell back to HTTP/1.1 is not counted as HTTP/2."""
        return None

    async def http_version_async(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        return None
