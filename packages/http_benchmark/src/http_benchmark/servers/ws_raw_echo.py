"""The load generator's ceiling: a WebSocket echo with nothing a real server has.

    python -m http_benchmark.servers.ws_raw_echo --port 8765       # ws://127.0.0.1:8765/ (any path)

One asyncio Protocol on uvloop (when installed): it answers any upgrade request that carries a
Sec-WebSocket-Key with 101, then writes each final data frame back unmasked, answers pings
and Close. No header validation, UTF-8 check, fragmentation, extension, limit or app call:
as little work per message as a Python server can do. Run as one more server in the echo
benchmark, it shows how many round trips the load generator drives at most on this machine;
a real server measured close to it may be held back by the load generator, not by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import re
import sys
from typing import cast

from http_benchmark.servers.ws_frames import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    FrameError,
    FrameReader,
    apply_mask,
    encode_frame,
)

__all__ = ["RawEcho", "main"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_KEY = re.compile(rb"^sec-websocket-key:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_MAX_HEAD = 16384
_FINAL_DATA = (0x80 | TEXT, 0x80 | BINARY)


class RawEcho(asyncio.Protocol):
    _transport: asyncio.Transport  # from connection_made, before anything else runs

    def __init__(self) -> None:
        self._head: bytearray | None = bytearray()  # None once upgraded
        self._reader = FrameReader(masked=True)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)  # a TCP connection's

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            self._upgrade(self._head, data)
            return
        if not self._reader.buffered and len(data) > 6 and data[0] in _FINAL_DATA:
            size = data[1] ^ 0x80  # masked, so a 7-bit length only if below 126
            if size < 126 and len(data) == 6 + size:  # the common case: one whole frame
                self._transport.write(bytes((data[0], size)) + apply_mask(data[6:], data[2:6]))
                return
        try:
            frames = self._reader.feed(data)
        except FrameError:
            self._transport.abort()
            return
        for frame in frames:
            if frame.opcode in (TEXT, BINARY) and frame.fin:
                self._transport.write(encode_frame(frame.opcode, frame.payload))
            elif frame.opcode == PING:
                self._transport.write(encode_frame(PONG, frame.payload))
            elif frame.opcode == CLOSE:
                self._transport.write(encode_frame(CLOSE, frame.payload[:2]))
                self._transport.close()
                return
            elif frame.opcode != PONG:  # a fragment: more than this server does
                self._transport.abort()
                return

    def _upgrade(self, head: bytearray, data: bytes) -> None:
        head += data
        end = head.find(b"\r\n\r\n")
        if end < 0:
            if len(head) > _MAX_HEAD:
                self._transport.abort()
            return
        key = _KEY.search(head[:end])
        if key is None:
            self._transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            self._transport.close()
            return
        accept = base64.b64encode(hashlib.sha1(key.group(1) + _GUID).digest())  # noqa: S324 - RFC 6455
        self._transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        rest = bytes(head[end + 4 :])
        self._head = None
        if rest:
            self.data_received(rest)


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(RawEcho, host, port)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    arguments = parser.parse_args(argv)
    try:
        import uvloop  # noqa: PLC0415 - optional: the loop of the servers it stands beside
    except ImportError:
        asyncio.run(serve(arguments.host, arguments.port))
    else:
        uvloop.run(serve(arguments.host, arguments.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
