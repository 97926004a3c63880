"""Sans-IO server side of one HTTP/2 connection, over the h2 library.

Bytes go in through :meth:`HTTP2Connection.receive_data` and come out as httpy events (the same
``RequestReceived`` / ``RequestData`` / ``RequestEnded`` as HTTP/1.1, plus the HTTP/2 ones in
`events`); responses go in through ``send_*`` and come out of :meth:`data_to_send`. h2 does the
framing, HPACK, stream states, flow-control arithmetic and most header validation; this module
adds what a server on the open internet needs and h2 lacks:

- `FrameGuard` (http2_guard.py) sees every frame header first, so oversized frames, CONTINUATION
  floods, control-frame floods and rapid resets end the connection before they are buffered;
- excess streams are refused one by one (RST_STREAM REFUSED_STREAM), where h2 would end the
  whole connection; header lists over the limits, bodies over the limit, CONNECT and bad
  targets (http2_fields.py) are answered on their own stream (``ProtocolError`` with that
  ``stream_id``);
- request data is handed back to the peer (WINDOW_UPDATE) only as the handler acknowledges it,
  so the receive windows bound what the server holds unread; what nobody will read (a
  rejected or finished stream, padding) is acknowledged at once;
- graceful shutdown (GOAWAY NO_ERROR) lets in-flight streams finish, and so does a peer's
  GOAWAY: h2 itself refuses to send anything after either.

Invariants:
- ``receive_data`` never raises for anything the peer sends; every fault is an event. A
  ``ProtocolError`` with ``stream_id == 0`` means GOAWAY is queued and the server must flush
  ``data_to_send()`` and close; with ``stream_id > 0`` the server answers ``status`` on that
  stream if it has sent nothing there yet (the stream gets no more request events).
- A stream is known from its ``RequestReceived`` until both sides ended it or it was reset.
  Writes to a stream that is gone (reset, already ended, or the connection closed) are
  accepted and dropped, because a handler may write before it learns of a reset; writes to
  a stream that never existed, or out of order, raise ``LocalProtocolError``.
- What h2 queues and what this module queues leave in the order they were queued.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from enum import Enum, auto
from typing import Final

import hpack.hpack
from h2 import events as h2e
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.exceptions import H2Error, NoAvailableStreamIDError, StreamClosedError
from h2.settings import SettingCodes, Settings
from hyperframe.frame import ExtensionFrame, GoAwayFrame, SettingsFrame

from httpy.protocol.events import (
    ConnectionTerminated,
    Event,
    Headers,
    PriorityUpdated,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    RequestTrailers,
    StreamReset,
    WindowOpened,
)
from httpy.protocol.http2_fields import (
    BAD_TARGET_BYTE,
    UPGRADE_ONLY,
    InvalidUpgradeError,
    decode_http2_settings,
    malformed_fields,
    outgoing_fields,
    request_received,
    split_request_fields,
    target_fault,
)
from httpy.protocol.http2_guard import BLOCKS_PER_RUN, FrameGuard, GoAway, Violation
from httpy.protocol.http2_hpack import CachingDecoder, CachingEncoder
from httpy.protocol.http2_limits import HTTP2Limits
from httpy.protocol.http2_stream import StreamState
from httpy.protocol.http11 import LocalProtocolError
from httpy.protocol.priority import DEFAULT_PRIORITY, parse_priority, priority_of
from httpy.protocol.rules import http_date

__all__ = ["CANCEL", "HTTP2Connection", "InvalidUpgradeError"]

CANCEL: Final = int(ErrorCodes.CANCEL)
_PRIORITY_UPDATE: Final = 0x10  # RFC 9218 §7.1
_DEFAULT_CONNECTION_WINDOW: Final = 65_535


class _State(Enum):
    IDLE = auto()  # nothing sent yet: initiate() or initiate_upgrade() comes first
    OPEN = auto()
    DRAINING = auto()  # our GOAWAY(NO_ERROR) is out: no new streams, in-flight ones finish
    CLOSED = auto()  # a GOAWAY with an error went either way: nothing more is read or sent


# The last request accepted as it came: (its decoded fields, its event, the event's fields,
# authority, scheme, urgency, incremental).
_AcceptedRequest = tuple[
    list[tuple[bytes, bytes]],
    RequestReceived,
    tuple[tuple[bytes, bytes], ...],
    bytes,
    bytes,
    int,
    bool,
]


class _SilentLog:
    """A logger whose `debug` does nothing (see `_quiet_hpack`)."""

    __slots__ = ()

    def debug(self, *args: object, **kwargs: object) -> None:
        pass


def _quiet_hpack() -> None:
    """hpack logs every header field it encodes or decodes at DEBUG through its module's
    logger: about 22 logger calls per small HTTP/2 request, 2.6% of the server's
    instructions for it (callgrind), even with DEBUG off. Unless that logger is enabled for
    DEBUG when the first HTTP/2 connection starts, it is swapped for a silent one. To see
    hpack's DEBUG records, enable them for the ``hpack`` logger before the server starts."""
    module_log = getattr(hpack.hpack, "log", None)
    if isinstance(module_log, logging.Logger) and not module_log.isEnabledFor(logging.DEBUG):
        hpack.hpack.log = _SilentLog()  # type: ignore[assignment]


class HTTP2Connection:
    """The server side of one HTTP/2 connection: bytes in, events out; calls in, bytes out."""

    def __init__(
        self,
        limits: HTTP2Limits | None = None,
        *,
        server_header: bytes | None = b"httpy",
        body_limit_for: Callable[[RequestReceived], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        extended_connect: bool = False,
    ) -> None:
        self._limits = limits = limits or HTTP2Limits()
        self._server_header = server_header
        self._body_limit_for = body_limit_for
        # RFC 8441: WebSocket over HTTP/2 with extended CONNECT, when the server serves it.
        self._extended_connect = extended_connect
        self._guard = FrameGuard(limits, clock)
        _quiet_hpack()
        # Outbound fields are lower-cased and checked by `outgoing_fields` already: h2 doing it
        # again costs a fifth of a small response's time.
        config = H2Configuration(
            client_side=False,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
            # Checked by `malformed_fields`, the same rules in one pass (see http2_fields).
            validate_inbound_headers=False,
            # Its one normalisation, joining a split cookie, is `split_request_fields`'s.
            normalize_inbound_headers=False,
        )
        self._h2 = h2 = H2Connection(config)
        # Fresh (so still unused) coders that skip re-coding a repeated header block.
        h2.encoder = CachingEncoder()
        h2.decoder = CachingDecoder()
        # h2 enforces its local settings itself, as connection errors. We advertise ours (see
        # _settings_frame) and give h2 looser ones, so that an excess stream or a header list
        # over the limit costs one stream (refused, or answered 431), not the connection.
        # BLOCKS_PER_RUN streams over is enough: FrameGuard hands h2 at most that many new
        # streams per call, and we refuse the excess before the next. The HPACK decoder
        # keeps a hard cap at 4x the list size against decompression bombs.
        hard_header_cap = 4 * limits.max_header_list_size
        h2.local_settings = Settings(
            client=False,
            initial_values={
                SettingCodes.MAX_CONCURRENT_STREAMS: limits.max_concurrent_streams + BLOCKS_PER_RUN,
                SettingCodes.MAX_HEADER_LIST_SIZE: hard_header_cap,
                SettingCodes.INITIAL_WINDOW_SIZE: limits.initial_window_size,
                SettingCodes.MAX_FRAME_SIZE: limits.max_frame_size,
                SettingCodes.ENABLE_CONNECT_PROTOCOL: int(extended_connect),
            },
        )
        h2.max_inbound_frame_size = limits.max_frame_size
        h2.decoder.max_header_list_size = hard_header_cap
        self._state = _State.IDLE
        self._peer_gone = False
        self._last_stream_id = 0
        self._out = bytearray()
        self._streams: dict[int, StreamState] = {}
        # The last request accepted with no fault: (its decoded fields, its event, scheme,
        # urgency, incremental), to skip re-checking an identical block (see _request).
        self._last_request: _AcceptedRequest | None = None
        # The last response head: (status, fields, date, its block); see _head_block.
        self._last_head: tuple[int, Headers, bytes, Headers] | None = None
        self._peer_streams = 0  # streams in `_streams` the peer opened (odd ids)
        self._early_priority: dict[int, tuple[int, bool]] = {}  # PRIORITY_UPDATEs of idle streams

    # -- starting ---------------------------------------------------------------------------

    def initiate(self) -> None:
        """Queue the server preface: our SETTINGS, then the connection window's WINDOW_UPDATE."""
        self._require(_State.IDLE)
        self._h2.initiate_connection()
        self._start()

    def initiate_upgrade(self, http2_settings: bytes, head: RequestReceived) -> list[RequestEvent]:
        """Take over from an HTTP/1.1 ``Upgrade: h2c`` request, whose answer is stream 1.

        Call it before writing the 101 response: a bad ``HTTP2-Settings`` value raises
        `InvalidUpgradeError` and leaves the HTTP/1.1 connection to answer 400. The request
        must be complete (the server upgrades only requests without a body); it comes back as
        stream 1's ``RequestReceived`` and ``RequestEnded``.
        """
        self._require(_State.IDLE)
        settings = decode_http2_settings(http2_settings)
        try:
            self._h2.initiate_upgrade_connection(base64.urlsafe_b64encode(settings))
        except H2Error as exc:
            raise InvalidUpgradeError(f"HTTP2-Settings refused: {exc}") from exc
        self._start()
        headers = [(n, v) for n, v in head.headers if n not in UPGRADE_ONLY]
        authority = next((v for n, v in headers if n == b"host"), b"")
        stream = StreamState(b"http", authority, self._limits.max_body_size)
        stream.remote_closed = True
        stream.urgency, stream.incremental = priority_of(headers)
        self._add(1, stream)
        request = head._replace(headers=headers, http_version="2", keep_alive=True, stream_id=1)
        return [request, RequestEnded(1)]

    def _start(self) -> None:
        # h2's own SETTINGS carry the loose limits it enforces; ours go out instead.
        self._h2.data_to_send()
        self._out += self._settings_frame()
        increment = self._limits.connection_window_size - _DEFAULT_CONNECTION_WINDOW
        if increment:
            self._h2.increment_flow_control_window(increment)
        self._state = _State.OPEN

    def _settings_frame(self) -> bytes:
        limits = self._limits
        frame = SettingsFrame(0)
        frame.settings = {
            SettingsFrame.MAX_CONCURRENT_STREAMS: limits.max_concurrent_streams,
            SettingsFrame.INITIAL_WINDOW_SIZE: limits.initial_window_size,
            SettingsFrame.MAX_FRAME_SIZE: limits.max_frame_size,
            SettingsFrame.MAX_HEADER_LIST_SIZE: limits.max_header_list_size,
            # Extended CONNECT (RFC 8441, WebSocket over HTTP/2), when the server serves it.
            SettingsFrame.ENABLE_CONNECT_PROTOCOL: int(self._extended_connect),
        }
        return bytes(frame.serialize())

    # -- state ------------------------------------------------------------------------------

    @property
    def open_streams(self) -> int:
        """Streams not yet ended both ways nor reset, pushed ones included."""
        return len(self._streams)

    @property
    def is_closed(self) -> bool:
        """A GOAWAY with an error went out or came in: nothing more is read or sent."""
        return self._state is _State.CLOSED

    @property
    def should_close(self) -> bool:
        """The server must close the socket once ``data_to_send()`` is flushed."""
        if self._state is _State.CLOSED:
            return True
        draining = self._state is _State.DRAINING or self._peer_gone
        return draining and not self._streams

    def priority(self, stream_id: int) -> tuple[int, bool]:
        """RFC 9218 (urgency 0-7, incremental) of a stream; (3, False) when it sent none."""
        stream = self._streams.get(stream_id)
        return DEFAULT_PRIORITY if stream is None else (stream.urgency, stream.incremental)

    def send_window(self, stream_id: int) -> int:
        """Bytes of response data `send_data` would take now on this stream."""
        if stream_id not in self._streams or self._state is _State.CLOSED:
            return 0
        try:
            return max(0, self._h2.local_flow_control_window(stream_id))
        except StreamClosedError:
            return 0

    def data_to_send(self) -> bytes:
        """Everything queued so far, in order; then empty until more is queued."""
        if self._out:
            data = bytes(self._out) + self._h2.data_to_send()
            self._out.clear()
            return data
        return self._h2.data_to_send()

    # -- receiving --------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed bytes from the peer; returns the events they complete."""
        if self._state is _State.CLOSED:
            return []
        events: list[Event] = []
        for piece in self._guard.scan(data):
            if isinstance(piece, bytes):
                self._feed(piece, events)
            elif isinstance(piece, GoAway):
                self._peer_goaway(piece, events)
            else:
                self._fail(piece, events)
            if self.is_closed:
                break
        return events

    def _feed(self, data: bytes, events: list[Event]) -> None:
        try:
            h2_events = self._h2.receive_data(data)
        except H2Error as exc:
            code = int(getattr(exc, "error_code", ErrorCodes.PROTOCOL_ERROR))
            # h2 queues its GOAWAY itself, except when the preface is wrong.
            queued = self._h2.state_machine.state.name == "CLOSED"
            reason = str(exc)
            if not reason or reason.isdigit():  # StreamClosedError says only the stream id
                reason = f"{type(exc).__name__}: {reason}"
            self._fail(Violation(code, reason), events, queued=queued)
            return
        except Exception as exc:  # noqa: BLE001 - a fault inside h2 must end this connection only
            reason = f"internal error in h2: {type(exc).__name__}: {exc}"
            self._fail(Violation(int(ErrorCodes.INTERNAL_ERROR), reason, 500), events)
            return
        for event in h2_events:
            self._translate(event, events)
            if self.is_closed:
                return

    def _translate(self, event: h2e.Event, events: list[Event]) -> None:  # noqa: PLR0912
        if isinstance(event, h2e.DataReceived):
            self._data(event, events)
        elif isinstance(event, h2e.RequestReceived):
            self._request(event, events)
        elif isinstance(event, h2e.StreamEnded):
            stream = self._streams.get(event.stream_id)
            if stream is not None:
                stream.remote_closed = True
                if not stream.rejected:
                    events.append(RequestEnded(event.stream_id))
        elif isinstance(event, h2e.TrailersReceived):
            self._trailers(event, events)
        elif isinstance(event, h2e.WindowUpdated):
            if event.stream_id == 0 or event.stream_id in self._streams:
                events.append(WindowOpened(event.stream_id))
        elif isinstance(event, h2e.StreamReset):
            if self._forget(event.stream_id) is not None:
                events.append(StreamReset(event.stream_id, int(event.error_code)))
            if not event.remote_reset:
                # h2 reset it for a fault of the peer's: as costly to us as a peer reset.
                self._count_reset(events)
        elif isinstance(event, h2e.RemoteSettingsChanged):
            if SettingCodes.INITIAL_WINDOW_SIZE in event.changed_settings:
                events.append(WindowOpened(0))
        elif isinstance(event, h2e.UnknownFrameReceived):
            frame = event.frame
            if isinstance(frame, ExtensionFrame) and frame.type == _PRIORITY_UPDATE:
                self._priority_update(frame, events)

    def _request(self, event: h2e.RequestReceived, events: list[Event]) -> None:
        last = self._last_request
        if last is not None and event.headers == last[0]:
            self._repeated_request(event.stream_id, last, event.stream_ended is not None, events)
            return
        stream_id = event.stream_id
        malformed = malformed_fields(event.headers)
        if malformed is not None:
            # RFC 9113 §5.4.1 lets a malformed request end the connection, as h2 did.
            self._fail(Violation(int(ErrorCodes.PROTOCOL_ERROR), malformed), events)
            return
        if self._refused(stream_id, events):
            return
        pseudo, headers, size = split_request_fields(event.headers)
        authority = pseudo.get(b":authority") or next((v for n, v in headers if n == b"host"), b"")
        stream = StreamState(pseudo.get(b":scheme", b"https"), authority, 0)
        early = self._early_priority.pop(stream_id, None)
        stream.urgency, stream.incremental = early or priority_of(headers)
        if event.stream_ended is not None:
            stream.remote_closed = True
        self._add(stream_id, stream)
        upgrade, fault = target_fault(
            pseudo, authority, headers, extended_connect=self._extended_connect
        )
        if len(event.headers) > self._limits.max_header_count:
            fault = (431, f"more than {self._limits.max_header_count} header fields")
        elif size > self._limits.max_header_list_size:
            fault = (431, f"header list over {self._limits.max_header_list_size} bytes")
        if fault is not None:
            self._reject(stream_id, stream, *fault, events=events)
            return
        request = request_received(
            pseudo,
            headers,
            authority=authority,
            stream_id=stream_id,
            http_version="2",
            upgrade=upgrade,
        )
        if not upgrade and early is None:
            # Accepted as it is: the same field list again is accepted the same way.
            # Copies: the handler may change its request's list of fields.
            self._last_request = (list(event.headers), request, tuple(request.headers),
                                  authority, stream.scheme, stream.urgency,
                                  stream.incremental)  # fmt: skip
        self._admit_body(stream_id, stream, request, upgrade, events)

    def _refused(self, stream_id: int, events: list[Event]) -> bool:
        """Refuse a new stream (REFUSED_STREAM) opened after our GOAWAY, which the peer will
        retry elsewhere (RFC 9113 §6.8), or over the concurrency limit; True if refused."""
        if self._state is _State.DRAINING and stream_id > self._last_stream_id:
            self._h2.reset_stream(stream_id, ErrorCodes.REFUSED_STREAM)
            return True
        if self._peer_streams >= self._limits.max_concurrent_streams:
            self._h2.reset_stream(stream_id, ErrorCodes.REFUSED_STREAM)
            self._count_reset(events)
            return True
        return False

    def _repeated_request(
        self,
        stream_id: int,
        last: _AcceptedRequest,
        ended: bool,  # noqa: FBT001 - positional, internal
        events: list[Event],
    ) -> None:
        """The same fields as the last accepted request (a client under load sends the same
        block again and again): its checks and parsing are not repeated, only the state
        that is the stream's own."""
        if self._refused(stream_id, events):
            return
        _, template, headers, authority, scheme, urgency, incremental = last
        stream = StreamState(scheme, authority, 0)
        early = self._early_priority.pop(stream_id, None)
        stream.urgency, stream.incremental = early or (urgency, incremental)
        stream.remote_closed = ended
        self._add(stream_id, stream)
        # A fresh list: the handler may change its request's fields. Built whole: a named
        # tuple's _replace costs more than the rest of this method.
        request = RequestReceived(
            template.method,
            template.target,
            list(headers),
            template.http_version,
            template.keep_alive,
            template.expect_continue,
            template.content_length,
            stream_id,
            template.upgrade,
        )
        self._admit_body(stream_id, stream, request, b"", events)

    def _admit_body(
        self,
        stream_id: int,
        stream: StreamState,
        request: RequestReceived,
        upgrade: bytes,
        events: list[Event],
    ) -> None:
        length = request.content_length
        hook = self._body_limit_for
        if upgrade:
            # A WebSocket's frames are not a body: flow control alone bounds them.
            stream.body_limit = sys.maxsize
        else:
            stream.body_limit = hook(request) if hook else self._limits.max_body_size
        if length is not None and length > stream.body_limit:
            self._reject(stream_id, stream, 413, f"body over {stream.body_limit} bytes", events)
            return
        events.append(request)

    def _data(self, event: h2e.DataReceived, events: list[Event]) -> None:
        stream_id, data = event.stream_id, event.data
        stream = self._streams.get(stream_id)
        if stream is None or stream.rejected:
            # Nobody will read it: hand the window back now.
            self._acknowledge(event.flow_controlled_length, stream_id)
            return
        # Padding is never handed to the handler, so it is acknowledged here.
        self._acknowledge(event.flow_controlled_length - len(data), stream_id)
        stream.received += len(data)
        if stream.received > stream.body_limit:
            self._acknowledge(len(data), stream_id)
            self._reject(stream_id, stream, 413, f"body over {stream.body_limit} bytes", events)
        elif data:
            stream.unacked += len(data)
            events.append(RequestData(data, stream_id))

    def _trailers(self, event: h2e.TrailersReceived, events: list[Event]) -> None:
        malformed = malformed_fields(event.headers, trailers=True)
        if malformed is not None:
            self._fail(Violation(int(ErrorCodes.PROTOCOL_ERROR), malformed), events)
            return
        stream = self._streams.get(event.stream_id)
        if stream is None or stream.rejected:
            return
        _, headers, size = split_request_fields(event.headers)
        if len(headers) > self._limits.max_header_count or size > self._limits.max_header_list_size:
            self._reject(event.stream_id, stream, 431, "trailer fields over the limits", events)
            return
        events.append(RequestTrailers(headers, event.stream_id))

    def _reject(
        self, stream_id: int, stream: StreamState, status: int, reason: str, events: list[Event]
    ) -> None:
        """Answer `status` on this stream; its request data is discarded from now on."""
        stream.rejected = True
        if stream.unacked:
            self._acknowledge(stream.unacked, stream_id)
            stream.unacked = 0
        events.append(ProtocolError(status, reason, stream_id))
        self._count_reset(events)

    def _count_reset(self, events: list[Event]) -> None:
        """A stream ended by the peer's fault counts toward the rapid-reset limit: a peer
        that makes us refuse or reject streams costs us as much as one that cancels them."""
        violation = self._guard.stream_refused()
        if violation is not None:
            self._fail(violation, events)

    def _priority_update(self, frame: ExtensionFrame, events: list[Event]) -> None:
        body = frame.body
        # RFC 9218 §7.1: sent on stream 0, naming a stream; anything else is PROTOCOL_ERROR.
        target = int.from_bytes(body[:4]) & 0x7FFF_FFFF if len(body) >= 4 else 0
        if frame.stream_id != 0 or target == 0:
            code = int(ErrorCodes.PROTOCOL_ERROR)
            self._fail(Violation(code, "malformed PRIORITY_UPDATE"), events)
            return
        stream = self._streams.get(target)
        if stream is not None:
            stream.urgency, stream.incremental = parse_priority(body[4:])
            events.append(PriorityUpdated(target, stream.urgency, stream.incremental))
        elif target % 2 and target > self._h2.highest_inbound_stream_id:
            # RFC 9218 §7.1: a signal may come just before its stream opens; it is kept for
            # it, in a table no larger than the streams the peer may open at once.
            early = self._early_priority
            early[target] = parse_priority(body[4:])
            if len(early) > self._limits.max_concurrent_streams:
                del early[next(iter(early))]

    def _peer_goaway(self, goaway: GoAway, events: list[Event]) -> None:
        events.append(ConnectionTerminated(goaway.error_code, goaway.last_stream_id))
        self._peer_gone = True
        if goaway.error_code != ErrorCodes.NO_ERROR:
            self._state = _State.CLOSED
            return
        # Pushed streams above the peer's last stream id will never be read.
        for stream_id in [s for s in self._streams if s % 2 == 0 and s > goaway.last_stream_id]:
            self._forget(stream_id)
            events.append(StreamReset(stream_id, int(ErrorCodes.REFUSED_STREAM)))

    def _fail(self, violation: Violation, events: list[Event], *, queued: bool = False) -> None:
        if not queued:
            self._goaway(violation.error_code)
        self._state = _State.CLOSED
        events.append(ProtocolError(violation.status, violation.reason, 0))

    # -- sending ----------------------------------------------------------------------------

    def send_head(
        self, stream_id: int, status: int, headers: Headers, *, end_stream: bool = False
    ) -> None:
        """The response head; adds ``date`` and ``server``, drops connection-specific fields."""
        stream = self._sendable(stream_id)
        if stream is None:
            return
        block = self._head_block(stream, status, headers)
        self._call(stream_id, self._h2.send_headers, stream_id, block, end_stream=end_stream)
        if end_stream:
            self._local_end(stream_id)

    def send_response(self, stream_id: int, status: int, headers: Headers, body: bytes) -> int:
        """A whole response: `send_head`, then as much of `body` as the windows take now,
        the stream ended once all of it is taken. Returns the body bytes taken; the caller
        keeps the rest for `send_data` once a ``WindowOpened`` comes."""
        stream = self._sendable(stream_id)
        size = len(body)
        if stream is None:
            return size
        block = self._head_block(stream, status, headers)
        h2 = self._h2
        try:
            h2.send_headers(stream_id, block, end_stream=not size)
            if size and size <= h2.max_outbound_frame_size:
                if size > h2.local_flow_control_window(stream_id):
                    return self.send_data(stream_id, body, end_stream=True)
                # Most bodies: one DATA frame that ends the stream, in one h2 call.
                h2.send_data(stream_id, body, end_stream=True)
                self._guard.data_sent(1)
            elif size:
                return self.send_data(stream_id, body, end_stream=True)
        except StreamClosedError:
            self._forget(stream_id)
            return size
        except H2Error as exc:
            raise LocalProtocolError(f"h2 refused the send on stream {stream_id}: {exc}") from exc
        self._local_end(stream_id)
        return size

    def _head_block(self, stream: StreamState, status: int, headers: Headers) -> Headers:
        """The checked field block of a final response head; marks the head sent."""
        if stream.head_sent:
            raise LocalProtocolError("the response head was already sent")
        if not 200 <= status <= 999:
            raise LocalProtocolError(f"invalid final status {status}")
        date = http_date()
        last = self._last_head
        # A server answers with the same fields again and again: the block of the last
        # head is reused while its fields and the date are the same (the same input gives
        # the same output, so nothing goes unchecked; h2 copies the list it is given).
        if last is not None and last[2] is date and last[0] == status and last[1] == headers:
            block = last[3]
        else:
            block = [
                (b":status", str(status).encode()),
                *outgoing_fields(headers, response=True, server=self._server_header),
            ]
            self._last_head = (status, list(headers), date, block)
        # Only once the fields passed: a refused head leaves the stream free for another.
        stream.head_sent = True
        return block

    def send_informational(self, stream_id: int, status: int, headers: Headers) -> None:
        """A 1xx response (``100 Continue``, ``103 Early Hints``) before the final one."""
        stream = self._sendable(stream_id)
        if stream is None:
            return
        if not 100 <= status <= 199 or status == 101:
            raise LocalProtocolError(f"{status} is not an HTTP/2 informational status")
        if stream.head_sent:
            raise LocalProtocolError("the response head was already sent")
        block = [(b":status", str(status).encode()), *outgoing_fields(headers)]
        self._call(stream_id, self._h2.send_headers, stream_id, block)

    def send_data(self, stream_id: int, data: bytes, *, end_stream: bool = False) -> int:
        """Send what the windows allow now; returns the bytes taken (the caller keeps the
        rest and waits for ``WindowOpened``). ``end_stream`` applies once all is taken."""
        stream = self._sendable(stream_id)
        if stream is None:
            return len(data)
        if not stream.head_sent:
            raise LocalProtocolError("response body before its head")
        h2 = self._h2
        taken = frames = 0
        while taken < len(data):
            size = min(len(data) - taken, h2.local_flow_control_window(stream_id))
            size = min(size, h2.max_outbound_frame_size)
            if size <= 0:
                break
            last = end_stream and taken + size == len(data)
            if not self._call(stream_id, h2.send_data, stream_id, data[taken : taken + size], last):
                return len(data)
            taken += size
            frames += 1
        if frames:
            self._guard.data_sent(frames)
        if end_stream and taken == len(data):
            if not data and not self._call(stream_id, h2.end_stream, stream_id):
                return 0
            self._local_end(stream_id)
        return taken

    def send_trailers(self, stream_id: int, headers: Headers) -> None:
        """Trailer fields after the body; they end the stream."""
        stream = self._sendable(stream_id)
        if stream is None:
            return
        if not stream.head_sent:
            raise LocalProtocolError("trailers before the response head")
        fields = outgoing_fields(headers)
        if self._call(stream_id, self._h2.send_headers, stream_id, fields, end_stream=True):
            self._local_end(stream_id)

    def acknowledge_received(self, stream_id: int, size: int) -> None:
        """The handler consumed `size` body bytes: let the peer send that much more."""
        stream = self._streams.get(stream_id)
        if stream is None or size <= 0 or self._state is _State.CLOSED:
            return
        size = min(size, stream.unacked)
        stream.unacked -= size
        self._acknowledge(size, stream_id)

    def reset_stream(self, stream_id: int, error_code: int = CANCEL) -> None:
        """Abort one stream (RST_STREAM); a stream already gone is left alone."""
        if self._state is _State.CLOSED or stream_id not in self._streams:
            return
        with contextlib.suppress(StreamClosedError):
            self._h2.reset_stream(stream_id, error_code)
        self._forget(stream_id)

    def push(
        self, stream_id: int, method: str, path: bytes, headers: Headers
    ) -> RequestReceived | None:
        """Promise a response to `method path` on `stream_id` (PUSH_PROMISE) and return the
        pushed request, to be run like any other (it has no body and no ``RequestEnded``).

        None when the peer disabled push, is going away, has too many pushed streams open,
        or the parent stream is gone.
        """
        if method not in ("GET", "HEAD"):
            raise ValueError(f"only GET and HEAD can be pushed, not {method}")
        if path[:1] != b"/" or BAD_TARGET_BYTE.search(path):
            raise ValueError(f"invalid path to push: {path!r}")
        parent = self._streams.get(stream_id)
        h2 = self._h2
        pushed = sum(1 for s in self._streams if s % 2 == 0)
        if (
            parent is None
            or stream_id % 2 == 0
            or self._state is not _State.OPEN
            or self._peer_gone
            or not h2.remote_settings.enable_push
            or pushed >= h2.remote_settings.max_concurrent_streams
        ):
            return None
        fields = outgoing_fields(headers)
        try:
            promised = h2.get_next_available_stream_id()
        except NoAvailableStreamIDError:
            return None
        block = [
            (b":method", method.encode()),
            (b":scheme", parent.scheme),
            (b":authority", parent.authority),
            (b":path", path),
            *fields,
        ]
        if not self._call(stream_id, h2.push_stream, stream_id, promised, block):
            return None
        stream = StreamState(parent.scheme, parent.authority, 0)
        stream.remote_closed = True
        self._add(promised, stream)
        request_headers = [(b"host", parent.authority), *fields]
        return RequestReceived(
            method=method,
            target=path,
            headers=request_headers,
            http_version="2",
            keep_alive=True,
            expect_continue=False,
            content_length=None,
            stream_id=promised,
        )

    def start_shutdown(self) -> None:
        """GOAWAY(NO_ERROR, last stream id): no new streams; the ones in flight finish."""
        if self._state is not _State.OPEN:
            return
        self._last_stream_id = self._h2.highest_inbound_stream_id
        self._goaway(ErrorCodes.NO_ERROR)
        self._state = _State.DRAINING

    def close(self, error_code: int) -> None:
        """GOAWAY(`error_code`); the server flushes ``data_to_send()`` and closes the socket."""
        if self._state is _State.CLOSED:
            return
        if self._state is not _State.IDLE:
            self._goaway(error_code)
        self._state = _State.CLOSED

    # -- helpers ----------------------------------------------------------------------------

    def _require(self, state: _State) -> None:
        if self._state is not state:
            raise LocalProtocolError(f"connection is {self._state.name}, not {state.name}")

    def _sendable(self, stream_id: int) -> StreamState | None:
        """The stream to write on; None when the peer reset it or the connection closed."""
        if self._state is _State.IDLE:
            raise LocalProtocolError("initiate() the connection first")
        stream = self._streams.get(stream_id)
        if stream is not None and self._state is not _State.CLOSED:
            return stream
        h2 = self._h2
        highest = (
            h2.highest_outbound_stream_id if stream_id % 2 == 0 else h2.highest_inbound_stream_id
        )
        if stream_id <= 0 or stream_id > highest:
            raise LocalProtocolError(f"stream {stream_id} was never opened")
        return None

    def _call(
        self, stream_id: int, method: Callable[..., object], *args: object, **kw: object
    ) -> bool:
        """Run an h2 send; False (and the stream forgotten) when h2 finds it closed already."""
        try:
            method(*args, **kw)
        except StreamClosedError:
            self._forget(stream_id)
            return False
        except H2Error as exc:
            raise LocalProtocolError(f"h2 refused the send on stream {stream_id}: {exc}") from exc
        return True

    def _local_end(self, stream_id: int) -> None:
        stream = self._streams.get(stream_id)
        if stream is None:
            return
        if not stream.remote_closed:
            # RFC 9113 §8.1: the response is complete, so the rest of the request is not
            # needed; NO_ERROR tells the client to stop sending it without failing.
            self._h2.reset_stream(stream_id, ErrorCodes.NO_ERROR)
        self._forget(stream_id)

    def _add(self, stream_id: int, stream: StreamState) -> None:
        self._streams[stream_id] = stream
        self._peer_streams += stream_id % 2

    def _forget(self, stream_id: int) -> StreamState | None:
        """Drop a finished stream; the window its unread data held goes back to the peer."""
        stream = self._streams.pop(stream_id, None)
        if stream is not None:
            self._peer_streams -= stream_id % 2
            if stream.unacked:
                self._acknowledge(stream.unacked, stream_id)
        return stream

    def _acknowledge(self, size: int, stream_id: int) -> None:
        if size > 0:
            self._h2.acknowledge_received_data(size, stream_id)

    def _goaway(self, error_code: int) -> None:
        # Built here rather than by h2: h2 refuses every later send once it has sent GOAWAY.
        frame = GoAwayFrame(0)
        frame.last_stream_id = self._h2.highest_inbound_stream_id
        frame.error_code = int(error_code)
        self._out += self._h2.data_to_send()
        self._out += frame.serialize()
