"""A minimal asyncio server around `HTTP2Connection`, so independent clients (curl, nghttp,
both on nghttp2) can check the protocol module on loopback before httpy's server uses it.

Routes: ``/`` says hello, ``/echo`` returns the request body, ``/big/N`` returns N bytes,
``/trailers`` ends with a trailer field, ``/push`` pushes ``/pushed.css``. Response data that
the window cannot take waits for ``WindowOpened``, as the real server's streams will.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from httpy.protocol import HTTP2Connection, HTTP2Limits
from httpy.protocol.events import (
    Event,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    StreamReset,
    WindowOpened,
)


class LoopbackHTTP2(asyncio.Protocol):
    def __init__(self, limits: HTTP2Limits | None) -> None:
        self.conn = HTTP2Connection(limits)
        self.requests: dict[int, RequestReceived] = {}
        self.bodies: dict[int, bytearray] = {}
        self.waiting: dict[int, tuple[bytes, bool]] = {}  # data the window could not take yet
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.conn.initiate()
        self.flush()

    def data_received(self, data: bytes) -> None:
        for event in self.conn.receive_data(data):
            self.handle(event)
        self.flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, RequestReceived):
            self.requests[event.stream_id] = event
            self.bodies[event.stream_id] = bytearray()
        elif isinstance(event, RequestData):
            self.bodies[event.stream_id] += event.data
            self.conn.acknowledge_received(event.stream_id, len(event.data))
        elif isinstance(event, RequestEnded):
            self.respond(event.stream_id)
        elif isinstance(event, WindowOpened):
            for stream_id in list(self.waiting):
                data, end = self.waiting.pop(stream_id)
                self.send(stream_id, data, end=end)
        elif isinstance(event, StreamReset):
            self.waiting.pop(event.stream_id, None)
        elif isinstance(event, ProtocolError) and event.stream_id:
            self.conn.send_head(event.stream_id, event.status, [], end_stream=True)

    def respond(self, stream_id: int) -> None:
        path = self.requests[stream_id].target
        trailers = path == b"/trailers"
        if path == b"/echo":
            body = bytes(self.bodies[stream_id])
        elif path.startswith(b"/big/"):
            body = b"b" * int(path[5:])
        elif path == b"/push":
            pushed = self.conn.push(stream_id, "GET", b"/pushed.css", [])
            if pushed is not None:
                self.conn.send_head(pushed.stream_id, 200, [(b"content-type", b"text/css")])
                self.send(pushed.stream_id, b"body{}", end=True)
            body = b"pushed"
        else:
            body = b"hello"
        self.conn.send_head(stream_id, 200, [(b"content-length", str(len(body)).encode())])
        self.send(stream_id, body, end=not trailers)
        if trailers:
            self.conn.send_trailers(stream_id, [(b"x-checksum", b"42")])

    def send(self, stream_id: int, data: bytes, *, end: bool) -> None:
        taken = self.conn.send_data(stream_id, data, end_stream=end)
        if taken < len(data):
            self.waiting[stream_id] = (data[taken:], end)

    def flush(self) -> None:
        out = self.conn.data_to_send()
        if out and self.transport is not None:
            self.transport.write(out)
        if self.conn.should_close and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio's API
        self.transport = None


@contextlib.asynccontextmanager
async def serving(limits: HTTP2Limits | None = None) -> AsyncIterator[int]:
    """Serve on 127.0.0.1 and yield the port."""
    loop = asyncio.get_running_loop()
    protocols: list[LoopbackHTTP2] = []

    def factory() -> LoopbackHTTP2:
        protocols.append(LoopbackHTTP2(limits))
        return protocols[-1]

    server = await loop.create_server(factory, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for protocol in protocols:
            if protocol.transport is not None:
                protocol.transport.close()
        await server.wait_closed()
        await asyncio.sleep(0)


async def run_client(*argv: str) -> tuple[int, bytes, bytes]:
    """Run a client to completion (60 s at most, then it is killed)."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, out, err
