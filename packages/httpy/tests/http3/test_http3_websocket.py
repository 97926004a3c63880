"""WebSocket over HTTP/3 (RFC 9220): an extended CONNECT from aioquic's client, the frames
made and read by wsproto (a WebSocket implementation independent of the server's)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from h3_client import H3Client, H3Response, h3_client
from h3_server import ThreadedServer
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Event, TextMessage


async def _events(response: H3Response, socket: Connection, taken: int) -> tuple[list[Event], int]:
    """Wait for stream data past `taken`; feed it to wsproto; its events and the new offset."""
    while len(response.body) == taken and not response.done.is_set():
        response.arrived.clear()
        await response.arrived.wait()
    socket.receive_data(bytes(response.body[taken:]))
    return list(socket.events()), len(response.body)


def _connect(client: H3Client, path: str) -> H3Response:
    return client.start(
        "CONNECT",
        path,
        headers=[(b":protocol", b"websocket"), (b"sec-websocket-version", b"13")],
        end=False,
    )


def test_websocket_echo_over_http3(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            assert client.h3.received_settings is not None
            assert client.h3.received_settings[0x8] == 1  # SETTINGS_ENABLE_CONNECT_PROTOCOL
            response = _connect(client, "/ws/echo")
            socket = Connection(ConnectionType.CLIENT)
            events, taken = await _events(response, socket, 0)
            assert response.status == 200
            while not events:
                events, taken = await _events(response, socket, taken)
            assert events == [TextMessage(data="hello over HTTP/3", frame_finished=True)]
            client.send_body(response, socket.send(TextMessage(data="shout")))
            client.send_body(response, socket.send(BytesMessage(data=b"\x00\x01" * 40000)))
            received: list[Event] = []
            # wsproto hands a large message over in pieces as it arrives: until the last.
            while not any(isinstance(e, BytesMessage) and e.message_finished for e in received):
                events, taken = await _events(response, socket, taken)
                received += events
            assert isinstance(received[0], TextMessage)
            assert received[0].data == "SHOUT"
            assert (
                b"".join(bytes(e.data) for e in received[1:] if isinstance(e, BytesMessage))
                == b"\x00\x01" * 40000
            )
            client.send_body(response, socket.send(CloseConnection(code=1000)))
            closing: list[Event] = []
            while not any(isinstance(e, CloseConnection) for e in closing):
                events, taken = await _events(response, socket, taken)
                closing += events
            await response.done.wait()  # the server ended the stream after the close

    asyncio.run(main())


def test_websocket_route_missing_is_refused(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            refused = _connect(client, "/nowhere")
            await refused.done.wait()
            other = client.start(
                "CONNECT", "/ws/echo", headers=[(b":protocol", b"webtransport")], end=False
            )
            await other.done.wait()
        assert refused.status == 404
        assert other.status == 501

    asyncio.run(main())
