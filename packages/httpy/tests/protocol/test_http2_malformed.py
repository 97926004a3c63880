"""Malformed HTTP/2 input: each fault is one typed event and the right GOAWAY, never a raise.

h2 treats malformed requests (bad pseudo-headers, upper-case names, connection-specific
fields) as connection errors; RFC 9113 §5.4.1 lets any stream error be one, so these end the
connection with PROTOCOL_ERROR rather than one stream.
"""

from __future__ import annotations

import pytest
from h2.errors import ErrorCodes
from http2_wire import (
    EMPTY_SETTINGS,
    PREFACE,
    RawClient,
    connection_error,
    flags,
    goaway_of,
    open_server,
    raw_frame,
    request_headers,
)

from httpy.protocol import HTTP2Connection, HTTP2Limits

_client = RawClient()
_GET = request_headers()
PROTOCOL_ERROR = ErrorCodes.PROTOCOL_ERROR
FRAME_SIZE_ERROR = ErrorCodes.FRAME_SIZE_ERROR


def _headers(headers: list[tuple[bytes, bytes]], *, end_stream: bool = True) -> bytes:
    # A fresh encoder each time: these blocks never share a connection's dynamic table.
    return RawClient().headers(1, headers, end_stream=end_stream)


def _settings(*pairs: tuple[int, int]) -> bytes:
    payload = b"".join(code.to_bytes(2) + value.to_bytes(4) for code, value in pairs)
    return raw_frame(0x4, 0, 0, payload)


MALFORMED = {
    # Frames with a length their type does not allow.
    "ping-7-bytes": (raw_frame(0x6, 0, 0, b"1234567"), FRAME_SIZE_ERROR),
    "settings-5-bytes": (raw_frame(0x4, 0, 0, b"12345"), FRAME_SIZE_ERROR),
    "window-update-3-bytes": (raw_frame(0x8, 0, 0, b"\x00\x00\x01"), FRAME_SIZE_ERROR),
    "rst-stream-3-bytes": (
        _headers(_GET) + raw_frame(0x3, 0, 1, b"\x00\x00\x08"),
        FRAME_SIZE_ERROR,
    ),
    "goaway-4-bytes": (raw_frame(0x7, 0, 0, b"\x00\x00\x00\x00"), FRAME_SIZE_ERROR),
    # RFC 9113 says FRAME_SIZE_ERROR; h2 says PROTOCOL_ERROR. Either ends the connection.
    "settings-ack-with-payload": (
        raw_frame(0x4, 0x1, 0, b"\x00\x01\x00\x00\x00\x01"),
        PROTOCOL_ERROR,
    ),
    # Frames on stream 0 that belong to a stream, and the other way round.
    "data-on-stream-0": (raw_frame(0x0, 0, 0, b"x"), PROTOCOL_ERROR),
    "headers-on-stream-0": (raw_frame(0x1, 0x5, 0, b"\x82"), PROTOCOL_ERROR),
    "rst-on-stream-0": (raw_frame(0x3, 0, 0, b"\x00\x00\x00\x08"), PROTOCOL_ERROR),
    "settings-on-a-stream": (raw_frame(0x4, 0, 1), PROTOCOL_ERROR),
    "ping-on-a-stream": (raw_frame(0x6, 0, 1, b"12345678"), PROTOCOL_ERROR),
    "goaway-on-a-stream": (raw_frame(0x7, 0, 1, b"\x00" * 8), PROTOCOL_ERROR),
    "priority-update-on-a-stream": (raw_frame(0x10, 0, 1, b"\x00\x00\x00\x01u=1"), PROTOCOL_ERROR),
    "priority-update-for-stream-0": (raw_frame(0x10, 0, 0, b"\x00\x00\x00\x00u=1"), PROTOCOL_ERROR),
    # Streams used in the wrong state or by the wrong side.
    "data-on-an-idle-stream": (_client.data(1, b"x"), PROTOCOL_ERROR),
    "headers-on-an-even-stream": (RawClient().headers(2, _GET), PROTOCOL_ERROR),
    "continuation-without-headers": (raw_frame(0x9, 0x4, 1, b"\x82"), PROTOCOL_ERROR),
    "headers-interrupted": (
        _headers(_GET).replace(b"\x01\x05", b"\x01\x01", 1) + _client.ping(),
        PROTOCOL_ERROR,
    ),
    "push-promise-from-a-client": (
        _headers(_GET, end_stream=False) + raw_frame(0x5, 0x4, 1, b"\x00\x00\x00\x02\x82"),
        PROTOCOL_ERROR,
    ),
    "window-update-of-0": (_client.window_update(0, 1)[:-1] + b"\x00", PROTOCOL_ERROR),
    "window-over-2-31": (_client.window_update(0, 2**31 - 1), ErrorCodes.FLOW_CONTROL_ERROR),
    # Settings out of range.
    "enable-push-2": (_settings((0x2, 2)), PROTOCOL_ERROR),
    "initial-window-2-31": (_settings((0x4, 2**31)), ErrorCodes.FLOW_CONTROL_ERROR),
    "max-frame-size-too-small": (_settings((0x5, 1000)), PROTOCOL_ERROR),
    # Header blocks h2 decodes and refuses.
    "bad-hpack": (raw_frame(0x1, 0x5, 1, b"\xff\xff\xff\xff\xff"), PROTOCOL_ERROR),
    "missing-path": (_headers(_GET[:3]), PROTOCOL_ERROR),
    "duplicate-method": (_headers([(b":method", b"GET"), *_GET]), PROTOCOL_ERROR),
    "unknown-pseudo-header": (_headers([*_GET, (b":foo", b"bar")]), PROTOCOL_ERROR),
    "pseudo-header-after-a-field": (_headers([*_GET[:3], (b"a", b"b"), _GET[3]]), PROTOCOL_ERROR),
    "status-in-a-request": (_headers([*_GET, (b":status", b"200")]), PROTOCOL_ERROR),
    "uppercase-name": (_headers([*_GET, (b"X-Upper", b"1")]), PROTOCOL_ERROR),
    "connection-header": (_headers([*_GET, (b"connection", b"keep-alive")]), PROTOCOL_ERROR),
    "transfer-encoding": (_headers([*_GET, (b"transfer-encoding", b"chunked")]), PROTOCOL_ERROR),
    "te-gzip": (_headers([*_GET, (b"te", b"gzip")]), PROTOCOL_ERROR),
    "newline-in-a-value": (_headers([*_GET, (b"x", b"a\nb")]), PROTOCOL_ERROR),
    "empty-path": (_headers([*_GET[:3], (b":path", b"")]), PROTOCOL_ERROR),
    "bad-content-length": (_headers([*_GET, (b"content-length", b"1e3")]), PROTOCOL_ERROR),
    "body-longer-than-content-length": (
        _headers([*_GET, (b"content-length", b"2")], end_stream=False)
        + _client.data(1, b"abc", end_stream=True),
        PROTOCOL_ERROR,
    ),
}


@pytest.mark.parametrize(("data", "code"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_one_typed_error_and_goaway(data: bytes, code: int) -> None:
    server = open_server()
    events = server.receive_data(data)
    error = connection_error(events)
    assert error.reason
    assert goaway_of(server.data_to_send()).error_code == code
    assert flags(server) == {"is_closed", "should_close"}
    assert server.receive_data(_client.ping()) == []
    assert server.data_to_send() == b""


def test_data_beyond_the_window_is_a_flow_control_error() -> None:
    server = open_server(HTTP2Limits(initial_window_size=65_535, connection_window_size=65_535))
    client = RawClient()
    server.receive_data(client.headers(1, request_headers(b"POST"), end_stream=False))
    flood = client.data(1, b"w" * 16_384) * 5  # 81 920 bytes, the initial window is 65 535
    events = server.receive_data(flood)
    connection_error(events)
    assert goaway_of(server.data_to_send()).error_code == ErrorCodes.FLOW_CONTROL_ERROR


def test_a_wrong_preface_is_a_typed_error() -> None:
    server = HTTP2Connection()
    server.initiate()
    server.data_to_send()
    events = server.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert connection_error(events).reason == "Invalid HTTP/2 preamble."
    assert goaway_of(server.data_to_send()).error_code == PROTOCOL_ERROR


def test_the_preface_split_byte_by_byte_is_fine() -> None:
    server = HTTP2Connection()
    server.initiate()
    data = PREFACE + EMPTY_SETTINGS + RawClient().headers(1)
    events = []
    for i in range(len(data)):
        events += server.receive_data(data[i : i + 1])
    assert [type(e).__name__ for e in events] == ["RequestReceived", "RequestEnded"]
