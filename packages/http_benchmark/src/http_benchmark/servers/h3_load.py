"""The HTTP/3 load generator of the `h3` server suite: one QUIC connection, N requests in flight.

    python -m http_benchmark.servers.h3_load HOST PORT --streams 10 --seconds 5

aioquic's client (the same one for every server; the certificate is not verified, it is a
throwaway). Each answer counts only when it is a 200 whose body is exactly the route's; the
result is one JSON line with the rate, the mean latency, the errors and this process's own CPU
seconds during the load, so the table can say whether the client was the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import time
from typing import Any

from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3 import events as h3e
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import QuicEvent

__all__ = ["main"]


class _Client(QuicConnectionProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._h3 = H3Connection(self._quic)
        self._waiting: dict[int, tuple[asyncio.Future[tuple[int, bytes]], list[bytes], int]] = {}

    def quic_event_received(self, event: QuicEvent) -> None:
        for h3_event in self._h3.handle_event(event):
            if not isinstance(h3_event, h3e.HeadersReceived | h3e.DataReceived):
                continue
            entry = self._waiting.get(h3_event.stream_id)
            if entry is None:
                continue
            future, body, status = entry
            if isinstance(h3_event, h3e.HeadersReceived):
                status = int(dict(h3_event.headers).get(b":status", b"0"))
                self._waiting[h3_event.stream_id] = (future, body, status)
            else:
                body.append(h3_event.data)
            if h3_event.stream_ended:
                del self._waiting[h3_event.stream_id]
                if not future.done():
                    future.set_result((status, b"".join(body)))

    async def get(self, authority: bytes) -> tuple[int, bytes]:
        stream_id = self._quic.get_next_available_stream_id()
        future: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        self._waiting[stream_id] = (future, [], 0)
        fields = [(b":method", b"GET"), (b":scheme", b"https"), (b":authority", authority),
                  (b":path", b"/")]  # fmt: skip
        self._h3.send_headers(stream_id, fields, end_stream=True)
        self.transmit()
        return await future


async def _load(
    host: str, port: int, streams: int, seconds: float, expected: bytes
) -> dict[str, Any]:
    configuration = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN)
    configuration.verify_mode = ssl.CERT_NONE
    authority = f"{host}:{port}".encode()
    ok = errors = 0
    latency = 0.0
    async with connect(host, port, configuration=configuration, create_protocol=_Client) as client:
        if not isinstance(client, _Client):
            raise TypeError("connect() did not make the protocol asked for")
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal ok, errors, latency
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(client.get(authority), 30)
                except TimeoutError:
                    errors += 1
                    continue
                if status == 200 and body == expected:
                    ok += 1
                    latency += time.perf_counter() - started
                else:
                    errors += 1

        began, cpu_began = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(streams)))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    return {
        "requests_per_second": ok / elapsed,
        "latency_ms": latency / ok * 1000 if ok else 0.0,
        "errors": errors,
        "ok": ok,
        "seconds": elapsed,
        # Over the load window only: the interpreter's start and imports are not the load.
        "client_cpu_seconds": cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--streams", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--expect", default='{"hello":"world"}', help="the body every answer has")
    arguments = parser.parse_args(argv)
    result = asyncio.run(
        _load(arguments.host, arguments.port, arguments.streams, arguments.seconds,
              arguments.expect.encode())
    )  # fmt: skip
    print(json.dumps(result))  # noqa: T201 - the result line the runner reads
    return 0


if __name__ == "__main__":
    sys.exit(main())
