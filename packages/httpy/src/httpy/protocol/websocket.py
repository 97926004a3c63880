"""Sans-IO server side of one WebSocket connection (RFC 6455), after the opening handshake.

The server layer does the handshake (websocket_handshake.py: ``101`` over HTTP/1.1, ``200`` to
an extended CONNECT over HTTP/2) and then feeds the connection's bytes to
:meth:`WebSocketConnection.receive_data`, which returns typed events (websocket_events.py).
Every call that produces bytes queues them; the server sends ``data_to_send()`` after each
call, the way protocol/http2.py works.

Framing is the sans-IO core of the `websockets` library (``websockets.protocol.Protocol``),
not wsproto. Measured with benchmarks/websocket_framing.py (64-byte text echo: parse a masked
client frame, hand out the ``str``, build the reply frame), it did about 3x wsproto's messages
per second, with and without permessage-deflate, and the issue's target of 1.2x uvicorn's
echo rate leaves no room for a 3x slower core. It is also the stricter base: it bounds every
frame from its header before buffering the payload, and it inflates permessage-deflate data
at most up to what is left of the message budget, where wsproto inflates a frame whole (a
compression bomb would be inflated in full before any limit could look at it). On top of it
this module adds what the library leaves to its asyncio layer or gets wrong for a server:
UTF-8 checked frame by frame as it arrives (a text message that turns invalid in its first
fragment fails then, not at its end), reassembly of fragmented messages, a Close frame in
the middle of a fragmented message treated as a close (RFC 6455 §5.4 lets control frames
come between fragments; the library fails it with 1002), and typed events. The hook is the
library's ``Protocol.recv_frame``, which it documents as private: the dependency's floor is
the version tested here, and the strictness tests fail if its behaviour moves.

Invariants:
- ``receive_data`` never raises for anything the peer sends; every fault is a
  `ProtocolViolation` event, after which the connection is closed and reads nothing more.
- The state only moves forward: OPEN -> CLOSING (our Close sent) -> CLOSED, or OPEN -> CLOSED
  (the peer's Close answered, a violation, or the stream ended). Once CLOSED, the server
  sends what ``data_to_send()`` holds and closes the connection (HTTP/1.1) or ends the
  stream (HTTP/2).
- What is queued leaves in the order it was queued; ``data_to_send()`` empties the queue.
- The buffered, unparsed input never exceeds one frame (bounded by ``max_frame_size``) plus
  the data of the last ``receive_data`` call; a message under reassembly never exceeds
  ``max_message_size``.
"""

from __future__ import annotations

import codecs
import logging
import struct
from enum import Enum
from typing import Final

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import BINARY, CLOSE, CONT, PING, TEXT, CloseCode, Frame
from websockets.protocol import Protocol, Side

from httpy.protocol.websocket_deflate import Deflate
from httpy.protocol.websocket_events import (
    BytesMessage,
    CloseReceived,
    Ping,
    Pong,
    ProtocolViolation,
    TextMessage,
    WebSocketEvent,
)
from httpy.protocol.websocket_limits import WebSocketLimits

__all__ = ["WebSocketClosedError", "WebSocketConnection", "WebSocketState"]

_LOGGER: Final = logging.getLogger("httpy.websocket")
_MAX_CONTROL_PAYLOAD: Final = 125  # RFC 6455 §5.5
_MAX_CLOSE_REASON: Final = _MAX_CONTROL_PAYLOAD - 2
# Close codes an endpoint may put on the wire (RFC 6455 §7.4; 1004-1006 and 1015 are reserved
# for reporting, never sent), plus the registered and private ranges 3000-4999.
_SENDABLE_CODES: Final = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)})
_ABNORMAL: Final = int(CloseCode.ABNORMAL_CLOSURE)
_UTF8: Final = codecs.getincrementaldecoder("utf-8")
# First header byte of a whole (FIN) text or binary frame; the length encodings of §5.2.
_TEXT_FIN: Final = 0x80 | TEXT
_BINARY_FIN: Final = 0x80 | BINARY
_LENGTH_16: Final = 126
_LENGTH_64: Final = 1 << 16
_HEAD_16: Final = struct.Struct("!BBH")
_HEAD_64: Final = struct.Struct("!BBQ")


class WebSocketState(Enum):
    OPEN = "open"
    CLOSING = "closing"  # our Close frame is out; the peer's answer is awaited
    CLOSED = "closed"  # both Close frames went, or the connection failed or ended


class _Trigger(Enum):
    SEND_CLOSE = "send close"  # the application called close()
    RECEIVE_CLOSE = "receive close"  # the peer's Close frame arrived (answered if due)
    FAIL = "fail"  # the peer broke the protocol or a limit
    EOF = "eof"  # the stream ended


# What each trigger does to the state; a pair that is not here leaves the state as it is
# (a second close() while closing, anything once closed).
_TRANSITIONS: Final = {
    (WebSocketState.OPEN, _Trigger.SEND_CLOSE): WebSocketState.CLOSING,
    (WebSocketState.OPEN, _Trigger.RECEIVE_CLOSE): WebSocketState.CLOSED,
    (WebSocketState.OPEN, _Trigger.FAIL): WebSocketState.CLOSED,
    (WebSocketState.OPEN, _Trigger.EOF): WebSocketState.CLOSED,
    (WebSocketState.CLOSING, _Trigger.RECEIVE_CLOSE): WebSocketState.CLOSED,
    (WebSocketState.CLOSING, _Trigger.FAIL): WebSocketState.CLOSED,
    (WebSocketState.CLOSING, _Trigger.EOF): WebSocketState.CLOSED,
}


class WebSocketClosedError(Exception):
    """Nothing more can be sent: the connection is closing or closed."""


def _is_sendable(code: int) -> bool:
    return code in _SENDABLE_CODES or 3000 <= code <= 4999


class _Framing(Protocol):
    """websockets' frame parser with httpy's message layer hooked in where each frame lands.

    `recv_frame` runs for each frame before the next one is parsed, so an exception it raises
    fails the connection at that frame: the library maps UnicodeDecodeError to 1007,
    ProtocolError to 1002 and PayloadTooBig to 1009, queues the Close frame and discards the
    rest of the input. httpy's events collect in `received`; the library's own list of
    frames is emptied as it fills.
    """

    def __init__(self, limits: WebSocketLimits, deflate: Deflate | None) -> None:
        super().__init__(
            Side.SERVER,
            max_size=(limits.max_message_size, limits.max_frame_size),
            logger=_LOGGER,
        )
        if deflate is not None:
            self.extensions = [deflate.extension()]
        self.max_message = limits.max_message_size
        self.failure: tuple[int, str] | None = None
        self.received: list[WebSocketEvent] = []
        # The message under reassembly, and a UTF-8 checker when it is text.
        self.message = bytearray()
        self.decoder: codecs.IncrementalDecoder | None = None

    def recv_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        # The fast path, one whole message in one frame.
        if opcode is TEXT and frame.fin and self.current_size is None:
            self.received.append(TextMessage(str(frame.data, "utf-8")))
        elif opcode is BINARY and frame.fin and self.current_size is None:
            self.received.append(BytesMessage(bytes(frame.data)))
        elif opcode is TEXT or opcode is BINARY or opcode is CONT:
            self._fragment(frame)
        elif opcode is CLOSE:
            # A close may come between fragments: the unfinished message is dropped.
            self.current_size = None
            self.message = bytearray()
            self.decoder = None
            super().recv_frame(frame)  # checks code and reason, queues the echo
            self.events.clear()
            close = self.close_rcvd
            assert close is not None  # noqa: S101 (the library sets it or raised)
            self.received.append(CloseReceived(int(close.code), close.reason))
        elif opcode is PING:
            super().recv_frame(frame)  # queues the pong
            self.events.clear()
            self.received.append(Ping(bytes(frame.data)))
        else:
            super().recv_frame(frame)
            self.events.clear()
            self.received.append(Pong(bytes(frame.data)))

    def _fragment(self, frame: Frame) -> None:
        """One frame of a fragmented message, checked as the library checks the sequence."""
        if frame.opcode is CONT:
            if self.current_size is None:
                raise ProtocolError("unexpected continuation frame")
        elif self.current_size is not None:
            raise ProtocolError("expected a continuation frame")
        else:
            self.current_size = 0
            self.decoder = _UTF8() if frame.opcode is TEXT else None
        data = frame.data
        size = self.current_size + len(data)
        # The library bounds each frame by what is left of the budget; this keeps the sum
        # bounded too, should a codec ever hand back more than it was allowed.
        if size > self.max_message:
            raise PayloadTooBig(size, self.max_message)
        decoder = self.decoder
        if decoder is not None:
            # Raises at the first invalid byte, so a bad message fails at that fragment.
            decoder.decode(data, frame.fin)
        # One growing buffer, not a list of parts: a message sent one byte per frame must
        # not cost an object per byte.
        self.message += data
        if not frame.fin:
            self.current_size = size
            return
        self.current_size = None
        self.decoder = None
        message, self.message = self.message, bytearray()
        if decoder is not None:
            self.received.append(TextMessage(message.decode()))
        else:
            self.received.append(BytesMessage(bytes(message)))

    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        if self.failure is None:
            self.failure = (int(code), reason)
        super().fail(code, reason)


class WebSocketConnection:
    """The server side of one open WebSocket: bytes in, events out; calls in, bytes out.

    Pings are answered and the peer's Close is echoed automatically (both queued for
    ``data_to_send()``); the application sees them as events.
    """

    __slots__ = ("_framing", "_state")

    def __init__(
        self, limits: WebSocketLimits | None = None, *, deflate: Deflate | None = None
    ) -> None:
        self._framing = _Framing(limits or WebSocketLimits(), deflate)
        self._state = WebSocketState.OPEN

    @property
    def state(self) -> WebSocketState:
        return self._state

    @property
    def closed(self) -> bool:
        """True once nothing more will be read or sent: flush ``data_to_send()``, then close
        the connection (HTTP/1.1) or end the stream (HTTP/2)."""
        return self._state is WebSocketState.CLOSED

    @property
    def buffered(self) -> int:
        """Received bytes held until their frame is complete."""
        return len(self._framing.reader.buffer)

    def receive_data(self, data: bytes) -> list[WebSocketEvent]:
        """Events for `data` received from the peer; replies are queued for data_to_send()."""
        if self._state is WebSocketState.CLOSED:
            return []
        framing = self._framing
        framing.receive_data(data)
        events = framing.received
        framing.received = []
        if framing.failure is not None:
            code, reason = framing.failure
            events.append(ProtocolViolation(code, reason))
            self._move(_Trigger.FAIL)
        elif framing.close_rcvd is not None:
            self._move(_Trigger.RECEIVE_CLOSE)
        return events

    def receive_eof(self) -> list[WebSocketEvent]:
        """The peer ended the stream; without a Close first, that is a CloseReceived(1006)."""
        if self._state is WebSocketState.CLOSED:
            return []
        self._move(_Trigger.EOF)
        return [CloseReceived(_ABNORMAL, "")]

    def data_to_send(self) -> bytes:
        """Everything queued to send, in order; empty when nothing is."""
        framing = self._framing
        writes = framing.writes
        if not writes:
            return b""
        framing.writes = []
        # The library marks "half-close now" with an empty chunk; `closed` says that here.
        return writes[0] if len(writes) == 1 else b"".join(writes)

    def send_text(self, data: str) -> None:
        self._send(_TEXT_FIN, data.encode())

    def send_bytes(self, data: bytes) -> None:
        self._send(_BINARY_FIN, data)

    def _send(self, first_byte: int, payload: bytes) -> None:
        if self._state is not WebSocketState.OPEN:
            raise WebSocketClosedError(f"the WebSocket is {self._state.value}")
        framing = self._framing
        if framing.extensions:
            if first_byte == _TEXT_FIN:
                framing.send_text(payload)
            else:
                framing.send_binary(payload)
            return
        # Without an extension a server frame is a header and the payload as is (no mask):
        # built here, it skips the library's per-frame object and checks, which were a
        # fifth of the cost of a small echo.
        length = len(payload)
        if length < _LENGTH_16:
            framing.writes.append(bytes((first_byte, length)) + payload)
            return
        if length < _LENGTH_64:
            framing.writes.append(_HEAD_16.pack(first_byte, 126, length))
        else:
            framing.writes.append(_HEAD_64.pack(first_byte, 127, length))
        framing.writes.append(payload)

    def send_ping(self, payload: bytes = b"") -> None:
        self._check_control(payload)
        self._framing.send_ping(payload)

    def send_pong(self, payload: bytes = b"") -> None:
        """An unsolicited pong (a one-way keep-alive); pings are answered without this."""
        self._check_control(payload)
        self._framing.send_pong(payload)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the closing handshake; the peer's Close then arrives as CloseReceived.

        Does nothing once closing or closed, so a server may call it on the way out anyway.
        """
        if not _is_sendable(code):
            raise ValueError(f"close code {code} may not be sent (RFC 6455 §7.4)")
        if len(reason.encode()) > _MAX_CLOSE_REASON:
            raise ValueError(f"a close reason is at most {_MAX_CLOSE_REASON} bytes of UTF-8")
        if self._state is not WebSocketState.OPEN:
            return
        self._framing.send_close(code, reason)
        self._move(_Trigger.SEND_CLOSE)

    def _move(self, trigger: _Trigger) -> None:
        self._state = _TRANSITIONS.get((self._state, trigger), self._state)

    def _check_control(self, payload: bytes) -> None:
        if len(payload) > _MAX_CONTROL_PAYLOAD:
            raise ValueError(f"a ping or pong carries at most {_MAX_CONTROL_PAYLOAD} bytes")
        if self._state is WebSocketState.CLOSED:
            raise WebSocketClosedError("the WebSocket is closed")
