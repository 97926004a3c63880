"""Fuzzing `WebSocketConnection`: random and mutated frame streams, split at random points.

Whatever arrives, ``receive_data`` returns typed events and never raises, never reports a
fault of its own (1011), keeps its input buffer within one frame plus the last chunk, sends
only well-formed frames, and reports nothing after it closed. Hypothesis runs derandomized,
so CI sees the same examples.
"""

from __future__ import annotations

import zlib
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from websocket_wire import BINARY, CLOSE, CONT, PING, PONG, TEXT, frame, read_frames

from httpy.protocol import (
    BytesMessage,
    CloseReceived,
    Deflate,
    Ping,
    Pong,
    ProtocolViolation,
    TextMessage,
    WebSocketConnection,
    WebSocketLimits,
)

EVENT_TYPES = (TextMessage, BytesMessage, Ping, Pong, CloseReceived, ProtocolViolation)
LIMITS = WebSocketLimits(max_message_size=4096, max_frame_size=1024)
HEADER_MAX = 14  # 2 bytes, 8 of extended length, 4 of mask
FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

payloads = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=100).map(str.encode),
    st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x03\xe8", b"\x03"]),
)
# Anything a frame header can say, most of it wrong.
any_frames = st.builds(
    frame,
    st.sampled_from([TEXT, BINARY, CONT, PING, PONG, CLOSE, 3, 0xB]),
    payloads,
    fin=st.booleans(),
    rsv=st.sampled_from([0, 0, 0, 4, 1]),
    masked=st.sampled_from([True, True, True, False]),
)
controls = st.one_of(
    st.builds(frame, st.sampled_from([PING, PONG]), st.binary(max_size=125)),
    st.just(frame(CLOSE, b"\x03\xe8bye")),
)


@st.composite
def messages(draw: st.DrawFn, *, deflate: bool) -> bytes:
    """One valid message, perhaps compressed, in fragments with control frames between."""
    text = draw(st.booleans())
    # Zeros reach the limits: over a frame, over a message, or (compressed) a small bomb.
    binary = st.one_of(st.binary(max_size=300), st.integers(0, 6000).map(bytes))
    data = draw(st.text(max_size=300).map(str.encode) if text else binary)
    rsv = 0
    if deflate and draw(st.booleans()):
        data = zlib.compress(data, wbits=-15)[:-4]
        rsv = 4
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=4)))
    pieces = [data[a:b] for a, b in pairwise([0, *cuts, len(data)])]
    out = b""
    for i, piece in enumerate(pieces):
        opcode = CONT if i else (TEXT if text else BINARY)
        out += frame(opcode, piece, fin=i == len(pieces) - 1, rsv=0 if i else rsv)
        if draw(st.integers(0, 3)) == 0:
            out += draw(controls)
    return out


@st.composite
def streams(draw: st.DrawFn, *, deflate: bool = False) -> tuple[bytes, list[int]]:
    """A frame stream, mostly valid, perhaps mutated, and where to cut it into reads."""
    valid = messages(deflate=deflate)
    parts = st.one_of(valid, valid, valid, valid, controls, any_frames)
    data = bytearray(b"".join(draw(st.lists(parts, max_size=12))))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["flip", "insert", "delete"])):
            case "flip":
                data[at] ^= 1 << draw(st.integers(0, 7))
            case "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            case _:
                del data[at]
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    return bytes(data), cuts


def check(conn: WebSocketConnection, data: bytes, cuts: list[int]) -> None:
    closed_at = None
    bounds = [0, *cuts, len(data)]
    for i, (start, end) in enumerate(pairwise(bounds)):
        chunk = data[start:end]
        events = conn.receive_data(chunk)
        assert all(isinstance(event, EVENT_TYPES) for event in events), events
        for event in events:
            # Shown by --hypothesis-show-statistics: the fuzz reaches every kind of event.
            note_event(
                type(event).__name__
                + (f" {event.code}" if isinstance(event, ProtocolViolation) else "")
            )
        if closed_at is not None:
            assert events == [], "events after the connection closed"
        ends = [e for e in events if isinstance(e, (CloseReceived, ProtocolViolation))]
        assert len(ends) <= 1
        if ends:
            assert events[-1] is ends[0], "events after a close or a violation"
            assert conn.closed
            closed_at = i
        for event in events:
            if isinstance(event, ProtocolViolation):
                assert event.code in (1002, 1007, 1009), event
        assert conn.buffered <= LIMITS.max_frame_size + HEADER_MAX + len(chunk)
        read_frames(conn.data_to_send())  # every byte queued is a well-formed frame
    expected = [] if conn.closed else [CloseReceived(1006, "")]
    assert conn.receive_eof() == expected


@FUZZ
@given(st.binary(max_size=2000), st.lists(st.integers(0, 2000), max_size=8))
def test_random_bytes(data: bytes, cuts: list[int]) -> None:
    check(WebSocketConnection(LIMITS), data, sorted(min(cut, len(data)) for cut in cuts))


@FUZZ
@given(streams())
def test_mutated_frame_streams(stream: tuple[bytes, list[int]]) -> None:
    check(WebSocketConnection(LIMITS), *stream)


@FUZZ
@given(streams(deflate=True))
def test_mutated_frame_streams_with_permessage_deflate(stream: tuple[bytes, list[int]]) -> None:
    check(WebSocketConnection(LIMITS, deflate=Deflate()), *stream)
