"""The WebSocket echo load generator: processes of sockets started together, results summed.

`run_load` starts `processes` copies of `http_benchmark.servers.ws_client` pinned to
CLIENT_CPU, each with its share of the sockets, waits until every one has its sockets open
("ready"), then tells all to start at once ("go") and sums what they report. Several
processes so that each event loop serves fewer sockets; all share CLIENT_CPU's one core, so
their CPU figures add up to at most about 1.0 (a saturated load generator). When given the
server's pid, it reads the server's CPU time and its wait for a CPU over the same window (its
children too: hypercorn serves from a worker process).
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time

import psutil

from http_benchmark.servers.processes import CLIENT_CPU, pinned
from http_benchmark.servers.ws_figures import END_TIMEOUT, OPEN_TIMEOUT, LoadResult, schedstat

__all__ = ["run_load", "tree_schedstat"]

_CLIENT = "http_benchmark.servers.ws_client"


def tree_schedstat(pid: int) -> tuple[float, float] | None:
    """`schedstat` summed over a process and its descendants (hypercorn serves from a child)."""
    try:
        pids = [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return None
    total = (0.0, 0.0)
    for each in pids:
        figures = schedstat(each)
        if figures is None:
            return None
        total = (total[0] + figures[0], total[1] + figures[1])
    return total


def run_load(  # noqa: PLR0913 - the load generator's knobs
    url: str,
    *,
    clients: int,
    processes: int,
    duration: float,
    server_pid: int | None = None,
    cpu: int | None = CLIENT_CPU,
) -> LoadResult:
    """`clients` sockets spread over `processes` processes on CLIENT_CPU, against `url`.

    With `server_pid`, the server's CPU and wait shares are measured from "go" to the end.
    """
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (n < clients % processes) for n in range(processes)]
    children: list[subprocess.Popen[str]] = []
    try:
        first = 0
        for share in shares:
            command = [sys.executable, "-m", _CLIENT, "--url", url,
                       "--first-index", str(first), "--sockets", str(share),
                       "--duration", repr(duration)]  # fmt: skip
            children.append(
                subprocess.Popen(  # noqa: S603 - this interpreter, arguments built here
                    pinned(command, cpu),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
            first += share
        deadline = time.monotonic() + OPEN_TIMEOUT + 30
        for child in children:
            _expect_ready(child, deadline)
        server_started = None if server_pid is None else tree_schedstat(server_pid)
        go = time.perf_counter()
        for child in children:
            if child.stdin is None:
                raise RuntimeError("a load process has no stdin pipe")
            child.stdin.write("go\n")
            child.stdin.flush()
        total = LoadResult()
        for child in children:
            output, _ = child.communicate(timeout=duration + END_TIMEOUT + 30)
            if child.returncode != 0:
                raise RuntimeError(f"a load process exited with {child.returncode}")
            total.add(LoadResult(**json.loads(output.strip().splitlines()[-1])))
        server_ended = None if server_pid is None else tree_schedstat(server_pid)
        if server_started is not None and server_ended is not None:
            elapsed = time.perf_counter() - go
            total.server_busy = (server_ended[0] - server_started[0]) / elapsed
            total.server_wait = (server_ended[1] - server_started[1]) / elapsed
        return total
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def _expect_ready(child: subprocess.Popen[str], deadline: float) -> None:
    if child.stdout is None:
        raise RuntimeError("a load process has no stdout pipe")
    ready, _, _ = select.select([child.stdout], [], [], max(0.0, deadline - time.monotonic()))
    line = child.stdout.readline() if ready else ""
    if line.strip() != "ready":
        raise RuntimeError(f"a load process did not get ready (it said {line.strip()!r})")
