"""Sans-IO server side of one HTTP/3 connection, over aioquic's QUIC and H3 layers.

Datagrams go in through :meth:`HTTP3Connection.receive_datagram` and come out as httpy events
(the same ``RequestReceived`` / ``RequestData`` / ``RequestEnded`` as HTTP/1.1 and HTTP/2,
plus ``StreamReset`` and the QUIC connection-id events below); responses go in through
``send_*`` and come out of :meth:`datagrams_to_send`. aioquic does QUIC (TLS 1.3, loss
recovery, congestion control, path validation for migration) and HTTP/3 framing with QPACK;
this module adds what a server needs and aioquic leaves open:

- request bodies get flow-control credit only as the handler reads them (aioquic would double
  each stream's window as data arrives, whether anyone reads it or not);
- the peer may open at most ``max_streams`` request streams at once (aioquic: 128);
- header, body and target limits as on HTTP/2 (the field rules of RFC 9114 §4.3 are RFC 9113's);
- WebSocket over HTTP/3 (RFC 9220): an extended CONNECT with ``:protocol websocket`` becomes a
  ``RequestReceived`` with ``upgrade=b"websocket"``, its stream's DATA the socket's bytes;
- graceful shutdown sends GOAWAY (aioquic's H3 layer has no call for it) and refuses streams
  opened after it with H3_REQUEST_REJECTED, so the client may retry them elsewhere.

Invariants:
- ``receive_datagram`` never raises for anything the peer sends: a broken packet is dropped by
  aioquic, a broken HTTP/3 frame closes the connection (``ConnectionTerminated``).
- A request stream is known from its ``RequestReceived`` until the response ends or either
  side resets it. Writes to a stream that is gone are accepted and dropped, because a handler
  may write before it learns of a reset.

aioquic internals used (checked by the tests against the locked version): the connection's
``_local_max_streams_bidi`` limit and ``_write_stream_limits`` hook, a stream sender's
buffer offsets, and the H3 layer's control stream id.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from aioquic import tls
from aioquic.buffer import encode_uint_var
from aioquic.h3 import events as h3e
from aioquic.h3.connection import FrameType, H3Connection, encode_frame
from aioquic.quic import events as qe
from aioquic.quic.connection import QuicConnection
from aioquic.quic.packet import QuicErrorCode, QuicFrameType

from httpy.protocol.events import (
    ConnectionTerminated,
    Event,
    Headers,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
    StreamReset,
)
from httpy.protocol.http2_fields import (
    malformed_fields,
    outgoing_fields,
    request_received,
    split_request_fields,
    target_fault,
)
from httpy.protocol.http11 import LocalProtocolError

if TYPE_CHECKING:
    from collections.abc import Callable

    from aioquic.quic.configuration import QuicConfiguration
    from aioquic.quic.packet_builder import QuicPacketBuilder
    from aioquic.quic.stream import QuicStream

__all__ = [
    "H3_INTERNAL_ERROR",
    "H3_NO_ERROR",
    "H3_REQUEST_CANCELLED",
    "H3_REQUEST_REJECTED",
    "ConnectionIdIssued",
    "ConnectionIdRetired",
    "HTTP3Connection",
    "HTTP3Limits",
]

# RFC 9114 §8.1 error codes used here.
H3_NO_ERROR = 0x100
H3_INTERNAL_ERROR = 0x102
H3_REQUEST_REJECTED = 0x10B
H3_REQUEST_CANCELLED = 0x10C
_MAX_STREAM_DATA_FRAME_CAPACITY = 1 + 8 + 8


class ConnectionIdIssued(NamedTuple):
    """The connection answers to one more connection id: route its datagrams here."""

    connection_id: bytes


class ConnectionIdRetired(NamedTuple):
    """The peer retired a connection id: stop routing it here."""

    connection_id: bytes


@dataclass(frozen=True, slots=True)
class HTTP3Limits:
    #: Request streams the peer may have open at once (QUIC MAX_STREAMS).
    max_streams: int = 100
    #: Request body bytes a stream may send ahead of its handler (QUIC MAX_STREAM_DATA).
    stream_window: int = 256 * 1024
    max_header_count: int = 100
    max_header_list_size: int = 16 * 1024
    max_body_size: int = 1024 * 1024


class _Stream:
    __slots__ = ("body_limit", "head_sent", "received", "rejected", "remote_ended", "unacked")

    def __init__(self, body_limit: int) -> None:
        self.body_limit = body_limit
        self.received = 0
        self.unacked = 0  # handed to the handler and not yet acknowledged
        self.head_sent = False
        self.remote_ended = False
        self.rejected = False  # the body broke its limit: the rest is not read


class _CreditedQuic(QuicConnection):
    """aioquic's QuicConnection, but a request stream's receive window moves only as the
    handler reads (``credit``), so the window bounds what the server holds unread."""

    credit: dict[int, int]

    def _write_stream_limits(
        self, builder: QuicPacketBuilder, space: Any, stream: QuicStream
    ) -> None:
        stream_id = stream.stream_id
        limit = self.credit.get(stream_id) if stream_id is not None else None
        if limit is None or stream_id is None:
            super()._write_stream_limits(builder, space, stream)
            return
        stream.max_stream_data_local = max(stream.max_stream_data_local, limit)
        if stream.max_stream_data_local_sent != stream.max_stream_data_local:
            buf = builder.start_frame(
                QuicFrameType.MAX_STREAM_DATA,
                capacity=_MAX_STREAM_DATA_FRAME_CAPACITY,
                handler=self._on_max_stream_data_delivery,
                handler_args=(stream,),
            )
            buf.push_uint_var(stream_id)
            buf.push_uint_var(stream.max_stream_data_local)
            stream.max_stream_data_local_sent = stream.max_stream_data_local


class HTTP3Connection:
    """One QUIC connection serving HTTP/3 requests."""

    def __init__(  # noqa: PLR0913 - all keyword-only
        self,
        configuration: QuicConfiguration,
        limits: HTTP3Limits,
        *,
        original_destination_connection_id: bytes,
        retry_source_connection_id: bytes | None = None,
        session_ticket_fetcher: Callable[[bytes], Any] | None = None,
        session_ticket_handler: Callable[[Any], None] | None = None,
        server_header: bytes | None = b"httpy",
        body_limit_for: Callable[[RequestReceived], int] | None = None,
    ) -> None:
        quic = _CreditedQuic(
            configuration=configuration,
            original_destination_connection_id=original_destination_connection_id,
            retry_source_connection_id=retry_source_connection_id,
            session_ticket_fetcher=session_ticket_fetcher,
            session_ticket_handler=session_ticket_handler,
        )
        quic.credit = {}
        # Sent in the transport parameters at the handshake; aioquic raises it by one as each
        # stream finishes, so it bounds the streams open at once. `sent` too: aioquic sends
        # MAX_STREAMS only once `value` passes what it believes it sent.
        streams = quic._local_max_streams_bidi
        streams.value = streams.sent = limits.max_streams
        self.quic = quic
        self._h3: H3Connection | None = None
        self._limits = limits
        self._server_header = server_header
        self._body_limit_for = body_limit_for
        self._streams: dict[int, _Stream] = {}
        self._highest_stream_id = -4
        self._goaway_id: int | None = None
        self.closed = False

    @property
    def host_cid(self) -> bytes:
        return self.quic.host_cid

    @property
    def handshake_started(self) -> bool:
        """A packet from the peer decrypted: not a forged or garbage Initial."""
        initial = self.quic._spaces.get(tls.Epoch.INITIAL)
        return initial is not None and len(initial.ack_queue) > 0

    @property
    def draining(self) -> bool:
        return self._goaway_id is not None

    # --- wire ------------------------------------------------------------------------------

    def receive_datagram(self, data: bytes, addr: Any, now: float) -> list[Event | Any]:
        self.quic.receive_datagram(data, addr, now)
        return self._drain()

    def handle_timer(self, now: float) -> list[Event | Any]:
        self.quic.handle_timer(now)
        return self._drain()

    def get_timer(self) -> float | None:
        return self.quic.get_timer()

    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Any]]:
        return self.quic.datagrams_to_send(now)

    def _drain(self) -> list[Event | Any]:
        events: list[Event | Any] = []
        quic = self.quic
        while (event := quic.next_event()) is not None:
            kind = type(event)
            if kind is qe.ProtocolNegotiated:
                self._h3 = H3Connection(quic)
            elif kind is qe.ConnectionIdIssued:
                events.append(ConnectionIdIssued(event.connection_id))  # type: ignore[attr-defined]
            elif kind is qe.ConnectionIdRetired:
                events.append(ConnectionIdRetired(event.connection_id))  # type: ignore[attr-defined]
            elif kind is qe.ConnectionTerminated:
                self.closed = True
                events.append(ConnectionTerminated(event.error_code, 0))  # type: ignore[attr-defined]
            elif kind is qe.StreamReset or kind is qe.StopSendingReceived:
                stream_id: int = event.stream_id  # type: ignore[attr-defined]
                if self._forget(stream_id) is not None:
                    events.append(StreamReset(stream_id, event.error_code))  # type: ignore[attr-defined]
                    self._abort(stream_id, H3_REQUEST_CANCELLED)
            if self._h3 is not None and not self.closed:
                for h3_event in self._h3.handle_event(event):
                    self._translate(h3_event, events)
        return events

    def _translate(self, event: h3e.H3Event, events: list[Event | Any]) -> None:
        if isinstance(event, h3e.HeadersReceived):
            if event.stream_id in self._streams:
                self._trailers(event, events)
            else:
                self._request(event, events)
        elif isinstance(event, h3e.DataReceived):
            stream = self._streams.get(event.stream_id)
            if stream is None or stream.rejected:
                return
            data = event.data
            if data:
                stream.received += len(data)
                if stream.received > stream.body_limit:
                    # The handler learns it when it reads (and may answer 413); the client
                    # is told to stop sending.
                    stream.rejected = True
                    self.quic.credit.pop(event.stream_id, None)
                    self._abort(event.stream_id, H3_REQUEST_REJECTED, send=False)
                    reason = f"body over {stream.body_limit} bytes"
                    events.append(ProtocolError(413, reason, event.stream_id))
                    return
                stream.unacked += len(data)
                events.append(RequestData(data, event.stream_id))
            if event.stream_ended:
                stream.remote_ended = True
                events.append(RequestEnded(event.stream_id))

    def _request(self, event: h3e.HeadersReceived, events: list[Event | Any]) -> None:
        stream_id = event.stream_id
        if stream_id % 4 != 0:
            return  # pushes and other stream kinds carry no requests to a server
        if self._goaway_id is not None and stream_id >= self._goaway_id:
            self._abort(stream_id, H3_REQUEST_REJECTED)
            return
        self._highest_stream_id = max(self._highest_stream_id, stream_id)
        limits = self._limits
        stream = _Stream(limits.max_body_size)
        self._streams[stream_id] = stream
        malformed = malformed_fields(event.headers)
        if malformed is not None:
            self._answer_fault(stream_id, 400, malformed, events)
            return
        pseudo, headers, size = split_request_fields(event.headers)
        authority = pseudo.get(b":authority") or next((v for n, v in headers if n == b"host"), b"")
        # aioquic's SETTINGS always announce extended CONNECT (RFC 9220).
        upgrade, fault = target_fault(pseudo, authority, headers, extended_connect=True)
        if len(event.headers) > limits.max_header_count:
            fault = (431, f"more than {limits.max_header_count} header fields")
        elif size > limits.max_header_list_size:
            fault = (431, f"header list over {limits.max_header_list_size} bytes")
        if fault is not None:
            self._answer_fault(stream_id, *fault, events)
            return
        request = request_received(
            pseudo,
            headers,
            authority=authority,
            stream_id=stream_id,
            http_version="3",
            upgrade=upgrade,
        )
        length = request.content_length
        hook = self._body_limit_for
        if upgrade:
            # A WebSocket's frames are not a body: flow control alone bounds them.
            stream.body_limit = sys.maxsize
        else:
            stream.body_limit = hook(request) if hook else limits.max_body_size
        if length is not None and length > stream.body_limit:
            self._answer_fault(stream_id, 413, f"body over {stream.body_limit} bytes", events)
            return
        events.append(request)
        if event.stream_ended:
            stream.remote_ended = True
            events.append(RequestEnded(stream_id))
        else:
            self.quic.credit[stream_id] = limits.stream_window

    def _trailers(self, event: h3e.HeadersReceived, events: list[Event | Any]) -> None:
        stream_id = event.stream_id
        stream = self._streams[stream_id]
        if stream.rejected:
            return
        if malformed_fields(event.headers, trailers=True) is not None:
            stream.rejected = True
            events.append(ProtocolError(400, "malformed trailers", stream_id))
            return
        _, headers, _size = split_request_fields(event.headers)
        events.append(RequestTrailers(headers, stream_id))
        stream.remote_ended = True
        events.append(RequestEnded(stream_id))

    def _answer_fault(
        self, stream_id: int, status: int, reason: str, events: list[Event | Any]
    ) -> None:
        """Answer a request refused before its handler started, and stop reading its body."""
        del events  # the handler never hears of it
        body = f"{status} {reason}\n".encode()
        headers: Headers = [(b"content-type", b"text/plain; charset=utf-8")]
        self.send_head(stream_id, status, [*headers, (b"content-length", b"%d" % len(body))])
        self.send_data(stream_id, body, end_stream=True)
        self._forget(stream_id)
        self._abort(stream_id, H3_NO_ERROR, send=False)

    # --- sending ---------------------------------------------------------------------------

    def _h3_for(self, stream_id: int) -> tuple[H3Connection, _Stream] | None:
        stream = self._streams.get(stream_id)
        if stream is None or self._h3 is None or self.closed:
            return None
        return self._h3, stream

    def send_head(
        self, stream_id: int, status: int, headers: Headers, *, end_stream: bool = False
    ) -> None:
        """The response head; adds ``date`` and ``server``, drops connection-specific fields."""
        found = self._h3_for(stream_id)
        if found is None:
            return
        h3, stream = found
        if stream.head_sent:
            raise LocalProtocolError("the response head was already sent")
        if not 200 <= status <= 999:
            raise LocalProtocolError(f"invalid final status {status}")
        block = [
            (b":status", b"%d" % status),
            *outgoing_fields(headers, response=True, server=self._server_header),
        ]
        stream.head_sent = True
        h3.send_headers(stream_id, block, end_stream=end_stream)
        if end_stream:
            self._local_end(stream_id)

    def send_informational(self, stream_id: int, status: int, headers: Headers) -> None:
        found = self._h3_for(stream_id)
        if found is None:
            return
        h3, stream = found
        if not 100 <= status <= 199 or status == 101 or stream.head_sent:
            raise LocalProtocolError(f"{status} cannot be sent here")
        h3.send_headers(stream_id, [(b":status", b"%d" % status), *outgoing_fields(headers)])

    def send_data(self, stream_id: int, data: bytes, *, end_stream: bool = False) -> None:
        """Queue body bytes; aioquic sends them as the peer's windows allow (see `buffered`)."""
        found = self._h3_for(stream_id)
        if found is None:
            return
        h3, stream = found
        if not stream.head_sent:
            raise LocalProtocolError("response body before its head")
        h3.send_data(stream_id, data, end_stream=end_stream)
        if end_stream:
            self._local_end(stream_id)

    def send_trailers(self, stream_id: int, headers: Headers) -> None:
        found = self._h3_for(stream_id)
        if found is None:
            return
        h3, stream = found
        if not stream.head_sent:
            raise LocalProtocolError("trailers before the response head")
        h3.send_headers(stream_id, outgoing_fields(headers), end_stream=True)
        self._local_end(stream_id)

    def buffered(self, stream_id: int) -> int:
        """Response bytes queued on the stream and not yet acknowledged by the peer."""
        stream = self.quic._streams.get(stream_id)
        if stream is None:
            return 0
        sender = stream.sender
        return int(sender._buffer_stop - sender._buffer_start)

    def acknowledge_received(self, stream_id: int, size: int) -> None:
        """The handler consumed `size` body bytes: let the peer send that much more."""
        stream = self._streams.get(stream_id)
        credit = self.quic.credit
        if stream is None or size <= 0 or stream_id not in credit:
            return
        size = min(size, stream.unacked)
        stream.unacked -= size
        credit[stream_id] += size

    def reset_stream(self, stream_id: int, error_code: int = H3_INTERNAL_ERROR) -> None:
        """Abort one stream both ways; a stream already gone is left alone."""
        if self._forget(stream_id) is not None and not self.closed:
            self._abort(stream_id, error_code)

    def start_shutdown(self) -> None:
        """GOAWAY: streams up to the highest seen are served; later ones are refused."""
        if self._goaway_id is not None or self._h3 is None or self.closed:
            return
        self._goaway_id = self._highest_stream_id + 4
        control = self._h3._local_control_stream_id
        if control is not None:
            frame = encode_frame(FrameType.GOAWAY, encode_uint_var(self._goaway_id))
            self.quic.send_stream_data(control, frame)

    def refuse(self, reason: str) -> None:
        """Close a new connection with the transport error CONNECTION_REFUSED (an application
        error code would reach the client as APPLICATION_ERROR during the handshake)."""
        if not self.closed:
            # A transport close names the frame that caused it; none did: 0 (RFC 9000 §19.19).
            self.quic.close(
                error_code=QuicErrorCode.CONNECTION_REFUSED, frame_type=0, reason_phrase=reason
            )

    def close(self, error_code: int = H3_NO_ERROR, reason: str = "") -> None:
        if not self.closed:
            self.quic.close(error_code=error_code, reason_phrase=reason)

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    # --- bookkeeping -------------------------------------------------------------------------

    def _local_end(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        self._forget(stream_id)
        if not stream.remote_ended:
            # The response is complete and the body is not wanted any more (RFC 9114 §4.1).
            self._abort(stream_id, H3_NO_ERROR, send=False)

    def _abort(self, stream_id: int, error_code: int, *, send: bool = True) -> None:
        """RESET_STREAM (when `send`) and STOP_SENDING, for what is still open of a stream."""
        quic_stream = self.quic._streams.get(stream_id)
        if quic_stream is None:
            return  # already finished both ways and discarded
        if send and not quic_stream.sender.is_finished:
            self.quic.reset_stream(stream_id, error_code)
        if not quic_stream.receiver.is_finished:
            self.quic.stop_stream(stream_id, error_code)

    def _forget(self, stream_id: int) -> _Stream | None:
        self.quic.credit.pop(stream_id, None)
        return self._streams.pop(stream_id, None)
