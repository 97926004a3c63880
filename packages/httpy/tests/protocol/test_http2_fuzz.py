"""Fuzzing `HTTP2Connection`: random and mutated byte streams, split at random points.

Whatever arrives, ``receive_data`` returns events and never raises, never reports a fault of
its own (an "internal error"), keeps its buffers under the limits, and sends back at most a
few times what it received. Hypothesis runs derandomized, so CI sees the same examples.
"""

from __future__ import annotations

from typing import Any

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from http2_wire import (
    EMPTY_SETTINGS,
    PREFACE,
    RawClient,
    open_server,
    raw_frame,
    request_headers,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httpy.protocol import HTTP2Connection, HTTP2Limits
from httpy.protocol.events import (
    ConnectionTerminated,
    PriorityUpdated,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
    StreamReset,
    WindowOpened,
)

EVENT_TYPES = (
    RequestReceived,
    RequestData,
    RequestEnded,
    RequestTrailers,
    ProtocolError,
    StreamReset,
    WindowOpened,
    ConnectionTerminated,
    PriorityUpdated,
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LIMITS = HTTP2Limits(max_concurrent_streams=5, max_resets=20, max_control_frames=50)


def _valid_session() -> bytes:
    """What a busy h2 client sends: requests, bodies, trailers, resets, pings, settings,
    a PRIORITY_UPDATE and a GOAWAY (after which the connection still reads)."""
    client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
    client.initiate_connection()
    client.send_headers(1, request_headers(b"GET", b"/a", (b"priority", b"u=1")), end_stream=True)
    client.send_headers(3, request_headers(b"POST", b"/b", (b"content-length", b"11")))
    client.send_data(3, b"hello world", end_stream=True)
    client.send_headers(5, request_headers(b"PUT", b"/c"))
    client.send_data(5, b"x" * 3000, pad_length=17)
    client.send_headers(5, [(b"x-trailer", b"1")], end_stream=True)
    client.send_headers(7, request_headers(b"GET", b"/d"))
    client.reset_stream(7, ErrorCodes.CANCEL)
    client.ping(b"pingpong")
    client.increment_flow_control_window(1000)
    client.update_settings({4: 100_000})
    client.send_headers(9, request_headers(b"DELETE", b"/e"), end_stream=True)
    priority_update = raw_frame(0x10, 0, 0, (9).to_bytes(4) + b"u=6, i")
    goaway = raw_frame(0x7, 0, 0, (0).to_bytes(4) + (0).to_bytes(4) + b"closing")
    return client.data_to_send() + priority_update + goaway + RawClient.ping()


VALID = _valid_session()


def _feed_all(server: HTTP2Connection, pieces: list[bytes]) -> list[Any]:
    events: list[Any] = []
    received = sent = 0
    for piece in pieces:
        new = server.receive_data(piece)
        events += new
        received += len(piece)
        out = server.data_to_send()
        sent += len(out)
        assert all(isinstance(e, EVENT_TYPES) for e in new), new
        # Buffers stay under the limits whatever the input: at most one partial frame in
        # h2, one partial header in the guard, one header block under its cap.
        buffer = server._h2.incoming_buffer
        assert len(buffer._data) <= LIMITS.max_frame_size + 9
        assert sum(len(f.data) for f in buffer._headers_buffer) <= LIMITS.max_header_block
        assert len(server._guard._header) < 9
        assert server.open_streams <= LIMITS.max_concurrent_streams + 1
    # Replies (ACKs, resets, updates, the preface) stay proportional to what came in.
    assert sent <= 4 * received + 256, (sent, received)
    for event in events:
        if isinstance(event, ProtocolError):
            assert not event.reason.startswith("internal error"), event
    errors = [e for e in events if isinstance(e, ProtocolError) and e.stream_id == 0]
    assert len(errors) <= 1
    if errors:
        assert events[-1] is errors[0]
        assert server.is_closed
    return events


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def _server() -> HTTP2Connection:
    server = HTTP2Connection(LIMITS)
    server.initiate()
    return server


@FUZZ
@given(st.binary(max_size=2000), st.lists(st.integers(min_value=0), max_size=10))
def test_random_bytes_after_the_preface(noise: bytes, cuts: list[int]) -> None:
    server = open_server(LIMITS)
    _feed_all(server, _split(noise, cuts))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_instead_of_the_preface(noise: bytes) -> None:
    _feed_all(_server(), [noise])


@FUZZ
@given(st.lists(st.integers(min_value=0), max_size=30))
def test_a_valid_session_split_anywhere_gives_the_same_events(cuts: list[int]) -> None:
    whole = _feed_all(_server(), [VALID])
    pieces = _feed_all(_server(), _split(VALID, cuts))
    assert _joined(pieces) == _joined(whole)
    assert not any(isinstance(e, ProtocolError) for e in whole)
    assert ConnectionTerminated(0, 0) in whole


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.integers(min_value=0), max_size=8),
)
def test_a_mutated_session_never_raises(edits: list[tuple[int, int]], cuts: list[int]) -> None:
    data = bytearray(VALID)
    for position, value in edits:
        data[len(PREFACE) + position % (len(data) - len(PREFACE))] = value
    _feed_all(_server(), _split(bytes(data), cuts))


@FUZZ
@given(
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=20)), max_size=4),
    st.lists(st.integers(min_value=0), max_size=4),
)
def test_a_session_with_bytes_inserted_or_dropped_never_raises(
    edits: list[tuple[int, bytes]], drops: list[int]
) -> None:
    data = VALID[len(PREFACE) :]
    for position, insert in edits:
        at = position % (len(data) + 1)
        data = data[:at] + insert + data[at:]
    for position in drops:
        at = position % (len(data) + 1)
        data = data[:at] + data[at + 7 :]
    _feed_all(_server(), [PREFACE + EMPTY_SETTINGS, data])


def _joined(events: list[Any]) -> list[Any]:
    """Adjacent RequestData of one stream joined: how a body is cut depends on the reads."""
    out: list[Any] = []
    for event in events:
        if isinstance(event, WindowOpened):
            continue
        last = out[-1] if out else None
        if (
            isinstance(event, RequestData)
            and isinstance(last, RequestData)
            and last.stream_id == event.stream_id
        ):
            out[-1] = RequestData(last.data + event.data, event.stream_id)
            continue
        out.append(event)
    return out
