"""RFC 6455 strictness, case by case, with frames built by hand; the cases follow the
Autobahn testsuite's sections (2 ping/pong, 3 reserved bits, 4 opcodes, 5 fragmentation,
6 UTF-8, 7 close), whose runner needs Python 2, so they are written here instead."""

from __future__ import annotations

import pytest
from websocket_wire import (
    BINARY,
    CLOSE,
    CONT,
    PING,
    PONG,
    TEXT,
    close_frame,
    frame,
    read_frames,
    violation,
)

from httpy.protocol import (
    BytesMessage,
    CloseReceived,
    Ping,
    Pong,
    TextMessage,
    WebSocketConnection,
    WebSocketEvent,
    WebSocketState,
)


def feed(
    conn: WebSocketConnection, *chunks: bytes, one_by_one: bool = False
) -> list[WebSocketEvent]:
    data = b"".join(chunks)
    if not one_by_one:
        return conn.receive_data(data)
    events: list[WebSocketEvent] = []
    for i in range(len(data)):
        events += conn.receive_data(data[i : i + 1])
    return events


# --- 2: ping and pong ---------------------------------------------------------------------


@pytest.mark.parametrize("payload", [b"", b"hello", bytes(range(256))[:125], b"\x00\xff" * 8])
def test_a_ping_is_answered_with_a_pong_of_the_same_payload(payload: bytes) -> None:
    conn = WebSocketConnection()
    assert feed(conn, frame(PING, payload)) == [Ping(payload)]
    assert read_frames(conn.data_to_send()) == [(True, 0, PONG, payload)]


def test_a_ping_sent_byte_by_byte_is_answered_once() -> None:
    conn = WebSocketConnection()
    assert feed(conn, frame(PING, b"x" * 125), one_by_one=True) == [Ping(b"x" * 125)]
    assert read_frames(conn.data_to_send()) == [(True, 0, PONG, b"x" * 125)]


def test_ten_pings_get_ten_pongs_in_order() -> None:
    conn = WebSocketConnection()
    pings = [str(i).encode() for i in range(10)]
    assert feed(conn, *(frame(PING, p) for p in pings)) == [Ping(p) for p in pings]
    assert [f.payload for f in read_frames(conn.data_to_send())] == pings


def test_an_unsolicited_pong_is_reported_and_not_answered() -> None:
    conn = WebSocketConnection()
    assert feed(conn, frame(PONG, b"keep-alive")) == [Pong(b"keep-alive")]
    assert conn.data_to_send() == b""


@pytest.mark.parametrize("opcode", [PING, PONG, CLOSE])
def test_a_control_frame_over_125_bytes_is_a_protocol_error(opcode: int) -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(opcode, b"\x03\xe8" + b"x" * 124))) == 1002


@pytest.mark.parametrize("opcode", [PING, PONG, CLOSE])
def test_a_fragmented_control_frame_is_a_protocol_error(opcode: int) -> None:
    conn = WebSocketConnection()
    events = feed(conn, frame(opcode, b"", fin=False), frame(CONT, b""))
    assert violation(conn, events) == 1002


# --- 3: reserved bits, 4: reserved opcodes -----------------------------------------------------


@pytest.mark.parametrize("rsv", range(1, 8))
@pytest.mark.parametrize("opcode", [TEXT, BINARY, PING])
def test_reserved_bits_without_an_extension_are_a_protocol_error(rsv: int, opcode: int) -> None:
    conn = WebSocketConnection()
    events = feed(conn, frame(TEXT, b"before"), frame(opcode, b"x", rsv=rsv), frame(PING))
    # What came before the bad frame is delivered; what follows it is never read.
    assert events[0] == TextMessage("before")
    assert len(events) == 2
    assert violation(conn, events) == 1002


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_reserved_opcodes_are_a_protocol_error(opcode: int) -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(opcode, b"x"))) == 1002


def test_an_unmasked_client_frame_is_a_protocol_error() -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(TEXT, b"hello", masked=False))) == 1002


# --- 5: fragmentation ----------------------------------------------------------------------


def test_fragments_are_joined_with_pings_between_them_answered_first() -> None:
    conn = WebSocketConnection()
    chunks = [
        frame(TEXT, b"frag", fin=False),
        frame(PING, b"1"),
        frame(CONT, b"men", fin=False),
        frame(PONG, b"2"),
        frame(CONT, b""),  # an empty final fragment is legal
    ]
    for one_by_one in (False, True):
        conn = WebSocketConnection()
        events = feed(conn, *chunks, one_by_one=one_by_one)
        assert events == [Ping(b"1"), Pong(b"2"), TextMessage("fragmen")]
        assert read_frames(conn.data_to_send()) == [(True, 0, PONG, b"1")]


def test_binary_fragments_are_joined() -> None:
    conn = WebSocketConnection()
    parts = [bytes([i]) * 100 for i in range(20)]
    chunks = [frame(BINARY, parts[0], fin=False)]
    chunks += [frame(CONT, part, fin=False) for part in parts[1:-1]]
    chunks.append(frame(CONT, parts[-1]))
    assert feed(conn, *chunks) == [BytesMessage(b"".join(parts))]


@pytest.mark.parametrize("fin", [True, False])
def test_a_continuation_without_a_start_is_a_protocol_error(fin: bool) -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(CONT, b"orphan", fin=fin))) == 1002


@pytest.mark.parametrize("opcode", [TEXT, BINARY])
def test_a_new_message_before_the_last_one_ended_is_a_protocol_error(opcode: int) -> None:
    conn = WebSocketConnection()
    events = feed(conn, frame(TEXT, b"a", fin=False), frame(opcode, b"b"))
    assert violation(conn, events) == 1002


def test_a_close_between_fragments_closes_and_drops_the_unfinished_message() -> None:
    conn = WebSocketConnection()
    events = feed(conn, frame(TEXT, b"half", fin=False), close_frame(1000))
    assert events == [CloseReceived(1000, "")]
    assert read_frames(conn.data_to_send())[0].close_code == 1000
    assert conn.closed


# --- 6: UTF-8 ---------------------------------------------------------------------------------


def test_text_split_inside_a_character_is_decoded_whole() -> None:
    text = "κόσμε 🌍 ok".encode()
    for cut in range(1, len(text)):
        conn = WebSocketConnection()
        chunks = [frame(TEXT, text[:cut], fin=False), frame(CONT, text[cut:])]
        assert feed(conn, *chunks) == [TextMessage("κόσμε 🌍 ok")]


@pytest.mark.parametrize(
    "payload",
    [
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",  # surrogate
        b"\xc0\xaf",  # overlong "/"
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xff",
        b"abc\xe2\x82",  # truncated at the end of the message
    ],
)
def test_invalid_utf8_in_text_is_1007(payload: bytes) -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(TEXT, payload))) == 1007


def test_invalid_utf8_fails_at_the_fragment_that_holds_it_not_at_the_end() -> None:
    conn = WebSocketConnection()
    # Autobahn 6.4.x: the message is never finished; the server must fail it now.
    events = feed(
        conn, frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90", fin=False)
    )
    assert violation(conn, events) == 1007


def test_invalid_utf8_across_fragments_is_1007() -> None:
    conn = WebSocketConnection()
    assert feed(conn, frame(TEXT, b"ok \xf4", fin=False)) == []
    assert violation(conn, feed(conn, frame(CONT, b"\x90\x80\x80"))) == 1007


def test_invalid_text_followed_by_a_close_in_one_read_fails_with_1007() -> None:
    # The frames after the bad one must not be acted on, not even a close.
    conn = WebSocketConnection()
    events = feed(conn, frame(TEXT, b"\xff"), close_frame(1000), frame(PING))
    assert len(events) == 1
    assert violation(conn, events) == 1007


def test_binary_is_not_checked_for_utf8() -> None:
    conn = WebSocketConnection()
    assert feed(conn, frame(BINARY, b"\xff\xfe")) == [BytesMessage(b"\xff\xfe")]


# --- 7: close ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
)
def test_a_valid_close_code_is_reported_and_echoed(code: int) -> None:
    conn = WebSocketConnection()
    assert feed(conn, close_frame(code, b"bye")) == [CloseReceived(code, "bye")]
    sent = read_frames(conn.data_to_send())
    assert [(f.opcode, f.close_code) for f in sent] == [(CLOSE, code)]
    assert conn.closed


@pytest.mark.parametrize(
    "code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
)
def test_an_invalid_close_code_is_a_protocol_error(code: int) -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, close_frame(code))) == 1002


def test_an_empty_close_is_1005_and_echoed_empty() -> None:
    conn = WebSocketConnection()
    assert feed(conn, close_frame()) == [CloseReceived(1005, "")]
    assert read_frames(conn.data_to_send()) == [(True, 0, CLOSE, b"")]


def test_a_one_byte_close_payload_is_a_protocol_error() -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, frame(CLOSE, b"\x03"))) == 1002


def test_a_close_reason_of_123_bytes_is_accepted() -> None:
    conn = WebSocketConnection()
    assert feed(conn, close_frame(1000, b"r" * 123)) == [CloseReceived(1000, "r" * 123)]


def test_invalid_utf8_in_a_close_reason_is_1007() -> None:
    conn = WebSocketConnection()
    assert violation(conn, feed(conn, close_frame(1000, b"\xce\xba\xed\xa0\x80"))) == 1007


def test_data_after_the_peers_close_is_ignored() -> None:
    conn = WebSocketConnection()
    events = feed(conn, close_frame(1000), frame(TEXT, b"late"), frame(PING, b"p"))
    assert events == [CloseReceived(1000, "")]
    assert [f.opcode for f in read_frames(conn.data_to_send())] == [CLOSE]
    assert feed(conn, frame(TEXT, b"later"), close_frame(1000)) == []
    assert conn.data_to_send() == b""


def test_after_our_close_messages_still_arrive_until_the_peers_close() -> None:
    conn = WebSocketConnection()
    conn.close(4001, "done")
    assert read_frames(conn.data_to_send())[0].close_code == 4001
    assert conn.state is WebSocketState.CLOSING
    assert feed(conn, frame(TEXT, b"in flight"), frame(PING, b"p")) == [
        TextMessage("in flight"),
        Ping(b"p"),
    ]
    assert read_frames(conn.data_to_send()) == [(True, 0, PONG, b"p")]
    assert feed(conn, close_frame(4001)) == [CloseReceived(4001, "")]
    # Our close already went: the peer's answer is not echoed again.
    assert conn.data_to_send() == b""
    assert conn.closed


def test_nothing_is_read_after_a_violation() -> None:
    conn = WebSocketConnection()
    violation(conn, feed(conn, frame(TEXT, b"x", masked=False)))
    assert feed(conn, frame(PING, b"p"), close_frame(1000)) == []
    assert conn.data_to_send() == b""
