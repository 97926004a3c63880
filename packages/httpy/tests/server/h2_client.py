"""A raw HTTP/2 client over a socket (the h2 library as the client side), for what real
clients will not do: windows that never open, rapid resets, stream floods."""

from __future__ import annotations

import socket

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import Event

__all__ = ["RawH2Client"]


class RawH2Client:
    def __init__(
        self, port: int, *, timeout: float = 5.0, settings: dict[int, int] | None = None
    ) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = H2Connection(H2Configuration(client_side=True, header_encoding=None))
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()

    def headers(
        self,
        path: bytes,
        method: bytes = b"GET",
        *,
        end: bool = True,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(
            stream_id,
            [
                (b":method", method),
                (b":scheme", b"http"),
                (b":authority", b"t"),
                (b":path", path),
                *(extra or []),
            ],
            end_stream=end,
        )
        return stream_id

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def events(self) -> list[Event]:
        """The events of the next read; [] once the server closed the connection."""
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            return []
        if not data:
            return []
        events = self.conn.receive_data(data)
        self.flush()
        return events

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawH2Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
