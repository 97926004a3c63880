"""WebSocket echo: sockets doing 64-byte text round trips for a fixed time, each echo checked.

The load generator (`ws_load` starting `ws_client` processes: hand-built frames after a
`websockets` handshake, no compression offered) runs on the client CPU. The raw echo server
(`ws_raw_echo`) is measured alongside as the load generator's own ceiling; each window's CPU
(busy, and waiting for a CPU others held) is kept for the load generator and the server.
"""

from __future__ import annotations

import importlib.util

from http_benchmark.servers.measurement import Measurement
from http_benchmark.servers.ws_figures import MESSAGE_SIZE
from http_benchmark.servers.ws_load import run_load

__all__ = ["check_echo", "measure_echo", "ws_client_missing"]


def ws_client_missing() -> str | None:
    if importlib.util.find_spec("websockets") is None:
        return "websockets not installed"
    return None


def check_echo(name: str, url: str) -> None:
    """One echo through the `websockets` library's client: the server works for a real client."""
    from websockets.sync.client import connect  # noqa: PLC0415 - only where ws is measured

    message = "x" * MESSAGE_SIZE
    with connect(url, compression=None, open_timeout=10, close_timeout=5) as socket:
        socket.send(message)
        echo = socket.recv(timeout=10)
    if echo != message:
        raise RuntimeError(f"{name} at {url}: sent {message!r}, got {echo!r} back")


def measure_echo(  # noqa: PLR0913 - the load generator's knobs
    url: str, *, sockets: int, processes: int, seconds: float, server_pid: int, cpu: int | None
) -> Measurement:
    result = run_load(
        url, clients=sockets, processes=processes, duration=seconds, server_pid=server_pid,
        cpu=cpu,
    )  # fmt: skip
    return Measurement(
        ok=result.messages,
        elapsed=seconds,
        requests_per_second=result.messages_per_second,
        errors={f"ws-{kind}": count for kind, count in result.error_counts().items() if count},
        mean_latency_ms=result.latency_ms if result.messages else None,
        detail={
            "load_cpu": result.cpu_busy,
            "load_cpu_wait": result.cpu_wait,
            "server_cpu": result.server_busy,
            "server_cpu_wait": result.server_wait,
        },
    )
