"""Every limit of `WebSocketLimits`, each with its default and its knob: messages, frames, and
permessage-deflate data that inflates past them (compression bombs), in bounded memory."""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from websocket_wire import BINARY, CONT, TEXT, frame, violation

from httpy.protocol import (
    BytesMessage,
    Deflate,
    TextMessage,
    WebSocketConnection,
    WebSocketEvent,
    WebSocketLimits,
)

MiB = 1024 * 1024
RSV1 = 0b100  # "this message is compressed" (RFC 7692 §6)
# What a deflate stream ends with after a sync flush; RFC 7692 §7.2.1 strips it from messages.
SYNC_TAIL = b"\x00\x00\xff\xff"


def deflated_chunks(plain: Iterator[bytes]) -> list[bytes]:
    """Each piece of `plain` compressed in turn (one context, as a client with takeover)."""
    compressor = zlib.compressobj(wbits=-15)
    chunks = [compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH) for piece in plain]
    assert chunks[-1].endswith(SYNC_TAIL)
    chunks[-1] = chunks[-1][: -len(SYNC_TAIL)]
    return chunks


def compressed_message(chunks: list[bytes], opcode: int = BINARY) -> bytes:
    """A compressed message in one frame per chunk; only the first frame carries RSV1."""
    if len(chunks) == 1:
        return frame(opcode, chunks[0], rsv=RSV1)
    frames = [frame(opcode, chunks[0], fin=False, rsv=RSV1)]
    frames += [frame(CONT, chunk, fin=False) for chunk in chunks[1:-1]]
    frames.append(frame(CONT, chunks[-1]))
    return b"".join(frames)


def peak_while(action: Callable[[], list[WebSocketEvent]]) -> tuple[list[WebSocketEvent], int]:
    """The events `action` returns and the peak of memory allocated while it ran."""
    tracemalloc.start()
    try:
        events = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return events, peak


# --- message size -------------------------------------------------------------------------


def test_the_default_message_limit_is_one_mib() -> None:
    assert WebSocketLimits().max_message_size == MiB
    conn = WebSocketConnection()
    assert conn.receive_data(frame(BINARY, b"x" * MiB)) == [BytesMessage(b"x" * MiB)]
    assert violation(conn, conn.receive_data(frame(BINARY, b"x" * (MiB + 1)))) == 1009


def test_an_oversized_message_is_refused_from_its_header_before_its_payload() -> None:
    conn = WebSocketConnection()
    header = frame(BINARY, b"", length=50 * MiB)
    assert violation(conn, conn.receive_data(header + b"\x00" * 10)) == 1009
    assert conn.buffered == 0


def test_the_message_limit_counts_every_fragment() -> None:
    conn = WebSocketConnection(WebSocketLimits(max_message_size=10_000))
    assert conn.receive_data(frame(TEXT, b"a" * 6000, fin=False)) == []
    events = conn.receive_data(frame(CONT, b"b" * 4001, fin=False))
    assert violation(conn, events) == 1009


def test_the_message_limit_is_a_knob() -> None:
    conn = WebSocketConnection(WebSocketLimits(max_message_size=10_000))
    assert conn.receive_data(frame(TEXT, b"a" * 10_000)) == [TextMessage("a" * 10_000)]
    assert violation(conn, conn.receive_data(frame(TEXT, b"a" * 10_001))) == 1009


# --- frame size ---------------------------------------------------------------------------


def test_the_frame_limit_is_a_knob_checked_on_the_header() -> None:
    limits = WebSocketLimits(max_message_size=10_000, max_frame_size=1000)
    conn = WebSocketConnection(limits)
    chunks = [frame(BINARY, b"x" * 1000, fin=False)]
    chunks += [frame(CONT, b"x" * 1000, fin=i == 8) for i in range(9)]
    assert conn.receive_data(b"".join(chunks)) == [BytesMessage(b"x" * 10_000)]
    # A frame one byte over is refused before its payload arrives.
    assert violation(conn, conn.receive_data(frame(BINARY, b"", length=1001))) == 1009


def test_the_buffer_holds_at_most_one_frame() -> None:
    conn = WebSocketConnection(WebSocketLimits(max_frame_size=1000))
    data = frame(BINARY, b"y" * 1000) * 50
    for start in range(0, len(data), 700):
        conn.receive_data(data[start : start + 700])
        assert conn.buffered < 1000 + 14 + 700


# --- permessage-deflate -------------------------------------------------------------------


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 100 KiB of deflate that inflates to 100 MiB of zeros (deflate's ratio tops out
    near 1000:1, so this is as small as a 100 MiB bomb gets)."""
    (chunk,) = deflated_chunks(iter([bytes(100 * MiB)]))
    assert len(chunk) < 120 * 1024
    return chunk


def test_a_compressed_message_under_the_limit_is_inflated() -> None:
    conn = WebSocketConnection(deflate=Deflate())
    text = "compressible " * 50_000  # 650 KB
    message = compressed_message(deflated_chunks(iter([text.encode()])), TEXT)
    assert conn.receive_data(message) == [TextMessage(text)]


def test_a_compression_bomb_closes_with_1009_in_bounded_memory(bomb: bytes) -> None:
    conn = WebSocketConnection(deflate=Deflate())
    message = compressed_message([bomb])
    events, peak = peak_while(lambda: conn.receive_data(message))
    assert violation(conn, events) == 1009
    # The frame itself (~100 KiB), at most one message budget (1 MiB) of inflated data, and
    # the zlib and parser state: nowhere near the 100 MiB the bomb holds.
    assert peak < 4 * MiB, peak


def test_the_inflate_cap_follows_the_message_limit_knob(bomb: bytes) -> None:
    limits = WebSocketLimits(max_message_size=64 * 1024)
    conn = WebSocketConnection(limits, deflate=Deflate())
    events, peak = peak_while(lambda: conn.receive_data(compressed_message([bomb])))
    assert violation(conn, events) == 1009
    assert peak < 1 * MiB, peak


def test_the_inflate_cap_is_per_message_not_per_frame() -> None:
    # Each fragment inflates to 300 KiB, under the 1 MiB cap alone; the fourth takes the
    # message over it.
    conn = WebSocketConnection(deflate=Deflate())
    chunks = deflated_chunks(iter([bytes(300 * 1024)] * 4))
    frames = [frame(BINARY, chunks[0], fin=False, rsv=RSV1)]
    frames += [frame(CONT, chunk, fin=False) for chunk in chunks[1:]]
    assert conn.receive_data(b"".join(frames[:3])) == []
    events, peak = peak_while(lambda: conn.receive_data(frames[3]))
    assert violation(conn, events) == 1009
    assert peak < 4 * MiB, peak


def test_the_inflate_cap_per_frame_follows_the_frame_limit() -> None:
    limits = WebSocketLimits(max_message_size=MiB, max_frame_size=64 * 1024)
    conn = WebSocketConnection(limits, deflate=Deflate())
    # 100 KiB inflated in one small frame: over the frame limit once inflated.
    message = compressed_message(deflated_chunks(iter([bytes(100 * 1024)])))
    assert violation(conn, conn.receive_data(message)) == 1009


def test_rsv1_without_negotiated_deflate_is_a_protocol_error() -> None:
    conn = WebSocketConnection()
    message = compressed_message(deflated_chunks(iter([b"hello"])), TEXT)
    assert violation(conn, conn.receive_data(message)) == 1002


def test_data_that_does_not_inflate_is_a_protocol_error() -> None:
    conn = WebSocketConnection(deflate=Deflate())
    assert violation(conn, conn.receive_data(frame(BINARY, b"\xff" * 40, rsv=RSV1))) == 1002
