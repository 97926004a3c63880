"""WebSocket frames built and read by hand (RFC 6455 §5.2), for tests that must send what no
well-behaved client library would: wrong masks, reserved bits, bad lengths, bad UTF-8."""

from __future__ import annotations

import struct
from typing import NamedTuple

from httpy.protocol import ProtocolViolation, WebSocketConnection, WebSocketEvent

__all__ = [
    "BINARY",
    "CLOSE",
    "CONT",
    "PING",
    "PONG",
    "TEXT",
    "ServerFrame",
    "close_frame",
    "frame",
    "read_frames",
    "violation",
]

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MASK = b"\x37\xfa\x21\x3d"


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    masked: bool = True,
    length: int | None = None,
) -> bytes:
    """One client frame; `length` overrides the declared payload length."""
    declared = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if masked else 0
    if declared < 126:
        head += bytes([mask_bit | declared])
    elif declared < 1 << 16:
        head += bytes([mask_bit | 126]) + struct.pack("!H", declared)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", declared)
    if not masked:
        return head + payload
    body = bytes(byte ^ MASK[i % 4] for i, byte in enumerate(payload))
    return head + MASK + body


def close_frame(code: int | None = None, reason: bytes = b"") -> bytes:
    return frame(CLOSE, b"" if code is None else struct.pack("!H", code) + reason)


class ServerFrame(NamedTuple):
    fin: bool
    rsv: int
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        assert self.opcode == CLOSE
        return struct.unpack("!H", self.payload[:2])[0] if self.payload else None


def read_frames(data: bytes) -> list[ServerFrame]:
    """Every frame in `data` as a server sends them (unmasked); the data must end on a frame."""
    frames = []
    pos = 0
    while pos < len(data):
        first, second = data[pos], data[pos + 1]
        assert not second & 0x80, "a server frame must not be masked"
        length = second & 0x7F
        pos += 2
        if length == 126:
            (length,) = struct.unpack("!H", data[pos : pos + 2])
            pos += 2
        elif length == 127:
            (length,) = struct.unpack("!Q", data[pos : pos + 8])
            pos += 8
        payload = data[pos : pos + length]
        assert len(payload) == length, "truncated frame"
        pos += length
        frames.append(ServerFrame(bool(first & 0x80), (first >> 4) & 0x7, first & 0x0F, payload))
    return frames


def violation(conn: WebSocketConnection, events: list[WebSocketEvent]) -> int:
    """The close code the connection failed with: the event's, checked against the wire."""
    assert isinstance(events[-1], ProtocolViolation), events
    code = events[-1].code
    sent = read_frames(conn.data_to_send())
    assert sent[-1].opcode == CLOSE
    assert sent[-1].close_code == code
    assert conn.closed
    return code
