"""A small HTTP/3 client on aioquic's own client API: the reference peer of the HTTP/3 tests.

Each request gets a :class:`H3Response` filled as events arrive; `request` waits for it to
end (or be reset). The QUIC connection object stays reachable (`quic`) so tests can look at
flow control from the client's side.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aioquic._buffer import Buffer, BufferReadError
from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3 import events as h3e
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.quic import events as qe
from aioquic.quic.configuration import QuicConfiguration

__all__ = ["H3Client", "H3Response", "h3_client"]

# The server's first unidirectional stream is its control stream; GOAWAY is frame type 7.
_CONTROL_STREAM = 3
_GOAWAY = 0x7


@dataclass
class H3Response:
    stream_id: int
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    informational: list[int] = field(default_factory=list)
    #: The error code of a RESET_STREAM from the server, or None.
    reset: int | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    first_data: asyncio.Event = field(default_factory=asyncio.Event)
    #: Set whenever a head or data arrives; a reader clears it once it took what it wanted.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def header(self, name: bytes) -> bytes | None:
        return next((value for key, value in self.headers if key == name), None)


class H3Client(QuicConnectionProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.responses: dict[int, H3Response] = {}
        self.terminated = asyncio.Event()
        #: The error code of the CONNECTION_CLOSE that ended the connection, once it ended.
        self.close_code: int | None = None
        self._control = bytearray()  # the server's control stream, as received

    @property
    def goaway(self) -> int | None:
        """The stream id of the server's last GOAWAY frame, or None."""
        buf = Buffer(data=bytes(self._control))
        found = None
        buf.pull_uint_var()  # the stream type (control)
        while not buf.eof():
            try:
                kind, length = buf.pull_uint_var(), buf.pull_uint_var()
                payload = buf.pull_bytes(length)
            except BufferReadError:
                break  # a frame still on its way
            if kind == _GOAWAY:
                found = Buffer(data=payload).pull_uint_var()
        return found

    @property
    def quic(self) -> Any:
        return self._quic

    def quic_event_received(self, event: qe.QuicEvent) -> None:
        if isinstance(event, qe.ConnectionTerminated):
            self.close_code = event.error_code
            self.terminated.set()
            for response in self.responses.values():
                response.done.set()
        elif isinstance(event, qe.StreamReset) and event.stream_id in self.responses:
            response = self.responses[event.stream_id]
            response.reset = event.error_code
            response.done.set()
        elif isinstance(event, qe.StreamDataReceived) and event.stream_id == _CONTROL_STREAM:
            self._control += event.data
        for h3_event in self.h3.handle_event(event):
            self._h3_event(h3_event)

    def _h3_event(self, event: h3e.H3Event) -> None:
        if not isinstance(event, h3e.HeadersReceived | h3e.DataReceived):
            return
        response = self.responses.get(event.stream_id)
        if response is None:
            return
        if isinstance(event, h3e.HeadersReceived):
            status = int(dict(event.headers).get(b":status", b"0"))
            if response.status and not 100 <= status <= 199:
                response.trailers = list(event.headers)
            elif 100 <= status <= 199:
                response.informational.append(status)
            else:
                response.status = status
                response.headers = [(k, v) for k, v in event.headers if not k.startswith(b":")]
        else:
            response.body += event.data
            if event.data:
                response.first_data.set()
        response.arrived.set()
        if event.stream_ended:
            response.done.set()

    def start(
        self,
        method: str,
        path: str,
        *,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes | None = None,
        end: bool = True,
    ) -> H3Response:
        """Send a request head (and `body`); `end=False` leaves the stream open for more."""
        stream_id = self._quic.get_next_available_stream_id()
        response = self.responses[stream_id] = H3Response(stream_id)
        fields = [
            (b":method", method.encode()),
            (b":scheme", b"https"),
            (b":authority", b"localhost"),
            (b":path", path.encode()),
            *(headers or []),
        ]
        self.h3.send_headers(stream_id, fields, end_stream=end and not body)
        if body:
            self.h3.send_data(stream_id, body, end_stream=end)
        self.transmit()
        return response

    def send_body(self, response: H3Response, data: bytes, *, end: bool = False) -> None:
        self.h3.send_data(response.stream_id, data, end_stream=end)
        self.transmit()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes | None = None,
    ) -> H3Response:
        response = self.start(method, path, headers=headers, body=body)
        await response.done.wait()
        return response


def client_configuration(ca_file: Path, **options: Any) -> QuicConfiguration:
    configuration = QuicConfiguration(
        is_client=True, alpn_protocols=H3_ALPN, server_name="localhost", **options
    )
    configuration.verify_mode = ssl.CERT_REQUIRED
    configuration.load_verify_locations(str(ca_file))
    return configuration


@asynccontextmanager
async def h3_client(
    port: int,
    ca_file: Path,
    *,
    configuration: QuicConfiguration | None = None,
    session_ticket_handler: Any = None,
) -> AsyncIterator[H3Client]:
    """An HTTP/3 connection to 127.0.0.1:`port`, verified against `ca_file`."""
    configuration = configuration or client_configuration(ca_file)
    async with connect(
        "127.0.0.1",
        port,
        configuration=configuration,
        create_protocol=H3Client,
        session_ticket_handler=session_ticket_handler,
    ) as client:
        assert isinstance(client, H3Client)
        yield client
