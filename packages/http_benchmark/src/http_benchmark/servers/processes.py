"""Server processes of the server benchmarks: loopback ports, CPU pinning, start and stop.

A context manager starts the servers, waits until each listens and always stops them; each
server's output goes to a log file, summed up after the run (`log_summary`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "CLIENT_CPU",
    "SERVER_CPU",
    "Running",
    "ServerSpec",
    "free_port_block",
    "log_summary",
    "pinned",
    "run_servers",
    "wait_until_listening",
]

# Each server (one process) gets a core of its own and the load generator the other, so the
# scheduler's placement does not decide the result on a 2-core machine.
SERVER_CPU = 0
CLIENT_CPU = 1


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """`command` run on one CPU (taskset), or as is where pinning is impossible or unwanted."""
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return command
    return ["taskset", "-c", str(cpu), *command]


@dataclass(frozen=True)
class ServerSpec:
    """One server process: its command, the URL it serves once started, extra environment."""

    name: str
    command: list[str]
    url: str
    environment: Mapping[str, str] | None = None


@dataclass
class Running:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    log: Path | None = None  # where its stdout and stderr go, when not to the terminal

    @property
    def url(self) -> str:
        return self.spec.url


def free_port_block(size: int = 3) -> int:
    """A port p with p..p+size-1 all free on loopback right now."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size > 65535:
            continue
        try:
            with ExitStack() as stack:
                for offset in range(size):
                    sock = stack.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", base + offset))
            return int(base)
        except OSError:
            continue
    raise RuntimeError("no block of free loopback ports")


def wait_until_listening(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{url}: a server URL needs a host and a port")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}: server did not start")


@contextmanager
def run_servers(
    specs: list[ServerSpec],
    workdir: Path,
    logs: Path | None = None,
    *,
    cpu: int | None = SERVER_CPU,
) -> Iterator[dict[str, Running]]:
    """Start every spec pinned to `cpu` in `workdir`, one after the other; stop all after.

    With `logs`, each server's output goes to a file there instead of the terminal (see
    `log_summary`): under load some servers log a line per dropped connection.
    """
    running: dict[str, Running] = {}
    with ExitStack() as files:
        try:
            for spec in specs:
                environment = (
                    None if spec.environment is None else {**os.environ, **spec.environment}
                )
                log = (
                    None if logs is None else logs / (re.sub(r"[^\w.@-]+", "_", spec.name) + ".log")
                )
                output = None if log is None else files.enter_context(log.open("wb"))
                process = subprocess.Popen(  # noqa: S603 - commands built by this package
                    pinned(spec.command, cpu),
                    cwd=workdir,
                    env=environment,
                    stdout=output,
                    stderr=None if output is None else subprocess.STDOUT,
                )
                running[spec.name] = server = Running(spec, process, log)
                try:
                    wait_until_listening(spec.url, process)
                except RuntimeError as error:
                    raise RuntimeError(f"{error}{_tail(server)}") from None
            yield running
        finally:
            for server in running.values():
                server.process.terminate()
            for server in running.values():
                try:
                    server.process.wait(15)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()


def _tail(server: Running, lines: int = 20) -> str:
    if server.log is None or not server.log.exists():
        return ""
    text = server.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n" + "\n".join(text) if text else ""


# A leading date and time (Python's logging default and httpy's format) varies per line.
_TIMESTAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T][\d:,.]+\]?\s*")


def log_summary(servers: dict[str, Running]) -> list[str]:
    """For each server that wrote anything: its lines, tracebacks and most repeated line."""
    summary = []
    for name, server in servers.items():
        if server.log is None or not server.log.exists():
            continue
        lines = server.log.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines:
            continue
        tracebacks = sum(text.startswith("Traceback") for text in lines)
        line, count = Counter(_TIMESTAMP.sub("", text) for text in lines).most_common(1)[0]
        summary.append(
            f"{name}: {len(lines)} lines, {tracebacks} tracebacks,"
            f" the most repeated ({count}x): {line}"
        )
    return summary
