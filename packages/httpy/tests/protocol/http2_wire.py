"""Helpers for driving `HTTP2Connection` with the h2 library as the client, or raw frames."""

from __future__ import annotations

from typing import Any, TypeVar

from h2 import events as h2e
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.settings import SettingCodes, Settings
from hpack import Encoder
from hyperframe.frame import (
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

from httpy.protocol import HTTP2Connection, HTTP2Limits
from httpy.protocol.events import Event, ProtocolError

T = TypeVar("T")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# The SETTINGS frame an h2-less client sends first: empty, which keeps every default.
EMPTY_SETTINGS = SettingsFrame(0).serialize()


def request_headers(
    method: bytes = b"GET", path: bytes = b"/", *extra: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    return [
        (b":method", method),
        (b":scheme", b"https"),
        (b":authority", b"example.com"),
        (b":path", path),
        *extra,
    ]


class Peer:
    """A server connection and an h2 client talking to it, in memory."""

    def __init__(
        self,
        limits: HTTP2Limits | None = None,
        *,
        client_settings: dict[int, int] | None = None,
        **kwargs: Any,
    ) -> None:
        self.server = HTTP2Connection(limits, **kwargs)
        self.client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
        if client_settings:
            initial = {SettingCodes(code): value for code, value in client_settings.items()}
            self.client.local_settings = Settings(client=True, initial_values=initial)
        self.client.initiate_connection()
        self.server.initiate()
        self.server_events: list[Event] = []
        self.client_events: list[h2e.Event] = []
        self.pump()

    def pump(self) -> None:
        """Move bytes both ways until neither side has anything to send."""
        while True:
            to_server = self.client.data_to_send()
            if to_server:
                self.server_events += self.server.receive_data(to_server)
            to_client = self.server.data_to_send()
            if to_client:
                self.client_events += self.client.receive_data(to_client)
            if not (to_server or to_client):
                return

    def request(
        self,
        method: bytes = b"GET",
        path: bytes = b"/",
        *extra: tuple[bytes, bytes],
        body: bytes | None = None,
    ) -> int:
        stream_id = self.client.get_next_available_stream_id()
        headers = request_headers(method, path, *extra)
        self.client.send_headers(stream_id, headers, end_stream=body is None)
        if body is not None:
            self.send_body(stream_id, body, end_stream=True)
        self.pump()
        return stream_id

    def send_body(self, stream_id: int, body: bytes, *, end_stream: bool = False) -> None:
        """Queue `body` on the client in frames of at most 16 KiB (no pumping)."""
        size = self.client.max_outbound_frame_size
        for i in range(0, len(body), size):
            last = end_stream and i + size >= len(body)
            self.client.send_data(stream_id, body[i : i + size], end_stream=last)
        if end_stream and not body:
            self.client.end_stream(stream_id)

    def take_server_events(self) -> list[Event]:
        events, self.server_events = self.server_events, []
        return events

    def take_client_events(self) -> list[h2e.Event]:
        events, self.client_events = self.client_events, []
        return events

    def raw(self, data: bytes) -> list[Event]:
        """Bytes straight to the server, bypassing the h2 client."""
        return self.server.receive_data(data)


def flags(conn: HTTP2Connection) -> set[str]:
    """The connection's flags that are true (a function, so that mypy does not narrow them)."""
    return {name for name in ("is_closed", "should_close") if getattr(conn, name)}


def of_type(events: list[Any], kind: type[T]) -> list[T]:
    return [event for event in events if isinstance(event, kind)]


def connection_error(events: list[Event]) -> ProtocolError:
    """The one connection-level ProtocolError in `events`, which must be the last event."""
    errors = [e for e in events if isinstance(e, ProtocolError) and e.stream_id == 0]
    assert len(errors) == 1, events
    assert events[-1] == errors[0], events
    return errors[0]


def frames_of(data: bytes) -> list[Frame]:
    """Parse the frames the server sent (no preface in server output)."""
    frames = []
    while data:
        frame, length = Frame.parse_frame_header(memoryview(data[:9]))
        frame.parse_body(memoryview(data[9 : 9 + length]))
        frames.append(frame)
        data = data[9 + length :]
    return frames


def goaway_of(data: bytes) -> GoAwayFrame:
    goaways = [f for f in frames_of(data) if isinstance(f, GoAwayFrame)]
    assert len(goaways) == 1, frames_of(data)
    return goaways[0]


def resets_of(data: bytes) -> dict[int, int]:
    return {f.stream_id: f.error_code for f in frames_of(data) if isinstance(f, RstStreamFrame)}


def window_updates_of(data: bytes) -> list[tuple[int, int]]:
    return [
        (f.stream_id, f.window_increment)
        for f in frames_of(data)
        if isinstance(f, WindowUpdateFrame)
    ]


def raw_frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """A frame built byte by byte, to say what hyperframe would refuse to build."""
    return len(payload).to_bytes(3) + bytes([kind, flags]) + stream_id.to_bytes(4) + payload


def open_server(limits: HTTP2Limits | None = None, **kwargs: Any) -> HTTP2Connection:
    """A server that has sent its preface and read a client's preface and empty SETTINGS."""
    server = HTTP2Connection(limits, **kwargs)
    server.initiate()
    server.data_to_send()
    assert server.receive_data(PREFACE + EMPTY_SETTINGS) == []
    server.data_to_send()
    return server


class RawClient:
    """Builds client frames by hand (hyperframe + HPACK), for what an h2 client would refuse."""

    def __init__(self) -> None:
        self.encoder = Encoder()

    def headers(
        self,
        stream_id: int,
        headers: list[tuple[bytes, bytes]] | None = None,
        *,
        end_stream: bool = True,
        end_headers: bool = True,
    ) -> bytes:
        frame = HeadersFrame(stream_id)
        frame.data = self.encoder.encode(headers or request_headers())
        if end_stream:
            frame.flags.add("END_STREAM")
        if end_headers:
            frame.flags.add("END_HEADERS")
        return bytes(frame.serialize())

    @staticmethod
    def data(stream_id: int, data: bytes, *, end_stream: bool = False) -> bytes:
        frame = DataFrame(stream_id, data)
        if end_stream:
            frame.flags.add("END_STREAM")
        return bytes(frame.serialize())

    @staticmethod
    def rst(stream_id: int, error_code: int = 8) -> bytes:
        frame = RstStreamFrame(stream_id)
        frame.error_code = error_code
        return bytes(frame.serialize())

    @staticmethod
    def ping(payload: bytes = b"12345678") -> bytes:
        return bytes(PingFrame(0, payload).serialize())

    @staticmethod
    def settings() -> bytes:
        return bytes(SettingsFrame(0).serialize())

    @staticmethod
    def window_update(stream_id: int, increment: int) -> bytes:
        frame = WindowUpdateFrame(stream_id)
        frame.window_increment = increment
        return bytes(frame.serialize())
