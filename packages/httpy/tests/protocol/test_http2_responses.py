"""Responses over HTTP/2: heads, flow-controlled data, trailers, push, resets and GOAWAY."""

from __future__ import annotations

import pytest
from h2 import events as h2e
from h2.errors import ErrorCodes
from h2.settings import SettingCodes
from http2_wire import (
    Peer,
    flags,
    goaway_of,
    of_type,
    open_server,
    raw_frame,
    resets_of,
    window_updates_of,
)
from hyperframe.frame import GoAwayFrame, RstStreamFrame

from httpy.protocol import HTTP2Limits, LocalProtocolError
from httpy.protocol.events import (
    ConnectionTerminated,
    RequestData,
    RequestReceived,
    StreamReset,
    WindowOpened,
)
from httpy.protocol.rules import HeaderValueError


def _received(peer: Peer) -> tuple[int, bool]:
    """Pump; (response body bytes the client got since last asked, whether a stream ended)."""
    peer.pump()
    events = peer.take_client_events()
    return sum(len(e.data) for e in of_type(events, h2e.DataReceived)), bool(
        of_type(events, h2e.StreamEnded)
    )


def _response(peer: Peer) -> h2e.ResponseReceived:
    (response,) = of_type(peer.take_client_events(), h2e.ResponseReceived)
    return response


def test_the_head_gets_date_and_server_and_loses_connection_specific_fields() -> None:
    peer = Peer()
    peer.request()
    peer.server.send_head(
        1,
        200,
        [
            (b"Content-Type", b"text/plain"),
            (b"Connection", b"close"),
            (b"keep-alive", b"timeout=5"),
            (b"proxy-connection", b"keep-alive"),
            (b"transfer-encoding", b"chunked"),
            (b"upgrade", b"websocket"),
            (b"te", b"gzip"),
        ],
        end_stream=True,
    )
    peer.pump()
    headers = dict(_response(peer).headers)
    assert headers.pop(b"date").endswith(b" GMT")
    assert headers == {b":status": b"200", b"content-type": b"text/plain", b"server": b"httpy"}
    assert peer.server.open_streams == 0


def test_te_trailers_is_kept_and_our_own_date_and_server_win() -> None:
    peer = Peer(server_header=None)
    peer.request()
    fields = [(b"te", b"trailers"), (b"date", b"Mon, 01 Jan 2024 00:00:00 GMT")]
    peer.server.send_head(1, 204, fields, end_stream=True)
    peer.pump()
    assert _response(peer).headers == [(b":status", b"204"), *fields]


def test_a_header_that_could_inject_is_refused_before_anything_is_sent() -> None:
    peer = Peer()
    peer.request()
    with pytest.raises(HeaderValueError):
        peer.server.send_head(1, 200, [(b"x-bad", b"a\r\nb")])
    assert peer.server.data_to_send() == b""
    peer.server.send_head(1, 200, [], end_stream=True)  # the stream is still usable
    peer.pump()
    assert _response(peer).headers[0] == (b":status", b"200")


def test_response_data_waits_for_the_window() -> None:
    peer = Peer(client_settings={SettingCodes.INITIAL_WINDOW_SIZE: 1000})
    peer.request()
    peer.take_server_events()
    server = peer.server
    server.send_head(1, 200, [])
    body = b"d" * 2500
    assert server.send_window(1) == 1000
    assert server.send_data(1, body, end_stream=True) == 1000
    assert server.send_window(1) == 0
    assert server.send_data(1, body[1000:], end_stream=True) == 0
    peer.pump()
    received = of_type(peer.take_client_events(), h2e.DataReceived)
    assert sum(len(e.data) for e in received) == 1000
    # The client reads it and opens the window: the server learns it from WindowOpened.
    peer.client.acknowledge_received_data(1000, 1)
    peer.pump()
    assert WindowOpened(1) in peer.take_server_events()
    assert server.send_data(1, body[1000:], end_stream=True) == 1000
    assert server.open_streams == 1
    peer.pump()
    peer.client.acknowledge_received_data(1000, 1)
    peer.pump()
    assert server.send_data(1, body[2000:], end_stream=True) == 500
    assert server.open_streams == 0
    assert _received(peer)[1]


def test_send_response_sends_head_and_body_and_ends_the_stream() -> None:
    peer = Peer()
    peer.request()
    peer.take_server_events()
    assert peer.server.send_response(1, 200, [(b"content-type", b"text/plain")], b"hi") == 2
    assert peer.server.open_streams == 0
    peer.pump()
    events = peer.take_client_events()
    (response,) = of_type(events, h2e.ResponseReceived)
    assert dict(response.headers)[b"content-type"] == b"text/plain"
    assert [e.data for e in of_type(events, h2e.DataReceived)] == [b"hi"]
    assert of_type(events, h2e.StreamEnded)


def test_send_response_takes_what_the_window_allows_and_keeps_the_stream_open() -> None:
    peer = Peer(client_settings={SettingCodes.INITIAL_WINDOW_SIZE: 1000})
    peer.request()
    peer.take_server_events()
    server = peer.server
    body = b"w" * 2500
    assert server.send_response(1, 200, [], body) == 1000
    assert server.open_streams == 1
    assert _received(peer) == (1000, False)
    peer.client.increment_flow_control_window(5000, 1)
    peer.pump()
    assert server.send_data(1, body[1000:], end_stream=True) == 1500
    assert server.open_streams == 0
    assert _received(peer) == (1500, True)


def test_send_response_of_an_empty_body_is_its_head_alone() -> None:
    peer = Peer()
    peer.request()
    assert peer.server.send_response(1, 204, [], b"") == 0
    peer.pump()
    events = peer.take_client_events()
    assert of_type(events, h2e.ResponseReceived)
    assert not of_type(events, h2e.DataReceived)
    assert of_type(events, h2e.StreamEnded)


def test_a_repeated_head_is_reused_only_for_the_same_status_and_fields() -> None:
    peer = Peer()
    for _ in range(4):
        peer.request()
    peer.take_server_events()
    server = peer.server
    server.send_response(1, 200, [(b"x-a", b"1")], b"")
    server.send_response(3, 200, [(b"x-a", b"1")], b"")  # the same: the same block
    server.send_response(5, 201, [(b"x-a", b"1")], b"")  # another status
    # Different fields are checked again, even right after a good head.
    with pytest.raises(HeaderValueError):
        server.send_response(7, 200, [(b"x-a", b"1\r\nx: y")], b"")
    server.send_response(7, 200, [(b"X-A", b"2")], b"")
    peer.pump()
    heads = [
        (dict(e.headers)[b":status"], dict(e.headers).get(b"x-a"))
        for e in of_type(peer.take_client_events(), h2e.ResponseReceived)
    ]
    assert heads == [(b"200", b"1"), (b"200", b"1"), (b"201", b"1"), (b"200", b"2")]


def test_data_is_cut_to_the_peers_max_frame_size() -> None:
    peer = Peer()
    peer.request()
    peer.server.send_head(1, 200, [])
    assert peer.server.send_data(1, b"f" * 40_000, end_stream=True) == 40_000
    peer.pump()
    sizes = [len(e.data) for e in of_type(peer.take_client_events(), h2e.DataReceived)]
    assert sizes == [16_384, 16_384, 7_232]


def test_response_trailers_end_the_stream() -> None:
    peer = Peer()
    peer.request()
    peer.server.send_head(1, 200, [(b"trailer", b"x-sum")])
    peer.server.send_data(1, b"body")
    peer.server.send_trailers(1, [(b"X-Sum", b"42"), (b"connection", b"close")])
    peer.pump()
    events = peer.take_client_events()
    (trailers,) = of_type(events, h2e.TrailersReceived)
    assert trailers.headers == [(b"x-sum", b"42")]
    assert of_type(events, h2e.StreamEnded)
    assert peer.server.open_streams == 0


def test_ending_the_response_early_stops_the_upload_with_no_error() -> None:
    limits = HTTP2Limits(initial_window_size=65_535, connection_window_size=65_535)
    peer = Peer(limits)
    peer.client.send_headers(1, [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/"),
                                 (b":authority", b"a")])  # fmt: skip
    peer.send_body(1, b"u" * 40_000)
    peer.server.receive_data(peer.client.data_to_send())
    peer.server.send_head(1, 200, [], end_stream=True)
    sent = peer.server.data_to_send()
    assert resets_of(sent) == {1: ErrorCodes.NO_ERROR}
    # The 40 000 bytes nobody will read go back to the connection window.
    assert window_updates_of(sent) == [(0, 40_000)]
    assert peer.server.open_streams == 0


def test_push_promises_a_request_that_runs_like_any_other() -> None:
    peer = Peer()
    peer.request(b"GET", b"/page")
    peer.take_server_events()
    pushed = peer.server.push(1, "GET", b"/style.css", [(b"accept", b"text/css")])
    assert pushed == RequestReceived(
        method="GET",
        target=b"/style.css",
        headers=[(b"host", b"example.com"), (b"accept", b"text/css")],
        http_version="2",
        keep_alive=True,
        expect_continue=False,
        content_length=None,
        stream_id=2,
    )
    peer.server.send_head(1, 200, [], end_stream=True)
    peer.server.send_head(2, 200, [(b"content-type", b"text/css")])
    peer.server.send_data(2, b"body{}", end_stream=True)
    peer.pump()
    events = peer.take_client_events()
    (promise,) = of_type(events, h2e.PushedStreamReceived)
    assert promise.pushed_stream_id == 2
    assert promise.parent_stream_id == 1
    assert dict(promise.headers or [])[b":path"] == b"/style.css"
    assert [e.data for e in of_type(events, h2e.DataReceived)] == [b"body{}"]
    assert peer.server.open_streams == 0


def test_push_is_none_when_the_client_disabled_it() -> None:
    peer = Peer(client_settings={SettingCodes.ENABLE_PUSH: 0})
    peer.request()
    assert peer.server.push(1, "GET", b"/style.css", []) is None


def test_push_is_none_when_the_clients_stream_limit_is_reached() -> None:
    peer = Peer(client_settings={SettingCodes.MAX_CONCURRENT_STREAMS: 1})
    peer.request()
    assert peer.server.push(1, "GET", b"/a.css", []) is not None
    assert peer.server.push(1, "GET", b"/b.css", []) is None


def test_only_safe_methods_and_paths_are_pushed() -> None:
    peer = Peer()
    peer.request()
    with pytest.raises(ValueError, match="GET and HEAD"):
        peer.server.push(1, "POST", b"/a", [])
    with pytest.raises(ValueError, match="invalid path"):
        peer.server.push(1, "GET", b"a b", [])


def test_a_peer_reset_is_reported_and_later_writes_are_dropped() -> None:
    peer = Peer()
    peer.request()
    peer.take_server_events()
    peer.client.reset_stream(1, ErrorCodes.CANCEL)
    peer.pump()
    assert peer.take_server_events() == [StreamReset(1, ErrorCodes.CANCEL)]
    assert peer.server.open_streams == 0
    # The handler may write before it learns of the reset: nothing fails, nothing is sent.
    peer.server.send_head(1, 200, [])
    assert peer.server.send_data(1, b"late", end_stream=True) == 4
    peer.server.send_trailers(1, [])
    assert peer.server.send_window(1) == 0
    assert peer.server.data_to_send() == b""


def test_our_reset_sends_rst_stream() -> None:
    peer = Peer()
    peer.request()
    peer.server.reset_stream(1)
    assert resets_of(peer.server.data_to_send()) == {1: ErrorCodes.CANCEL}
    peer.server.reset_stream(1)  # already gone: nothing more
    assert peer.server.data_to_send() == b""


def test_misuse_is_a_local_protocol_error() -> None:
    peer = Peer()
    peer.request()
    with pytest.raises(LocalProtocolError, match="never opened"):
        peer.server.send_head(9, 200, [])
    with pytest.raises(LocalProtocolError, match="before its head"):
        peer.server.send_data(1, b"x")
    with pytest.raises(LocalProtocolError, match="informational"):
        peer.server.send_informational(1, 101, [])
    with pytest.raises(LocalProtocolError, match="final status"):
        peer.server.send_head(1, 100, [])
    peer.server.send_head(1, 200, [])
    with pytest.raises(LocalProtocolError, match="already sent"):
        peer.server.send_head(1, 200, [])


def test_graceful_shutdown_finishes_streams_in_flight() -> None:
    peer = Peer()
    peer.request()
    peer.request()
    peer.take_server_events()
    peer.server.start_shutdown()
    goaway = goaway_of(peer.server.data_to_send())
    assert (goaway.error_code, goaway.last_stream_id) == (ErrorCodes.NO_ERROR, 3)
    # A stream opened after the GOAWAY is refused without an event.
    peer.client.send_headers(5, _get(), end_stream=True)
    assert peer.server.receive_data(peer.client.data_to_send()) == []
    assert resets_of(peer.server.data_to_send()) == {5: ErrorCodes.REFUSED_STREAM}
    assert flags(peer.server) == set()
    for stream_id in (1, 3):
        peer.server.send_head(stream_id, 200, [], end_stream=True)
    assert of_type(peer.client.receive_data(peer.server.data_to_send()), h2e.ResponseReceived)
    assert flags(peer.server) == {"should_close"}


def test_a_peer_goaway_lets_streams_in_flight_finish() -> None:
    peer = Peer()
    peer.request()
    peer.take_server_events()
    peer.client.close_connection(last_stream_id=0)
    peer.pump()
    assert peer.take_server_events() == [ConnectionTerminated(ErrorCodes.NO_ERROR, 0)]
    assert flags(peer.server) == set()
    assert peer.server.push(1, "GET", b"/x", []) is None
    peer.server.send_head(1, 200, [], end_stream=True)
    assert peer.server.data_to_send()
    assert flags(peer.server) == {"should_close"}


def test_a_peer_goaway_with_an_error_closes_at_once() -> None:
    server = open_server()
    goaway = GoAwayFrame(0)
    goaway.error_code = ErrorCodes.PROTOCOL_ERROR
    goaway.additional_data = b"debug data the server never keeps"
    events = server.receive_data(goaway.serialize())
    assert events == [ConnectionTerminated(ErrorCodes.PROTOCOL_ERROR, 0)]
    assert flags(server) == {"is_closed", "should_close"}
    assert server.receive_data(b"anything") == []


def test_a_goaway_split_byte_by_byte_is_still_read() -> None:
    server = open_server()
    goaway = GoAwayFrame(0)
    goaway.last_stream_id = 7
    goaway.additional_data = b"bye"
    events = []
    data = goaway.serialize() + raw_frame(0x6, 0, 0, b"12345678")
    for i in range(len(data)):
        events += server.receive_data(data[i : i + 1])
    assert events == [ConnectionTerminated(0, 7)]
    assert server.data_to_send() == raw_frame(0x6, 0x1, 0, b"12345678")  # the PING's ACK


def test_close_sends_goaway_with_the_error() -> None:
    peer = Peer()
    peer.request()
    peer.server.close(ErrorCodes.INTERNAL_ERROR)
    goaway = goaway_of(peer.server.data_to_send())
    assert (goaway.error_code, goaway.last_stream_id) == (ErrorCodes.INTERNAL_ERROR, 1)
    assert flags(peer.server) == {"is_closed", "should_close"}


def test_request_data_of_a_reset_stream_stops() -> None:
    peer = Peer()
    peer.client.send_headers(1, [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/"),
                                 (b":authority", b"a")])  # fmt: skip
    peer.send_body(1, b"1" * 10)
    peer.pump()
    assert of_type(peer.take_server_events(), RequestData) == [RequestData(b"1" * 10, 1)]
    rst = RstStreamFrame(1)
    rst.error_code = ErrorCodes.CANCEL
    assert peer.raw(rst.serialize()) == [StreamReset(1, ErrorCodes.CANCEL)]


def _get() -> list[tuple[bytes, bytes]]:
    return [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b":authority", b"a")]
