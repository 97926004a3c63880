"""Requests over HTTP/2: the preface, heads, bodies with flow control, trailers, priority, h2c."""

from __future__ import annotations

import base64

import pytest
from h2 import events as h2e
from h2.errors import ErrorCodes
from http2_wire import (
    PREFACE,
    Peer,
    RawClient,
    frames_of,
    of_type,
    open_server,
    raw_frame,
    resets_of,
    window_updates_of,
)
from hyperframe.frame import SettingsFrame

from httpy.protocol import HTTP2Connection, HTTP2Limits, InvalidUpgradeError, LocalProtocolError
from httpy.protocol.events import (
    PriorityUpdated,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
)


def test_the_server_preface_advertises_the_limits() -> None:
    limits = HTTP2Limits(max_concurrent_streams=7, initial_window_size=100_000)
    server = HTTP2Connection(limits)
    server.initiate()
    frames = frames_of(server.data_to_send())
    settings = frames[0]
    assert isinstance(settings, SettingsFrame)
    assert settings.settings == {
        SettingsFrame.MAX_CONCURRENT_STREAMS: 7,
        SettingsFrame.INITIAL_WINDOW_SIZE: 100_000,
        SettingsFrame.MAX_FRAME_SIZE: 16_384,
        SettingsFrame.MAX_HEADER_LIST_SIZE: 16 * 1024,
        SettingsFrame.ENABLE_CONNECT_PROTOCOL: 0,
    }
    # The connection window opens from the RFC's 65 535 to the configured size.
    assert window_updates_of(b"".join(f.serialize() for f in frames[1:])) == [
        (0, 1024 * 1024 - 65_535)
    ]
    assert server.data_to_send() == b""


def test_the_client_settings_are_acknowledged() -> None:
    peer = Peer()
    assert of_type(peer.take_client_events(), h2e.SettingsAcknowledged)
    assert not of_type(peer.take_server_events(), ProtocolError)


def test_a_get_becomes_one_request() -> None:
    peer = Peer()
    peer.take_server_events()
    stream_id = peer.request(b"GET", b"/items?x=1", (b"accept", b"*/*"))
    assert peer.take_server_events() == [
        RequestReceived(
            method="GET",
            target=b"/items?x=1",
            headers=[(b"host", b"example.com"), (b"accept", b"*/*")],
            http_version="2",
            keep_alive=True,
            expect_continue=False,
            content_length=None,
            stream_id=stream_id,
        ),
        RequestEnded(stream_id),
    ]
    assert peer.server.open_streams == 1


def test_a_host_header_is_kept_when_there_is_no_authority() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(
        1,
        [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b"host", b"a.test")],
        end_stream=True,
    )
    peer.pump()
    (request, _) = peer.take_server_events()
    assert isinstance(request, RequestReceived)
    assert request.headers == [(b"host", b"a.test")]


def test_body_events_and_window_updates() -> None:
    peer = Peer()
    peer.take_server_events()
    body = b"x" * 51_200
    peer.client.send_headers(1, _post_headers(len(body)))
    peer.send_body(1, body, end_stream=True)
    events = peer.server.receive_data(peer.client.data_to_send())
    request = events[0]
    assert isinstance(request, RequestReceived)
    assert request.content_length == len(body)
    data = of_type(events, RequestData)
    assert len(data) == 4
    assert b"".join(d.data for d in data) == body
    assert events[-1] == RequestEnded(1)
    # Nothing is handed back before the handler reads it.
    assert window_updates_of(peer.server.data_to_send()) == []
    # Read, it still waits: h2 batches updates until half a window is consumed.
    peer.server.acknowledge_received(1, len(body))
    assert window_updates_of(peer.server.data_to_send()) == []


def test_a_large_upload_is_paced_by_acknowledgements() -> None:
    limits = HTTP2Limits(initial_window_size=65_535, connection_window_size=65_535)
    peer = Peer(limits)
    peer.take_server_events()
    body = b"y" * 200_000
    peer.client.send_headers(1, _post_headers(len(body)))
    sent = peer.client.local_flow_control_window(1)
    assert sent == 65_535
    peer.send_body(1, body[:sent])
    events = peer.server.receive_data(peer.client.data_to_send())
    received = sum(len(e.data) for e in of_type(events, RequestData))
    assert received == sent
    # Unread, the window stays shut: the client can send nothing more.
    peer.pump()
    assert peer.client.local_flow_control_window(1) == 0
    peer.server.acknowledge_received(1, 40_000)
    updates = window_updates_of(peer.server.data_to_send())
    assert sorted(updates) == [(0, 40_000), (1, 40_000)]


def test_padding_is_acknowledged_at_once() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(1, _post_headers(10))
    peer.pump()
    # 10 bytes of data with 200 bytes of padding (and the pad-length byte).
    peer.client.send_data(1, b"0123456789", pad_length=200)
    events = peer.server.receive_data(peer.client.data_to_send())
    assert of_type(events, RequestData) == [RequestData(b"0123456789", 1)]
    peer.server.acknowledge_received(1, 10)
    # 211 flow-controlled bytes in all: the 201 of padding went back without the handler.
    assert peer.server._streams[1].unacked == 0


def test_trailers_come_before_the_end() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(1, request_headers_post())
    peer.client.send_data(1, b"abc")
    peer.client.send_headers(1, [(b"x-checksum", b"900150983cd24fb0")], end_stream=True)
    peer.pump()
    events = peer.take_server_events()
    assert events[-2:] == [
        RequestTrailers([(b"x-checksum", b"900150983cd24fb0")], 1),
        RequestEnded(1),
    ]


def test_priority_header_and_priority_update_frames() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.request(b"GET", b"/a", (b"priority", b"u=1, i"))
    peer.request(b"GET", b"/b")
    assert peer.server.priority(1) == (1, True)
    assert peer.server.priority(3) == (3, False)
    # PRIORITY_UPDATE (type 0x10) on stream 0 naming stream 3.
    events = peer.raw(raw_frame(0x10, 0, 0, (3).to_bytes(4) + b"u=0"))
    assert events == [PriorityUpdated(3, 0, False)]
    assert peer.server.priority(3) == (0, False)


def test_a_priority_update_before_its_stream_opens_is_kept_for_it() -> None:
    peer = Peer()
    peer.take_server_events()
    assert peer.raw(raw_frame(0x10, 0, 0, (1).to_bytes(4) + b"u=6")) == []
    peer.request(b"GET", b"/", (b"priority", b"u=1"))
    assert peer.server.priority(1) == (6, False)
    # Updates for streams that will never open are kept only up to the stream limit.
    for stream_id in range(3, 400, 2):
        peer.raw(raw_frame(0x10, 0, 0, stream_id.to_bytes(4) + b"u=0"))
    assert len(peer.server._early_priority) == 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"u=5", (5, False)),
        (b"i", (3, True)),
        (b"u=0, i=?1", (0, True)),
        (b"i=?0, u=7", (7, False)),
        (b"u=8", (3, False)),  # out of range: ignored
        (b"u=-1, i=1", (3, False)),
        (b"garbage;;==,", (3, False)),
        (b"u=2;foo=bar, x=1", (2, False)),
    ],
)
def test_priority_values(value: bytes, expected: tuple[int, bool]) -> None:
    peer = Peer()
    peer.request(b"GET", b"/", (b"priority", value))
    assert peer.server.priority(1) == expected


def test_expect_100_continue_is_reported() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(1, [*_post_headers(3), (b"expect", b"100-continue")])
    peer.pump()
    (request,) = peer.take_server_events()
    assert isinstance(request, RequestReceived)
    assert request.expect_continue
    peer.server.send_informational(1, 100, [])
    peer.pump()
    (informational,) = of_type(peer.take_client_events(), h2e.InformationalResponseReceived)
    assert informational.headers == [(b":status", b"100")]


def test_connect_is_refused_on_its_stream() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(1, [(b":method", b"CONNECT"), (b":authority", b"example.com:443")])
    peer.pump()
    assert peer.take_server_events() == [ProtocolError(501, "CONNECT is not supported", 1)]
    # The server answers it; the stream and the connection stay usable.
    peer.server.send_head(1, 501, [], end_stream=True)
    peer.pump()
    (response,) = of_type(peer.take_client_events(), h2e.ResponseReceived)
    assert response.headers[0] == (b":status", b"501")
    assert not peer.server.is_closed


@pytest.mark.parametrize("path", [b"relative", b"http://example.com/", b"/a b", b"*"])
def test_an_invalid_path_is_answered_400(path: bytes) -> None:
    peer = Peer()
    peer.take_server_events()
    peer.request(b"GET", path)
    events = peer.take_server_events()
    assert events[0] == ProtocolError(400, "invalid :path", 1)
    assert not of_type(events, RequestReceived)
    assert not of_type(events, RequestEnded)


def test_options_star_is_accepted() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.request(b"OPTIONS", b"*")
    (request, _) = peer.take_server_events()
    assert isinstance(request, RequestReceived)
    assert request.target == b"*"


def test_an_invalid_authority_is_answered_400() -> None:
    peer = Peer()
    peer.take_server_events()
    peer.client.send_headers(
        1,
        [(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"a@b"), (b":path", b"/")],
        end_stream=True,
    )
    peer.pump()
    assert peer.take_server_events() == [ProtocolError(400, "invalid :authority or host", 1)]


def test_body_limit_for_sets_the_limit_per_request() -> None:
    limits = {b"/small": 5, b"/big": 100}
    peer = Peer(body_limit_for=lambda request: limits[request.target])
    peer.take_server_events()
    peer.request(b"POST", b"/big", body=b"z" * 50)
    assert not of_type(peer.take_server_events(), ProtocolError)
    peer.request(b"POST", b"/small", body=b"z" * 50)
    assert of_type(peer.take_server_events(), ProtocolError) == [
        ProtocolError(413, "body over 5 bytes", 3)
    ]


def test_h2c_upgrade_makes_the_request_stream_1() -> None:
    client_settings = SettingsFrame(0)
    client_settings.settings = {
        SettingsFrame.INITIAL_WINDOW_SIZE: 1000,
        SettingsFrame.ENABLE_PUSH: 0,
    }
    header = base64.urlsafe_b64encode(client_settings.serialize_body()).rstrip(b"=")
    head = RequestReceived(
        method="GET",
        target=b"/up",
        headers=[
            (b"host", b"example.com"),
            (b"connection", b"Upgrade, HTTP2-Settings"),
            (b"upgrade", b"h2c"),
            (b"http2-settings", header),
            (b"priority", b"u=2"),
        ],
        http_version="1.1",
        keep_alive=True,
        expect_continue=False,
        content_length=None,
    )
    server = HTTP2Connection()
    events = server.initiate_upgrade(header, head)
    assert events == [
        head._replace(
            headers=[(b"host", b"example.com"), (b"priority", b"u=2")],
            http_version="2",
            stream_id=1,
        ),
        RequestEnded(1),
    ]
    assert server.priority(1) == (2, False)
    # The client's settings in the header apply: a window of 1000 bytes, and no push.
    assert server.send_window(1) == 1000
    assert server.push(1, "GET", b"/style.css", []) is None
    server.send_head(1, 200, [])
    assert server.send_data(1, b"a" * 5000, end_stream=True) == 1000
    assert server.receive_data(PREFACE + SettingsFrame(0).serialize()) == []


@pytest.mark.parametrize("header", [b"!!!", b"AAA", b"AAAAAAA="])
def test_a_bad_http2_settings_header_is_a_typed_error(header: bytes) -> None:
    head = RequestReceived("GET", b"/", [(b"host", b"a")], "1.1", True, False, None)
    with pytest.raises(InvalidUpgradeError):
        HTTP2Connection().initiate_upgrade(header, head)


def test_an_invalid_setting_in_http2_settings_is_a_typed_error() -> None:
    frame = SettingsFrame(0)
    frame.settings = {SettingsFrame.ENABLE_PUSH: 7}
    header = base64.urlsafe_b64encode(frame.serialize_body())
    head = RequestReceived("GET", b"/", [(b"host", b"a")], "1.1", True, False, None)
    with pytest.raises(InvalidUpgradeError):
        HTTP2Connection().initiate_upgrade(header, head)


def test_initiate_twice_is_our_mistake() -> None:
    server = HTTP2Connection()
    server.initiate()
    with pytest.raises(LocalProtocolError):
        server.initiate()


def request_headers_post() -> list[tuple[bytes, bytes]]:
    return [(b":method", b"POST"), (b":scheme", b"https"), (b":authority", b"a"), (b":path", b"/")]


def _post_headers(length: int) -> list[tuple[bytes, bytes]]:
    return [*request_headers_post(), (b"content-length", str(length).encode())]


def test_a_repeated_request_block_is_a_request_of_its_own() -> None:
    # A client under load sends the same block again and again; each is its own request,
    # with its own list of fields (a handler may change one without touching the next).
    peer = Peer()
    peer.take_server_events()
    first = peer.request(b"GET", b"/same", (b"accept", b"*/*"), (b"priority", b"u=1"))
    second = peer.request(b"GET", b"/same", (b"accept", b"*/*"), (b"priority", b"u=1"))
    third = peer.request(b"POST", b"/same", (b"content-length", b"2"), body=b"hi")
    fourth = peer.request(b"POST", b"/same", (b"content-length", b"2"), body=b"hi")
    heads = of_type(peer.take_server_events(), RequestReceived)
    assert [head.stream_id for head in heads] == [first, second, third, fourth]
    assert heads[0]._replace(stream_id=second) == heads[1]
    assert heads[0].headers is not heads[1].headers
    heads[1].headers.append((b"x-changed", b"by a handler"))
    assert heads[2]._replace(stream_id=fourth) == heads[3]
    assert heads[3].content_length == 2
    assert peer.server.priority(second) == (1, False)


def test_a_repeated_request_block_after_goaway_is_refused() -> None:
    # The same block as an accepted request, on a stream opened after our GOAWAY.
    server = open_server()
    client = RawClient()
    events = server.receive_data(client.headers(1))
    assert [e.stream_id for e in of_type(events, RequestReceived)] == [1]
    server.start_shutdown()
    server.data_to_send()
    assert of_type(server.receive_data(client.headers(3)), RequestReceived) == []
    assert resets_of(server.data_to_send()) == {3: ErrorCodes.REFUSED_STREAM}


def test_a_cookie_split_into_fields_reaches_the_handler_as_one() -> None:
    peer = Peer()
    peer.request(b"GET", b"/", (b"cookie", b"a=1"), (b"x-other", b"y"), (b"cookie", b"b=2"))
    (head,) = of_type(peer.take_server_events(), RequestReceived)
    assert [v for n, v in head.headers if n == b"cookie"] == [b"a=1; b=2"]
    assert (b"x-other", b"y") in head.headers
