"""HTTP/2 under h2load, over h2c (prior knowledge) or TLS (ALPN h2).

Only 2xx answers count as served: requests/s is h2load's 2xx count over its measured duration;
failed, errored and timed-out requests and non-2xx answers are errors. Latency percentiles
come from h2load's per-request log (`--log-file`: start, status, microseconds), the mean from
its summary.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from http_benchmark.metrics import latency_summary
from http_benchmark.servers.measurement import Measurement
from http_benchmark.servers.processes import pinned

__all__ = [
    "H2loadResult",
    "check_h2",
    "h2load_missing",
    "measure_h2load",
    "parse_h2load",
    "read_h2load_log",
    "run_h2load",
]


def h2load_missing() -> str | None:
    if shutil.which("h2load"):
        return None
    return "h2load not installed (Debian: apt-get install nghttp2-client)"


@dataclass(frozen=True)
class H2loadResult:
    requests_per_second: float  # 2xx answers only, over h2load's measured duration
    latency_ms: float  # h2load's mean time per request
    errors: int
    ok: int  # 2xx answers
    body_bytes: int
    protocol: str
    seconds: float


_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
_FINISHED = re.compile(r"^finished in ([\d.]+)(us|ms|s),", re.MULTILINE)
_REQUESTS = re.compile(r"^requests: .* (\d+) failed, (\d+) errored, (\d+) timeout", re.MULTILINE)
_STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.MULTILINE)
_DATA = re.compile(r"^traffic: .* \((\d+)\) data", re.MULTILINE)
_LATENCY = re.compile(r"^time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", re.MULTILINE)
_PROTOCOL = re.compile(r"^Application protocol: (\S+)", re.MULTILINE)


def parse_h2load(output: str) -> H2loadResult:
    finished = _FINISHED.search(output)
    requests = _REQUESTS.search(output)
    status = _STATUS.search(output)
    data = _DATA.search(output)
    latency = _LATENCY.search(output)
    if finished is None or requests is None or status is None or data is None or latency is None:
        raise RuntimeError(f"unexpected h2load output:\n{output}")
    seconds = float(finished.group(1)) * _SECONDS[finished.group(2)]
    failed = int(requests.group(1))
    ok = int(status.group(1))
    # h2load's "failed" already holds the errored and timed-out requests and the 4xx/5xx
    # answers; a 3xx counts as a success there, but the route answers 200, so it is one here.
    errors = failed + int(status.group(2))
    protocol = _PROTOCOL.search(output)
    return H2loadResult(
        requests_per_second=ok / seconds if seconds > 0 else 0.0,
        latency_ms=float(latency.group(1)) * _SECONDS[latency.group(2)] * 1000,
        errors=errors,
        ok=ok,
        body_bytes=int(data.group(1)),
        protocol=protocol.group(1) if protocol else "none",
        seconds=seconds,
    )


def read_h2load_log(text: str) -> list[float]:
    """Seconds per 2xx request from h2load's `--log-file` (tab-separated: start, status, us)."""
    seconds = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[1].startswith("2"):
            seconds.append(int(fields[2]) / 1e6)
    return seconds


def run_h2load(
    url: str, load: list[str], *, timeout: float, cpu: int | None
) -> tuple[H2loadResult, list[float]]:
    """h2load with the load flags `load` (`-c16 -m10 -D 5000ms`, `-n1`...): summary and log."""
    with tempfile.TemporaryDirectory(prefix="h2load-") as folder:
        log = Path(folder) / "requests.tsv"
        command = ["h2load", "-t1", f"--log-file={log}", *load, url + "/"]
        output = subprocess.run(  # noqa: S603 - h2load with arguments built here
            pinned(command, cpu), capture_output=True, text=True, check=True, timeout=timeout
        ).stdout
        latencies = read_h2load_log(log.read_text(encoding="ascii")) if log.exists() else []
    return parse_h2load(output), latencies


def measure_h2load(
    url: str, *, connections: int, streams: int, seconds: float, cpu: int | None
) -> Measurement:
    milliseconds = max(1, round(seconds * 1000))
    load = [f"-c{connections}", f"-m{streams}", "-D", f"{milliseconds}ms"]
    result, latencies = run_h2load(url, load, timeout=seconds + 60, cpu=cpu)
    return Measurement(
        ok=result.ok,
        elapsed=result.seconds,
        requests_per_second=result.requests_per_second,
        errors={"h2load-failed": result.errors} if result.errors else {},
        latency=latency_summary(latencies),
        mean_latency_ms=result.latency_ms if result.ok else None,
    )


def check_h2(name: str, url: str, *, expected_body: bytes, cpu: int | None) -> None:
    """One request: a 2xx with exactly the route's body, over HTTP/2 (h2 on TLS, else h2c)."""
    expected = "h2" if url.startswith("https:") else "h2c"
    result, _ = run_h2load(url, ["-c1", "-n1"], timeout=30, cpu=cpu)
    if result.protocol != expected or result.ok != 1 or result.body_bytes != len(expected_body):
        raise RuntimeError(
            f"{name} at {url}: expected one 2xx of {len(expected_body)} body bytes over "
            f"{expected}, got {result.ok} 2xx, {result.body_bytes} body bytes over "
            f"{result.protocol}"
        )
