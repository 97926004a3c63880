"""A frame-header scanner that stands between the socket and the h2 library.

h2 buffers a whole frame before it checks the frame's length, and buffers a header block
(HEADERS + CONTINUATIONs) up to 64 frames before it decodes it; it has no notion of floods.
`FrameGuard` reads only the 9-byte frame headers as the bytes pass, so it decides on a frame
before its payload is buffered anywhere:

- a frame longer than our SETTINGS_MAX_FRAME_SIZE ends the connection (FRAME_SIZE_ERROR);
- a header block growing past ``max_header_block`` ends it (ENHANCE_YOUR_CALM, CVE-2024-27316);
- control frames (SETTINGS, PING, PRIORITY, unsolicited WINDOW_UPDATE, empty DATA, unknown
  types) and RST_STREAMs are counted over sliding windows (ENHANCE_YOUR_CALM when exceeded);
- GOAWAY frames are taken out of the stream and handed back parsed: h2 refuses to send anything
  once it has seen one, yet streams below the peer's last stream id may still be answered.

Invariants: bytes come out in the order they went in, minus GOAWAY frames; a run of bytes
holds at most `BLOCKS_PER_RUN` header blocks, so it opens at most that many streams; after a
`Violation` nothing more is scanned; the guard holds at most 8 bytes of one frame header and
the first 8 bytes of a GOAWAY payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple

from h2.errors import ErrorCodes

from httpy.protocol.http2_limits import HTTP2Limits, RateWindow

__all__ = ["BLOCKS_PER_RUN", "FrameGuard", "GoAway", "Violation"]

PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_HEADER_SIZE: Final = 9

_DATA, _HEADERS, _PRIORITY, _RST_STREAM, _SETTINGS = 0x0, 0x1, 0x2, 0x3, 0x4
_PUSH_PROMISE, _PING, _GOAWAY, _WINDOW_UPDATE, _CONTINUATION = 0x5, 0x6, 0x7, 0x8, 0x9
_END_STREAM: Final = 0x1
_END_HEADERS: Final = 0x4
_GOAWAY_FIXED: Final = 8  # last stream id + error code
#: Header blocks (so new streams) one run of bytes may carry. The connection refuses excess
#: streams itself, between runs; h2, which would end the whole connection instead, is given
#: room for this many more. A run per block cost a tenth of h2load's requests their own h2
#: call (2.5% of a request's instructions); 32 keeps h2's transient stream objects bounded.
BLOCKS_PER_RUN: Final = 32


class GoAway(NamedTuple):
    """A GOAWAY frame the peer sent."""

    error_code: int
    last_stream_id: int


class Violation(NamedTuple):
    """The peer broke a limit: the connection must end with GOAWAY(`error_code`)."""

    error_code: int
    reason: str
    #: The HTTP status that best names the fault (for logs; nothing is answered on stream 0).
    status: int = 400


Piece = bytes | GoAway | Violation


class FrameGuard:
    """Scans the bytes of one connection; `scan` returns what h2 may see and what it must not."""

    __slots__ = (
        "_block_size",
        "_block_stream",
        "_blocks",
        "_body_left",
        "_capture",
        "_capturing",
        "_controls",
        "_cut",
        "_header",
        "_in_block",
        "_limits",
        "_preface_left",
        "_resets",
        "_stopped",
        "_window_credits",
    )

    def __init__(self, limits: HTTP2Limits, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._preface_left = len(PREFACE)
        self._header = bytearray()
        self._body_left = 0
        self._capturing = False
        self._capture = bytearray()
        self._cut = False
        self._in_block = False
        self._block_stream = 0
        self._block_size = 0
        self._blocks = 0  # header blocks ended in the current run
        self._controls = RateWindow(limits.max_control_frames, limits.control_window, clock)
        self._resets = RateWindow(limits.max_resets, limits.reset_window, clock)
        self._window_credits = 0
        self._stopped = False

    def data_sent(self, frames: int) -> None:
        """We sent `frames` DATA frames: the peer may answer each with two WINDOW_UPDATEs
        (stream and connection) without them counting as a flood."""
        self._window_credits = min(
            self._window_credits + 2 * frames, 2 * self._limits.max_control_frames
        )

    def stream_refused(self) -> Violation | None:
        """We refused or reset a stream the peer opened: it counts as a reset (rapid reset)."""
        if self._resets.hit():
            return self._stop(ErrorCodes.ENHANCE_YOUR_CALM, "too many streams reset", 429)
        return None

    def scan(self, data: bytes) -> list[Piece]:  # noqa: PLR0912 - one hot loop, a frame a pass
        """Split `data` into byte runs for h2, parsed GOAWAYs, and at most one final Violation."""
        if self._stopped:
            return []
        out: list[Piece] = []
        self._blocks = 0
        view = memoryview(data)
        start = 0  # first byte of the run not yet handed out
        i, n = 0, len(view)
        while i < n:
            if self._preface_left or self._body_left:
                i = self._skip(view, i)
                if self._capturing and not self._body_left:
                    start = self._end_of_goaway(out, i)
                elif self._cut and not self._body_left:
                    start = self._cut_run(out, data, view, start, i)
                continue
            header_start = i
            if self._header or i + _HEADER_SIZE > n:
                # The header began in an earlier chunk (then it is held, not in `view`) or
                # ends in a later one.
                carried = bytes(self._header)
                header_start -= len(carried)
                piece = view[i : i + _HEADER_SIZE - len(carried)]
                self._header += piece
                i += len(piece)
                if len(self._header) < _HEADER_SIZE:
                    break
                header = bytes(self._header)
                self._header.clear()
            else:  # the common case: the whole header is in this chunk
                carried = b""
                header = bytes(view[i : i + _HEADER_SIZE])
                i += _HEADER_SIZE
            verdict = self._frame(header)
            if verdict is None and not self._capturing:
                if carried:
                    out.append(header)
                    start = i
                if self._cut and not self._payload_pending():
                    start = self._cut_run(out, data, view, start, i)
                continue
            # Bytes before this frame still go to h2; the frame itself does not.
            if header_start > start:
                out.append(_run(data, view, start, header_start))
            if verdict is not None:
                out.append(verdict)
                return out
            start = i if self._payload_pending() else self._end_of_goaway(out, i)
        # A partial header is held back until it is whole; a GOAWAY payload is never sent on.
        end = n - len(self._header) if self._header else n
        if end > start and not self._capturing:
            out.append(_run(data, view, start, end))
        return out

    def _skip(self, view: memoryview, i: int) -> int:
        """Pass over preface or payload bytes from `i`; a GOAWAY's fixed part is kept."""
        if self._preface_left:
            take = min(self._preface_left, len(view) - i)
            self._preface_left -= take
            return i + take
        take = min(self._body_left, len(view) - i)
        if self._capturing:
            room = _GOAWAY_FIXED - len(self._capture)
            self._capture += view[i : i + min(take, room)]
        self._body_left -= take
        return i + take

    def _cut_run(self, out: list[Piece], data: bytes, view: memoryview, start: int, i: int) -> int:
        """End the run after its last allowed header block, so h2 sees at most
        `BLOCKS_PER_RUN` new streams per call and the connection can refuse the excess
        before h2 counts more."""
        self._cut = False
        self._blocks = 0
        if i > start:
            out.append(_run(data, view, start, i))
        return i

    def _payload_pending(self) -> bool:
        # A method, not the attribute: mypy would keep `_body_left` narrowed across `_frame`.
        return self._body_left > 0

    def _end_of_goaway(self, out: list[Piece], i: int) -> int:
        self._capturing = False
        raw = bytes(self._capture)
        self._capture.clear()
        out.append(GoAway(int.from_bytes(raw[4:8]), int.from_bytes(raw[:4]) & 0x7FFF_FFFF))
        return i

    def _frame(self, header: bytes) -> Violation | None:
        """Judge one frame by its header; sets how its payload is handled."""
        length = int.from_bytes(header[:3])
        kind, flags = header[3], header[4]
        stream_id = int.from_bytes(header[5:9]) & 0x7FFF_FFFF
        self._body_left = length
        if length > self._limits.max_frame_size:
            return self._stop(
                ErrorCodes.FRAME_SIZE_ERROR,
                f"frame of {length} bytes, over the {self._limits.max_frame_size} advertised",
            )
        if self._in_block or kind in (_HEADERS, _PUSH_PROMISE):
            return self._header_block(kind, flags, stream_id, length)
        if kind == _GOAWAY:
            return self._goaway(stream_id, length)
        if kind == _RST_STREAM:
            if self._resets.hit():
                return self._stop(ErrorCodes.ENHANCE_YOUR_CALM, "too many streams reset", 429)
        elif self._is_control(kind, flags, length) and self._controls.hit():
            return self._stop(ErrorCodes.ENHANCE_YOUR_CALM, "control frame flood", 429)
        return None

    def _header_block(self, kind: int, flags: int, stream_id: int, length: int) -> Violation | None:
        if not self._in_block:
            self._in_block = True
            self._block_stream = stream_id
            self._block_size = 0
        elif kind != _CONTINUATION or stream_id != self._block_stream:
            return None  # anything but this block's CONTINUATION is h2's PROTOCOL_ERROR to raise
        self._block_size += length
        if self._block_size > self._limits.max_header_block:
            return self._stop(
                ErrorCodes.ENHANCE_YOUR_CALM,
                f"header block over {self._limits.max_header_block} bytes",
                431,
            )
        if flags & _END_HEADERS:
            self._in_block = False
            self._blocks += 1
            self._cut = self._blocks >= BLOCKS_PER_RUN
        return None

    def _goaway(self, stream_id: int, length: int) -> Violation | None:
        if stream_id != 0:
            return self._stop(ErrorCodes.PROTOCOL_ERROR, "GOAWAY on a stream")
        if length < _GOAWAY_FIXED:
            return self._stop(ErrorCodes.FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes")
        self._capturing = True
        return None

    def _is_control(self, kind: int, flags: int, length: int) -> bool:
        if kind == _WINDOW_UPDATE:
            if self._window_credits:
                self._window_credits -= 1
                return False
            return True
        if kind == _DATA:
            # Empty DATA frames that do not end the stream carry nothing (CVE-2019-9518).
            return length == 0 and not flags & _END_STREAM
        return kind in (_PRIORITY, _SETTINGS, _PING) or kind > _CONTINUATION

    def _stop(self, error_code: int, reason: str, status: int = 400) -> Violation:
        self._stopped = True
        return Violation(int(error_code), reason, status)


def _run(data: bytes, view: memoryview, start: int, end: int) -> bytes:
    # Most reads are one run: hand them on without a copy.
    return data if start == 0 and end == len(data) else bytes(view[start:end])
