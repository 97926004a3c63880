"""HTTP/1.1 under wrk: one run's counts, latency percentiles and errors, read from a Lua report.

wrk's `done()` hook prints one JSON line (requests, duration, errors by kind, latency
percentiles to p99.9) instead of its human summary, so nothing is scraped from prose. An
answer that is neither 2xx nor 3xx is a `status` error and not counted; the check before the
rounds makes sure each server's route answers 200 with exactly the expected body.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from http_benchmark.models import LatencySummary
from http_benchmark.servers.measurement import Measurement
from http_benchmark.servers.processes import pinned

__all__ = ["WRK_REPORT", "parse_wrk_report", "run_wrk", "wrk_missing"]

# Runs inside wrk at the end of a run; latency is in microseconds there.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"mean_us":%f,"max_us":%f,"p50_us":%f,"p90_us":%f,' ..
    '"p99_us":%f,"p999_us":%f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency.mean, latency.max, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
"""

_ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


def wrk_missing() -> str | None:
    return None if shutil.which("wrk") else "wrk not installed (Debian: apt-get install wrk)"


def parse_wrk_report(output: str) -> Measurement:
    """The JSON line WRK_REPORT printed (the last line of wrk's output that is one)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"no report in wrk's output:\n{output}")
    report = json.loads(lines[-1])
    seconds = report["duration_us"] / 1e6
    errors = {f"wrk-{kind}": int(report[kind]) for kind in _ERROR_KINDS if report[kind]}
    # A non-2xx answer is in `requests` too: only the others are served requests.
    ok = max(0, int(report["requests"]) - int(report["status"]))
    latency = LatencySummary(
        avg=report["mean_us"] / 1000,
        p50=report["p50_us"] / 1000,
        p90=report["p90_us"] / 1000,
        p99=report["p99_us"] / 1000,
        p999=report["p999_us"] / 1000,
        max=report["max_us"] / 1000,
    )
    return Measurement(
        ok=ok,
        elapsed=seconds,
        requests_per_second=ok / seconds if seconds > 0 else 0.0,
        errors=errors,
        latency=latency if ok else None,
        mean_latency_ms=latency.avg if ok else None,
    )


def run_wrk(  # noqa: PLR0913 - wrk's own knobs
    url: str,
    *,
    connections: int,
    seconds: float,
    script: Path,
    cpu: int | None,
    threads: int = 1,
) -> Measurement:
    """`wrk -t<threads> -c<connections>` for `seconds` (whole seconds: wrk takes no less)."""
    duration = max(1, round(seconds))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(script),
               url + "/"]  # fmt: skip
    output = subprocess.run(  # noqa: S603 - wrk with arguments built here
        pinned(command, cpu),
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    return parse_wrk_report(output)
