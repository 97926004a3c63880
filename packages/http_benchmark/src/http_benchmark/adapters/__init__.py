"""Client adapters: one module per client library, one interface for all of them."""

from http_benchmark.adapters.base import (
    COMMON_HEADERS,
    AsyncSession,
    ClientAdapter,
    ClientUnavailableError,
    FairSettings,
    SyncSession,
    UnsupportedModeError,
    UnsupportedProtocolError,
    protocol_gap,
    request_headers,
    ssl_context,
)
from http_benchmark.adapters.registry import (
    CLIENT_NAMES,
    HARNESS_CLIENT,
    MEASURED_CLIENTS,
    get_adapter,
)

__all__ = [
    "CLIENT_NAMES",
    "COMMON_HEADERS",
    "HARNESS_CLIENT",
    "MEASURED_CLIENTS",
    "AsyncSession",
    "ClientAdapter",
    "ClientUnavailableError",
    "FairSettings",
    "SyncSession",
    "UnsupportedModeError",
    "UnsupportedProtocolError",
    "get_adapter",
    "protocol_gap",
    "request_headers",
    "ssl_context",
]
