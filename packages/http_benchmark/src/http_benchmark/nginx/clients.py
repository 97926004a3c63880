"""requestx against requests, httpx, urllib3, pycurl and aiohttp, side by side, on nginx.

    http-benchmark nginx-clients [--rounds 5] [--requests N] [--concurrency 32]
        [--threads 16] [--clients requestx,requests,...] [--scenarios sync,...] [--quick]

nginx (Debian's package) is started by this script on free 127.0.0.1 ports (plain HTTP, and
TLS 1.3 with a trustme certificate whose CA every client verifies against) and stopped at
the end. The scenarios:

1. sync: N sequential GETs of a small JSON body on one keep-alive session: req/s and the
   client process's CPU time (every thread) per request; ratios to pycurl.
2. async: N GETs from `--concurrency` tasks on one pool sized to match: req/s; ratios to aiohttp.
3. https-sync, https-async: the same over HTTPS (TLS 1.3, HTTP/1.1: that server offers no h2).
4. h2-threads: N GETs over HTTPS from `--threads` threads sharing one session, h2 by ALPN:
   requestx multiplexes them on one connection; pycurl gives each thread an easy handle of
   its own (and so a connection each); ratios to pycurl.
5. download: one GET of a 1 MiB body in a fresh process: the peak RSS growth it causes.

Every (scenario, client) run is a fresh subprocess pinned to CPU 1 (nginx to CPU 0) doing its
own warm-up first; each round runs all of them in a seeded shuffled order, and the tables
give medians with min-max over the rounds. Every response's status and body length is
checked, and nginx's stub_status counts the connections and requests each run really made.
The numbers are reported, never asserted: the exit status is 1 only if a run failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from http_benchmark.nginx.nginx import Nginx, can_pin, find_nginx, nginx_version, pinned, run_nginx
from http_benchmark.nginx.protocol import (
    SCENARIO_CLIENTS,
    SCENARIOS,
    TLS_SCENARIOS,
    Job,
    Outcome,
    Scenario,
    expected_echo,
)
from http_benchmark.nginx.report import Samples, print_download_table, print_throughput_table

__all__ = ["main"]

WORKER = "http_benchmark.nginx.worker"
ALL_CLIENTS = ("requestx", "requests", "httpx", "urllib3", "pycurl", "aiohttp")
# The targets: requestx >= 1.0x pycurl's req/s and <= its CPU per request (sync,
# plain and HTTPS), >= 1.0x pycurl's req/s (HTTP/2, threads), >= 1.2x aiohttp's req/s
# (async, plain and HTTPS), peak RSS growth <= 2x the body (download).
SYNC_TARGET_RPS, SYNC_TARGET_CPU = 1.0, 1.0
H2_TARGET_RPS = 1.0
ASYNC_TARGET_RPS = 1.2
DOWNLOAD_TARGET = 2.0
# nginx (one worker process) gets a core of its own and the client the other, so the
# scheduler's placement does not decide the result on a 2-core machine.
SERVER_CPU = 0
CLIENT_CPU = 1
QUICK_ROUNDS, QUICK_REQUESTS = 2, 300
DEFAULT_ROUNDS, DEFAULT_REQUESTS = 5, 10_000
DOWNLOAD_WARMUP = 8
MMAP_THRESHOLD = "131072"
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "socks_proxy"}


@dataclass(frozen=True)
class Settings:
    rounds: int
    requests: int
    warmup: int
    concurrency: int
    clients: tuple[str, ...]
    seed: int
    threads: int = 16
    scenarios: tuple[Scenario, ...] = SCENARIOS


def _worker_environment(job: Job) -> dict[str, str]:
    """This environment without proxy settings: nothing may leave 127.0.0.1."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in _PROXY_VARIABLES and name.lower() != "no_proxy"
    }
    environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost"
    if job.scenario.startswith("download"):
        # glibc's default threshold (128 KiB), fixed: every large buffer is a fresh mapping
        # that shows in RSS. The adaptive default serves one from memory an earlier free left
        # resident instead, so the growth would depend on each client's warm-up history.
        environment["MALLOC_MMAP_THRESHOLD_"] = MMAP_THRESHOLD
    return environment


def _timeout(job: Job) -> float:
    # Generous (requests at 1,000 req/s on a busy machine fits ten times over): a hung run
    # fails instead of stalling the benchmark.
    return 120.0 + (job.requests + job.warmup) / 100


def run_job(server: Nginx, job: Job) -> tuple[Outcome, int, int]:
    """The job's outcome, and the connections and requests nginx saw from it."""
    before = server.status()
    try:
        result = subprocess.run(
            pinned([sys.executable, "-m", WORKER, job.to_json()], CLIENT_CPU),
            capture_output=True,
            text=True,
            timeout=_timeout(job),
            env=_worker_environment(job),
            check=False,
        )
    except subprocess.TimeoutExpired:
        outcome = Outcome(error=f"no answer within {_timeout(job):.0f} s")
    else:
        lines = result.stdout.strip().splitlines()
        if result.returncode == 0 and lines:
            outcome = Outcome.from_json(lines[-1])
        else:
            tail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
            outcome = Outcome(error=tail[0])
    after = server.status()
    # Each status() call is one connection and one request of its own: the `after` one counts.
    return outcome, after.accepts - before.accepts - 1, after.requests - before.requests - 1


def _record(sample: Samples, job: Job, outcome: Outcome, connections: int, served: int) -> str:
    """Adds one run to `sample`; returns the progress line."""
    label = f"{job.scenario:14} {job.client:9}"
    if outcome.skipped:
        sample.skipped = outcome.skipped
        return f"{label} skipped: {outcome.skipped}"
    if outcome.error:
        sample.errors.append(outcome.error)
        return f"{label} ERROR: {outcome.error}"
    expected = expected_echo(job.scenario)
    if outcome.echoed_headers != expected:
        sample.notes.append(f"nginx saw headers {outcome.echoed_headers}, expected {expected}")
    if served != outcome.sent:
        sample.notes.append(f"nginx served {served} requests, the client counted {outcome.sent}")
    sample.connections.append(connections)
    if job.scenario in {"sync", "https-sync"} and connections > 1:
        sample.notes.append(f"opened {connections} connections for sequential requests")
    if job.scenario != "sync" and connections > job.pool_size:
        sample.notes.append(f"opened {connections} connections, pool limit {job.pool_size}")
    if job.scenario.startswith("download"):
        growth = outcome.rss_peak - outcome.rss_before
        sample.rss_growth.append(growth)
        sample.rss_method = outcome.rss_method
        return f"{label} {growth / 2**20:8.2f} MiB peak RSS growth"
    rps = outcome.requests / outcome.seconds
    cpu_us = outcome.cpu_seconds / outcome.requests * 1e6
    sample.rps.append(rps)
    sample.cpu_us.append(cpu_us)
    return f"{label} {rps:8.0f} req/s {cpu_us:7.1f} cpu us/req  conns {connections}"


def _base_url(server: Nginx, scenario: Scenario) -> str:
    if scenario == "h2-threads":
        return server.h2_url
    return server.https_url if scenario in TLS_SCENARIOS else server.base_url


def _job(scenario: Scenario, client: str, server: Nginx, settings: Settings) -> Job:
    pool_size = settings.concurrency
    if scenario.startswith("download"):
        # Just enough to open the connection and start the runtime, one request at a time:
        # a long warm-up leaves freed memory resident that the download could reuse unseen.
        warmup, concurrency = DOWNLOAD_WARMUP, 1
    elif scenario == "h2-threads":
        warmup = settings.warmup
        concurrency = pool_size = settings.threads
    else:
        warmup = settings.warmup
        concurrency = 1 if scenario in {"sync", "https-sync"} else settings.concurrency
    return Job(
        scenario=scenario,
        client=client,
        base_url=_base_url(server, scenario),
        requests=settings.requests,
        warmup=warmup,
        concurrency=concurrency,
        pool_size=pool_size,
        ca_file=str(server.tls.ca_file) if server.tls else None,
    )


def run_rounds(server: Nginx, settings: Settings) -> dict[Scenario, dict[str, Samples]]:
    """Every (scenario, client) once per round, in a shuffled order seeded by `settings`."""
    jobs = [
        _job(scenario, client, server, settings)
        for scenario in settings.scenarios
        for client in SCENARIO_CLIENTS[scenario]
        if client in settings.clients
    ]
    samples: dict[Scenario, dict[str, Samples]] = {
        scenario: {job.client: Samples() for job in jobs if job.scenario == scenario}
        for scenario in SCENARIOS
    }
    shuffler = random.Random(settings.seed)
    for round_number in range(1, settings.rounds + 1):
        shuffler.shuffle(jobs)
        for job in jobs:
            sample = samples[job.scenario][job.client]
            if sample.skipped:
                continue
            outcome, connections, served = run_job(server, job)
            line = _record(sample, job, outcome, connections, served)
            print(f"  round {round_number}/{settings.rounds} {line}", flush=True)
    return samples


def _rounds(count: int) -> str:
    return f"{count} round{'s' * (count != 1)}"


def print_tables(samples: dict[Scenario, dict[str, Samples]], settings: Settings) -> None:
    rounds = _rounds(settings.rounds)
    for scenario, over in (("sync", ""), ("https-sync", " over HTTPS (TLS 1.3, HTTP/1.1)")):
        if scenario in settings.scenarios:
            print_throughput_table(
                f"{scenario}: {settings.requests} sequential GETs per round on one keep-alive"
                f" session{over} (pool size {settings.concurrency}), {rounds}",
                samples[scenario],
                baseline="pycurl",
                target_rps=SYNC_TARGET_RPS,
                target_cpu=SYNC_TARGET_CPU,
            )
    for scenario, over in (("async", ""), ("https-async", " over HTTPS (TLS 1.3, HTTP/1.1)")):
        if scenario in settings.scenarios:
            print_throughput_table(
                f"{scenario}: {settings.requests} GETs per round from {settings.concurrency}"
                f" tasks on one pool{over} (limit {settings.concurrency}), {rounds}",
                samples[scenario],
                baseline="aiohttp",
                target_rps=ASYNC_TARGET_RPS,
                target_cpu=None,
            )
    if "h2-threads" in settings.scenarios:
        print_throughput_table(
            f"h2-threads: {settings.requests} GETs per round from {settings.threads} threads"
            f" sharing one session, HTTP/2 over TLS 1.3 (pycurl: an easy handle per thread),"
            f" {rounds}",
            samples["h2-threads"],
            baseline="pycurl",
            target_rps=H2_TARGET_RPS,
            target_cpu=None,
        )
    if not {"download-sync", "download-async"} & set(settings.scenarios):
        return
    download = {f"{name} sync": sample for name, sample in samples["download-sync"].items()}
    download |= {f"{name} async": sample for name, sample in samples["download-async"].items()}
    print_download_table(
        f"download: 1 MiB in a fresh process per run (MALLOC_MMAP_THRESHOLD_={MMAP_THRESHOLD}),"
        f" {_rounds(settings.rounds)}",
        download,
        target=DOWNLOAD_TARGET,
    )


def _settings(arguments: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings:
    quick = bool(arguments.quick)
    rounds = arguments.rounds or (QUICK_ROUNDS if quick else DEFAULT_ROUNDS)
    requests = arguments.requests or (QUICK_REQUESTS if quick else DEFAULT_REQUESTS)
    clients = tuple(name.strip() for name in arguments.clients.split(",") if name.strip())
    unknown = sorted(set(clients) - set(ALL_CLIENTS))
    if unknown:
        parser.error(f"unknown clients {', '.join(unknown)} (known: {', '.join(ALL_CLIENTS)})")
    if rounds < 1 or requests < 1 or arguments.concurrency < 1 or arguments.threads < 1:
        parser.error("--rounds, --requests, --concurrency and --threads must be at least 1")
    scenarios = tuple(name.strip() for name in arguments.scenarios.split(",") if name.strip())
    unknown = sorted(set(scenarios) - set(SCENARIOS))
    if unknown or not scenarios:
        parser.error(
            f"unknown scenarios {', '.join(unknown) or '(none given)'}"
            f" (known: {', '.join(SCENARIOS)})"
        )
    return Settings(
        rounds=rounds,
        requests=requests,
        warmup=max(arguments.concurrency * 4, requests // 10),
        concurrency=arguments.concurrency,
        clients=clients,
        seed=arguments.seed,
        threads=arguments.threads,
        scenarios=tuple(scenario for scenario in SCENARIOS if scenario in scenarios),
    )


def _installed(clients: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    # find_spec only locates the package; each client is imported in its own subprocess.
    present = tuple(name for name in clients if importlib.util.find_spec(name) is not None)
    return present, [name for name in clients if name not in present]


def _note_environment(samples: dict[Scenario, dict[str, Samples]]) -> None:
    """Flags what in this environment makes a client slower than it usually is."""
    httpx_async = samples["async"].get("httpx")
    if httpx_async is not None and importlib.util.find_spec("sniffio") is None:
        # anyio 4.x no longer pulls sniffio in, and httpcore 1.0 imports it (and fails) anew
        # for every request in async code, scanning sys.path each time.
        httpx_async.notes.append(
            "sniffio is not installed: httpcore retries `import sniffio` on every request"
        )


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Turns SIGTERM into an exception, so the `finally` that stops nginx runs.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start nginx, run the rounds, print the tables; 1 if a run failed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, help=f"rounds (default {DEFAULT_ROUNDS})")
    parser.add_argument(
        "--requests", type=int, help=f"timed requests per run (default {DEFAULT_REQUESTS})"
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="async tasks and pool size (default 32)"
    )
    parser.add_argument(
        "--threads", type=int, default=16, help="threads sharing a session in h2-threads (16)"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated (default {','.join(SCENARIOS)})",
    )
    parser.add_argument(
        "--clients",
        default=",".join(ALL_CLIENTS),
        help=f"comma-separated (default {','.join(ALL_CLIENTS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ROUNDS} rounds of {QUICK_REQUESTS} requests unless given",
    )
    parser.add_argument(
        "--seed", type=int, default=2024, help="seeds the order of each round (default 2024)"
    )
    arguments = parser.parse_args(argv)
    settings = _settings(arguments, parser)
    binary = find_nginx()
    if binary is None:
        print(
            "nginx is not installed; this benchmark starts its own (Debian: apt-get install nginx)",
            file=sys.stderr,
        )
        return 2
    present, missing = _installed(settings.clients)
    for name in missing:
        print(f"skipped {name}: not installed in {sys.executable}")
    settings = replace(settings, clients=present)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    placement = (
        f"on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU}"
        if can_pin()
        else "and clients not pinned (needs taskset and 2 CPUs)"
    )
    print(
        f"{nginx_version(binary)} {placement} ({os.cpu_count()} CPUs);"
        f" Python {platform.python_version()};"
        f" {_rounds(settings.rounds)} of {settings.requests} requests (+{settings.warmup} warm-up),"
        f" concurrency {settings.concurrency}, threads {settings.threads}, seed {settings.seed}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="requestx-bench-") as root:
        tls = bool(TLS_SCENARIOS & set(settings.scenarios))
        with run_nginx(binary, Path(root), SERVER_CPU, tls=tls) as server:
            samples = run_rounds(server, settings)
        for scenario, clients in SCENARIO_CLIENTS.items():
            for name in missing:
                if name in clients:
                    samples[scenario][name] = Samples(skipped="not installed")
        _note_environment(samples)
        print_tables(samples, settings)
    failed = any(sample.errors for scenario in samples.values() for sample in scenario.values())
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # nginx and the running client are stopped by then
        print("interrupted", file=sys.stderr)
        sys.exit(130)
