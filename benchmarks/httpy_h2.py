"""httpy against hypercorn and granian over HTTP/2, measured side by side with h2load.

    nox -s bench_httpy_h2                  # or: python benchmarks/httpy_h2.py --help

Each server serves the same minimal JSON route (httpy its own App; hypercorn, granian and httpy's
ASGI adapter, "httpy-asgi", an equivalent raw ASGI app) twice: over h2c by prior knowledge and
over TLS with ALPN h2 (a certificate from a throwaway trustme CA; h2load does not verify it), one
process per server and protocol, pinned to CPU 0 while h2load runs on CPU 1. Rounds are
interleaved in a shuffled order per round across every server and protocol; per protocol the
table gives each server's median requests/s with min-max, its ratio to hypercorn (the Python
HTTP/2 server people use) and to granian (a Rust core: the ceiling).

Only 2xx answers count as served: requests/s is h2load's 2xx count over its measured duration,
and failed or errored requests, timeouts and non-2xx answers are errors, shown in the table.
Before the rounds each server answers one request that must be a 2xx carrying exactly the
expected body over the expected protocol, or the run stops.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
from _bench_cli import add_round_options, add_servers_option, check_positive, comma_names
from _bench_rounds import Samples, interleaved_rounds, print_table
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
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

__all__ = ["H2loadResult", "main", "parse_h2load", "run_h2load"]

SERVERS = ("httpy", "httpy-asgi", "hypercorn", "granian")
PROTOCOLS = ("h2c", "h2")
BASELINE = "hypercorn"
CEILING = "granian"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Tls:
    certfile: Path
    keyfile: Path


def make_tls(workdir: Path) -> Tls:
    """A certificate for 127.0.0.1 from a fresh CA, its key in PKCS#8 (granian reads no other)."""
    leaf = trustme.CA().issue_cert(HOST, "localhost")
    certfile = workdir / "cert.pem"
    certfile.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key = load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    keyfile = workdir / "key.pem"
    keyfile.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return Tls(certfile, keyfile)


def server_command(server: str, python: str, port: int, tls: Tls | None) -> list[str]:
    """`server` on `port`, h2c by prior knowledge when `tls` is None, else h2 by ALPN."""
    if server == "httpy":
        command = [python, "-m", "httpy", "run", "httpy_app:app", "--host", HOST,
                   "--port", str(port), "--log-level", "warning"]  # fmt: skip
        tls_flags = ["--certfile", "--keyfile"]
    elif server == "httpy-asgi":
        # The raw ASGI app hypercorn and granian serve, on httpy's ASGI adapter.
        command = [python, "-m", "httpy", "run", "asgi_app:app", "--interface", "asgi",
                   "--host", HOST, "--port", str(port), "--log-level", "warning"]  # fmt: skip
        tls_flags = ["--certfile", "--keyfile"]
    elif server == "hypercorn":
        # hypercorn answers the HTTP/2 preface on a cleartext port and offers h2 by ALPN.
        command = [python, "-m", "hypercorn", "asgi_app:app", "--bind", f"{HOST}:{port}",
                   "--worker-class", "uvloop", "--log-level", "warning"]  # fmt: skip
        tls_flags = ["--certfile", "--keyfile"]
    elif server == "granian":
        # `--http 2` makes granian (hyper underneath) speak HTTP/2 only: prior knowledge on
        # cleartext, ALPN h2 on TLS. One worker, as the other two run.
        command = [python, "-m", "granian", "asgi_app:app", "--interface", "asgi",
                   "--http", "2", "--loop", "uvloop", "--workers", "1", "--host", HOST,
                   "--port", str(port), "--log-level", "warning"]  # fmt: skip
        tls_flags = ["--ssl-certificate", "--ssl-keyfile"]
    else:
        raise ValueError(f"unknown server {server!r} (known: {', '.join(SERVERS)})")
    if tls is not None:
        command += [tls_flags[0], str(tls.certfile), tls_flags[1], str(tls.keyfile)]
    return command


def entry(protocol: str, server: str) -> str:
    """The name one (protocol, server) pair is measured and reported under."""
    return f"{protocol} {server}"


@contextmanager
def start(servers: list[str], protocols: list[str], workdir: Path) -> Iterator[dict[str, Running]]:
    write_apps(workdir)
    tls = make_tls(workdir) if "h2" in protocols else None
    port = free_port_block(len(servers) * len(protocols))
    specs = []
    for protocol in protocols:
        scheme = "https" if protocol == "h2" else "http"
        for server in servers:
            command = server_command(
                server, sys.executable, port, tls if protocol == "h2" else None
            )
            specs.append(ServerSpec(entry(protocol, server), command, f"{scheme}://{HOST}:{port}"))
            port += 1
    with run_servers(specs, workdir, logs=workdir) as running:
        yield running


@dataclass(frozen=True)
class H2loadResult:
    requests_per_second: float  # 2xx answers only, over h2load's measured duration
    latency_ms: float  # h2load's mean time per request
    errors: int
    ok: int  # 2xx answers
    body_bytes: int
    protocol: str


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
    )


def run_h2load(url: str, load: list[str], timeout: float) -> H2loadResult:
    """h2load on CLIENT_CPU with the load flags `load` (`-c16 -m10 -D 5000ms`, `-n1`...)."""
    output = subprocess.run(
        pinned(["h2load", "-t1", *load, url + "/"], CLIENT_CPU),
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    ).stdout
    return parse_h2load(output)


def check(name: str, server: Running) -> None:
    """One request: a 2xx with exactly the route's body, over HTTP/2 (h2 on TLS, else h2c)."""
    expected = "h2" if server.url.startswith("https:") else "h2c"
    result = run_h2load(server.url, ["-c1", "-n1"], timeout=30)
    if result.protocol != expected or result.ok != 1 or result.body_bytes != len(JSON_BODY):
        raise RuntimeError(
            f"{name} at {server.url}: expected one 2xx of {len(JSON_BODY)} body bytes over "
            f"{expected}, got {result.ok} 2xx, {result.body_bytes} body bytes over "
            f"{result.protocol}"
        )


def print_summary(samples: dict[str, Samples], protocol: str) -> None:
    medians = {name: statistics.median(sample.rps) for name, sample in samples.items()}
    httpy = medians.get("httpy")
    if not httpy:
        return
    ratios = [f"{httpy / medians[name]:.2f}x {name}" for name in (BASELINE, CEILING)
              if medians.get(name)]  # fmt: skip
    if ratios:
        print(f"httpy over {protocol}: {', '.join(ratios)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_round_options(parser, "seconds per h2load run")
    parser.add_argument("--connections", type=int, default=16, help="h2load -c")
    parser.add_argument("--streams", type=int, default=10, help="h2load -m: streams per connection")
    add_servers_option(parser, SERVERS)
    parser.add_argument(
        "--protocols",
        type=comma_names(PROTOCOLS),
        default=list(PROTOCOLS),
        help="h2c (prior knowledge, cleartext), h2 (TLS, ALPN) or both (default)",
    )
    arguments = parser.parse_args(argv)
    check_positive(parser, arguments, "rounds", "connections", "streams")
    if shutil.which("h2load") is None:
        print("h2load is not installed (Debian: apt-get install nghttp2-client)", file=sys.stderr)
        return 2
    concurrency = [f"-c{arguments.connections}", f"-m{arguments.streams}"]
    with tempfile.TemporaryDirectory() as workdir:
        with start(arguments.servers, arguments.protocols, Path(workdir)) as servers:
            for name, server in servers.items():
                check(name, server)

            def measure(name: str, seconds: float) -> H2loadResult:
                milliseconds = max(1, round(seconds * 1000))
                load = [*concurrency, "-D", f"{milliseconds}ms"]
                return run_h2load(servers[name].url, load, timeout=seconds + 60)

            samples = interleaved_rounds(
                list(servers),
                measure,
                rounds=arguments.rounds,
                duration=arguments.duration,
                seed=arguments.seed,
            )
        # Read once every server has stopped, so shutdown messages are in too.
        logs = log_summary(servers)
    for protocol in arguments.protocols:
        prefix = entry(protocol, "")
        by_server = {
            name.removeprefix(prefix): sample
            for name, sample in samples.items()
            if name.startswith(prefix)
        }
        how = "TLS, ALPN h2" if protocol == "h2" else "cleartext, prior knowledge"
        title = f"h2load {' '.join(concurrency)} over {protocol} ({how})"
        print_table(by_server, title, [BASELINE, CEILING])
        print_summary(by_server, protocol)
    if logs:
        print("\nserver output (not counted as errors; the servers' own logs):")
        print("\n".join(f"  {line}" for line in logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
