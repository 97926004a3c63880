"""httpy's WebSocket protocol against two independent client implementations at the bytes
level: the opening request parsed by httpy's HTTP/1.1 parser and answered with
`accept_headers`, then messages, pings and closes both ways, with and without
permessage-deflate. The clients check the handshake and every frame in their own way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from websocket_peers import Peer, WebsocketsPeer, WsprotoPeer

from httpy.protocol import (
    BytesMessage,
    CloseReceived,
    HTTP11Connection,
    Ping,
    Pong,
    TextMessage,
    WebSocketConnection,
    accept_headers,
)
from httpy.protocol.events import RequestReceived

PeerFactory = Callable[..., Peer]
PEERS = [pytest.param(WebsocketsPeer, id="websockets"), pytest.param(WsprotoPeer, id="wsproto")]


def open_socket(peer: Peer, *, server_deflate: bool = True) -> WebSocketConnection:
    http = HTTP11Connection()
    request = http.receive_data(peer.opening())[0]
    assert isinstance(request, RequestReceived)
    assert request.upgrade == b"websocket"
    headers, deflate = accept_headers(request.headers, "chat", permessage_deflate=server_deflate)
    head = b"".join(b"%s: %s\r\n" % field for field in headers)
    assert peer.accepted(b"HTTP/1.1 101 Switching Protocols\r\n" + head + b"\r\n")
    return WebSocketConnection(deflate=deflate)


def echo(conn: WebSocketConnection, peer: Peer, data: bytes) -> list[object]:
    """Feed the peer's bytes to the server, echo every message, return what the peer gets."""
    for event in conn.receive_data(data):
        if isinstance(event, TextMessage):
            conn.send_text(event.data)
        elif isinstance(event, BytesMessage):
            conn.send_bytes(event.data)
    return list(peer.receive(conn.data_to_send()))


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
@pytest.mark.parametrize("make_peer", PEERS)
def test_messages_round_trip(make_peer: PeerFactory, deflate: bool) -> None:
    peer = make_peer(deflate=deflate)
    conn = open_socket(peer)
    assert peer.extensions() == (["permessage-deflate"] if deflate else [])
    assert echo(conn, peer, peer.text("hello")) == [("text", "hello")]
    assert echo(conn, peer, peer.text("κόσμε 🌍")) == [("text", "κόσμε 🌍")]
    assert echo(conn, peer, peer.binary(bytes(range(256)))) == [("bytes", bytes(range(256)))]
    assert echo(conn, peer, peer.text("fragmented " * 100, parts=7)) == [
        ("text", "fragmented " * 100)
    ]
    # Many messages on one compression context (context takeover, both ways).
    many = b"".join(peer.text(f"message {i} " * 20) for i in range(50))
    assert echo(conn, peer, many) == [("text", f"message {i} " * 20) for i in range(50)]


@pytest.mark.parametrize("make_peer", PEERS)
def test_a_large_compressible_message_is_compressed_both_ways(make_peer: PeerFactory) -> None:
    peer = make_peer(deflate=True)
    conn = open_socket(peer)
    text = "the same words over and over " * 20_000  # 580 KB
    sent = peer.text(text)
    assert len(sent) < len(text) // 10
    for event in conn.receive_data(sent):
        assert event == TextMessage(text)
        conn.send_text(text)
    reply = conn.data_to_send()
    assert len(reply) < len(text) // 10
    assert peer.receive(reply) == [("text", text)]


@pytest.mark.parametrize("make_peer", PEERS)
def test_no_context_takeover_as_the_client_asks(make_peer: PeerFactory) -> None:
    peer = make_peer(deflate=True, no_context_takeover=True)
    conn = open_socket(peer)
    data = b"".join(peer.text("again and again " * 50) for _ in range(5))
    assert echo(conn, peer, data) == [("text", "again and again " * 50)] * 5


@pytest.mark.parametrize("make_peer", PEERS)
def test_the_server_may_decline_compression(make_peer: PeerFactory) -> None:
    peer = make_peer(deflate=True)
    conn = open_socket(peer, server_deflate=False)
    assert peer.extensions() == []
    assert echo(conn, peer, peer.text("plain")) == [("text", "plain")]


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "deflate"])
@pytest.mark.parametrize("make_peer", PEERS)
def test_pings_both_ways(make_peer: PeerFactory, deflate: bool) -> None:
    peer = make_peer(deflate=deflate)
    conn = open_socket(peer)
    assert conn.receive_data(peer.ping(b"from client")) == [Ping(b"from client")]
    assert peer.receive(conn.data_to_send()) == [("pong", b"from client")]
    conn.send_ping(b"from server")
    assert peer.receive(conn.data_to_send()) == [("ping", b"from server")]
    assert conn.receive_data(peer.outgoing()) == [Pong(b"from server")]


@pytest.mark.parametrize("make_peer", PEERS)
def test_the_client_closes(make_peer: PeerFactory) -> None:
    peer = make_peer(deflate=True)
    conn = open_socket(peer)
    assert conn.receive_data(peer.close(1000, "bye")) == [CloseReceived(1000, "bye")]
    assert conn.closed
    assert peer.receive(conn.data_to_send()) == [("close", 1000, "bye")]


@pytest.mark.parametrize("make_peer", PEERS)
def test_the_server_closes(make_peer: PeerFactory) -> None:
    peer = make_peer(deflate=True)
    conn = open_socket(peer)
    conn.close(4000, "room closed")
    assert peer.receive(conn.data_to_send()) == [("close", 4000, "room closed")]
    assert conn.receive_data(peer.outgoing()) == [CloseReceived(4000, "room closed")]
    assert conn.closed
    assert conn.data_to_send() == b""
