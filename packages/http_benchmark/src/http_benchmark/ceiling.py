"""The server's own ceiling for a request, measured before the clients.

wrk (C, epoll, one thread pinned beside the clients) is far lighter than any Python client, so
what it reaches is what the server can do. Without wrk, the fastest available Python client is
the probe: its ceiling is then a lower bound, and cells near it are called server-bound
conservatively.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from loguru import logger

from http_benchmark.adapters import get_adapter, request_headers
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.server import CLIENT_CPU, child_options, clean_environment, pinned
from http_benchmark.storage import Ceiling
from http_benchmark.worker import WorkerJob, WorkerOutcome

__all__ = ["CeilingProbe", "parse_wrk", "probe_client", "wrk_lua"]

# Probe clients, fastest first on this kind of load (sequential: pycurl; concurrent: aiohttp).
_SEQUENTIAL_PROBES: tuple[tuple[str, Mode], ...] = (
    ("pycurl", "sync"),
    ("urllib3", "sync"),
    ("aiohttp", "async"),
    ("requestx", "sync"),
    ("httpx", "sync"),
    ("requests", "sync"),
)
_CONCURRENT_PROBES: tuple[tuple[str, Mode], ...] = (
    ("aiohttp", "async"),
    ("requestx", "async"),
    ("pycurl", "sync"),
    ("urllib3", "sync"),
    ("httpx", "async"),
    ("requests", "sync"),
)

_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors:.*")


def wrk_lua(request: HTTPRequest, body_file: Path | None) -> str:
    """A wrk script setting the method and reading the body from a file (bytes stay intact)."""
    lines = [f'wrk.method = "{request.method}"']
    if body_file is not None:
        lines += [
            f'local file = assert(io.open("{body_file}", "rb"))',
            'wrk.body = file:read("*a")',
            "file:close()",
        ]
    return "\n".join(lines) + "\n"


def parse_wrk(output: str) -> tuple[float | None, str | None]:
    """Requests/s and a note of anything that went wrong, from wrk's report."""
    rate = _RATE.search(output)
    problems = [match.group(0).strip() for match in _SOCKET_ERRORS.finditer(output)]
    non_2xx = _NON_2XX.search(output)
    if non_2xx:
        problems.append(f"{non_2xx.group(1)} non-2xx/3xx responses")
    return (float(rate.group(1)) if rate else None), ("; ".join(problems) or None)


def probe_client(concurrency: int) -> tuple[str, Mode] | None:
    """The fastest probe client installed here for this concurrency, if any."""
    for name, mode in _SEQUENTIAL_PROBES if concurrency == 1 else _CONCURRENT_PROBES:
        if get_adapter(name).unavailable_reason() is None:
            return name, mode
    return None


class CeilingProbe:
    """Measures one (request, concurrency) ceiling with wrk or the fastest client."""

    def __init__(
        self,
        *,
        tool: Literal["auto", "wrk", "client"],
        duration: float,
        timeout: float,
        pin: bool,
        run_worker: Callable[[WorkerJob], WorkerOutcome],
    ) -> None:
        self.wrk = shutil.which("wrk")
        if tool == "wrk" and self.wrk is None:
            raise RuntimeError("--ceiling wrk: wrk is not installed (apt-get install wrk)")
        self.use_wrk = self.wrk is not None and tool in {"auto", "wrk"}
        self.duration, self.timeout, self.pin = duration, timeout, pin
        self._run_worker = run_worker

    def measure(self, scenario: str, request: HTTPRequest, concurrency: int) -> Ceiling:
        if self.use_wrk:
            return self._wrk(scenario, request, concurrency)
        return self._client(scenario, request, concurrency)

    def _wrk(self, scenario: str, request: HTTPRequest, concurrency: int) -> Ceiling:
        assert self.wrk is not None  # noqa: S101 - use_wrk implies it
        seconds = max(1, math.ceil(self.duration))
        with tempfile.TemporaryDirectory(prefix="http-benchmark-wrk-") as scratch:
            body_file = None
            if request.body is not None:
                body_file = Path(scratch) / "body"
                body_file.write_bytes(request.body)
            script = Path(scratch) / "request.lua"
            script.write_text(wrk_lua(request, body_file), encoding="utf-8")
            command = [self.wrk, "-t1", f"-c{concurrency}", f"-d{seconds}s"]
            command += ["--timeout", f"{math.ceil(self.timeout)}s", "-s", str(script)]
            for name, value in request_headers(request).items():
                command += ["-H", f"{name}: {value}"]
            command.append(request.url)
            result = subprocess.run(  # noqa: S603 - wrk with arguments built here
                pinned(command, CLIENT_CPU, enabled=self.pin),
                capture_output=True,
                text=True,
                timeout=seconds + self.timeout + 30,
                env=clean_environment(),
                check=False,
                **child_options(),
            )
        rate, problems = parse_wrk(result.stdout)
        if rate is None:
            problems = (result.stderr or result.stdout).strip()[-300:] or "no output"
        logger.info("ceiling {} c{}: wrk {} req/s", scenario, concurrency, rate)
        return Ceiling(
            scenario=scenario,
            concurrency=concurrency,
            tool=f"wrk -t1 -c{concurrency} -d{seconds}s",
            requests_per_second=rate,
            detail=problems,
        )

    def _client(self, scenario: str, request: HTTPRequest, concurrency: int) -> Ceiling:
        choice = probe_client(concurrency)
        if choice is None:
            return Ceiling(
                scenario=scenario,
                concurrency=concurrency,
                tool="none",
                requests_per_second=None,
                detail="neither wrk nor a probe client is installed",
            )
        name, mode = choice
        outcome = self._run_worker(
            WorkerJob(
                client=name,
                mode=mode,
                request=request,
                concurrency=concurrency,
                duration=self.duration,
                warmup=concurrency * 10,
                timeout=self.timeout,
                measure_connect=False,
            )
        )
        rate = outcome.sample.requests_per_second if outcome.sample else None
        return Ceiling(
            scenario=scenario,
            concurrency=concurrency,
            tool=f"client {name} ({mode}), a lower bound",
            requests_per_second=rate,
            detail=outcome.reason,
        )
