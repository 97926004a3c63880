"""What the WebSocket echo's load processes share with the runner: sizes, timeouts, results.

Kept apart from `ws_client` (the load process itself, run with `python -m`) so that the
runner never imports the module it starts as a program.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

__all__ = [
    "CLOSE_TIMEOUT",
    "ECHO_HEADER",
    "END_TIMEOUT",
    "MESSAGE_SIZE",
    "OPEN_TIMEOUT",
    "SETTLE_TIMEOUT",
    "LoadResult",
    "schedstat",
]

MESSAGE_SIZE = 64
# The echo of a 64-byte text message: a final text frame, unmasked, 7-bit length 64.
ECHO_HEADER = bytes((0x81, MESSAGE_SIZE))
OPEN_TIMEOUT = 15.0
# How long the end of a run may take: the last in-flight echoes, then the close handshakes.
SETTLE_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
END_TIMEOUT = SETTLE_TIMEOUT + CLOSE_TIMEOUT + 1.0


@dataclass
class LoadResult:
    """What one run measured, summed over its processes."""

    messages_per_second: float = 0.0  # the sum of each process's echoes over its window
    messages: int = 0
    latency_seconds: float = 0.0  # summed over the counted round trips
    failed: int = 0  # sockets that never opened (connect or handshake failed)
    mismatched: int = 0  # echoes that differed from what was sent (the socket is dropped)
    protocol_errors: int = 0  # frames a server may not send (the socket is dropped)
    closed: int = 0  # sockets the server closed or reset during the run
    stalled: int = 0  # echoes missing SETTLE_TIMEOUT seconds after the window
    # The processes' CPU time over their window, in cores: near 1.0 with every process on one
    # core, the load generator was saturated and the rate is its limit, not the server's.
    cpu_busy: float = 0.0
    # Time they were ready to run but waited for a CPU (Linux's schedstat), in cores: other
    # processes on the machine held it, and the rate says more about them than the server.
    cpu_wait: float = 0.0
    # The same two for the server process, over the window and the close (when watched).
    server_busy: float = 0.0
    server_wait: float = 0.0

    # The Measurement protocol of the server rounds (a round trip is its "request").
    @property
    def requests_per_second(self) -> float:
        return self.messages_per_second

    @property
    def latency_ms(self) -> float:
        return 1000 * self.latency_seconds / self.messages if self.messages else 0.0

    @property
    def errors(self) -> int:
        return sum(self.error_counts().values())

    def error_counts(self) -> dict[str, int]:
        return {
            name: getattr(self, name)
            for name in ("failed", "mismatched", "protocol_errors", "closed", "stalled")
        }

    def add(self, other: LoadResult) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def schedstat(pid: int | None = None) -> tuple[float, float] | None:
    """Seconds a process (all its threads) ran and waited for a CPU; None off Linux."""
    tasks = Path("/proc") / ("self" if pid is None else str(pid)) / "task"
    ran = waited = 0
    try:
        for task in tasks.iterdir():
            fields = (task / "schedstat").read_text(encoding="ascii").split()
            ran, waited = ran + int(fields[0]), waited + int(fields[1])
    except (OSError, IndexError, ValueError):
        return None  # no procfs, or a thread that ended while read: no figure, not a wrong one
    return ran / 1e9, waited / 1e9
