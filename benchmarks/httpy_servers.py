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
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
from _bench_rounds import interleaved_rounds, print_table
from _bench_servers import (
    CLIENT_CPU,
    Running,
    ServerSpec,
    free_port_block,
    pinned,
    run_servers,
    write_apps,
)

BASELINE = "uvicorn"


def server_specs(python: str, port: int, baseline: str | None) -> dict[str, ServerSpec]:
    host = "127.0.0.1"
    specs = {
        "httpy": ServerSpec(
            "httpy",
            [python, "-m", "httpy", "run", "httpy_app:app", "--host", host, "--port", str(port),
             "--log-level", "warning"],
            f"http://{host}:{port}",
        ),
        "uvicorn": ServerSpec(
            "uvicorn",
            [python, "-m", "uvicorn", "asgi_app:app", "--host", host, "--port", str(port + 1),
             "--http", "httptools", "--loop", "uvloop", "--no-access-log", "--log-level",
             "warning"],
            f"http://{host}:{port + 1}",
        ),
        "hypercorn": ServerSpec(
            "hypercorn",
            [python, "-m", "hypercorn", "asgi_app:app", "--bind", f"{host}:{port + 2}",
             "--worker-class", "uvloop", "--log-level", "warning"],
            f"http://{host}:{port + 2}",
        ),
        # The very app uvicorn and hypercorn serve, on httpy's ASGI adapter.
        "httpy-asgi": ServerSpec(
            "httpy-asgi",
            [python, "-m", "httpy", "run", "asgi_app:app", "--interface", "asgi",
             "--host", host, "--port", str(port + 3), "--log-level", "warning"],
            f"http://{host}:{port + 3}",
        ),
    }  # fmt: skip
    if baseline is not None:
        name = f"httpy@{baseline}"
        specs[name] = ServerSpec(
            name,
            [python, "-m", "httpy", "run", "httpy_app:app", "--host", host,
             "--port", str(port + 4), "--log-level", "warning"],
            f"http://{host}:{port + 4}",
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
class WrkResult:
    requests_per_second: float
    latency_ms: float
    errors: int
    requests: int


@contextmanager
def start(names: list[str], workdir: Path, baseline: str | None) -> Iterator[dict[str, Running]]:
    write_apps(workdir)
    specs = server_specs(sys.executable, free_port_block(5), baseline)
    if baseline is not None:
        old_sources = export_httpy(baseline, workdir / "baseline")
        # The old sources first on the path: they shadow the installed httpy (same
        # dependencies), so only httpy's own code differs between the two servers.
        name = f"httpy@{baseline}"
        specs[name] = replace(specs[name], environment={"PYTHONPATH": str(old_sources)})
        names = [*names, name]
    with run_servers([spec for name, spec in specs.items() if name in names], workdir) as running:
        yield running


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)")
_TOTAL = re.compile(r"(\d+) requests in")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, connections: int, duration: float, threads: int = 1) -> WrkResult:
    seconds = max(1, round(duration))  # wrk takes whole seconds
    output = subprocess.run(
        pinned(
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
        start(names, Path(workdir), arguments.httpy_baseline) as servers,
    ):

        def measure(name: str, seconds: float) -> WrkResult:
            return run_wrk(servers[name].url, arguments.connections, seconds)

        samples = interleaved_rounds(
            list(servers),
            measure,
            rounds=arguments.rounds,
            duration=arguments.duration,
            seed=arguments.seed,
        )
        print_table(samples, f"wrk -t1 -c{arguments.connections}", [BASELINE])
        if arguments.stress_duration > 0 and "httpy" in servers:
            stress(servers["httpy"], arguments.stress_connections, arguments.stress_duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
