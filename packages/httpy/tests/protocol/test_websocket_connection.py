"""`WebSocketConnection`'s own API: what the application sends, the closing handshake's states,
the end of the stream, and the local mistakes it refuses."""

from __future__ import annotations

import pytest
from websocket_wire import BINARY, CLOSE, PING, PONG, TEXT, close_frame, frame, read_frames
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side

from httpy.protocol import (
    CloseReceived,
    WebSocketClosedError,
    WebSocketConnection,
    WebSocketLimits,
    WebSocketState,
)


def state_of(conn: WebSocketConnection) -> WebSocketState:
    return conn.state


def test_sends_are_queued_in_order_and_drained_once() -> None:
    conn = WebSocketConnection()
    conn.send_text("héllo")
    conn.send_bytes(b"\x00" * 200)
    conn.send_ping(b"are you there")
    conn.send_pong(b"unsolicited")
    assert read_frames(conn.data_to_send()) == [
        (True, 0, TEXT, "héllo".encode()),
        (True, 0, BINARY, b"\x00" * 200),
        (True, 0, PING, b"are you there"),
        (True, 0, PONG, b"unsolicited"),
    ]
    assert conn.data_to_send() == b""


@pytest.mark.parametrize("length", [0, 125, 126, 65_535, 65_536, 70_000])
def test_every_length_encoding_is_framed_right(length: int) -> None:
    # Each boundary of RFC 6455 §5.2's 7-bit, 16-bit and 64-bit lengths, checked by hand and
    # by an independent parser (websockets' client side).
    conn = WebSocketConnection()
    conn.send_bytes(b"b" * length)
    conn.send_text("t" * length)
    data = conn.data_to_send()
    assert read_frames(data) == [(True, 0, BINARY, b"b" * length), (True, 0, TEXT, b"t" * length)]
    client = Protocol(Side.CLIENT, max_size=None)
    client.receive_data(data)
    frames = client.events_received()
    assert [(f.opcode, bytes(f.data)) for f in frames if isinstance(f, Frame)] == [
        (Opcode.BINARY, b"b" * length),
        (Opcode.TEXT, b"t" * length),
    ]


def test_our_close_then_the_peers_close_completes_the_handshake() -> None:
    conn = WebSocketConnection()
    conn.close(1001, "going away")
    sent = read_frames(conn.data_to_send())
    assert sent == [(True, 0, CLOSE, b"\x03\xe9going away")]
    # Read through a function: mypy would keep its narrowing of the properties otherwise.
    assert state_of(conn) is WebSocketState.CLOSING
    conn.close()  # idempotent while closing
    assert conn.data_to_send() == b""
    with pytest.raises(WebSocketClosedError):
        conn.send_text("too late")
    conn.send_ping(b"still allowed while closing")
    assert read_frames(conn.data_to_send())[0].opcode == PING
    assert conn.receive_data(close_frame(1001)) == [CloseReceived(1001, "")]
    assert state_of(conn) is WebSocketState.CLOSED
    assert conn.closed
    with pytest.raises(WebSocketClosedError):
        conn.send_ping()


def test_the_end_of_the_stream_without_a_close_is_1006() -> None:
    conn = WebSocketConnection()
    assert conn.receive_data(frame(TEXT, b"partial")[:4]) == []
    assert conn.receive_eof() == [CloseReceived(1006, "")]
    assert conn.closed
    assert conn.receive_eof() == []
    assert conn.receive_data(frame(TEXT, b"x")) == []


def test_the_end_of_the_stream_after_a_close_reports_nothing_more() -> None:
    conn = WebSocketConnection()
    conn.receive_data(close_frame(1000))
    assert conn.receive_eof() == []


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 2000, 5000])
def test_close_refuses_a_code_that_may_not_be_sent(code: int) -> None:
    conn = WebSocketConnection()
    with pytest.raises(ValueError, match="may not be sent"):
        conn.close(code)
    assert conn.state is WebSocketState.OPEN


def test_close_refuses_a_reason_longer_than_a_control_frame_holds() -> None:
    conn = WebSocketConnection()
    conn.close(1000, "é" * 61)  # 122 bytes: fits
    with pytest.raises(ValueError, match="123 bytes"):
        WebSocketConnection().close(1000, "r" * 124)


def test_a_ping_payload_over_125_bytes_is_refused() -> None:
    conn = WebSocketConnection()
    with pytest.raises(ValueError, match="125 bytes"):
        conn.send_ping(b"x" * 126)
    with pytest.raises(ValueError, match="125 bytes"):
        conn.send_pong(b"x" * 126)


def test_limits_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="max_frame_size"):
        WebSocketLimits(max_frame_size=124)
    with pytest.raises(ValueError, match="max_message_size"):
        WebSocketLimits(max_message_size=0)
