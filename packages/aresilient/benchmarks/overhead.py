"""What aresilient's success path costs: aresilient.Client vs bare httpx.Client and other retry
layers, on sequential keep-alive GETs against nginx on loopback.

    python packages/aresilient/benchmarks/overhead.py [--rounds 7] [--requests 10000]
        [--clients httpx,aresilient,...] [--quick]

nginx (Debian's package) is started on a free 127.0.0.1 port with the config and helpers of
requestx's client benchmark (packages/requestx/benchmarks/_clients_nginx.py) and stopped at
the end. Each (round, client) run is a fresh process pinned to CPU 1 (nginx to CPU 0) that
warms up, then sends N GETs of a small JSON body on one keep-alive connection and reports
its CPU time (time.process_time: every thread of the process) and wall time. Each round runs
every client once, in a seeded shuffled order; the table gives medians and min-max over the
rounds and each median's ratio to bare httpx. Every response's status and body are checked.

A shared or busy machine blurs CPU times between processes by more than the 2% this is about,
so each round also runs httpx, aresilient and a second httpx client (an A/A control that
shows the noise) in one process, taking turns in blocks of requests, and the function calls
and bytecode instructions each executes per request are counted (deterministic measures of
the work).

The retry layers, each configured as close to aresilient's defaults as it allows (3 retries,
exponential backoff from 0.3 s, retry on 429/500/502/503/504 and transport errors):
- httpx-retries: `httpx.Client(transport=RetryTransport(retry=Retry(total=3, ...)))`
- tenacity: `@retry(stop_after_attempt(4), wait_exponential(0.3), retry on error or status)`
- stamina: `@stamina.retry(on=..., attempts=4)` around a get that raises on those statuses
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# nginx's runner and the request/body constants are requestx's benchmark helpers: one nginx
# setup for the toolkit's client benchmarks.
REQUESTX_BENCHMARKS = Path(__file__).resolve().parents[2] / "requestx" / "benchmarks"
sys.path.insert(0, str(REQUESTX_BENCHMARKS))

from _clients_nginx import can_pin, find_nginx, nginx_version, pinned, run_nginx  # noqa: E402
from _clients_protocol import SMALL_BODY, SMALL_PATH  # noqa: E402

__all__ = ["main"]

CLIENTS = ("httpx", "aresilient", "httpx-retries", "tenacity", "stamina")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SERVER_CPU, CLIENT_CPU = 0, 1
# The target: aresilient's success path costs at most 2% more CPU than bare httpx.
TARGET_CPU_RATIO = 1.02
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


# -- the worker: one client, one process -------------------------------------------------------


class RetryableStatusError(Exception):
    """Raised inside the stamina-wrapped get so that stamina retries a 5xx."""


def build_get(name: str) -> tuple[Callable[[str], Any], Callable[[], None]]:
    """`get(url) -> response` for `name`, and a function that closes its client."""
    import httpx

    if name == "httpx":
        client = httpx.Client()
        return client.get, client.close
    if name == "aresilient":
        import aresilient

        resilient = aresilient.Client()
        return resilient.get, resilient.close
    if name == "httpx-retries":
        from httpx_retries import Retry, RetryTransport

        retry = Retry(total=3, backoff_factor=0.3, status_forcelist=sorted(RETRY_STATUSES))
        client = httpx.Client(transport=RetryTransport(retry=retry))
        return client.get, client.close
    if name == "tenacity":
        import tenacity

        client = httpx.Client()
        retrying = tenacity.retry(
            stop=tenacity.stop_after_attempt(4),
            wait=tenacity.wait_exponential(multiplier=0.3),
            retry=(
                tenacity.retry_if_exception_type(httpx.TransportError)
                | tenacity.retry_if_result(lambda response: response.status_code in RETRY_STATUSES)
            ),
            reraise=True,
        )
        return retrying(client.get), client.close
    if name == "stamina":
        import stamina

        client = httpx.Client()

        @stamina.retry(on=(httpx.TransportError, RetryableStatusError), attempts=4)
        def get(url: str) -> httpx.Response:
            response = client.get(url)
            if response.status_code in RETRY_STATUSES:
                raise RetryableStatusError(response.status_code)
            return response

        return get, client.close
    raise ValueError(f"unknown client {name!r}")


def worker(name: str, url: str, requests: int, warmup: int) -> dict[str, Any]:
    get, close = build_get(name)
    expected = len(SMALL_BODY)
    bad = 0
    try:
        for _ in range(warmup):
            response = get(url)
            bad += response.status_code != 200 or len(response.content) != expected
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for _ in range(requests):
            response = get(url)
            bad += response.status_code != 200 or len(response.content) != expected
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
    finally:
        close()
    return {"client": name, "cpu": cpu, "wall": wall, "requests": requests, "bad": bad}


def count_calls(get: Callable[[str], Any], url: str, requests: int) -> float:
    """Python and C function calls per request: a measure of the work that load on the
    machine cannot blur."""
    calls = 0

    def profiler(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event in {"call", "c_call"}:
            calls += 1

    sys.setprofile(profiler)
    try:
        for _ in range(requests):
            get(url)
    finally:
        sys.setprofile(None)
    return calls / requests


def count_opcodes(get: Callable[[str], Any], url: str, requests: int) -> float:
    """Python bytecode instructions executed per request (C code inside a call is not seen;
    `count_calls` covers the calls into it)."""
    executed = 0

    def tracer(frame: Any, event: str, _arg: Any) -> Any:
        nonlocal executed
        frame.f_trace_opcodes = True
        if event == "opcode":
            executed += 1
        return tracer

    sys.settrace(tracer)
    try:
        for _ in range(requests):
            get(url)
    finally:
        sys.settrace(None)
    return executed / requests


def paired_worker(url: str, blocks: int, block_size: int) -> dict[str, Any]:
    """httpx, aresilient and a second bare httpx client in one process, taking turns in blocks
    of requests (the order rotates every block), each on its own keep-alive connection.

    Load from elsewhere hits all three alike, so their CPU ratios stay sharper than between
    separate processes; the second httpx client (an A/A control) shows how sharp: its ratio to
    the first would be 1.000 on a quiet machine.
    """
    names = ("httpx", "aresilient", "httpx-again")
    clients = {name: build_get("httpx" if name == "httpx-again" else name) for name in names}
    cpu = dict.fromkeys(names, 0.0)
    for get, _close in clients.values():
        for _ in range(200):
            get(url)
    for block in range(blocks):
        shift = block % len(names)
        for name in names[shift:] + names[:shift]:
            get = clients[name][0]
            start = time.process_time()
            for _ in range(block_size):
                get(url)
            cpu[name] += time.process_time() - start
    calls = {name: count_calls(clients[name][0], url, 200) for name in ("httpx", "aresilient")}
    opcodes = {name: count_opcodes(clients[name][0], url, 50) for name in ("httpx", "aresilient")}
    for _get, close in clients.values():
        close()
    return {
        "ratio": cpu["aresilient"] / cpu["httpx"],
        "control": cpu["httpx-again"] / cpu["httpx"],
        "calls": calls,
        "opcodes": opcodes,
    }


# -- the parent: nginx, rounds, table ----------------------------------------------------------


def _environment() -> dict[str, str]:
    """This environment without proxy settings: nothing may leave 127.0.0.1."""
    environment = {
        key: value for key, value in os.environ.items() if key.lower() not in _PROXY_VARIABLES
    }
    environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost"
    return environment


def run_one(name: str, url: str, requests: int, warmup: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", name, url, str(requests), str(warmup)]
    result = subprocess.run(
        pinned(command, CLIENT_CPU),
        capture_output=True,
        text=True,
        timeout=120 + requests / 100,
        env=_environment(),
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{name} failed:\n{result.stderr}")
    outcome: dict[str, Any] = json.loads(lines[-1])
    if outcome["bad"]:
        raise RuntimeError(f"{name}: {outcome['bad']} responses were not the expected 200")
    return outcome


def run_paired(url: str, blocks: int, block_size: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--paired", url, str(blocks), str(block_size)]
    result = subprocess.run(
        pinned(command, CLIENT_CPU),
        capture_output=True,
        text=True,
        timeout=300 + blocks * block_size / 50,
        env=_environment(),
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"paired run failed:\n{result.stderr}")
    outcome: dict[str, Any] = json.loads(lines[-1])
    return outcome


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


def print_table(samples: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    cpu_us = {
        name: [run["cpu"] / run["requests"] * 1e6 for run in runs] for name, runs in samples.items()
    }
    rps = {name: [run["requests"] / run["wall"] for run in runs] for name, runs in samples.items()}
    base_cpu = statistics.median(cpu_us["httpx"])
    base_rps = statistics.median(rps["httpx"])
    ratios: dict[str, float] = {}
    header = (
        f"{'client':14} {'CPU us/req':>11} {'(min-max)':>13} {'x httpx':>8}   "
        f"{'req/s':>8} {'(min-max)':>15} {'x httpx':>8}"
    )
    print(header)
    print("-" * len(header))
    for name in samples:
        cpu_median = statistics.median(cpu_us[name])
        rps_median = statistics.median(rps[name])
        ratios[name] = cpu_median / base_cpu
        print(
            f"{name:14} {cpu_median:11.1f} {_spread(cpu_us[name]):>13} {ratios[name]:8.3f}   "
            f"{rps_median:8.0f} {_spread(rps[name]):>15} {rps_median / base_rps:8.3f}"
        )
    return ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1,000 requests")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.warmup = 2, 1_000, 100
    clients = [name.strip() for name in args.clients.split(",") if name.strip()]
    if "httpx" not in clients:
        clients.insert(0, "httpx")  # the baseline every ratio is taken against
    binary = find_nginx()
    if binary is None:
        print("nginx is not installed (Debian/Ubuntu: apt-get install nginx)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in clients}
    print(
        f"aresilient overhead: {args.rounds} rounds x {args.requests} sequential keep-alive GETs "
        f"of {len(SMALL_BODY)} bytes; nginx {nginx_version(binary)}; Python "
        f"{sys.version.split()[0]}; "
        f"{'client on CPU 1, nginx on CPU 0' if can_pin() else 'unpinned'}"
    )
    with tempfile.TemporaryDirectory(prefix="aresilient-bench-") as scratch:
        root = Path(scratch)
        root.chmod(0o755)
        with run_nginx(binary, root, SERVER_CPU) as server:
            url = server.base_url + SMALL_PATH
            paired: list[dict[str, Any]] = []
            for round_number in range(1, args.rounds + 1):
                order = clients[:]
                rng.shuffle(order)
                for name in order:
                    outcome = run_one(name, url, args.requests, args.warmup)
                    samples[name].append(outcome)
                    print(
                        f"  round {round_number}: {name:14} "
                        f"{outcome['cpu'] / outcome['requests'] * 1e6:7.1f} us CPU/req  "
                        f"{outcome['requests'] / outcome['wall']:7.0f} req/s",
                        flush=True,
                    )
                if "aresilient" in clients:
                    paired.append(run_paired(url, 30, max(args.requests // 30, 10)))
                    print(
                        f"  round {round_number}: paired CPU aresilient/httpx "
                        f"{paired[-1]['ratio']:.3f}, control httpx/httpx "
                        f"{paired[-1]['control']:.3f}",
                        flush=True,
                    )
    print()
    ratios = print_table(samples)
    if "aresilient" in ratios:
        verdict = "met" if ratios["aresilient"] <= TARGET_CPU_RATIO else "NOT met"
        print(
            f"\naresilient success-path CPU per request, separate processes: "
            f"{ratios['aresilient']:.3f}x bare httpx (target <= {TARGET_CPU_RATIO}x: {verdict})"
        )
        paired_ratios = [run["ratio"] for run in paired]
        controls = [run["control"] for run in paired]
        paired_median = statistics.median(paired_ratios)
        verdict = "met" if paired_median <= TARGET_CPU_RATIO else "NOT met"
        print(
            f"aresilient success-path CPU per request, paired in one process: "
            f"{paired_median:.3f}x bare httpx, rounds {min(paired_ratios):.3f}-"
            f"{max(paired_ratios):.3f} (target <= {TARGET_CPU_RATIO}x: {verdict}); "
            f"A/A control httpx/httpx {statistics.median(controls):.3f}, rounds "
            f"{min(controls):.3f}-{max(controls):.3f}"
        )
        calls = paired[-1]["calls"]
        print(
            f"function calls per request (deterministic): httpx {calls['httpx']:.0f}, "
            f"aresilient {calls['aresilient']:.0f} "
            f"({calls['aresilient'] / calls['httpx']:.3f}x)"
        )
        opcodes = paired[-1]["opcodes"]
        print(
            f"bytecode instructions per request (deterministic): httpx {opcodes['httpx']:.0f}, "
            f"aresilient {opcodes['aresilient']:.0f} "
            f"({opcodes['aresilient'] / opcodes['httpx']:.3f}x)"
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--paired":
        print(json.dumps(paired_worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        name, url, requests, warmup = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(worker(name, url, requests, warmup)))
        sys.exit(0)
    sys.exit(main())
