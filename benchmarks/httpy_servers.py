"""httpy against uvicorn (httptools + uvloop) and hypercorn, measured side by side with wrk.

    nox -s bench_httpy                     # or: python benchmarks/httpy_servers.py --help

Each server runs as one process on a loopback port serving the same minimal JSON route:
httpy's own App ("httpy"), and the same raw ASGI app on httpy ("httpy-asgi", through its ASGI
adapter), uvicorn and hypercorn.
Rounds are interleaved in a shuffled order per round, so drift on a noisy machine hits every
server alike; the table gives each server's median requests/s with min-max and its ratio to
uvicorn. A stress run (`wrk -c256`) then reports httpy's errors and peak RSS.

`--httpy-baseline REF` adds httpy as it was at git ref REF (its sources exported to a temporary
folder) as one more server, so a change to httpy is measured against its own past in one run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# The same work per request as httpy's handler below: serialize the dict with a reused
# encoder (as httpy's JSONResponse does), build the headers.
ASGI_APP = """
import json

ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = ENCODER.encode({"hello": "world"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""

HTTPY_APP = """
import httpy

app = httpy.App()


@app.get("/")
async def index(request):
    return {"hello": "world"}
"""

BASELINE = "uvicorn"
# Each server (one process) gets a core of its own and wrk the other, so the scheduler's
# placement does not decide the result on a 2-core machine.
SERVER_CPU = 0
CLIENT_CPU = 1


def _pinned(command: list[str], cpu: int | None) -> list[str]:
    if cpu is None or shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return command
    return ["taskset", "-c", str(cpu), *command]


@dataclass(frozen=True)
class ServerSpec:
    name: str
    command: list[str]


def server_specs(python: str, port: int, baseline: str | None) -> dict[str, ServerSpec]:
    host = "127.0.0.1"
    specs = {
        "httpy": ServerSpec(
            "httpy",
            [python, "-m", "httpy", "run", "httpy_app:app", "--host", host, "--port", str(port),
             "--log-level", "warning"],
        ),
        "uvicorn": ServerSpec(
            "uvicorn",
            [python, "-m", "uvicorn", "asgi_app:app", "--host", host, "--port", str(port + 1),
             "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level",
             "warning"],
        ),
        "hypercorn": ServerSpec(
            "hypercorn",
            [python, "-m", "hypercorn", "asgi_app:app", "--bind", f"{host}:{port + 2}",
             "--worker-class", "uvloop", "--log-level", "warning"],
        ),
        # The very app uvicorn and hypercorn serve, on httpy's ASGI adapter.
        "httpy-asgi": ServerSpec(
            "httpy-asgi",
            [python, "-m", "httpy", "run", "asgi_app:app", "--interface", "asgi",
             "--host", host, "--port", str(port + 3), "--log-level", "warning"],
        ),
    }  # fmt: skip
    if baseline is not None:
        name = f"httpy@{baseline}"
        specs[name] = ServerSpec(
            name,
            [python, "-m", "httpy", "run", "httpy_app:app", "--host", host,
             "--port", str(port + 4), "--log-level", "warning"],
        )  # fmt: skip
    return specs


def export_httpy(ref: str, into: Path) -> Path:
    """httpy's sources at git ref `ref`, unpacked under `into`: the folder to import from."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", ref, "packages/httpy/src"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True, timeout=60)
    return into / "packages" / "httpy" / "src"


@dataclass
class Running:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    url: str


@dataclass
class WrkResult:
    requests_per_second: float
    latency_ms: float
    errors: int
    requests: int


@dataclass
class Samples:
    rps: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    errors: int = 0


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
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}: server did not start")


@contextmanager
def run_servers(
    names: list[str], workdir: Path, baseline: str | None = None
) -> Iterator[dict[str, Running]]:
    (workdir / "asgi_app.py").write_text(ASGI_APP, encoding="utf-8")
    (workdir / "httpy_app.py").write_text(HTTPY_APP, encoding="utf-8")
    port = free_port_block(5)
    specs = server_specs(sys.executable, port, baseline)
    environments: dict[str, dict[str, str]] = {}
    if baseline is not None:
        old_sources = export_httpy(baseline, workdir / "baseline")
        # The old sources first on the path: they shadow the installed httpy (same
        # dependencies), so only httpy's own code differs between the two servers.
        environments[f"httpy@{baseline}"] = {**os.environ, "PYTHONPATH": str(old_sources)}
        names = [*names, f"httpy@{baseline}"]
    running: dict[str, Running] = {}
    try:
        for offset, name in enumerate(specs):
            if name not in names:
                continue
            process = subprocess.Popen(
                _pinned(specs[name].command, SERVER_CPU), cwd=workdir, env=environments.get(name)
            )
            url = f"http://127.0.0.1:{port + offset}"
            running[name] = Running(specs[name], process, url)
            wait_until_listening(url, process)
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


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)")
_TOTAL = re.compile(r"(\d+) requests in")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, connections: int, duration: float, threads: int = 1) -> WrkResult:
    seconds = max(1, round(duration))  # wrk takes whole seconds
    output = subprocess.run(
        _pinned(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url + "/"],
            None if threads > 1 else CLIENT_CPU,
        ),
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    ).stdout
    rps = _RPS.search(output)
    latency = _LATENCY.search(output)
    total = _TOTAL.search(output)
    if rps is None or latency is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    socket_errors = _SOCKET_ERRORS.search(output)
    errors = sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    non_2xx = _NON_2XX.search(output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        latency_ms=float(latency.group(1)) * _UNIT_MS[latency.group(2)],
        errors=errors,
        requests=int(total.group(1)),
    )


def interleaved_rounds(
    servers: dict[str, Running], rounds: int, duration: float, connections: int, seed: int
) -> dict[str, Samples]:
    order = list(servers)
    shuffler = random.Random(seed)
    samples = {name: Samples() for name in order}
    for name in order:  # warm-up: imports, JIT-free but caches and the kernel's accept queue
        run_wrk(servers[name].url, connections, 1.0)
    for round_number in range(1, rounds + 1):
        shuffler.shuffle(order)
        for name in order:
            result = run_wrk(servers[name].url, connections, duration)
            samples[name].rps.append(result.requests_per_second)
            samples[name].latency_ms.append(result.latency_ms)
            samples[name].errors += result.errors
            print(
                f"  round {round_number}/{rounds} {name:10}"
                f" {result.requests_per_second:10.0f} req/s  errors {result.errors}",
                flush=True,
            )
    return samples


def print_table(samples: dict[str, Samples], connections: int) -> None:
    baseline = statistics.median(samples[BASELINE].rps) if BASELINE in samples else None
    print(f"\nwrk -t1 -c{connections}, medians of interleaved rounds")
    width = max(10, *(len(name) for name in samples))
    header = f"{'server':{width}} {'req/s median':>13} {'min-max':>17}"
    header += f" {'latency ms':>11} {'errors':>7}"
    if baseline:
        header += f" {'vs ' + BASELINE:>11}"
    print(header)
    for name, sample in sorted(samples.items(), key=lambda item: -statistics.median(item[1].rps)):
        median = statistics.median(sample.rps)
        line = (
            f"{name:{width}} {median:13.0f} {min(sample.rps):8.0f}-{max(sample.rps):<8.0f}"
            f" {statistics.median(sample.latency_ms):11.2f} {sample.errors:7d}"
        )
        if baseline:
            line += f" {median / baseline:10.2f}x"
        print(line)


def stress(server: Running, connections: int, duration: float) -> None:
    process = psutil.Process(server.process.pid)
    peak = process.memory_info().rss
    stop = threading.Event()

    def sample_rss() -> None:
        nonlocal peak
        while not stop.wait(0.1):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    before = process.memory_info().rss
    sampler.start()
    try:
        result = run_wrk(server.url, connections, duration, threads=2)
    finally:
        stop.set()
        sampler.join()
    print(
        f"\nstress: wrk -t2 -c{connections} -d{duration:g}s against {server.spec.name}: "
        f"{result.requests_per_second:.0f} req/s, {result.requests} requests, "
        f"{result.errors} errors, RSS {before / 2**20:.1f} MiB before, "
        f"peak {peak / 2**20:.1f} MiB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--servers", default="httpy,httpy-asgi,uvicorn,hypercorn")
    parser.add_argument("--stress-connections", type=int, default=256)
    parser.add_argument(
        "--stress-duration", type=float, default=30.0, help="0 skips the stress run"
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--httpy-baseline",
        metavar="REF",
        help="also measure httpy as it was at this git ref (e.g. HEAD~3, main)",
    )
    arguments = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    names = [name.strip() for name in arguments.servers.split(",") if name.strip()]
    with (
        tempfile.TemporaryDirectory() as workdir,
        run_servers(names, Path(workdir), arguments.httpy_baseline) as servers,
    ):
        samples = interleaved_rounds(
            servers, arguments.rounds, arguments.duration, arguments.connections, arguments.seed
        )
        print_table(samples, arguments.connections)
        if arguments.stress_duration > 0 and "httpy" in servers:
            stress(servers["httpy"], arguments.stress_connections, arguments.stress_duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
