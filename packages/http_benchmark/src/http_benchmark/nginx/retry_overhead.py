"""What aresilient's success path costs: aresilient.Client and AsyncClient vs bare
httpx.Client and AsyncClient and other retry layers, on sequential keep-alive GETs against
nginx on loopback.

    http-benchmark retry-overhead [--rounds 8] [--requests 10000]
        [--clients httpx,aresilient,...] [--modes sync,async] [--quick]
        [--paired-every K | --no-paired] [--import-control]

nginx (Debian's package) is started on a free 127.0.0.1 port with the config and helpers of
the nginx client benchmark (`http_benchmark.nginx.nginx`) and stopped at
the end. Each (round, mode, client) run is a fresh process pinned to CPU 1 (nginx to CPU 0;
every client on the same core) that warms up, then sends N GETs of a small JSON body on one
keep-alive connection and reports its CPU time (time.process_time: every thread of the
process) and wall time, in 20 blocks: the run's CPU per request is its median block's. An
async run awaits its N GETs one after the other in one coroutine on asyncio's event loop.
Each round runs every (mode, client) cell once, and a second bare
httpx per mode, "httpx (A/A)": an A/A control that shows what the separate processes alone
make of two identical clients. The order is mirrored (`overhead_stats.mirrored_orders`: a
seeded shuffle, then its reverse in the next round), so every client runs first as often as
second against each other one. One table per mode gives medians and min-max over the rounds,
and each client's median per-round ratio to bare httpx of the same mode with its bootstrap
95 % interval; under it, aresilient's ratio beside the A/A control's. Every response's
status and body are checked.

A shared or busy machine blurs CPU times between processes by more than the 2% this is about,
so every K-th round (--paired-every, default 1) also runs, per mode, httpx, aresilient and a
second httpx client (an A/A control that shows the noise) in one process, taking turns in
blocks of requests, and the function calls and bytecode instructions each executes per
request are counted
(deterministic measures of the work; in async mode they include the event loop's share).
The async counts depend on what is installed beside httpx: httpcore 1.0 tries `import
sniffio` at each use of its async locks, so without sniffio (httpx no longer brings it) an
async request makes about 900 more calls than with it. `nox -s bench_aresilient` installs
what a user of aresilient gets; compare only counts from one environment.

The retry layers, each configured as close to aresilient's defaults as it allows (3 retries,
exponential backoff from 0.3 s, retry on 429/500/502/503/504 and transport errors):
- httpx-retries: `httpx.Client(transport=RetryTransport(retry=Retry(total=3, ...)))`, and
  `httpx.AsyncClient(transport=...)` with the same transport class (since httpx-retries 0.4
  one `RetryTransport` serves both; it has no separate AsyncRetryTransport)
- tenacity: `@retry(stop_after_attempt(4), wait_exponential(0.3), retry on error or status)`
  around `client.get` (async: around `AsyncClient.get`, which tenacity retries as a coroutine)
- stamina: `@stamina.retry(on=..., attempts=4)` around a get (async: an async def) that
  raises on those statuses
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from http_benchmark.nginx.nginx import can_pin, find_nginx, nginx_version, pinned, run_nginx
from http_benchmark.nginx.overhead_stats import (
    RatioEstimate,
    block_sizes,
    median_estimate,
    mirrored_orders,
    ratio_estimate,
    verdict,
)
from http_benchmark.nginx.protocol import SMALL_BODY, SMALL_PATH

__all__ = ["main"]

CLIENTS = ("httpx", "aresilient", "httpx-retries", "tenacity", "stamina")
# Each separate-process run times its requests in this many blocks; its CPU per request is the
# median block's (see cpu_per_request).
BLOCKS = 20
# The A/A control of the separate-process runs: bare httpx again, under its own label.
CONTROL = "httpx (A/A)"
# With --import-control: bare httpx in a process that imported aresilient first. Its ratio to
# httpx is what importing aresilient (its modules, a bigger heap) costs requests that never
# go through it: the part of an A/B ratio that is not aresilient's send path.
IMPORT_CONTROL = "httpx+import"
# The client each label of the separate-process runs starts.
_WORKER_CLIENT = {CONTROL: "httpx"}
MODES = ("sync", "async")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SERVER_CPU, CLIENT_CPU = 0, 1
# The target: aresilient's success path costs at most 2% more CPU than bare httpx.
TARGET_CPU_RATIO = 1.02
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


# -- the worker: one client, one process -------------------------------------------------------


class RetryableStatusError(Exception):
    """Raised inside the stamina-wrapped get so that stamina retries a 5xx."""


def _raise_retryable(response: Any) -> Any:
    """The response, or RetryableStatusError for a status the retry layers retry."""
    if response.status_code in RETRY_STATUSES:
        raise RetryableStatusError(response.status_code)
    return response


def build_get(name: str, mode: str) -> tuple[Callable[[str], Any], Callable[[], Any]]:
    """`get(url) -> response` for `name`, and a function that closes its client. In async mode
    both return awaitables: `get` is an async function (of httpx.AsyncClient, or wrapped by
    tenacity or stamina, which both retry coroutines) and `close` is `aclose`."""
    import httpx

    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    is_async = mode == "async"
    client: httpx.Client | httpx.AsyncClient
    if name == "aresilient":
        import aresilient

        client = aresilient.AsyncClient() if is_async else aresilient.Client()
    elif name == "httpx-retries":
        from httpx_retries import Retry, RetryTransport

        # One transport class for both: it wraps an httpx.AsyncHTTPTransport for AsyncClient.
        retry = Retry(total=3, backoff_factor=0.3, status_forcelist=sorted(RETRY_STATUSES))
        transport = RetryTransport(retry=retry)
        client = (
            httpx.AsyncClient(transport=transport)
            if is_async
            else httpx.Client(transport=transport)
        )
    elif name == IMPORT_CONTROL:
        import aresilient  # imported, never used: that is the point

        client = httpx.AsyncClient() if is_async else httpx.Client()
    elif name in {"httpx", "tenacity", "stamina"}:
        client = httpx.AsyncClient() if is_async else httpx.Client()
    else:
        raise ValueError(f"unknown client {name!r}")
    close = client.aclose if isinstance(client, httpx.AsyncClient) else client.close
    if name == "tenacity":
        import tenacity

        retrying = tenacity.retry(
            stop=tenacity.stop_after_attempt(4),
            wait=tenacity.wait_exponential(multiplier=0.3),
            retry=(
                tenacity.retry_if_exception_type(httpx.TransportError)
                | tenacity.retry_if_result(lambda response: response.status_code in RETRY_STATUSES)
            ),
            reraise=True,
        )
        # tenacity sees a coroutine function and retries it with AsyncRetrying.
        return retrying(client.get), close
    if name == "stamina":
        import stamina

        stamina_retry = stamina.retry(on=(httpx.TransportError, RetryableStatusError), attempts=4)
        if isinstance(client, httpx.AsyncClient):
            async_client = client

            async def aget(url: str) -> httpx.Response:
                response: httpx.Response = _raise_retryable(await async_client.get(url))
                return response

            return stamina_retry(aget), close
        sync_client = client

        def get(url: str) -> httpx.Response:
            response: httpx.Response = _raise_retryable(sync_client.get(url))
            return response

        return stamina_retry(get), close
    return client.get, close


# What is done around a loop of requests: taking its CPU time, or counting its work. Each is
# entered right around the loop (inside the coroutine in async mode), so that the event loop's
# own start and stop stay outside and only the per-request work is seen.


class CpuTime(AbstractContextManager["CpuTime"]):
    """CPU (every thread of the process) and wall seconds, summed over every `with`."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0
        self._cpu_start = self._wall_start = 0.0

    def __enter__(self) -> CpuTime:
        self._cpu_start, self._wall_start = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall += time.perf_counter() - self._wall_start
        self.cpu += time.process_time() - self._cpu_start


class CallCount(AbstractContextManager["CallCount"]):
    """Python and C function calls: a measure of the work that load on the machine cannot
    blur. In async mode a coroutine's resumption counts as a call, as the event loop's
    callbacks do: work that the async path really does per request."""

    def __init__(self) -> None:
        self.count = 0

    def _profiler(self, _frame: Any, event: str, _arg: Any) -> None:
        if event in {"call", "c_call"}:
            self.count += 1

    def __enter__(self) -> CallCount:
        sys.setprofile(self._profiler)
        return self

    def __exit__(self, *_exc: object) -> None:
        sys.setprofile(None)


class OpcodeCount(AbstractContextManager["OpcodeCount"]):
    """Python bytecode instructions executed (C code inside a call is not seen; `CallCount`
    covers the calls into it)."""

    def __init__(self) -> None:
        self.count = 0

    def _tracer(self, frame: Any, event: str, _arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            self.count += 1
        return self._tracer

    def __enter__(self) -> OpcodeCount:
        sys.settrace(self._tracer)
        return self

    def __exit__(self, *_exc: object) -> None:
        sys.settrace(None)


def _bad(response: Any) -> int:
    """1 unless the response is nginx's 200 with the small JSON body."""
    return int(response.status_code != 200 or len(response.content) != len(SMALL_BODY))


class Driver:
    """One client of one mode: sends `count` sequential GETs with `around` entered around
    them, and returns how many responses were bad. An async client runs on the event loop of
    the `asyncio.Runner` given (one per process, shared by every async client in it)."""

    def __init__(self, name: str, mode: str, url: str, runner: asyncio.Runner | None) -> None:
        if (mode == "async") != (runner is not None):
            raise ValueError("an async client needs a runner, a sync one none")
        self._url, self._runner = url, runner
        self._get, self._close = build_get(name, mode)

    def send(
        self, count: int, around: AbstractContextManager[Any] | None = None, *, check: bool = True
    ) -> int:
        """`check=False` leaves the responses unchecked (the paired blocks and the counts:
        only the clients' own work is compared there)."""
        if self._runner is not None:
            coroutine = self._send_async(count, around or nullcontext(), check=check)
            bad: int = self._runner.run(coroutine)
            return bad
        bad = 0
        get, url = self._get, self._url
        with around or nullcontext():
            for _ in range(count):
                response = get(url)
                if check:
                    bad += _bad(response)
        return bad

    async def _send_async(
        self, count: int, around: AbstractContextManager[Any], *, check: bool
    ) -> int:
        bad = 0
        get, url = self._get, self._url
        with around:
            for _ in range(count):
                response = await get(url)
                if check:
                    bad += _bad(response)
        return bad

    def close(self) -> None:
        if self._runner is not None:
            self._runner.run(self._close())
        else:
            self._close()


@contextmanager
def open_drivers(kinds: dict[str, str], mode: str, url: str) -> Iterator[dict[str, Driver]]:
    """A Driver per label in `kinds` (label -> client name), all closed at the end."""
    with ExitStack() as stack:
        runner = stack.enter_context(asyncio.Runner()) if mode == "async" else None
        drivers: dict[str, Driver] = {}
        for label, name in kinds.items():
            drivers[label] = Driver(name, mode, url, runner)
            stack.callback(drivers[label].close)
        yield drivers


def worker(name: str, mode: str, url: str, requests: int, warmup: int) -> dict[str, Any]:
    with open_drivers({name: name}, mode, url) as drivers:
        driver = drivers[name]
        bad = driver.send(warmup)
        timing = CpuTime()
        per_block: list[float] = []
        for size in block_sizes(requests, BLOCKS):
            block = CpuTime()
            bad += driver.send(size, block)
            per_block.append(block.cpu / size)
            timing.cpu += block.cpu
            timing.wall += block.wall
    return {
        "client": name,
        "mode": mode,
        "cpu": timing.cpu,
        "wall": timing.wall,
        "requests": requests,
        "block_cpu": per_block,
        "bad": bad,
    }


def paired_worker(mode: str, url: str, blocks: int, block_size: int) -> dict[str, Any]:
    """httpx, aresilient and a second bare httpx client in one process, taking turns in blocks
    of requests (the order rotates every block), each on its own keep-alive connection.

    Load from elsewhere hits all three alike, so their CPU ratios stay sharper than between
    separate processes; the second httpx client (an A/A control) shows how sharp: its ratio to
    the first would be 1.000 on a quiet machine. Then the calls and bytecode instructions per
    request of httpx and aresilient are counted.
    """
    kinds = {"httpx": "httpx", "aresilient": "aresilient", "httpx-again": "httpx"}
    names = tuple(kinds)
    cpu = {name: CpuTime() for name in names}
    calls = {name: CallCount() for name in ("httpx", "aresilient")}
    opcodes = {name: OpcodeCount() for name in ("httpx", "aresilient")}
    call_requests, opcode_requests = 200, 50
    with open_drivers(kinds, mode, url) as drivers:
        bad = sum(driver.send(200) for driver in drivers.values())
        for block in range(blocks):
            shift = block % len(names)
            for name in names[shift:] + names[:shift]:
                drivers[name].send(block_size, cpu[name], check=False)
        for name, call_count in calls.items():
            drivers[name].send(call_requests, call_count, check=False)
            drivers[name].send(opcode_requests, opcodes[name], check=False)
    return {
        "mode": mode,
        "ratio": cpu["aresilient"].cpu / cpu["httpx"].cpu,
        "control": cpu["httpx-again"].cpu / cpu["httpx"].cpu,
        "calls": {name: counter.count / call_requests for name, counter in calls.items()},
        "opcodes": {name: counter.count / opcode_requests for name, counter in opcodes.items()},
        "bad": bad,
    }


# -- the parent: nginx, rounds, tables ---------------------------------------------------------


def _environment() -> dict[str, str]:
    """This environment without proxy settings: nothing may leave 127.0.0.1."""
    environment = {
        key: value for key, value in os.environ.items() if key.lower() not in _PROXY_VARIABLES
    }
    environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost"
    return environment


def _run_pinned(what: str, arguments: list[str], timeout: float) -> dict[str, Any]:
    """This script with `arguments` in a fresh process pinned to the client CPU: its JSON."""
    command = [sys.executable, "-m", "http_benchmark.nginx.retry_overhead", *arguments]
    result = subprocess.run(
        pinned(command, CLIENT_CPU),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_environment(),
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{what} failed:\n{result.stderr}")
    outcome: dict[str, Any] = json.loads(lines[-1])
    if outcome["bad"]:
        raise RuntimeError(f"{what}: {outcome['bad']} responses were not the expected 200")
    return outcome


def run_one(name: str, mode: str, url: str, requests: int, warmup: int) -> dict[str, Any]:
    arguments = ["--worker", name, mode, url, str(requests), str(warmup)]
    return _run_pinned(f"{mode} {name}", arguments, 120 + requests / 100)


def run_paired(mode: str, url: str, blocks: int, block_size: int) -> dict[str, Any]:
    arguments = ["--paired", mode, url, str(blocks), str(block_size)]
    return _run_pinned(f"{mode} paired run", arguments, 300 + blocks * block_size / 50)


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


def cpu_per_request(runs: list[dict[str, Any]]) -> list[float]:
    """Microseconds of CPU per request of each run, in round order: the median over the run's
    blocks (a burst of load elsewhere that slows a few blocks leaves it be), or the whole
    run's mean when it has no blocks."""
    return [
        statistics.median(run["block_cpu"]) * 1e6
        if run.get("block_cpu")
        else run["cpu"] / run["requests"] * 1e6
        for run in runs
    ]


def print_table(
    mode: str, samples: dict[str, list[dict[str, Any]]], seed: int
) -> dict[str, RatioEstimate]:
    """One mode's table; returns each client's per-round CPU ratio to bare httpx."""
    cpu_us = {name: cpu_per_request(runs) for name, runs in samples.items()}
    rps = {name: [run["requests"] / run["wall"] for run in runs] for name, runs in samples.items()}
    base_rps = statistics.median(rps["httpx"])
    ratios = {
        name: ratio_estimate(cpu_us[name], cpu_us["httpx"], seed=seed)
        for name in samples
        if name != "httpx"
    }
    header = (
        f"{mode + ' client':20} {'CPU us/req':>11} {'(min-max)':>13} {'x httpx':>8} "
        f"{'(95% CI)':>13}   {'req/s':>8} {'(min-max)':>15} {'x httpx':>8}"
    )
    print(header)
    print("-" * len(header))
    for name in samples:
        rps_median = statistics.median(rps[name])
        if name in ratios:
            estimate = ratios[name]
            ratio = f"{estimate.median:8.3f} {f'{estimate.low:.3f}-{estimate.high:.3f}':>13}"
        else:
            ratio = f"{1:8.3f} {'':>13}"
        print(
            f"{name:20} {statistics.median(cpu_us[name]):11.1f} {_spread(cpu_us[name]):>13} "
            f"{ratio}   {rps_median:8.0f} {_spread(rps[name]):>15} {rps_median / base_rps:8.3f}"
        )
    print(
        "(x httpx: the median over the rounds of each round's CPU ratio to bare httpx, with "
        "the bootstrap 95 % interval of that median)"
    )
    return ratios


def print_summary(
    mode: str, ratios: dict[str, RatioEstimate], paired: list[dict[str, Any]], seed: int
) -> None:
    """The verdict of one mode, under its table: the separate processes' A/B ratio beside their
    A/A control, then the paired runs and the counts."""
    print(
        f"\n{mode}: aresilient's success-path CPU per request over bare httpx "
        f"(target <= {TARGET_CPU_RATIO}x)"
    )
    separate, control = ratios["aresilient"], ratios[CONTROL]
    print(f"  separate processes, aresilient/httpx: {separate.describe()}")
    print(f"    {verdict(separate, TARGET_CPU_RATIO)}")
    print(f"  A/A control, separate processes, httpx/httpx: {control.describe()}")
    if IMPORT_CONTROL in ratios:
        print(
            f"  import control, separate processes, {IMPORT_CONTROL}/httpx: "
            f"{ratios[IMPORT_CONTROL].describe()}"
        )
    if not paired:
        return
    together = median_estimate([run["ratio"] for run in paired], seed=seed)
    control_together = median_estimate([run["control"] for run in paired], seed=seed)
    print(f"  paired in one process, aresilient/httpx: {together.describe()}")
    print(f"    {verdict(together, TARGET_CPU_RATIO)}")
    print(f"  A/A control in those processes, httpx/httpx: {control_together.describe()}")
    for measure, label in (("calls", "function calls"), ("opcodes", "bytecode instructions")):
        counts = paired[-1][measure]
        print(
            f"  {label} per request (deterministic): httpx {counts['httpx']:.0f}, "
            f"aresilient {counts['aresilient']:.0f} "
            f"({counts['aresilient'] / counts['httpx']:.3f}x)"
        )


def _names(
    parser: argparse.ArgumentParser, text: str, known: tuple[str, ...], what: str
) -> list[str]:
    """The comma-separated names in `text`, each one of `known` (else a usage error)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    if not names:
        parser.error(f"no {what} named")
    return list(dict.fromkeys(names))  # each once, in the order given


def _positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--rounds", type=_positive, default=8, help="an even number mirrors every round's order"
    )
    parser.add_argument("--requests", type=_positive, default=10_000)
    parser.add_argument("--warmup", type=_positive, default=500)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--modes", default=",".join(MODES), help="sync, async or both")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1,000 requests")
    parser.add_argument(
        "--paired-every",
        type=_positive,
        default=1,
        metavar="K",
        help="run the paired one-process runs and the counts in every K-th round (default 1)",
    )
    parser.add_argument(
        "--import-control",
        action="store_true",
        help=f"also run {IMPORT_CONTROL!r}: bare httpx with aresilient imported",
    )
    parser.add_argument(
        "--no-paired",
        dest="paired",
        action="store_false",
        help="skip the paired one-process runs and the counts (separate processes only)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.warmup = 2, 1_000, 100
    clients = _names(parser, args.clients, CLIENTS, "client")
    modes = _names(parser, args.modes, MODES, "mode")
    if "httpx" not in clients:
        clients.insert(0, "httpx")  # the baseline every ratio is taken against
    binary = find_nginx()
    if binary is None:
        print("nginx is not installed (Debian/Ubuntu: apt-get install nginx)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    labels = [*clients, CONTROL, *([IMPORT_CONTROL] if args.import_control else [])]
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        mode: {label: [] for label in labels} for mode in modes
    }
    paired: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    # Every (mode, client) cell of a round in one order, mirrored in the next round: drift on
    # the machine spreads over both modes alike, and no client always runs first.
    orders = mirrored_orders(
        [(mode, label) for mode in modes for label in labels], args.rounds, rng
    )
    print(
        f"aresilient overhead ({', '.join(modes)}): {args.rounds} rounds x {args.requests} "
        f"sequential keep-alive GETs of {len(SMALL_BODY)} bytes; nginx {nginx_version(binary)}; "
        f"Python {sys.version.split()[0]}; "
        f"{'every client on CPU 1, nginx on CPU 0' if can_pin() else 'unpinned'}"
    )
    with tempfile.TemporaryDirectory(prefix="aresilient-bench-") as scratch:
        root = Path(scratch)
        root.chmod(0o755)
        with run_nginx(binary, root, SERVER_CPU) as server:
            url = server.base_url + SMALL_PATH
            for round_number, order in enumerate(orders, start=1):
                for mode, label in order:
                    name = _WORKER_CLIENT.get(label, label)
                    outcome = run_one(name, mode, url, args.requests, args.warmup)
                    samples[mode][label].append(outcome)
                    print(
                        f"  round {round_number}: {mode:5} {label:14} "
                        f"{cpu_per_request([outcome])[0]:7.1f} us CPU/req  "
                        f"{outcome['requests'] / outcome['wall']:7.0f} req/s",
                        flush=True,
                    )
                if (
                    "aresilient" not in clients
                    or not args.paired
                    or round_number % args.paired_every
                ):
                    continue
                for mode in modes:
                    run = run_paired(mode, url, 30, max(args.requests // 30, 10))
                    paired[mode].append(run)
                    print(
                        f"  round {round_number}: {mode:5} paired CPU aresilient/httpx "
                        f"{run['ratio']:.3f}, control httpx/httpx {run['control']:.3f}",
                        flush=True,
                    )
    for mode in modes:
        print()
        ratios = print_table(mode, samples[mode], args.seed)
        if "aresilient" in ratios:
            print_summary(mode, ratios, paired[mode], args.seed)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--paired":
        mode, url, blocks, block_size = sys.argv[2:6]
        print(json.dumps(paired_worker(mode, url, int(blocks), int(block_size))))
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        name, mode, url, requests, warmup = sys.argv[2:7]
        print(json.dumps(worker(name, mode, url, int(requests), int(warmup))))
        sys.exit(0)
    sys.exit(main())
