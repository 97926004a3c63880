"""httpy against uvicorn and hypercorn on a WebSocket echo, measured side by side.

    nox -s bench_websocket                 # or: python benchmarks/websocket_echo.py --help

16 clients each do request/response round trips of 64-byte text messages over one socket for
a fixed time: send, wait for the echo, check it, send the next. httpy serves an httpy.App echo
route; uvicorn (httptools, uvloop, `--ws websockets`), uvicorn-sansio (the same with
`--ws websockets-sansio`: what uvicorn's default `--ws auto` picks today) and hypercorn (uvloop
worker) serve the same raw ASGI echo app. Each server is one process pinned to CPU 0; the
load generator (`_ws_load.py`: 2 processes x 8 sockets, hand-built frames after a `websockets`
handshake, no compression offered) runs on CPU 1. A trivial raw-socket echo (`_ws_raw_echo.py`)
is measured alongside as the load generator's ceiling.

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

from _bench_rounds import Samples, interleaved_rounds, print_table
from _bench_servers import Running, ServerSpec, free_port_block, log_summary, run_servers
from _ws_load import MESSAGE_SIZE, LoadResult, run_load
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

# uvicorn and hypercorn run this; it echoes text as text and bytes as bytes, as httpy's does.
ASGI_ECHO = """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
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


def print_headroom(samples: dict[str, Samples], load_cpu: dict[str, list[float]]) -> None:
    """Whether the load generator held any figure back: its CPU, and the raw echo's rate."""
    busy = {name: statistics.median(shares) for name, shares in load_cpu.items() if shares}
    print(
        "\nload generator CPU over each window, median of rounds (1.00: its core fully busy):\n  "
        + ", ".join(f"{name} {share:.2f}" for name, share in busy.items())
    )
    saturated = [name for name, share in busy.items() if share >= _SATURATED and name != CEILING]
    if saturated:
        print(f"  warning: saturated for {', '.join(saturated)}: a lower bound, not the server's")
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


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERVERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or 'no name'} given; choose from {', '.join(SERVERS)}"
        )
    return list(dict.fromkeys(names))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--clients", type=int, default=16, help="sockets, one round trip each")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument(
        "--servers",
        type=_names,
        default=list(SERVERS),
        help=f"comma-separated, of {','.join(SERVERS)} (default: all)",
    )
    parser.add_argument(
        "--ceiling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the raw echo, the load generator's ceiling (default: on)",
    )
    parser.add_argument("--seed", type=int, default=2024)
    arguments = parser.parse_args(argv)
    if min(arguments.rounds, arguments.clients, arguments.processes) < 1:
        parser.error("--rounds, --clients and --processes must be at least 1")
    if arguments.duration <= 0:
        parser.error("--duration must be positive")
    names = [*arguments.servers, *([CEILING] if arguments.ceiling else [])]
    breakdown: dict[str, Counter[str]] = {name: Counter() for name in names}
    load_cpu: dict[str, list[float]] = {name: [] for name in names}
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
                )
                breakdown[name].update(result.error_counts())
                calls[name] += 1
                if calls[name] > 1:  # the first is interleaved_rounds' warm-up
                    load_cpu[name].append(result.cpu_busy)
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
    print_headroom(samples, load_cpu)
    if logs:
        print("\nserver output (not counted as errors; the servers' own logs):")
        print("\n".join(f"  {line}" for line in logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
