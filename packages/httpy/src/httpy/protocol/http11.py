"""Sans-IO server side of one HTTP/1.0 or HTTP/1.1 connection.

Bytes go in through :meth:`HTTP11Connection.receive_data` and come out as request events;
response events go in through :meth:`HTTP11Connection.send` and come out as bytes. No socket,
no clock but the ``date`` header's, no event loop: tests drive it with literal bytes.

Parsing is llhttp's (through httptools), which already refuses most malformed input; this
module adds the rules llhttp leaves to servers (RFC 9112): Host is required, unique and a
valid host, Transfer-Encoding must be exactly ``chunked`` and only on HTTP/1.1, ``Expect`` must
be ``100-continue``, ``*`` is only for OPTIONS, CONNECT is not implemented, an ``Upgrade`` is
reported on the request (the server takes it or answers over HTTP/1.1; either way it is the
connection's last request), and the head, target, field count, chunk framing, trailers and body
are bounded. An upgrade request with a body keeps its body: httptools reads none for it, so a
second parser, given a head of the same framing, reads it (see ``_UpgradeBodyReader``).

Invariants:
- Requests are answered in the order they arrived (pipelining): each parsed request pushes a
  response slot, and ``send`` always writes the oldest slot.
- After a ``ProtocolError``, or after a request that ends the connection (and its body),
  nothing more is parsed; the server answers what is pending and closes.
- A response event that raises leaves the connection as it was: nothing was half written.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import Enum, auto
from time import time as _clock
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
    RequestTrailers,
    ResponseBody,
    ResponseEvent,
    ResponseHead,
)
from httpy.protocol.rules import (
    check_outgoing_header,
    forbidden_in_value,
    has_token,
    http_date,
    is_token,
    is_valid_host,
    name_is_token,
    reason_phrase,
)

__all__ = ["HTTP11Connection", "Limits", "LocalProtocolError"]

_HEAD_END: Final = b"\r\n\r\n"
_NO_BODY_STATUSES: Final = frozenset({204, 304})
_CHUNKED_END: Final = b"0\r\n\r\n"
_CR_LF: Final = (13, 10)
# Events are immutable tuples: the one every request ends with is made once.
_REQUEST_ENDED: Final = RequestEnded()
_new_tuple = tuple.__new__


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


# The members as module globals: an Enum attribute lookup costs more than the comparison it
# feeds, and these are read on every response.
_LENGTH, _CHUNKED, _UNTIL_CLOSE, _NONE = _Framing


class _ResponseSlot:
    """What the response to one request must respect."""

    __slots__ = ("framing", "head", "keep_alive", "remaining", "request_complete", "started")

    def __init__(self, head: RequestReceived, keep_alive: bool) -> None:  # noqa: FBT001
        self.head = head
        self.keep_alive = keep_alive
        self.request_complete = False
        self.started = False
        self.framing = _NONE
        self.remaining = 0


class _UpgradeBodyReader:
    """Reads the body of a request that asked for an upgrade, which httptools skips.

    llhttp's own framing rules do the work: a second parser is given a made-up head with the
    request's framing (its Content-Length, or chunked) and then the connection's bytes; its
    body, trailer and completion callbacks go to the connection as the first parser's would.
    """

    __slots__ = ("_connection", "_in_head", "parser")

    def __init__(self, connection: HTTP11Connection, content_length: int | None) -> None:
        self._connection = connection
        self._in_head = True
        self.parser = httptools.HttpRequestParser(self)
        framing = (
            b"transfer-encoding: chunked"
            if content_length is None
            else b"content-length: %d" % content_length
        )
        self.parser.feed_data(b"PUT / HTTP/1.1\r\nhost: body\r\n" + framing + b"\r\n\r\n")

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_head:  # trailers: counted and bounded as the connection's own
            self._connection.on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False

    def on_body(self, body: bytes) -> None:
        self._connection.on_body(body)

    def on_message_complete(self) -> None:
        self._connection.on_message_complete()


class HTTP11Connection:
    """One client connection, server side. Not thread-safe; one per socket."""

    # Slots: the parser callbacks read and write these per request, and a slot access is
    # specialized by the interpreter whatever the attribute count.
    __slots__ = (
        "_body_limit",
        "_body_limit_for",
        "_body_seen",
        "_events",
        "_field_bytes",
        "_field_count",
        "_force_close",
        "_framing_run",
        "_head_fed",
        "_headers",
        "_last_request",
        "_limits",
        "_line_start",
        "_messages_begun_in_feed",
        "_parser",
        "_parsing",
        "_receiving",
        "_requests_seen",
        "_server_header",
        "_slots",
        "_spare_slot",
        "_tail",
        "_tail_lines",
        "_tail_until",
        "_target",
        "_trailers",
        "_upgrade_body",
        "_upgrade_body_pending",
        "_valid_host",
        "mid_request_head",
        "should_close",
    )

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
        self._tail_until = 0.0
        self._tail_lines = b""
        self._parser = httptools.HttpRequestParser(self)
        self._events: list[RequestEvent] = []
        self._slots: deque[_ResponseSlot] = deque()
        self._spare_slot: _ResponseSlot | None = None
        self._receiving: _ResponseSlot | None = None
        self._requests_seen = 0
        # Parsing stops for good after an error or a request that ends the connection.
        self._parsing = True
        self._last_request = False
        # Responses not yet started must end the connection (shutdown, error answers).
        self._force_close = False
        #: The response just completed ended the connection: close the transport now.
        #: (Read-only for callers; plain attributes, not properties: read per request.)
        self.should_close = False
        # State of the request being parsed.
        #: Some bytes of a request head have arrived, but not all of it.
        self.mid_request_head = False
        self._messages_begun_in_feed = 0
        self._head_fed = 0
        self._tail = b""
        self._line_start = b""
        self._target = b""
        self._headers: Headers = []
        # Fields after a chunked body (the trailer section), for the request being read.
        self._trailers: Headers = []
        self._field_bytes = 0
        self._field_count = 0
        self._body_seen = 0
        self._body_limit = self._limits.max_body_size
        self._framing_run = 0
        # An upgrade request with a body: its body is read by a second parser (set up when
        # llhttp stops at the upgrade), which stays the parser to the end of the connection.
        self._upgrade_body: _UpgradeBodyReader | None = None
        self._upgrade_body_pending = False
        # Hosts repeat on a connection: validate each distinct value once.
        self._valid_host = b""
        if server_header:
            check_outgoing_header(b"server", server_header)

    # ------------------------------------------------------------------ receiving side

    @property
    def accepting_requests(self) -> bool:
        """More requests may still be parsed on this connection."""
        return self._parsing and not self._last_request

    @property
    def discards_input(self) -> bool:
        """Parsing has stopped for good: bytes fed now are thrown away unread."""
        return not self._parsing

    @property
    def awaiting_request(self) -> bool:
        """No request is being parsed or answered: the connection is idle."""
        return not self._slots and not self.mid_request_head

    def receive_data(self, data: bytes) -> list[RequestEvent]:
        """Feed bytes from the peer; returns the events they complete, in order."""
        if not self._parsing or not data:
            return []
        events = self._events = []
        # The common case (no body being read, a head within the limit) needs no call.
        limit = self._limits.max_header_bytes
        if self._receiving is not None or self._head_fed + len(data) <= limit:
            cut = -1
        else:
            cut = self._head_overflow(data)
        if cut < 0:
            self._feed(data)
        elif not cut or self._feed(data[:cut]):
            # What fits in the limit is well formed (a target too long got its 414 from
            # on_url, which llhttp streams): the rest of the head is not read at all.
            self._fail(431, "request header section too large")
        return events

    def _head_overflow(self, data: bytes) -> int:
        """-1 if the head in progress fits the limit with `data`, else how much of it fits.

        Checked before llhttp reads, as httptools keeps partial fields in memory. Exact for a
        head that starts a read or spans reads; one starting after another request in the same
        read is counted from what the callbacks saw of it: one read's worth goes unchecked.
        """
        if self._receiving is not None:
            return -1  # reading a body; its own limit applies
        fed = self._head_fed
        limit = self._limits.max_header_bytes
        if fed + len(data) <= limit:
            return -1
        start = 0
        if not self.mid_request_head and data[0] in _CR_LF:
            # Empty lines before a request are skipped (RFC 9112 §2.2), not part of its head.
            start = len(data) - len(data.lstrip(b"\r\n"))
        tail = self._tail
        joint = (tail + data[:3]).find(_HEAD_END) if tail else -1
        if joint >= 0:
            size = joint + len(_HEAD_END) - len(tail)
        else:
            end = data.find(_HEAD_END, start)
            size = (len(data) if end < 0 else end + len(_HEAD_END)) - start
        if fed + size <= limit:
            return -1
        return start + limit - fed

    def _feed(self, data: bytes) -> bool:  # noqa: PLR0912 - one frame per read: the hot path
        """Parse `data`; returns whether parsing goes on."""
        self._messages_begun_in_feed = 0
        fresh_start = not self.mid_request_head and self._receiving is None
        body_before = self._body_seen
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__
            if isinstance(cause, _Reject):
                self._fail(cause.status, cause.reason)
            elif not isinstance(cause, _StopParsing):
                # A hook (body_limit_for) failed: llhttp is left in its error state.
                self._parsing = False
                if cause is None:
                    raise
                raise cause from None
            return False
        except httptools.HttpParserInvalidMethodError:
            self._fail_method(data, fresh_start=fresh_start)
            return False
        except httptools.HttpParserUpgrade as upgrade:
            if not self._upgrade_body_pending:
                # Not reached: a bodiless upgrade request is the last one (_StopParsing).
                self._parsing = False
                return False
            body_at = upgrade.args[0]
        except httptools.HttpParserError as error:
            message = str(error)
            if "HTTP version" in message or "PRI" in message:  # PRI: the HTTP/2 preface
                self._fail(505, f"{message}: only HTTP/1.0 and HTTP/1.1 are served here")
            else:
                self._fail(400, message)
            return False
        else:
            if self.mid_request_head or self._receiving is not None:
                self._after_feed(data, fresh_start, body_before)
            else:  # the feed ended between requests (the common case): `_after_feed`'s start
                self._head_fed = 0
                self._tail = b""
            return self._parsing
        # Outside the handler, so that the body's own parsing errors are not chained to it.
        return self._read_upgrade_body(data[body_at:])

    def _read_upgrade_body(self, rest: bytes) -> bool:
        """llhttp stopped after the head of an upgrade request with a body: read the body
        (and what follows it in `rest`) with a parser of its own from now on."""
        self._upgrade_body_pending = False
        receiving = self._receiving
        assert receiving is not None  # noqa: S101 - set by on_headers_complete
        reader = _UpgradeBodyReader(self, receiving.head.content_length)
        self._upgrade_body = reader
        self._parser = reader.parser
        return self._feed(rest) if rest else self._parsing

    def _after_feed(self, data: bytes, fresh_start: bool, body_before: int) -> None:  # noqa: FBT001
        if not self.mid_request_head:
            self._head_fed = 0
            self._tail = b""
            receiving = self._receiving
            if receiving is not None and receiving.head.content_length is None:
                self._bound_chunk_framing(data, body_before)
            return
        begun = self._messages_begun_in_feed
        if not begun:
            self._head_fed += len(data)
            self._tail = (self._tail + data)[-3:] if len(data) < 3 else data[-3:]
        elif fresh_start and begun == 1:
            # The head began this read, after any empty lines: count it exactly.
            skipped = len(data) - len(data.lstrip(b"\r\n")) if data[0] in _CR_LF else 0
            self._head_fed = len(data) - skipped
            self._tail = data[-3:]
        else:
            # The head began after another request in this read, at an offset llhttp does not
            # tell: count what the callbacks saw of it (a lower bound).
            self._head_fed = len(self._target) + self._field_bytes
            self._tail = data[-3:]
        if not self._target:
            # Still on the method: keep its bytes to tell an unknown method (501) from junk.
            line = self._line_start + data if not begun else data.rpartition(b"\n")[2]
            self._line_start = line[:64]

    def _bound_chunk_framing(self, data: bytes, body_before: int) -> None:
        """Bound what a chunked body sends besides data: sizes, extensions and trailers.

        httptools keeps a partial trailer field in memory, and llhttp reads extensions and
        zero-padded sizes without end; between two pieces of data, framing is a few bytes.
        """
        if self._messages_begun_in_feed or self._body_seen != body_before:
            self._framing_run = 0
            return
        self._framing_run += len(data)
        if self._framing_run > self._limits.max_header_bytes:
            self._fail(431, "chunk extensions or trailer section too large")

    def _fail_method(self, data: bytes, *, fresh_start: bool) -> None:
        begun = self._messages_begun_in_feed
        if not begun:
            line = self._line_start + data  # the request line began in an earlier read
        elif fresh_start and begun == 1:
            line = data.lstrip(b"\r\n")
        else:
            line = b""  # it began after another request in this read, at an unknown offset
        method = line.split(b" ", 1)[0]
        if method and is_token(method):
            self._fail(501, f"method {method.decode('ascii')} is not implemented")
        else:
            self._fail(400, "request method is not a token" if line else "invalid request method")

    def _fail(self, status: int, reason: str) -> None:
        # Requests before the error are still answered; the error's answer closes.
        self._parsing = False
        self.mid_request_head = False
        self._events.append(ProtocolError(status, reason))

    # httptools callbacks (names fixed by httptools) -----------------------------------

    def on_message_begin(self) -> None:
        self._messages_begun_in_feed += 1
        self.mid_request_head = True
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
        if self.mid_request_head:
            lowered = name.lower()
            # llhttp keeps trailing whitespace, which is not part of the value (RFC 9112 §5);
            # rstrip returns the same object when there is none, so this costs no copy.
            stripped = value.rstrip(b" \t")
            if stripped is not value and lowered == b"transfer-encoding" and b"\t" in value:
                # llhttp reads no "chunked" before a tab, and would refuse it after the head.
                raise _Reject(400, "invalid Transfer-Encoding")
            self._headers.append((lowered, stripped))
        else:
            # Fields after a chunked body are trailers (counted and bounded above): handed
            # to the handler with the body's end (RFC 9112 §7.1.2).
            self._trailers.append((name.lower(), value.rstrip(b" \t")))

    def on_headers_complete(self) -> None:  # noqa: PLR0912, PLR0915 - one pass, one frame per request
        self.mid_request_head = False
        # The head, checked: one pass over the fields.
        parser = self._parser
        version = parser.get_http_version()
        if version not in ("1.1", "1.0"):
            raise _Reject(505, f"HTTP/{version} is not supported over this connection")
        hosts = 0
        host = b""
        content_length: int | None = None
        chunked = False
        expect_continue = False
        for name, value in self._headers:
            if name == b"host":
                hosts += 1
                host = value
            elif name == b"content-length":
                content_length = int(value)  # llhttp accepts digits only, and only once
            elif name == b"transfer-encoding":
                if version == "1.0":
                    # RFC 9112 §6.1: the framing of such a message is faulty, whatever it says.
                    raise _Reject(400, "Transfer-Encoding is not allowed in HTTP/1.0")
                if value.strip().lower() != b"chunked":
                    raise _Reject(501, "only the chunked transfer coding is implemented")
                chunked = True
            elif name == b"expect" and version == "1.1":
                if value.strip().lower() != b"100-continue":
                    raise _Reject(417, "only the 100-continue expectation is supported")
                expect_continue = True
        if hosts > 1:
            raise _Reject(400, "more than one Host header")
        if hosts == 0:
            if version == "1.1":
                raise _Reject(400, "HTTP/1.1 requests must carry a Host header")
        elif host != self._valid_host:
            if not is_valid_host(host):
                raise _Reject(400, "invalid Host header")
            self._valid_host = host
        method = parser.get_method().decode("ascii")
        keep_alive = parser.should_keep_alive()
        if keep_alive and version == "1.0":
            # llhttp keeps a 1.0 connection open on "keep-alive" even beside "close".
            keep_alive = not any(
                name == b"connection" and has_token(value, b"close")
                for name, value in self._headers
            )
        upgrade = b""
        if parser.should_upgrade():
            if method == "CONNECT":
                raise _Reject(501, "CONNECT is not supported")
            # llhttp reads no body for it: a reader of our own does (_read_upgrade_body).
            self._upgrade_body_pending = chunked or bool(content_length)
            # The server takes the upgrade, or answers over HTTP/1.1 (RFC 9110 §7.8); what the
            # client sends after it may be in the protocol it asked for: the last request.
            keep_alive = False
            upgrade = next((v for n, v in self._headers if n == b"upgrade"), b"").lower()
        target = self._target
        if target[:1] != b"/":
            if target == b"*":
                if method != "OPTIONS":
                    raise _Reject(400, "the asterisk-form target is only for OPTIONS")
            elif target[:1] == b"*":
                raise _Reject(400, "invalid request target")
        # tuple.__new__ straight: the NamedTuple's own __new__ is a Python frame, per request.
        head: RequestReceived = _new_tuple(
            RequestReceived,
            (
                method,
                target,
                self._headers,
                version,
                keep_alive,
                expect_continue and (chunked or bool(content_length)),
                content_length,
                0,  # stream_id: none on HTTP/1.x
                upgrade,
            ),
        )
        self._requests_seen += 1
        limits = self._limits
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
        slot = self._spare_slot
        if slot is None:
            slot = _ResponseSlot(head, keep_alive)
        else:  # the last response's slot, finished: filled again rather than made anew
            self._spare_slot = None
            slot.head = head
            slot.keep_alive = keep_alive
            slot.request_complete = slot.started = False
            slot.framing = _NONE
            slot.remaining = 0
        self._slots.append(slot)
        self._receiving = slot
        self._events.append(head)

    def on_body(self, body: bytes) -> None:
        self._body_seen += len(body)
        if self._body_seen > self._body_limit:
            raise _Reject(413, "request body too large")
        self._events.append(RequestData(body))

    def on_message_complete(self) -> None:
        """The request is complete (the upgrade body reader calls it too, once the pending
        flag is down)."""
        if self._upgrade_body_pending:
            return  # httptools skipped the body of an upgrade request: it is read next
        self.mid_request_head = False
        receiving = self._receiving
        if receiving is not None:
            receiving.request_complete = True
            self._receiving = None
        if self._trailers:
            self._events.append(RequestTrailers(self._trailers, 0))
            self._trailers = []
        self._events.append(_REQUEST_ENDED)
        if self._last_request:
            # Whatever follows on the wire is never answered: stop llhttp mid-buffer.
            self._parsing = False
            raise _StopParsing

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
        self._stop_reading_requests()

    def _stop_reading_requests(self) -> None:
        if self._receiving is not None and self._parsing:
            # Its handler may still be reading the body: parse up to its end, then stop.
            self._last_request = True
        else:
            self._parsing = False

    def send(self, event: ResponseEvent) -> bytes:
        if type(event) is ResponseBody:
            return self._send_body(event.data, end=event.end)
        if type(event) is ResponseHead:
            return self.send_response(event.status, event.headers, None)
        if type(event) is InformationalResponse:
            return self._send_informational(event.status, event.headers)
        raise LocalProtocolError(f"not a response event: {event!r}")

    def send_error(self, status: int, message: str) -> bytes:
        """A plain-text error response that ends the connection (after a ProtocolError)."""
        self._force_close = True
        self._parsing = False
        if self.should_close or (self._slots and self._slots[0].started):
            # A response is half sent, or one already ended the connection: just close.
            self.should_close = True
            return b""
        if not self._slots:
            # The request never got a head we accepted: answer on a slot of our own.
            self._slots.append(_ResponseSlot(_ERROR_REQUEST, keep_alive=False))
        body = f"{status} {reason_phrase(status)}: {message}\n".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        return self.send_response(status, headers, body)

    def _send_informational(self, status: int, headers: Headers) -> bytes:
        if not 100 <= status < 200 or status == 101:
            raise LocalProtocolError(f"{status} is not an informational status")
        if not self._slots or self._slots[0].started or self.should_close:
            raise LocalProtocolError("no request is waiting for an informational response")
        if self._slots[0].head.http_version == "1.0":
            return b""  # HTTP/1.0 clients do not understand 1xx
        lines = [b"HTTP/1.1 %d %s\r\n" % (status, reason_phrase(status).encode("ascii"))]
        for name, value in headers:
            check_outgoing_header(name, value)
            lines.append(b"%s: %s\r\n" % (name, value))
        lines.append(b"\r\n")
        return b"".join(lines)

    def send_response(  # noqa: PLR0912, PLR0915 - the per-response hot path, in one frame
        self,
        status: int,
        headers: Headers,
        body: bytes | None,
        checked: bool = False,  # noqa: FBT001, FBT002 - positional on the hot path
    ) -> bytes:
        """Head and whole body in one piece: the common case, in one write. With `body`
        None, the head alone (as ``send(ResponseHead(...))``): the body follows in
        ``ResponseBody`` events.

        `checked` promises the names are lower-case and every pair passed
        `check_outgoing_header` already (httpy's MutableHeaders does it as they are set).
        """
        body_length = None if body is None else len(body)
        if not self._slots or self.should_close:
            raise LocalProtocolError("no request to respond to")
        slot = self._slots[0]
        if slot.started:
            raise LocalProtocolError("the response head was already sent")
        if not 200 <= status <= 999:
            raise LocalProtocolError(f"invalid final status {status}")
        request = slot.head
        # The request body must have been read whole, or the next request can't be found.
        keep_alive = slot.keep_alive and not self._force_close and slot.request_complete
        no_body = request.method == "HEAD" or status in _NO_BODY_STATUSES

        lines = [_STATUS_LINES.get(status) or _status_line(status)]
        append = lines.append
        declared_length: int | None = None
        has_date = has_server = False
        for name, value in headers:
            if checked:
                lowered = name
            else:
                # A name seen before is a valid token. (Only bytes are remembered: a
                # bytearray, which the sans-IO API takes too, is not hashable.)
                hashable = name.__class__ is bytes
                known = _LOWERED_NAMES.get(name) if hashable else None
                if known is None:
                    if name_is_token(name) is None:
                        check_outgoing_header(name, value)  # raises, saying what is wrong
                    lowered = name.lower()
                    if hashable and len(_LOWERED_NAMES) < _LOWERED_NAMES_MAX:
                        _LOWERED_NAMES[name] = lowered
                else:
                    lowered = known
                # A value seen clean before (bytes only, short ones, a bounded set) needs
                # no search; any other is searched for control bytes.
                if value.__class__ is not bytes or value not in _CLEAN_VALUES:
                    if forbidden_in_value(value) is not None:
                        check_outgoing_header(name, value)  # raises, saying what is wrong
                    if (
                        value.__class__ is bytes
                        and len(value) <= _CLEAN_VALUE_MAX_LENGTH
                        and len(_CLEAN_VALUES) < _CLEAN_VALUES_MAX
                    ):
                        _CLEAN_VALUES.add(value)
            if lowered == b"content-length":
                if declared_length is not None:
                    raise LocalProtocolError("more than one content-length header")
                declared_length = int(value) if value.isdigit() else _parse_declared_length(value)
                if status in _NO_BODY_STATUSES:
                    continue
            elif lowered == b"transfer-encoding":
                continue  # framing is ours to choose
            elif lowered == b"connection":
                if has_token(value, b"close"):
                    keep_alive = False
                continue  # rewritten below from the decision
            elif lowered == b"date":
                has_date = True
            elif lowered == b"server":
                has_server = True
            # Four pieces for the final join: cheaper than formatting a line per field.
            lines += (name, b": ", value, b"\r\n")

        if declared_length is None:
            if body_length is not None and status not in _NO_BODY_STATUSES:
                declared_length = body_length
                append(_CONTENT_LENGTH_LINES.get(body_length) or _content_length_line(body_length))
        elif body_length is not None and body_length > declared_length and not no_body:
            raise LocalProtocolError("response body longer than its content-length")
        if no_body:
            slot.framing = _NONE
        elif declared_length is not None:
            slot.framing = _LENGTH
            slot.remaining = declared_length
        elif request.http_version == "1.1":
            slot.framing = _CHUNKED
            append(b"transfer-encoding: chunked\r\n")
        else:
            slot.framing = _UNTIL_CLOSE
            keep_alive = False

        if not keep_alive:
            self._stop_reading_requests()
            append(b"connection: close\r\n")
        elif request.http_version == "1.0":
            append(b"connection: keep-alive\r\n")
        slot.keep_alive = keep_alive
        if has_date or has_server or not self._server_header:
            if not has_date:
                append(b"date: %s\r\n" % http_date())
            if not has_server and self._server_header:
                append(b"server: %s\r\n" % self._server_header)
            append(b"\r\n")
        else:
            # The head's last lines, `date` and `server`, rebuilt once a second (checked
            # here, against the clock, without a call per response).
            if _clock() >= self._tail_until:
                self._refresh_tail()
            append(self._tail_lines)
        # Only now: a head refused above leaves the slot free for an error response.
        slot.started = True
        if body is None:
            return b"".join(lines)
        if slot.framing is _LENGTH and slot.remaining == body_length:
            # The body is exactly what the head declares (the common case): `_send_body`'s
            # bookkeeping for it, without the call, and the body in the same join.
            self._slots.popleft()
            if slot is not self._receiving:  # its request is whole: nothing else holds it
                self._spare_slot = slot  # the next request's slot, filled again
            if not slot.keep_alive:
                self.should_close = True
                self._parsing = False
            append(body)
            return b"".join(lines)
        return b"".join(lines) + self._send_body(body, end=True)

    def _refresh_tail(self) -> None:
        """`date` and `server` lines for the current second."""
        second = int(_clock())
        self._tail_lines = b"date: %s\r\nserver: %s\r\n\r\n" % (http_date(), self._server_header)
        # http_date formats whole seconds: the lines hold until the next one starts.
        self._tail_until = second + 1.0

    def _send_body(self, data: bytes, *, end: bool) -> bytes:
        if not self._slots or not self._slots[0].started:
            raise LocalProtocolError("response body before its head")
        slot = self._slots[0]
        framing = slot.framing
        if framing is _LENGTH:
            remaining = slot.remaining - len(data)
            if remaining < 0:
                raise LocalProtocolError("response body longer than its content-length")
            slot.remaining = remaining
            if end and remaining:
                # The peer would wait forever for the missing bytes: end the connection.
                slot.keep_alive = False
            out = data
        elif framing is _CHUNKED:
            out = b"%x\r\n%s\r\n" % (len(data), data) if data else b""
            if end:
                out += _CHUNKED_END
        elif framing is _UNTIL_CLOSE:
            out = data
        else:
            out = b""
        if end:
            self._slots.popleft()
            if not slot.keep_alive:
                self.should_close = True
                self._parsing = False
        return out


def _parse_declared_length(value: bytes) -> int:
    if not value.isdigit():
        raise LocalProtocolError(f"invalid content-length {value!r}")
    return int(value)


_STATUS_LINES: dict[int, bytes] = {}
# `content-length` lines of the body sizes seen (small ones only: a bounded table).
_CONTENT_LENGTH_LINES: dict[int, bytes] = {}
_CONTENT_LENGTH_CACHED_BELOW = 16 * 1024
# Header names an app sent before, checked (RFC 9110 token) and lower-cased once; bounded,
# as apps send a small set of names again and again.
_LOWERED_NAMES: dict[bytes, bytes] = {}
_LOWERED_NAMES_MAX = 1024
# Header values an app sent before and found free of control bytes: the same few values
# (content types, lengths, cache policies) come back on every response. Bounded in count and
# in length.
_CLEAN_VALUES: set[bytes] = set()
_CLEAN_VALUES_MAX = 4096
_CLEAN_VALUE_MAX_LENGTH = 128


def _content_length_line(length: int) -> bytes:
    line = b"content-length: %d\r\n" % length
    if length < _CONTENT_LENGTH_CACHED_BELOW:
        _CONTENT_LENGTH_LINES[length] = line
    return line


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
