"""What every connection of one server shares, whatever its wire protocol."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Connection", "ServerState", "default_connection_limit"]


class Connection(Protocol):
    """What the server asks of a connection object (HTTP/1.1, HTTP/2, ...)."""

    def shutdown(self) -> None:
        """Graceful shutdown: finish what is in flight, start nothing new, then close."""

    def force_close(self) -> None:
        """The grace period is over: close now, response or not."""


def default_connection_limit() -> int:
    """Nine tenths of the soft file-descriptor limit: 503s before accept() starts failing."""
    if sys.platform == "win32":
        return 8192  # no descriptor limit to read; sockets are handles there
    import resource  # noqa: PLC0415 - Unix only

    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(1, soft * 9 // 10)


@dataclass(slots=True)
class ServerState:
    """Open connections, the connection cap and the shutdown flag of one server."""

    #: Connections beyond this many are answered 503 and closed.
    connection_limit: int = field(default_factory=default_connection_limit)
    connections: set[Connection] = field(default_factory=set)
    shutting_down: bool = False
    #: Set when the last connection closes during shutdown.
    drained: asyncio.Event = field(default_factory=asyncio.Event)
    #: The ``alt-svc`` field HTTP/1.1 and HTTP/2 responses carry while HTTP/3 is served.
    alt_svc: tuple[bytes, bytes] | None = None

    def admit(self, connection: Connection) -> bool:
        """Track a new connection; False when it is over the cap (it is tracked anyway)."""
        self.connections.add(connection)
        return len(self.connections) <= self.connection_limit

    def forget(self, connection: Connection) -> None:
        self.connections.discard(connection)
        if self.shutting_down and not self.connections:
            self.drained.set()
