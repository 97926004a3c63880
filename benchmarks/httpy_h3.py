"""httpy against hypercorn over HTTP/3 (QUIC), measured side by side with one client.

    nox -s bench_httpy_h3                  # or: python benchmarks/httpy_h3.py --help

Each server serves the same minimal JSON route (httpy its own App, hypercorn an equivalent raw
ASGI app) over TLS on TCP and QUIC on the same port number (httpy `--http3`, hypercorn
`--quic-bind`), one process per server pinned to CPU 0. The client is _h3_load.py, on CPU 1:
aioquic's HTTP/3 client, one connection with `--streams` requests in flight, the same for
both servers. Rounds are interleaved in a shuffled order; the table gives each server's median
requests/s with min-max and its ratio to hypercorn, then the client's own CPU use (its CPU
seconds over the wall-clock seconds of the run): near 100% means the client, not the server,
set the pace.

Only answers that are a 200 with exactly the route's body count; anything else is an error.
Before the rounds each server answers one request that must pass that check, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
from _bench_cli import add_round_options, add_servers_option, check_positive
from _bench_rounds import interleaved_rounds, print_table
from _bench_servers import (
    CLIENT_CPU,
    JSON_BODY,
    Running,
    ServerSpec,
    free_port_block,
    log_summary,
    pinned,
    run_servers,
    write_apps,
)

__all__ = ["H3Result", "main", "run_load"]

SERVERS = ("httpy", "hypercorn")
BASELINE = "hypercorn"
HOST = "127.0.0.1"
LOAD = Path(__file__).with_name("_h3_load.py")


def server_command(server: str, python: str, port: int, certfile: Path, keyfile: Path) -> list[str]:
    tls = ["--certfile", str(certfile), "--keyfile", str(keyfile)]
    if server == "httpy":
        return [python, "-m", "httpy", "run", "httpy_app:app", "--host", HOST,
                "--port", str(port), "--http3", "--log-level", "warning", *tls]  # fmt: skip
    if server == "hypercorn":
        return [python, "-m", "hypercorn", "asgi_app:app", "--bind", f"{HOST}:{port}",
                "--quic-bind", f"{HOST}:{port}", "--worker-class", "uvloop",
                "--log-level", "warning", *tls]  # fmt: skip
    raise ValueError(f"unknown server {server!r} (known: {', '.join(SERVERS)})")


@contextmanager
def start(servers: list[str], workdir: Path) -> Iterator[dict[str, Running]]:
    write_apps(workdir)
    leaf = trustme.CA().issue_cert(HOST, "localhost")
    certfile, keyfile = workdir / "cert.pem", workdir / "key.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    leaf.private_key_pem.write_to_path(str(keyfile))
    port = free_port_block(len(servers))
    specs = []
    for offset, server in enumerate(servers):
        command = server_command(server, sys.executable, port + offset, certfile, keyfile)
        specs.append(ServerSpec(server, command, f"https://{HOST}:{port + offset}"))
    with run_servers(specs, workdir, logs=workdir) as running:
        yield running


@dataclass(frozen=True)
class H3Result:
    requests_per_second: float
    latency_ms: float
    errors: int
    ok: int
    client_cpu: float  # the client's CPU seconds over the run's wall-clock seconds


def run_load(url: str, streams: int, seconds: float) -> H3Result:
    """_h3_load.py on CLIENT_CPU against `url`'s port (QUIC on the TCP port's number)."""
    port = url.rsplit(":", 1)[1]
    command = [sys.executable, str(LOAD), HOST, port, "--streams", str(streams),
               "--seconds", str(seconds), "--expect", JSON_BODY.decode()]  # fmt: skip
    output = subprocess.run(
        pinned(command, CLIENT_CPU), capture_output=True, text=True, check=True,
        timeout=seconds + 60,
    ).stdout  # fmt: skip
    result = json.loads(output.strip().splitlines()[-1])
    return H3Result(
        requests_per_second=result["requests_per_second"],
        latency_ms=result["latency_ms"],
        errors=result["errors"],
        ok=result["ok"],
        client_cpu=result["client_cpu_seconds"] / max(result["seconds"], 1e-9),
    )


def check(name: str, server: Running) -> None:
    """A short run must get only 200s with exactly the route's body over HTTP/3."""
    result = run_load(server.url, streams=1, seconds=0.2)
    if result.ok < 1 or result.errors:
        raise RuntimeError(
            f"{name} at {server.url}: expected 200s with the route's body over HTTP/3, got "
            f"{result.ok} good answers and {result.errors} errors"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_round_options(parser, "seconds per load run")
    parser.add_argument("--streams", type=int, default=10, help="requests in flight")
    add_servers_option(parser, SERVERS)
    arguments = parser.parse_args(argv)
    check_positive(parser, arguments, "rounds", "streams")
    client_cpu: dict[str, list[float]] = {name: [] for name in arguments.servers}
    with tempfile.TemporaryDirectory() as workdir:
        with start(arguments.servers, Path(workdir)) as servers:
            for name, server in servers.items():
                check(name, server)

            def measure(name: str, seconds: float) -> H3Result:
                result = run_load(servers[name].url, arguments.streams, seconds)
                client_cpu[name].append(result.client_cpu)
                return result

            samples = interleaved_rounds(
                list(servers),
                measure,
                rounds=arguments.rounds,
                duration=arguments.duration,
                seed=arguments.seed,
            )
        logs = log_summary(servers)
    title = f"HTTP/3, one aioquic client connection, {arguments.streams} requests in flight"
    print_table(samples, title, [BASELINE])
    print("\nclient CPU (its CPU seconds / wall seconds, median; ~100% = the client set the pace)")
    for name, shares in client_cpu.items():
        print(f"  {name:10} {statistics.median(shares) * 100:5.0f}%")
    if logs:
        print("\nserver output (not counted as errors; the servers' own logs):")
        print("\n".join(f"  {line}" for line in logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
