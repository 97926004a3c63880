"""Sans-IO server side of one HTTP/1.0 or HTTP/1.1 connection.

Bytes go in through :meth:`HTTP11Connection.receive_data` and come out as request events;
response events go in through :meth:`HTTP11Connection.send` and come out as bytes. No socket,
no clock but the ``date`` header's, no event loop: tests drive it with literal bytes.

Parsing is llhttp's (through httptools), which already refuses most malformed input; this
module adds the rules llhttp leaves to servers (RFC 9112): Host is required and unique,
Transfer-Encoding must be exactly ``chunked`` and only on HTTP/1.1, ``Expect`` must be
``100-continue``, and the head, target, field count and body are bounded.

Invariants:
- Requests are answered in the order they arrived (pipelining): each parsed request pushes a
  response slot, and ``send`` always writes the oldest slot.
- After a ``ProtocolError``, or after a request that ends the connection, nothing more is
  parsed; the server answers what is pending and closes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import Enum, auto
from typing import Final

import httptools

from httpy.protocol.events import (
    Headers,
    InformationalResponse,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    ResponseBody,
    ResponseEvent,
    ResponseHead,
)
from httpy.protocol.rules import check_outgoing_header, http_date, is_token, reason_phrase

__all__ = ["HTTP11Connection", "Limits", "LocalProtocolError"]

_HEAD_END: Final = b"\r\n\r\n"
_NO_BODY_STATUSES: Final = frozenset({204, 304})
_CHUNKED_END: Final = b"0\r\n\r\n"


class LocalProtocolError(RuntimeError):
    """Our side misused the connection: a response event out of order or a bad header."""


class Limits:
    """The bounds one connection enforces; the server builds it from its Config."""

    __slots__ = (
        "max_body_size",
        "max_header_bytes",
        "max_header_count",
        "max_requests",
        "max_target_length",
    )

    def __init__(
        self,
        *,
        max_header_bytes: int = 16 * 1024,
        max_header_count: int = 100,
        max_target_length: int = 8 * 1024,
        max_body_size: int = 1024 * 1024,
        max_requests: int = 0,
    ) -> None:
        self.max_header_bytes = max_header_bytes
        self.max_header_count = max_header_count
        self.max_target_length = max_target_length
        self.max_body_size = max_body_size
        self.max_requests = max_requests


class _Reject(Exception):  # noqa: N818 - internal signal, never leaves this module
    """Raised from a parser callback to stop parsing and answer ``status``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _StopParsing(Exception):  # noqa: N818 - internal signal, never leaves this module
    """Raised from a parser callback to stop at the end of the last request we will answer."""


class _Framing(Enum):
    LENGTH = auto()
    CHUNKED = auto()
    UNTIL_CLOSE = auto()
    NONE = auto()


class _ResponseSlot:
    """What the response to one request must respect."""

    __slots__ = ("framing", "head", "keep_alive", "remaining", "request_complete", "started")

    def __init__(self, head: RequestReceived, keep_alive: bool) -> None:  # noqa: FBT001
        self.head = head
        self.keep_alive = keep_alive
        self.request_complete = False
        self.started = False
        self.framing = _Framing.NONE
        self.remaining = 0


class HTTP11Connection:
    """One client connection, server side. Not thread-safe; one per socket."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        body_limit_for: Callable[[RequestReceived], int] | None = None,
        server_header: bytes | None = b"httpy",
    ) -> None:
        self._limits = limits or Limits()
        self._body_limit_for = body_limit_for
        self._server_header = server_header
        self._parser = httptools.HttpRequestParser(self)
        self._events: list[RequestEvent] = []
        self._slots: deque[_ResponseSlot] = deque()
        self._receiving: _ResponseSlot | None = None
        self._requests_seen = 0
        # Parsing stops for good after an error or a request that ends the connection.
        self._parsing = True
        self._last_request = False
        # Responses not yet started must end the connection (shutdown, error answers).
        self._force_close = False
        self._should_close = False
        # State of the request being parsed.
        self._in_head = False
        self._messages_begun_in_feed = 0
        self._head_fed = 0
        self._tail = b""
        self._target = b""
        self._headers: Headers = []
        self._field_bytes = 0
        self._field_count = 0
        self._body_seen = 0
        self._body_limit = self._limits.max_body_size

    # ------------------------------------------------------------------ receiving side

    @property
    def should_close(self) -> bool:
        """The response just completed ended the connection: close the transport now."""
        return self._should_close

    @property
    def accepting_requests(self) -> bool:
        """More requests may still be parsed on this connection."""
        return self._parsing

    @property
    def awaiting_request(self) -> bool:
        """No request is being parsed or answered: the connection is idle."""
        return not self._slots and not self._in_head

    @property
    def mid_request_head(self) -> bool:
        """Some bytes of a request head have arrived, but not all of it."""
        return self._in_head

    def receive_data(self, data: bytes) -> list[RequestEvent]:
        """Feed bytes from the peer; returns the events they complete, in order."""
        if not self._parsing or not data:
            return []
        events = self._events = []
        if not self._head_within_limit(data):
            self._fail(431, "request header section too large")
            return events
        self._messages_begun_in_feed = 0
        fresh_start = not self._in_head and self._receiving is None
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            if isinstance(cause, _Reject):
                self._fail(cause.status, cause.reason)
            elif not isinstance(cause, _StopParsing):
                raise
        except httptools.HttpParserInvalidMethodError:
            method = b""
            if fresh_start and self._messages_begun_in_feed == 1:
                method = data.lstrip(b"\r\n").split(b" ", 1)[0]
            if method and is_token(method):
                self._fail(501, f"method {method.decode('ascii')} is not implemented")
            else:
                self._fail(400, "request method is not a token")
        except httptools.HttpParserUpgrade:
            # Upgrade (WebSocket, h2c) arrives with the later protocols; refuse it until then.
            self._fail(501, "protocol upgrade is not supported")
        except httptools.HttpParserError as error:
            message = str(error)
            status = 505 if "HTTP version" in message else 400
            self._fail(status, message)
        else:
            self._track_partial_head(data)
        return events

    def _head_within_limit(self, data: bytes) -> bool:
        """Bound the head before llhttp buffers it: httptools keeps partial fields in memory.

        Exact for the request whose head is in progress (or starts) when `data` arrives; a
        further pipelined request starting inside the same `data` is bounded by its fields'
        sizes in the callbacks, so at most one read's worth of bytes is held unchecked.
        """
        if self._receiving is not None:
            return True  # reading a body; its own limit applies
        window = self._tail + data
        end = window.find(_HEAD_END)
        already = self._head_fed - len(self._tail)
        size = already + len(window) if end < 0 else already + end + len(_HEAD_END)
        return size <= self._limits.max_header_bytes

    def _track_partial_head(self, data: bytes) -> None:
        if not self._in_head:
            self._head_fed = 0
            self._tail = b""
            return
        if self._messages_begun_in_feed:
            # The head began inside `data`: count what the callbacks saw of it.
            self._head_fed = len(self._target) + self._field_bytes
        else:
            self._head_fed += len(data)
        self._tail = data[-3:]

    def _fail(self, status: int, reason: str) -> None:
        # Requests before the error are still answered; the error's answer closes.
        self._parsing = False
        self._in_head = False
        self._events.append(ProtocolError(status, reason))

    # httptools callbacks (names fixed by httptools) -----------------------------------

    def on_message_begin(self) -> None:
        self._messages_begun_in_feed += 1
        self._in_head = True
        self._target = b""
        self._headers = []
        self._field_bytes = 0
        self._field_count = 0
        self._body_seen = 0

    def on_url(self, url: bytes) -> None:
        self._target += url
        if len(self._target) > self._limits.max_target_length:
            raise _Reject(414, "request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._field_count += 1
        self._field_bytes += len(name) + len(value) + 4
        if self._field_count > self._limits.max_header_count:
            raise _Reject(431, "too many header fields")
        if self._field_bytes + len(self._target) > self._limits.max_header_bytes:
            raise _Reject(431, "request header section too large")
        if self._in_head:
            self._headers.append((name.lower(), value))
        # Fields after the body are trailers: counted and bounded above, otherwise ignored.

    def on_headers_complete(self) -> None:
        self._in_head = False
        head = self._build_head()
        self._requests_seen += 1
        limits = self._limits
        keep_alive = head.keep_alive
        if limits.max_requests and self._requests_seen >= limits.max_requests:
            keep_alive = False
        if not keep_alive:
            # Whatever follows this request on the wire is never parsed.
            self._last_request = True
        self._body_limit = (
            self._body_limit_for(head) if self._body_limit_for else limits.max_body_size
        )
        if head.content_length is not None and head.content_length > self._body_limit:
            raise _Reject(413, "request body too large")
        slot = _ResponseSlot(head, keep_alive)
        self._slots.append(slot)
        self._receiving = slot
        self._events.append(head)

    def on_body(self, body: bytes) -> None:
        self._body_seen += len(body)
        if self._body_seen > self._body_limit:
            raise _Reject(413, "request body too large")
        self._events.append(RequestData(body))

    def on_message_complete(self) -> None:
        self._in_head = False
        if self._receiving is not None:
            self._receiving.request_complete = True
            self._receiving = None
        self._events.append(RequestEnded())
        if self._last_request:
            # Whatever follows on the wire is never answered: stop llhttp mid-buffer.
            self._parsing = False
            raise _StopParsing

    def _build_head(self) -> RequestReceived:
        parser = self._parser
        version = parser.get_http_version()
        if version not in ("1.1", "1.0"):
            raise _Reject(505, f"HTTP/{version} is not supported over this connection")
        hosts = 0
        content_length: int | None = None
        chunked = False
        expect_continue = False
        for name, value in self._headers:
            if name == b"host":
                hosts += 1
            elif name == b"content-length":
                content_length = int(value)  # llhttp accepts digits only, and only once
            elif name == b"transfer-encoding":
                if value.strip().lower() != b"chunked":
                    raise _Reject(501, "only the chunked transfer coding is implemented")
                if version == "1.0":
                    raise _Reject(400, "Transfer-Encoding is not allowed in HTTP/1.0")
                chunked = True
            elif name == b"expect" and version == "1.1":
                if value.strip().lower() != b"100-continue":
                    raise _Reject(417, "only the 100-continue expectation is supported")
                expect_continue = True
        if hosts > 1:
            raise _Reject(400, "more than one Host header")
        if hosts == 0 and version == "1.1":
            raise _Reject(400, "HTTP/1.1 requests must carry a Host header")
        method = parser.get_method().decode("ascii")
        return RequestReceived(
            method=method,
            target=self._target,
            headers=self._headers,
            http_version=version,
            keep_alive=parser.should_keep_alive(),
            expect_continue=expect_continue and (chunked or bool(content_length)),
            content_length=content_length,
        )

    # ------------------------------------------------------------------ sending side

    @property
    def response_pending(self) -> bool:
        return bool(self._slots)

    @property
    def current_request(self) -> RequestReceived | None:
        """The request the next response answers."""
        return self._slots[0].head if self._slots else None

    def close_after_response(self) -> None:
        """Stop reading requests; responses not yet started get `connection: close`."""
        self._force_close = True
        self._parsing = False

    def send(self, event: ResponseEvent) -> bytes:
        if type(event) is ResponseBody:
            return self._send_body(event.data, end=event.end)
        if type(event) is ResponseHead:
            return self._send_head(event.status, event.headers, None)
        if type(event) is InformationalResponse:
            return self._send_informational(event.status, event.headers)
        raise LocalProtocolError(f"not a response event: {event!r}")

    def send_response(self, status: int, headers: Headers, body: bytes) -> bytes:
        """Head and whole body in one piece: the common case, in one write."""
        head = self._send_head(status, headers, len(body))
        return head + self._send_body(body, end=True)

    def send_error(self, status: int, message: str) -> bytes:
        """A plain-text error response that ends the connection (after a ProtocolError)."""
        self._force_close = True
        self._parsing = False
        if self._slots and self._slots[0].started:
            return b""  # a response is half sent: the only thing left to do is close
        if not self._slots:
            # The request never got a head we accepted: answer on a slot of our own.
            self._slots.append(_ResponseSlot(_ERROR_REQUEST, keep_alive=False))
        body = f"{status} {reason_phrase(status)}: {message}\n".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        return self.send_response(status, headers, body)

    def _send_informational(self, status: int, headers: Headers) -> bytes:
        if not 100 <= status < 200 or status == 101:
            raise LocalProtocolError(f"{status} is not an informational status")
        if not self._slots or self._slots[0].started:
            raise LocalProtocolError("no request is waiting for an informational response")
        if self._slots[0].head.http_version == "1.0":
            return b""  # HTTP/1.0 clients do not understand 1xx
        lines = [b"HTTP/1.1 %d %s\r\n" % (status, reason_phrase(status).encode("ascii"))]
        for name, value in headers:
            check_outgoing_header(name, value)
            lines.append(b"%s: %s\r\n" % (name, value))
        lines.append(b"\r\n")
        return b"".join(lines)

    def _send_head(  # noqa: PLR0912, PLR0915 - the per-response hot path, kept in one frame
        self, status: int, headers: Headers, body_length: int | None
    ) -> bytes:
        if not self._slots:
            raise LocalProtocolError("no request to respond to")
        slot = self._slots[0]
        if slot.started:
            raise LocalProtocolError("the response head was already sent")
        if not 200 <= status <= 999:
            raise LocalProtocolError(f"invalid final status {status}")
        slot.started = True
        request = slot.head
        # The request body must have been read whole, or the next request can't be found.
        keep_alive = slot.keep_alive and not self._force_close and slot.request_complete
        no_body = request.method == "HEAD" or status in _NO_BODY_STATUSES

        lines = [_status_line(status)]
        append = lines.append
        declared_length: int | None = None
        has_date = has_server = False
        for name, value in headers:
            check_outgoing_header(name, value)
            lowered = name.lower()
            if lowered == b"content-length":
                declared_length = _parse_declared_length(value)
                if status in _NO_BODY_STATUSES:
                    continue
            elif lowered == b"transfer-encoding":
                continue  # framing is ours to choose
            elif lowered == b"connection":
                if b"close" in value.lower():
                    keep_alive = False
                continue  # rewritten below from the decision
            elif lowered == b"date":
                has_date = True
            elif lowered == b"server":
                has_server = True
            append(b"%s: %s\r\n" % (name, value))

        if declared_length is None and body_length is not None and status not in _NO_BODY_STATUSES:
            declared_length = body_length
            append(b"content-length: %d\r\n" % body_length)
        if no_body:
            slot.framing = _Framing.NONE
        elif declared_length is not None:
            slot.framing = _Framing.LENGTH
            slot.remaining = declared_length
        elif request.http_version == "1.1":
            slot.framing = _Framing.CHUNKED
            append(b"transfer-encoding: chunked\r\n")
        else:
            slot.framing = _Framing.UNTIL_CLOSE
            keep_alive = False

        if not keep_alive:
            self._parsing = False
            append(b"connection: close\r\n")
        elif request.http_version == "1.0":
            append(b"connection: keep-alive\r\n")
        slot.keep_alive = keep_alive
        if not has_date:
            append(b"date: %s\r\n" % http_date())
        if not has_server and self._server_header:
            append(b"server: %s\r\n" % self._server_header)
        append(b"\r\n")
        return b"".join(lines)

    def _send_body(self, data: bytes, *, end: bool) -> bytes:
        if not self._slots or not self._slots[0].started:
            raise LocalProtocolError("response body before its head")
        slot = self._slots[0]
        framing = slot.framing
        if framing is _Framing.LENGTH:
            slot.remaining -= len(data)
            if slot.remaining < 0:
                raise LocalProtocolError("response body longer than its content-length")
            if end and slot.remaining:
                # The peer would wait forever for the missing bytes: end the connection.
                slot.keep_alive = False
            out = data
        elif framing is _Framing.CHUNKED:
            out = b"%x\r\n%s\r\n" % (len(data), data) if data else b""
            if end:
                out += _CHUNKED_END
        elif framing is _Framing.UNTIL_CLOSE:
            out = data
        else:
            out = b""
        if end:
            self._slots.popleft()
            if not slot.keep_alive:
                self._should_close = True
                self._parsing = False
        return out


def _parse_declared_length(value: bytes) -> int:
    if not value.isdigit():
        raise LocalProtocolError(f"invalid content-length {value!r}")
    return int(value)


_STATUS_LINES: dict[int, bytes] = {}


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = b"HTTP/1.1 %d %s\r\n" % (status, reason_phrase(status).encode("ascii"))
        _STATUS_LINES[status] = line
    return line


_ERROR_REQUEST = RequestReceived(
    method="GET",
    target=b"",
    headers=[],
    http_version="1.1",
    keep_alive=False,
    expect_continue=False,
    content_length=None,
)
