"""Instructions per request a server's own code executes, counted by callgrind.

    http-benchmark server-instructions [--kinds httpy-h1,uvicorn-h1,...] [--requests 200,1200]

wrk and h2load figures on a shared 2-core machine swing by tens of percent; the instructions a
server executes per request barely move, so they show where a change helps even when timings
cannot. Each kind (server and protocol) runs `instructions_worker` under
`valgrind --tool=callgrind` twice, with SHORT and LONG requests of the same client bytes (wrk's
GET over HTTP/1.1, h2load's batches of 10 concurrent streams over h2c); the difference of the
two totals over the difference in requests is the cost of one request on a kept-alive
connection, start-up cancelled out. PYTHONHASHSEED is fixed so runs repeat.

The worker feeds the connection objects in memory (see its docstring): no kernel, socket or
client work is in the count, only the server's Python, its C extensions and its event loop.
Every response is checked (status 200 and the JSON body) before a count is reported.
Needs valgrind. Reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from http_benchmark.servers import instructions_worker
from http_benchmark.servers.apps import ASGI_APP, HTTPY_APP, JSON_BODY
from http_benchmark.servers.instructions_worker import KINDS

__all__ = ["check_output", "client_batches", "main", "run_worker", "worker_input"]

SHORT, LONG = 200, 1_200
#: Concurrent streams per HTTP/2 batch, as the h2c suite's `h2load -m10` keeps in flight.
STREAMS = 10
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
# What wrk sends for each request.
_H1_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
_H1_OK = re.compile(rb"HTTP/1\.1 200 ")
_H2_HEADERS = [
    (b":method", b"GET"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1:8080"),
    (b":path", b"/"),
    (b"user-agent", b"h2load nghttp2/1.64.0"),
]
# h2load's windows (-w30 -W30): the server is never held back by flow control.
_WINDOW = 2**30 - 1
_SETTINGS_ACK = b"\x00\x00\x00\x04\x01\x00\x00\x00\x00"


def _h2_client() -> object:
    from h2.config import H2Configuration
    from h2.connection import H2Connection

    return H2Connection(H2Configuration(client_side=True, header_encoding=None))


def client_batches(kind: str, requests: int) -> tuple[list[tuple[bytes, int]], object]:
    """What the client sends, in batches fed at once, each with the responses it asks for;
    and the HTTP/2 client that made them (None for HTTP/1.1), to read the answers with."""
    if kind.endswith("-h1"):
        return [(_H1_REQUEST, 1)] * requests, None
    from h2.settings import SettingCodes

    client = _h2_client()
    client.local_settings.initial_window_size = _WINDOW  # type: ignore[attr-defined]
    client.local_settings.update({SettingCodes.ENABLE_PUSH: 0})  # type: ignore[attr-defined]
    client.initiate_connection()  # type: ignore[attr-defined]
    client.increment_flow_control_window(_WINDOW - 65_535)  # type: ignore[attr-defined]
    batches: list[tuple[bytes, int]] = []
    left = requests
    while left > 0:
        count = min(STREAMS, left)
        for _ in range(count):
            stream_id = client.get_next_available_stream_id()  # type: ignore[attr-defined]
            client.send_headers(stream_id, _H2_HEADERS, end_stream=True)  # type: ignore[attr-defined]
        data = client.data_to_send()  # type: ignore[attr-defined]
        if len(batches) == 1:
            data = _SETTINGS_ACK + data  # the server's SETTINGS, acknowledged as h2load does
        batches.append((data, count))
        left -= count
    return batches, client


def check_output(kind: str, requests: int, output: bytes, client: object) -> str | None:
    """None when every request got a 200 with the JSON body, else what is wrong."""
    if client is None:
        statuses = len(_H1_OK.findall(output))
        bodies = output.count(JSON_BODY)
    else:
        from h2 import events

        statuses = bodies = 0
        for event in client.receive_data(output):  # type: ignore[attr-defined]
            if isinstance(event, events.ResponseReceived):
                statuses += dict(event.headers).get(b":status") == b"200"
            elif isinstance(event, events.DataReceived):
                bodies += event.data == JSON_BODY
    if statuses != requests or bodies != requests:
        return f"{kind}: {statuses} 200s and {bodies} JSON bodies for {requests} requests"
    return None


def worker_input(batches: list[tuple[bytes, int]]) -> dict[str, object]:
    """What the worker is given: the batches, the apps' sources, the body to expect."""
    return {"batches": batches, "apps": {"asgi_app": ASGI_APP, "httpy_app": HTTPY_APP},
            "body": JSON_BODY}  # fmt: skip


def run_worker(
    kind: str, requests: int, *, loop: str = "uvloop", valgrind: bool = True
) -> int | None:
    """Drive `kind` for `requests`; callgrind's instruction total (None without valgrind).
    Raises RuntimeError when the run fails or an answer is wrong."""
    batches, client = client_batches(kind, requests)
    with tempfile.TemporaryDirectory() as root:
        given, written = Path(root, "in"), Path(root, "out")
        given.write_bytes(pickle.dumps(worker_input(batches)))
        # As a script: importing http_benchmark would add its start-up to every count.
        worker = str(instructions_worker.__file__)
        command = [sys.executable, "-P", worker, kind, str(given), str(written), "--loop", loop]
        if valgrind:
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
        # A fixed hash seed: dict and set layouts, and so the instructions, repeat run to run.
        environment = {**os.environ, "PYTHONHASHSEED": "0"}
        finished = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        if finished.returncode != 0 or not written.exists():
            raise RuntimeError(f"{kind} failed:\n{finished.stderr[-3000:]}")
        fault = check_output(kind, requests, written.read_bytes(), client)
    if fault is not None:
        raise RuntimeError(fault)
    if not valgrind:
        return None
    found = _COLLECTED.search(finished.stderr)
    if found is None:
        raise RuntimeError(f"{kind}: no callgrind total:\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated: {KINDS}")
    parser.add_argument("--requests", default=f"{SHORT},{LONG}", help="SHORT,LONG")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    arguments = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("needs valgrind (Debian: apt-get install valgrind)")
        return 1
    kinds = [kind.strip() for kind in arguments.kinds.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        print(f"unknown kinds: {', '.join(unknown)} (known: {', '.join(KINDS)})")
        return 2
    short, _, long = arguments.requests.partition(",")
    short_n, long_n = int(short), int(long)
    if not 0 < short_n < long_n:
        print("--requests wants SHORT,LONG with 0 < SHORT < LONG")
        return 2
    per_request: dict[str, float] = {}
    for kind in kinds:
        try:
            low = run_worker(kind, short_n, loop=arguments.loop)
            high = run_worker(kind, long_n, loop=arguments.loop)
        except (RuntimeError, ImportError) as error:
            print(f"{kind:16} failed: {error}")
            continue
        assert low is not None  # noqa: S101 - valgrind ran
        assert high is not None  # noqa: S101
        per_request[kind] = (high - low) / (long_n - short_n)
        print(f"{kind:16} {per_request[kind] / 1000:8.1f}k instructions per request", flush=True)
    for ours, reference in (
        ("httpy-h1", "uvicorn-h1"),
        ("httpy-asgi-h1", "uvicorn-h1"),
        ("httpy-h2c", "hypercorn-h2c"),
        ("httpy-asgi-h2c", "hypercorn-h2c"),
    ):
        if ours in per_request and reference in per_request:
            ratio = per_request[reference] / per_request[ours]
            print(f"{reference} / {ours}: {ratio:.2f}x (above 1: {ours} executes fewer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
