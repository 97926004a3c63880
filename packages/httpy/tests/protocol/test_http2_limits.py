"""Every HTTP/2 limit under attack: streams, header lists, bodies, resets, floods, frame sizes.

Attacks run against a fake clock, so "per window" limits are tested without waiting, and
memory is checked with tracemalloc where the attack is about memory.
"""

from __future__ import annotations

import tracemalloc

import pytest
from h2.errors import ErrorCodes
from http2_wire import (
    RawClient,
    connection_error,
    frames_of,
    goaway_of,
    of_type,
    open_server,
    raw_frame,
    request_headers,
    resets_of,
    window_updates_of,
)
from hyperframe.frame import ContinuationFrame, HeadersFrame, RstStreamFrame

from httpy.protocol import HTTP2Limits
from httpy.protocol.events import ProtocolError, RequestData, RequestEnded, RequestReceived
from httpy.protocol.http2_guard import BLOCKS_PER_RUN
from httpy.protocol.http2_limits import RateWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_streams_over_the_limit_are_refused_one_by_one() -> None:
    server = open_server(HTTP2Limits(max_concurrent_streams=2))
    client = RawClient()
    events = server.receive_data(
        client.headers(1) + client.headers(3) + client.headers(5) + client.headers(7)
    )
    assert [e.stream_id for e in of_type(events, RequestReceived)] == [1, 3]
    assert resets_of(server.data_to_send()) == {
        5: ErrorCodes.REFUSED_STREAM,
        7: ErrorCodes.REFUSED_STREAM,
    }
    assert not server.is_closed
    # Once a stream finishes, a new one is accepted.
    server.send_head(1, 200, [], end_stream=True)
    events = server.receive_data(client.headers(9))
    assert [e.stream_id for e in of_type(events, RequestReceived)] == [9]


def test_many_streams_over_the_limit_in_one_read_are_refused_not_fatal() -> None:
    # h2 counts the streams of one call before the server can refuse any: the guard must
    # cut a long read into runs small enough that h2 never ends the connection itself.
    server = open_server(HTTP2Limits(max_concurrent_streams=2, max_resets=10_000))
    client = RawClient()
    stream_ids = list(range(1, 2 * (2 + 3 * BLOCKS_PER_RUN), 2))
    events = server.receive_data(b"".join(client.headers(i) for i in stream_ids))
    assert [e.stream_id for e in of_type(events, RequestReceived)] == stream_ids[:2]
    assert not server.is_closed
    assert resets_of(server.data_to_send()) == dict.fromkeys(
        stream_ids[2:], ErrorCodes.REFUSED_STREAM
    )


def test_data_for_a_refused_stream_is_dropped_and_its_window_returned() -> None:
    limits = HTTP2Limits(max_concurrent_streams=1, connection_window_size=65_535)
    server = open_server(limits)
    client = RawClient()
    server.receive_data(client.headers(1))
    events = server.receive_data(
        client.headers(3, end_stream=False) + client.data(3, b"x" * 16_000) * 3
    )
    assert events == []
    sent = server.data_to_send()
    # REFUSED_STREAM, then (from h2) STREAM_CLOSED for each DATA frame already in flight.
    resets = [f for f in frames_of(sent) if isinstance(f, RstStreamFrame)]
    assert [(f.stream_id, f.error_code) for f in resets][:1] == [(3, ErrorCodes.REFUSED_STREAM)]
    assert sum(increment for stream, increment in window_updates_of(sent) if stream == 0) == 48_000


def test_a_header_list_over_the_size_limit_is_answered_431() -> None:
    server = open_server(HTTP2Limits(max_header_list_size=1000))
    big = request_headers(b"GET", b"/", (b"x-big", b"v" * 1000))
    events = server.receive_data(RawClient().headers(1, big))
    assert events == [ProtocolError(431, "header list over 1000 bytes", 1)]
    server.send_head(1, 431, [], end_stream=True)
    assert not server.is_closed


def test_too_many_header_fields_are_answered_431() -> None:
    server = open_server(HTTP2Limits(max_header_count=10))
    fields = [(f"x-{i}".encode(), b"1") for i in range(7)]
    events = server.receive_data(RawClient().headers(1, request_headers(b"GET", b"/", *fields)))
    assert events == [ProtocolError(431, "more than 10 header fields", 1)]


def test_a_header_list_four_times_over_ends_the_connection() -> None:
    # An HPACK bomb: small on the wire, huge decoded. The decoder stops it, not our count.
    server = open_server(HTTP2Limits(max_header_list_size=1000))
    client = RawClient()
    seed = request_headers(b"GET", b"/", (b"x-seed", b"s" * 900))
    server.receive_data(client.headers(1, seed))
    bomb = request_headers(b"GET", b"/", *[(b"x-seed", b"s" * 900)] * 8)
    events = server.receive_data(client.headers(3, bomb))
    assert connection_error(events).status == 400
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.ENHANCE_YOUR_CALM


def test_a_content_length_over_the_body_limit_is_answered_413_at_once() -> None:
    server = open_server(HTTP2Limits(max_body_size=100))
    headers = request_headers(b"POST", b"/", (b"content-length", b"101"))
    events = server.receive_data(RawClient().headers(1, headers, end_stream=False))
    assert events == [ProtocolError(413, "body over 100 bytes", 1)]


def test_data_past_the_body_limit_is_answered_413_and_dropped() -> None:
    limits = HTTP2Limits(max_body_size=100, connection_window_size=65_535)
    server = open_server(limits)
    client = RawClient()
    events = server.receive_data(
        client.headers(1, request_headers(b"POST"), end_stream=False)
        + client.data(1, b"a" * 60)
        + client.data(1, b"b" * 60)
        + client.data(1, b"c" * 16_000) * 2
        + client.data(1, b"d" * 16_000, end_stream=True)
    )
    assert events[1:] == [RequestData(b"a" * 60, 1), ProtocolError(413, "body over 100 bytes", 1)]
    assert RequestEnded(1) not in events
    # Nobody will read any of it, the 60 bytes the handler got included: all of it goes
    # back to the connection window (h2 sends it once half the window is used).
    assert window_updates_of(server.data_to_send()) == [(0, 48_120)]
    server.acknowledge_received(1, 60)  # the handler's late acknowledgement changes nothing
    assert server.data_to_send() == b""


def test_rapid_reset_ends_the_connection() -> None:
    clock = Clock()
    server = open_server(HTTP2Limits(max_resets=10, reset_window=1.0), clock=clock)
    client = RawClient()
    attack = b"".join(client.headers(i) + client.rst(i) for i in range(1, 200, 2))
    events = server.receive_data(attack)
    assert connection_error(events).status == 429
    # The 11th reset tripped it: only 11 requests were ever seen.
    assert len(of_type(events, RequestReceived)) == 11
    goaway = goaway_of(server.data_to_send())
    assert (goaway.error_code, goaway.last_stream_id) == (ErrorCodes.ENHANCE_YOUR_CALM, 21)
    assert server.is_closed
    assert server.receive_data(client.headers(301)) == []


def test_resets_spread_over_time_are_fine() -> None:
    clock = Clock()
    server = open_server(HTTP2Limits(max_resets=10, reset_window=1.0), clock=clock)
    client = RawClient()
    for i in range(1, 100, 2):
        clock.now += 0.2  # five per second: under ten per second
        events = server.receive_data(client.headers(i) + client.rst(i))
        assert not of_type(events, ProtocolError)


def test_refused_streams_count_as_resets() -> None:
    clock = Clock()
    limits = HTTP2Limits(max_concurrent_streams=1, max_resets=5, reset_window=10.0)
    server = open_server(limits, clock=clock)
    client = RawClient()
    events = server.receive_data(b"".join(client.headers(i) for i in range(1, 30, 2)))
    assert connection_error(events).reason == "too many streams reset"
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.ENHANCE_YOUR_CALM


def test_rejected_streams_count_as_resets() -> None:
    # MadeYouReset (CVE-2025-8671) turns the server's own stream errors into the attack.
    server = open_server(HTTP2Limits(max_resets=3, reset_window=10.0), clock=Clock())
    client = RawClient()
    bad = request_headers(b"GET", b"no-slash")
    events = server.receive_data(b"".join(client.headers(i, bad) for i in (1, 3, 5, 7)))
    assert [e.stream_id for e in of_type(events, ProtocolError)] == [1, 3, 5, 7, 0]
    assert connection_error(events).reason == "too many streams reset"


def test_a_continuation_flood_ends_the_connection_before_it_is_buffered() -> None:
    limits = HTTP2Limits(max_header_block=32 * 1024)
    server = open_server(limits)
    first = HeadersFrame(1)
    first.data = RawClient().encoder.encode(request_headers())
    continuation = ContinuationFrame(1)
    continuation.data = b"\x00" * 16_000  # literal fields, never ended
    chunks = [first.serialize()] + [continuation.serialize()] * 640  # 10 MB offered
    events = []
    tracemalloc.start()
    try:
        for chunk in chunks:
            events += server.receive_data(chunk)
            buffered = sum(len(f.data) for f in server._h2.incoming_buffer._headers_buffer)
            assert buffered <= limits.max_header_block
            if events:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    error = connection_error(events)
    assert (error.status, error.reason) == (431, "header block over 32768 bytes")
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.ENHANCE_YOUR_CALM
    # h2 alone would hold 64 frames (1 MB) before giving up.
    assert peak < 200_000
    assert server.receive_data(continuation.serialize()) == []


def test_a_header_block_under_the_cap_in_several_frames_is_fine() -> None:
    server = open_server()
    block = RawClient().encoder.encode(request_headers(b"GET", b"/", (b"x-a", b"a" * 5000)))
    first = HeadersFrame(1, block[:100])
    first.flags.add("END_STREAM")
    middle = ContinuationFrame(1, block[100:3000])
    last = ContinuationFrame(1, block[3000:])
    last.flags.add("END_HEADERS")
    events = server.receive_data(first.serialize() + middle.serialize() + last.serialize())
    assert [type(e) for e in events] == [RequestReceived, RequestEnded]


@pytest.mark.parametrize(
    "flood",
    [
        RawClient.ping(),
        RawClient.settings(),
        raw_frame(0x2, 0, 1, b"\x00\x00\x00\x00\x10"),  # PRIORITY
        RawClient.window_update(0, 1),
        raw_frame(0xA, 0, 0, b"\x00\x00"),  # ALTSVC, ignored by servers
        raw_frame(0xEE, 0, 0, b"junk"),  # unknown type
    ],
    ids=["ping", "settings", "priority", "window-update", "altsvc", "unknown"],
)
def test_control_frame_floods_end_the_connection(flood: bytes) -> None:
    clock = Clock()
    limits = HTTP2Limits(max_control_frames=50, control_window=1.0)
    server = open_server(limits, clock=clock)
    # The client's first SETTINGS counted as one.
    events = server.receive_data(flood * 49)
    assert not of_type(events, ProtocolError)
    server.data_to_send()
    clock.now += 1.5  # a new window: 50 more are fine
    assert not of_type(server.receive_data(flood * 50), ProtocolError)
    events = server.receive_data(flood * 1)
    assert connection_error(events).reason == "control frame flood"
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.ENHANCE_YOUR_CALM


def test_an_empty_data_flood_ends_the_connection() -> None:
    server = open_server(HTTP2Limits(max_control_frames=20))
    client = RawClient()
    server.receive_data(client.headers(1, request_headers(b"POST"), end_stream=False))
    events = server.receive_data(client.data(1, b"") * 21)
    assert connection_error(events).reason == "control frame flood"


def test_window_updates_that_answer_our_data_are_not_a_flood() -> None:
    server = open_server(HTTP2Limits(max_control_frames=10))
    client = RawClient()
    server.receive_data(client.headers(1))
    server.send_head(1, 200, [])
    for _ in range(40):
        assert server.send_data(1, b"z" * 1000) == 1000
        # A client that hands back every frame: one update for the stream, one for the link.
        events = server.receive_data(client.window_update(1, 1000) + client.window_update(0, 1000))
        assert not of_type(events, ProtocolError)


def test_a_frame_over_the_max_size_ends_the_connection_at_its_header() -> None:
    server = open_server()
    header = (20_000).to_bytes(3) + bytes([0x0, 0x0]) + (1).to_bytes(4)
    events = server.receive_data(header)  # the payload never needs to arrive
    assert connection_error(events).reason == "frame of 20000 bytes, over the 16384 advertised"
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.FRAME_SIZE_ERROR


def test_a_larger_max_frame_size_is_advertised_and_accepted() -> None:
    server = open_server(HTTP2Limits(max_frame_size=65_536))
    client = RawClient()
    server.receive_data(client.headers(1, request_headers(b"POST"), end_stream=False))
    events = server.receive_data(client.data(1, b"q" * 60_000, end_stream=True))
    assert of_type(events, RequestData) == [RequestData(b"q" * 60_000, 1)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_concurrent_streams": 0},
        {"max_header_list_size": 0},
        {"max_body_size": -1},
        {"initial_window_size": 0},
        {"initial_window_size": 2**31},
        {"connection_window_size": 1000},
        {"max_frame_size": 1000},
        {"max_frame_size": 2**24},
        {"reset_window": 0},
        {"control_window": -1.0},
        {"max_header_block": 0},
    ],
)
def test_limits_out_of_range_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        HTTP2Limits(**kwargs)  # type: ignore[arg-type]


def test_rate_window_counts_only_the_last_window() -> None:
    clock = Clock()
    window = RateWindow(3, 1.0, clock)
    assert [window.hit() for _ in range(4)] == [False, False, False, True]
    clock.now += 1.0
    assert [window.hit() for _ in range(3)] == [False, False, False]
