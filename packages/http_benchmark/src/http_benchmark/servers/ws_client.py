"""One load process of the WebSocket echo benchmark: its sockets' round trips, every echo checked.

Started by `ws_load.run_load`, which starts several and tells them when to begin. Each opens
its share of the sockets, prints "ready", waits for "go" on stdin, then each socket sends one
64-byte text message, waits for the echo, checks it byte for byte and sends the next, for
`--duration` seconds; the process then prints its `LoadResult` as one JSON line. Messages
differ (socket and sequence number), so a stale or misrouted echo is caught. Only echoes that
arrive inside the window count.

The opening handshake is done by the `websockets` library's sans-IO client (without offering
permessage-deflate: compression stays off), the round trips with hand-built frames
(`ws_frames`): a library's per-message work would cap the load below what the servers
serve. Errors are counted by kind, never hidden: sockets that failed to open, echoes that did
not match, frames that broke the protocol, sockets the server closed or reset during the run,
and echoes still missing well after the window (stalled). The process also reports its CPU
time over the window and how long it waited for a CPU, so a saturated load generator, or a
machine too busy to measure on, shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import Any, cast

from websockets.client import ClientProtocol
from websockets.exceptions import WebSocketException
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from http_benchmark.servers.ws_figures import (
    CLOSE_TIMEOUT,
    ECHO_HEADER,
    OPEN_TIMEOUT,
    SETTLE_TIMEOUT,
    LoadResult,
    schedstat,
)
from http_benchmark.servers.ws_frames import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    TEXT,
    Frame,
    FrameError,
    FrameReader,
    apply_mask,
    encode_frame,
)

__all__ = ["EchoSocket", "main"]

_CLOSE_NORMAL = (1000).to_bytes(2, "big")


class _Run:
    """What the sockets of one process share: the window and the counters."""

    def __init__(self) -> None:
        self.running = False
        self.stopping = False  # the window is over: the sockets are being closed by us
        self.result = LoadResult()


class EchoSocket(asyncio.Protocol):
    _transport: asyncio.Transport  # from connection_made, before anything else runs

    def __init__(self, url: str, index: int, run: _Run, mask: bytes) -> None:
        self._handshake = ClientProtocol(parse_uri(url))
        self._upgraded = False
        self._index = index
        self._run = run
        # A fixed key per socket: RFC 6455 wants unpredictable keys against proxy cache
        # poisoning, which loopback cannot have; servers must unmask whatever the key is.
        self._mask = mask
        self._reader = FrameReader(masked=False)
        self._sequence = 0
        self._payload = b""
        self._expected = b""
        self._fragments: list[bytes] | None = None
        self._sent_at = 0.0
        self._in_flight = False
        self._closing = False  # we sent our Close (or gave up on the socket)
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.settled: asyncio.Future[None] = loop.create_future()  # nothing in flight after stop
        self.finished: asyncio.Future[None] = loop.create_future()  # the connection is gone

    # --- opening ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)  # a TCP connection's
        self._handshake.send_request(self._handshake.connect())
        self._transport.write(b"".join(self._handshake.data_to_send()))

    def _on_handshake_data(self, data: bytes) -> None:
        handshake = self._handshake
        handshake.receive_data(data)
        if handshake.handshake_exc is not None:
            self._fail_open(handshake.handshake_exc)
        elif handshake.state is State.OPEN:
            response = next(e for e in handshake.events_received() if isinstance(e, Response))
            if response.headers.get("Sec-WebSocket-Extensions"):
                self._fail_open(FrameError("the server agreed an extension nobody offered"))
                return
            self._upgraded = True
            if not self.opened.done():
                self.opened.set_result(None)

    def _fail_open(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        self._give_up()

    # --- the round trips -------------------------------------------------------------------

    def send_next(self) -> None:
        self._sequence += 1
        self._payload = b"%06d %057d" % (self._index, self._sequence)
        self._expected = ECHO_HEADER + self._payload
        self._transport.write(
            b"\x81\xc0" + self._mask + apply_mask(self._payload, self._mask)
        )  # a final, masked text frame of 64 bytes
        self._in_flight = True
        self._sent_at = time.perf_counter()

    def data_received(self, data: bytes) -> None:
        if not self._upgraded:
            self._on_handshake_data(data)
        elif data == self._expected and self._in_flight and not self._reader.buffered:
            self._on_echo()  # the common case: one read, one whole echo frame
        else:
            self._on_frames(data)

    def _on_echo(self) -> None:
        self._in_flight = False
        run = self._run
        if run.running:
            run.result.messages += 1
            run.result.latency_seconds += time.perf_counter() - self._sent_at
            self.send_next()
        elif not self.settled.done():
            self.settled.set_result(None)

    def _on_frames(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except FrameError:
            self._run.result.protocol_errors += 1
            self._give_up()
            return
        for frame in frames:
            if self._closing:
                return
            self._on_frame(frame)

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode == PING:
            self._write(encode_frame(0xA, frame.payload, self._mask))
        elif frame.opcode == CLOSE:
            self._on_close_frame()
        elif frame.opcode in (TEXT, BINARY, CONTINUATION):
            self._on_data_frame(frame)
        # A PONG answers nothing we sent: ignored, as RFC 6455 allows.

    def _on_data_frame(self, frame: Frame) -> None:
        if (frame.opcode == CONTINUATION) != (self._fragments is not None):
            self._run.result.protocol_errors += 1  # a continuation of nothing, or no continuation
            self._give_up()
            return
        if frame.opcode == BINARY:
            self._mismatch()  # we sent text
            return
        if not frame.fin:
            self._fragments = [*(self._fragments or []), frame.payload]
            return
        message = b"".join([*(self._fragments or []), frame.payload])
        self._fragments = None
        if self._in_flight and message == self._payload:
            self._on_echo()
        else:
            self._mismatch()

    def _mismatch(self) -> None:
        self._run.result.mismatched += 1
        self._give_up()

    # --- closing ---------------------------------------------------------------------------

    def _on_close_frame(self) -> None:
        if not self._run.stopping:
            self._run.result.closed += 1
        self._closing = True
        # Answer the server's Close (a no-op if we sent ours first), then let TCP go.
        self._write(encode_frame(CLOSE, _CLOSE_NORMAL, self._mask))
        self._transport.close()

    def start_close(self) -> None:
        """Our Close, once the window is over; the server answers and closes TCP."""
        if not self._closing:
            self._closing = True
            self._write(encode_frame(CLOSE, _CLOSE_NORMAL, self._mask))

    def _give_up(self) -> None:
        """Drop a socket we cannot trust any more (counted by the caller)."""
        self._closing = True
        self._transport.abort()

    def _write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - any cause counts
        if not self._closing and not self._run.stopping:
            self._run.result.closed += 1  # a reset or EOF in the middle of the run
        self._closing = True
        self._in_flight = False
        for future in (self.opened, self.settled, self.finished):
            if not future.done():
                if future is self.opened:
                    future.set_exception(ConnectionError("closed during the handshake"))
                else:
                    future.set_result(None)

    def abort(self) -> None:
        self._transport.abort()


async def _open(url: str, index: int, run: _Run) -> EchoSocket | None:
    """One socket, open; None (counted as failed) if the connect or the handshake fails."""
    parsed = parse_uri(url)
    loop = asyncio.get_running_loop()
    mask = os.urandom(4)
    echo: EchoSocket | None = None
    try:
        _, echo = await asyncio.wait_for(
            loop.create_connection(
                lambda: EchoSocket(url, index, run, mask), parsed.host, parsed.port
            ),
            OPEN_TIMEOUT,
        )
        await asyncio.wait_for(cast("EchoSocket", echo).opened, OPEN_TIMEOUT)
    except (OSError, TimeoutError, FrameError, WebSocketException) as error:
        print(  # noqa: T201 - a load process reports on its own stderr
            f"socket {index} did not open: {type(error).__name__}: {error}", file=sys.stderr
        )
        run.result.failed += 1
        if echo is not None:
            echo.abort()
        return None
    return echo


async def _process(url: str, first_index: int, sockets: int, duration: float) -> LoadResult:
    """One process's share: open, report ready, wait for "go", run the window, close."""
    run = _Run()
    opened = await asyncio.gather(*(_open(url, first_index + n, run) for n in range(sockets)))
    live = [echo for echo in opened if echo is not None]
    print("ready", flush=True)  # noqa: T201 - the handshake with ws_load
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # "go": every process is ready
    started, cpu_started, sched_started = time.perf_counter(), time.process_time(), schedstat()
    run.running = True
    for echo in live:
        echo.send_next()
    await asyncio.sleep(duration)
    run.running = False
    window = time.perf_counter() - started
    run.result.cpu_busy = (time.process_time() - cpu_started) / window
    sched_ended = schedstat()
    if sched_started is not None and sched_ended is not None:
        run.result.cpu_wait = (sched_ended[1] - sched_started[1]) / window
    if live:
        # The last echoes in flight must still come back: a socket lost now counts as closed.
        _, stalled = await asyncio.wait([e.settled for e in live], timeout=SETTLE_TIMEOUT)
        run.result.stalled += len(stalled)
        run.stopping = True
        for echo in live:
            echo.start_close()
        _, unfinished = await asyncio.wait([e.finished for e in live], timeout=CLOSE_TIMEOUT)
        for echo in live:
            if not echo.finished.done():
                echo.abort()
        if unfinished:
            await asyncio.wait(unfinished, timeout=1.0)
    run.result.messages_per_second = run.result.messages / window
    return run.result


def _loop_runner() -> Callable[[Coroutine[Any, Any, LoadResult]], LoadResult]:
    """uvloop's runner where installed (the cheaper loop leaves more for the servers)."""
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return asyncio.run
    return uvloop.run


def main(argv: list[str] | None = None) -> int:
    """One load process: prints "ready", reads "go", runs, prints its result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--first-index", type=int, default=0)
    parser.add_argument("--sockets", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    arguments = parser.parse_args(argv)
    work = _process(arguments.url, arguments.first_index, arguments.sockets, arguments.duration)
    result = _loop_runner()(work)
    print(json.dumps(asdict(result)), flush=True)  # noqa: T201 - the line ws_load reads
    return 0


if __name__ == "__main__":
    sys.exit(main())
