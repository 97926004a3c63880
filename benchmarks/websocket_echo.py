"""httpy against uvicorn and hypercorn on a WebSocket echo, measured side by side.

    nox -s bench_websocket                 # or: python benchmarks/websocket_echo.py --help

16 clients each do request/response round trips of 64-byte text messages over one socket for
a fixed time: send, wait for the echo, check it, send the next. httpy serves an httpy.App echo
route; uvicorn (httptools, uvloop, `--ws websockets`), uvicorn-sansio (the same with
`--ws websockets-sansio`: what uvicorn's default `--ws auto` picks today) and hypercorn (uvloop
worker) serve the same raw ASGI echo app. Each server is one process pinned to CPU 0; the
load generator (`_ws_load.py` starting `_ws_client.py`: 2 processes x 8 sockets, hand-built
frames after a `websockets` handshake, no compression offered) runs on CPU 1. A trivial
raw-socket echo (`_ws_raw_echo.py`) is measured alongside as the load generator's ceiling, and
each window's CPU time (busy, and waiting for a CPU other processes held) is shown for the
load generator and the server.

Rounds are interleaved in a shuffled order per round; the table gives each server's median
messages/s (round trips) with min-max, median mean round-trip time, errors summed over all
rounds and its ratio to both uvicorns and to the ceiling. Every echo is checked byte for byte;
what went wrong is shown by kind after the table. Before the rounds each server echoes one
message to the `websockets` library's own client, or the run stops.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _bench_cli import add_round_options, add_servers_option, check_positive
from _bench_rounds import Samples, interleaved_rounds, print_table
from _bench_servers import (
    ASGI_LIFESPAN,
    Running,
    ServerSpec,
    free_port_block,
    log_summary,
    run_servers,
)
from _ws_client import MESSAGE_SIZE, LoadResult
from _ws_load import run_load
from websockets.sync.client import connect

__all__ = ["main"]

SERVERS = ("httpy", "uvicorn", "uvicorn-sansio", "hypercorn")
BASELINE = "uvicorn"
# uvicorn's implementation on the sans-IO core of websockets: what its default `--ws auto`
# picks in the locked uvicorn (0.54), and what `--ws websockets`, deprecated there with a
# warning at start-up, will mean in a later release. Measured by default beside it.
SANSIO = "uvicorn-sansio"
CEILING = "raw-echo"
HOST = "127.0.0.1"
PATH = "/echo"
# Above this share of the ceiling's rate, or of its core, the load generator may be what a
# server's figure measures.
_CEILING_WARNING = 0.8
_SATURATED = 0.9
# A process that waited this share of the window for a CPU was crowded by others.
_CROWDED = 0.1

# uvicorn and hypercorn run this; it echoes text as text and bytes as bytes, as httpy's does.
ASGI_ECHO = (
    ASGI_LIFESPAN
    + """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return  # websocket.disconnect
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
"""
)

HTTPY_ECHO = f"""
import httpy

app = httpy.App()


@app.websocket("{PATH}")
async def echo(ws):
    await ws.accept()
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)
"""


def server_command(name: str, python: str, port: int) -> list[str]:
    if name == "httpy":
        return [python, "-m", "httpy", "run", "ws_httpy_app:app", "--host", HOST,
                "--port", str(port), "--log-level", "warning"]  # fmt: skip
    if name in (BASELINE, SANSIO):
        ws = "websockets" if name == "uvicorn" else "websockets-sansio"
        return [python, "-m", "uvicorn", "ws_asgi_app:app", "--host", HOST, "--port", str(port),
                "--http", "httptools", "--loop", "uvloop", "--ws", ws,
                "--no-access-log", "--log-level", "warning"]  # fmt: skip
    if name == "hypercorn":
        return [python, "-m", "hypercorn", "ws_asgi_app:app", "--bind", f"{HOST}:{port}",
                "--worker-class", "uvloop", "--log-level", "warning"]  # fmt: skip
    if name == CEILING:
        return [python, str(Path(__file__).resolve().parent / "_ws_raw_echo.py"),
                "--host", HOST, "--port", str(port)]  # fmt: skip
    raise ValueError(f"unknown server {name!r} (known: {', '.join(SERVERS)})")


@contextmanager
def start(names: list[str], workdir: Path) -> Iterator[dict[str, Running]]:
    (workdir / "ws_asgi_app.py").write_text(ASGI_ECHO, encoding="utf-8")
    (workdir / "ws_httpy_app.py").write_text(HTTPY_ECHO, encoding="utf-8")
    port = free_port_block(len(names))
    specs = [
        ServerSpec(name, server_command(name, sys.executable, port + n), f"ws://{HOST}:{port + n}")
        for n, name in enumerate(names)
    ]
    with run_servers(specs, workdir, logs=workdir) as running:
        yield running


def check(name: str, url: str) -> None:
    """One echo through the `websockets` library's client: the server works for a real client."""
    message = "x" * MESSAGE_SIZE
    with connect(url, compression=None, open_timeout=10, close_timeout=5) as socket:
        socket.send(message)
        echo = socket.recv(timeout=10)
    if echo != message:
        raise RuntimeError(f"{name} at {url}: sent {message!r}, got {echo!r} back")


def print_errors(breakdown: dict[str, Counter[str]]) -> None:
    print("\nerrors by kind, summed over every round (warm-up included):")
    for name, counts in breakdown.items():
        kinds = ", ".join(f"{kind} {count}" for kind, count in counts.items())
        print(f"  {name}: {kinds}")


_CPU_FIELDS = ("server_busy", "server_wait", "cpu_busy", "cpu_wait")


def print_cpu(cpu: dict[str, list[LoadResult]]) -> None:
    """Who was busy in each window, and who waited for a CPU that others held."""
    print(
        "\nCPU over each window in cores, median of rounds (busy / waiting for a CPU others held):"
    )
    saturated, crowded = [], []
    for name, results in cpu.items():
        if not results:
            continue
        server_busy, server_wait, load_busy, load_wait = (
            statistics.median(getattr(result, field) for result in results) for field in _CPU_FIELDS
        )
        print(
            f"  {name}: server {server_busy:.2f} / {server_wait:.2f},"
            f" load generator {load_busy:.2f} / {load_wait:.2f}"
        )
        if load_busy >= _SATURATED and name != CEILING:
            saturated.append(name)
        if max(server_wait, load_wait) >= _CROWDED:
            crowded.append(name)
    if saturated:
        print(f"  warning: load generator saturated for {', '.join(saturated)}: a lower bound")
    if crowded:
        print(
            f"  warning: other processes held the CPUs during {', '.join(crowded)}:"
            " the figures measure the machine's load as much as the servers"
        )


def print_ceiling(samples: dict[str, Samples]) -> None:
    """How near the fastest server came to the raw echo, the load generator's ceiling."""
    medians = {name: statistics.median(sample.rps) for name, sample in samples.items()}
    ceiling = medians.pop(CEILING, None)
    if not ceiling or not medians:
        return
    fastest = max(medians, key=medians.__getitem__)
    share = medians[fastest] / ceiling
    print(
        f"load generator ceiling (raw echo): {ceiling:.0f} msg/s; the fastest server"
        f" ({fastest}) reached {share:.0%} of it"
    )
    if share > _CEILING_WARNING:
        print("  warning: that close to the ceiling the load generator may be the bottleneck")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_round_options(parser, "seconds per measurement")
    parser.add_argument("--clients", type=int, default=16, help="sockets, one round trip each")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    add_servers_option(parser, SERVERS)
    parser.add_argument(
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the raw echo, the load generator's ceiling (default: on)",
    )
    arguments = parser.parse_args(argv)
    check_positive(parser, arguments, "rounds", "clients", "processes")
    names = [*arguments.servers, *([CEILING] if arguments.ceiling else [])]
    breakdown: dict[str, Counter[str]] = {name: Counter() for name in names}
    cpu: dict[str, list[LoadResult]] = {name: [] for name in names}
    calls = Counter[str]()
    with tempfile.TemporaryDirectory() as workdir:
        with start(names, Path(workdir)) as servers:
            urls = {name: server.url + PATH for name, server in servers.items()}
            for name, url in urls.items():
                check(name, url)

            def measure(name: str, seconds: float) -> LoadResult:
                result = run_load(
                    urls[name],
                    clients=arguments.clients,
                    processes=arguments.processes,
                    duration=seconds,
                    server_pid=servers[name].process.pid,
                )
                breakdown[name].update(result.error_counts())
                calls[name] += 1
                if calls[name] > 1:  # the first is interleaved_rounds' warm-up
                    cpu[name].append(result)
                return result

            samples = interleaved_rounds(
                names,
                measure,
                rounds=arguments.rounds,
                duration=arguments.duration,
                seed=arguments.seed,
                unit="msg/s",
            )
        logs = log_summary(servers)  # read once every server has stopped
    title = (
        f"WebSocket echo: {arguments.clients} sockets x {MESSAGE_SIZE}-byte text round trips,"
        f" {arguments.processes} load processes"
    )
    print_table(samples, title, [BASELINE, SANSIO, CEILING], unit="msg/s", latency="rtt ms")
    print_errors(breakdown)
    print_cpu(cpu)
    print_ceiling(samples)
    if logs:
        print("\nserver output (not counted as errors; the servers' own logs):")
        print("\n".join(f"  {line}" for line in logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
