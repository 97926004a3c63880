"""HTTP/3 (QUIC) under one aioquic client: `h3_load` on the client CPU, N requests in flight.

Each server serves TLS on TCP and QUIC on the same port number (httpy `--http3`, hypercorn
`--quic-bind`). Only answers that are a 200 with exactly the route's body count. The client
reports its own CPU use (its CPU seconds over the run's wall-clock seconds): near 1.0 means the
client, not the server, set the pace.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from http_benchmark.servers.apps import JSON_BODY
from http_benchmark.servers.measurement import Measurement
from http_benchmark.servers.processes import pinned
from http_benchmark.servers.tls import HOST

__all__ = ["h3_client_missing", "measure_h3"]


def h3_client_missing() -> str | None:
    if importlib.util.find_spec("aioquic") is None:
        return "aioquic not installed (pip install 'http-benchmark[servers]')"
    return None


def measure_h3(url: str, *, streams: int, seconds: float, cpu: int | None) -> Measurement:
    """`h3_load` against `url`'s port (QUIC on the TCP port's number)."""
    port = url.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "http_benchmark.servers.h3_load", HOST, port,
               "--streams", str(streams), "--seconds", str(seconds),
               "--expect", JSON_BODY.decode()]  # fmt: skip
    output = subprocess.run(  # noqa: S603 - this interpreter, arguments built here
        pinned(command, cpu), capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return Measurement(
        ok=result["ok"],
        elapsed=result["seconds"],
        requests_per_second=result["requests_per_second"],
        errors={"h3-failed": result["errors"]} if result["errors"] else {},
        mean_latency_ms=result["latency_ms"] if result["ok"] else None,
        detail={"client_cpu": result["client_cpu_seconds"] / max(result["seconds"], 1e-9)},
    )


def check_h3(name: str, url: str, cpu: int | None) -> None:
    """A short run must get only 200s with exactly the route's body over HTTP/3."""
    result = measure_h3(url, streams=1, seconds=0.2, cpu=cpu)
    if result.ok < 1 or result.errors:
        raise RuntimeError(
            f"{name} at {url}: expected 200s with the route's body over HTTP/3, got "
            f"{result.ok} good answers and {sum(result.errors.values())} errors"
        )
