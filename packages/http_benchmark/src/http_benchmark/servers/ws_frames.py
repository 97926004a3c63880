"""The few RFC 6455 frames the WebSocket echo benchmark puts on the wire itself.

Its load generator (`ws_client`) and its ceiling server (`ws_raw_echo`) build and read
frames with this instead of a WebSocket library: a library's per-message machinery would make
the load generator, not the server under test, the bottleneck. Only what an echo of small
messages without extensions needs: no compression (a frame with a reserved bit set is an
error), messages reassembled from fragments, payloads capped by a knob.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BINARY",
    "CLOSE",
    "CONTINUATION",
    "PING",
    "PONG",
    "TEXT",
    "Frame",
    "FrameError",
    "FrameReader",
    "apply_mask",
    "encode_frame",
]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_KNOWN_OPCODES = {CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG}
_FIN, _RSV = 0x80, 0x70
_MASK_BIT, _LENGTH = 0x80, 0x7F


class FrameError(ValueError):
    """The peer sent something that is not a frame this benchmark's peers may send."""


@dataclass(frozen=True, slots=True)
class Frame:
    fin: bool
    opcode: int
    payload: bytes  # unmasked


def apply_mask(data: bytes, mask: bytes) -> bytes:
    """`data` XOR the 4-byte `mask` repeated: one big-integer XOR, no per-byte Python loop."""
    size = len(data)
    if size == 0:
        return data
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(size, "little")


def encode_frame(opcode: int, payload: bytes, mask: bytes | None = None) -> bytes:
    """One final frame; clients must pass a 4-byte `mask`, servers must not."""
    size = len(payload)
    mask_bit = _MASK_BIT if mask is not None else 0
    if size < 126:
        header = bytes((_FIN | opcode, mask_bit | size))
    elif size < 1 << 16:
        header = bytes((_FIN | opcode, mask_bit | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((_FIN | opcode, mask_bit | 127)) + size.to_bytes(8, "big")
    if mask is None:
        return header + payload
    return header + mask + apply_mask(payload, mask)


class FrameReader:
    """Frames out of a byte stream fed in arbitrary pieces.

    `masked` says what the peer must do (True: we are the server). A frame whose payload would
    exceed `max_payload` is refused from its header, before its payload is buffered.
    """

    def __init__(self, *, masked: bool, max_payload: int = 1 << 20) -> None:
        self._masked = masked
        self._max_payload = max_payload
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes of a frame not complete yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while (frame := self._next()) is not None:
            frames.append(frame)
        return frames

    def _next(self) -> Frame | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if first & _RSV:
            raise FrameError("reserved bit set (no extension was agreed)")
        opcode = first & 0x0F
        if opcode not in _KNOWN_OPCODES:
            raise FrameError(f"unknown opcode {opcode:#x}")
        if bool(second & _MASK_BIT) != self._masked:
            raise FrameError("masked frame from a server" if not self._masked else "unmasked")
        size, offset = second & _LENGTH, 2
        if size >= 126:
            width = 2 if size == 126 else 8
            if len(buffer) < 2 + width:
                return None
            size, offset = int.from_bytes(buffer[2 : 2 + width], "big"), 2 + width
        if size > self._max_payload:
            raise FrameError(f"{size}-byte frame (the cap is {self._max_payload})")
        mask_end = offset + 4 if self._masked else offset
        end = mask_end + size
        if len(buffer) < end:
            return None
        payload = bytes(buffer[mask_end:end])
        if self._masked:
            payload = apply_mask(payload, bytes(buffer[offset:mask_end]))
        del buffer[:end]
        return Frame(bool(first & _FIN), opcode, payload)
