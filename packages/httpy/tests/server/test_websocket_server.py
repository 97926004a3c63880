"""WebSocket routes end to end: the `websockets` client over HTTP/1.1 (with and without
permessage-deflate), a raw h2 client for RFC 8441 (several sockets on one connection), raw
sockets for what a client should not do, and every limit bounded in time."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from collections.abc import Iterator

import h2.events
import pytest
import ws_apps
from h2_client import RawH2Client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol
from ws_apps import app

from httpy import Config
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    config = Config(port=0, ws_max_message_size=1024 * 1024, ws_close_timeout=0.5)
    with serve_in_thread(app, config) as running:
        yield running


def ws_url(server: RunningServer, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """The server's close code and reason, once the next read finds the socket closed."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None, "no Close frame came from the server"
    return closed.value.rcvd.code, closed.value.rcvd.reason


# --- HTTP/1.1 with the websockets client -------------------------------------------------


@pytest.mark.parametrize("compression", ["deflate", None])
def test_echo_with_path_parameters(server: RunningServer, compression: str | None) -> None:
    with connect(ws_url(server, "/echo/lobby"), compression=compression) as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "lobby: hello"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=5) == b"\x00\x01"
        big = "x" * 200_000  # fragmented by nothing, compressed when negotiated
        ws.send(big)
        assert ws.recv(timeout=5) == f"lobby: {big}"
        assert ws.response is not None
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
        assert (extensions is not None) == (compression is not None)


def test_subprotocol_headers_and_server_close(server: RunningServer) -> None:
    offered = [Subprotocol("chat"), Subprotocol("superchat")]
    with connect(ws_url(server, "/protocols"), subprotocols=offered) as ws:
        assert ws.subprotocol == "superchat"
        assert ws.response is not None
        assert ws.response.headers["x-room"] == "lobby"
        assert ws.recv(timeout=5) == "superchat 1.1"
        assert closed_with(ws) == (4000, "bye")


def test_the_event_class_form(server: RunningServer) -> None:
    ws_apps.disconnected.clear()
    with connect(ws_url(server, "/json")) as ws:
        ws.send(json.dumps({"a": [1, 2]}))
        assert json.loads(ws.recv(timeout=5)) == {"got": {"a": [1, 2]}}
        ws.close(4001, "done")
    assert ws_apps.disconnected.wait(5)
    assert ws_apps.seen["disconnect_code"] == 4001


@pytest.mark.parametrize(
    ("path", "status"), [("/nowhere", 404), ("/refuse", 403), ("/fail-early", 500)]
)
def test_refusals_are_http_answers(server: RunningServer, path: str, status: int) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(server, path), open_timeout=5)
    assert refused.value.response.status_code == status


def test_a_handler_failing_after_accept_closes_with_1011(server: RunningServer) -> None:
    with connect(ws_url(server, "/fail-late")) as ws:
        ws.send("go")
        assert closed_with(ws)[0] == 1011


def test_a_message_over_the_limit_closes_with_1009(server: RunningServer) -> None:
    with connect(ws_url(server, "/echo/big"), max_size=None) as ws:
        ws.send("x" * (1024 * 1024 + 1))
        assert closed_with(ws)[0] == 1009


def test_sends_wait_for_a_slow_reader(server: RunningServer) -> None:
    # No compression: 64 KiB of one byte would deflate to almost nothing on the wire.
    # close_timeout: the client stops reading at its queue limit, so its Close waits.
    with connect(ws_url(server, "/flood"), max_size=None, compression=None, close_timeout=1) as ws:
        time.sleep(1.0)  # not reading: the server's sends must stall
        stalled_at = ws_apps.seen["sent"]
        assert stalled_at < 400, f"{stalled_at} x 64 KiB sent to a client that read nothing"
        for _ in range(50):
            assert len(ws.recv(timeout=5)) == 65536  # reading lets it go on
    assert ws_apps.seen["sent"] > stalled_at


# --- limits that need raw sockets -----------------------------------------------------------


def _raw_handshake(port: int, path: str, *extra: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(
        b"GET %s HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
        % (path.encode(), key, b"".join(line + b"\r\n" for line in extra))
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return sock


def _masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_client_that_answers_no_ping_is_dropped() -> None:
    config = Config(port=0, ws_ping_interval=0.2, ws_ping_timeout=0.3)
    with serve_in_thread(app, config) as running:
        sock = _raw_handshake(running.port, "/quiet")
        with sock:
            assert _closed_within(sock, 5)  # pinged, never answered, dropped


def test_invalid_utf8_closes_with_1007(server: RunningServer) -> None:
    with _raw_handshake(server.port, "/echo/x") as sock:
        sock.sendall(_masked(0x1, b"\xff\xfe"))
        sock.settimeout(5)
        frame = sock.recv(4)
        assert frame[0] == 0x88  # Close
        assert int.from_bytes(frame[2:4]) == 1007


def test_an_unmasked_client_frame_closes_with_1002(server: RunningServer) -> None:
    with _raw_handshake(server.port, "/echo/x") as sock:
        sock.sendall(b"\x81\x02hi")
        sock.settimeout(5)
        frame = sock.recv(4)
        assert (frame[0], int.from_bytes(frame[2:4])) == (0x88, 1002)


def test_a_close_never_answered_ends_after_the_close_timeout(server: RunningServer) -> None:
    with _raw_handshake(server.port, "/protocols") as sock:
        # The handler sends a message, then closes with 4000 and waits for our Close,
        # which never comes: after ws_close_timeout (0.5 s) the server ends the socket.
        assert _closed_within(sock, 5)


def test_allowed_origins_refuse_other_sites() -> None:
    config = Config(port=0, ws_allowed_origins=("https://good.test",))
    with serve_in_thread(app, config) as running:
        url = f"ws://127.0.0.1:{running.port}/echo/o"
        with connect(url, origin=Origin("https://good.test")) as ws:
            ws.send("hi")
            assert ws.recv(timeout=5) == "o: hi"
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin=Origin("https://evil.test"))
        assert refused.value.response.status_code == 403
        with connect(url) as ws:  # no Origin: not a browser, not refused
            ws.send("x")
            assert ws.recv(timeout=5) == "o: x"


def test_shutdown_closes_open_sockets_with_1001() -> None:
    serving = serve_in_thread(app, Config(port=0))
    running = serving.__enter__()
    try:
        with connect(f"ws://127.0.0.1:{running.port}/quiet") as ws:
            serving.__exit__(None, None, None)  # a graceful shutdown, the socket open
            assert closed_with(ws)[0] == 1001  # going away
    finally:
        serving.__exit__(None, None, None)


# --- RFC 8441: WebSocket over HTTP/2 -------------------------------------------------------


def _h2_socket(client: RawH2Client, path: bytes) -> int:
    return client.headers(
        path,
        b"CONNECT",
        end=False,
        extra=[(b":protocol", b"websocket"), (b"sec-websocket-version", b"13")],
    )


def _frames_of(client: RawH2Client, streams: set[int], count: int) -> dict[int, bytes]:
    """Collect `count` bytes of DATA on each of `streams` (bounded in time)."""
    got = dict.fromkeys(streams, b"")
    deadline = time.monotonic() + 10
    while any(len(data) < count for data in got.values()) and time.monotonic() < deadline:
        for event in client.events():
            if isinstance(event, h2.events.DataReceived) and event.stream_id in got:
                assert event.stream_id is not None
                got[event.stream_id] += event.data
                client.conn.acknowledge_received_data(len(event.data), event.stream_id)
        client.flush()
    return got


def test_two_websockets_on_one_http2_connection(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        client.events()  # the server's SETTINGS: ENABLE_CONNECT_PROTOCOL = 1
        assert client.conn.remote_settings.enable_connect_protocol == 1
        first, second = _h2_socket(client, b"/echo/one"), _h2_socket(client, b"/echo/two")
        client.flush()
        statuses: dict[int, bytes] = {}
        deadline = time.monotonic() + 10
        while len(statuses) < 2 and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.ResponseReceived):
                    assert event.stream_id is not None
                    assert event.headers is not None
                    statuses[event.stream_id] = dict(event.headers)[b":status"]
        assert statuses == {first: b"200", second: b"200"}
        client.conn.send_data(first, _masked(0x1, b"hi"))
        client.conn.send_data(second, _masked(0x1, b"yo"))
        client.flush()
        got = _frames_of(client, {first, second}, 9)
    # Unmasked server text frames: 0x81, length, payload.
    assert got[first] == b"\x81\x07one: hi"
    assert got[second] == b"\x81\x07two: yo"


def test_http2_websocket_reports_its_version(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        client.events()
        stream_id = _h2_socket(client, b"/protocols")
        client.flush()
        got = _frames_of(client, {stream_id}, 2 + len("None 2"))
    assert got[stream_id].startswith(b"\x81\x06None 2")
