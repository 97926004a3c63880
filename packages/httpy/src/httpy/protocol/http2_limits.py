"""The bounds one HTTP/2 connection enforces, and the sliding-window counter behind the rate limits.

Every limit has a default that is safe for a server on the open internet; the server builds
`HTTP2Limits` from its Config. Out-of-range values are refused at construction (``ValueError``),
so a connection never starts with a limit HTTP/2 cannot advertise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HTTP2Limits", "RateWindow"]

# RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE lies between 2**14 and 2**24 - 1; windows stay
# below 2**31 (§6.9.1).
_MIN_FRAME_SIZE = 2**14
_MAX_FRAME_SIZE = 2**24 - 1
_MAX_WINDOW = 2**31 - 1
_DEFAULT_WINDOW = 65_535


@dataclass(frozen=True, slots=True)
class HTTP2Limits:
    """Limits of one HTTP/2 connection; each is a knob with a safe default."""

    #: Streams the peer may have open at once; excess ones get RST_STREAM(REFUSED_STREAM).
    max_concurrent_streams: int = 100
    #: Decoded request header list (name + value + 32 per field, RFC 9113 §6.5.2): over it the
    #: stream is answered 431. Four times it ends the connection (an HPACK bomb).
    max_header_list_size: int = 16 * 1024
    #: Header fields per request (or trailer block): over it the stream is answered 431.
    max_header_count: int = 100
    #: Request body bytes per stream: a content-length over it, or data past it, answers 413.
    max_body_size: int = 1024 * 1024
    #: Our receive window per stream. 256 KiB rather than the RFC's 64 KiB: one upload can
    #: keep a loopback or LAN link busy while the handler reads, yet a stream never holds more
    #: than this much unread data in the server.
    initial_window_size: int = 256 * 1024
    #: Our receive window for the whole connection: the most unread request data all streams
    #: together can make the server hold (1 MiB, the default body limit).
    connection_window_size: int = 1024 * 1024
    #: Largest frame we accept; larger ones end the connection before they are buffered.
    max_frame_size: int = 16_384
    #: Rapid reset (CVE-2023-44487): more than `max_resets` streams cancelled by the peer, or
    #: refused, reset or rejected (400/413/431/501) by us for the peer's fault, within
    #: `reset_window` seconds -> GOAWAY(ENHANCE_YOUR_CALM). A browser that navigates away
    #: cancels tens of streams; the attack cancels thousands per second.
    max_resets: int = 200
    reset_window: float = 10.0
    #: SETTINGS, PING, PRIORITY, unsolicited WINDOW_UPDATE, empty DATA and unknown frames
    #: cost the server work and the peer nothing: more than `max_control_frames` within
    #: `control_window` seconds -> GOAWAY(ENHANCE_YOUR_CALM). Clients send a handful.
    max_control_frames: int = 500
    control_window: float = 10.0
    #: CONTINUATION flood (CVE-2024-27316): an encoded header block (HEADERS + CONTINUATIONs)
    #: over this many bytes ends the connection before more of it is buffered. Twice the
    #: header list size, so no header list under that limit is ever cut by any encoder.
    max_header_block: int = 32 * 1024

    def __post_init__(self) -> None:
        positive = {
            "max_concurrent_streams": self.max_concurrent_streams,
            "max_header_list_size": self.max_header_list_size,
            "max_header_count": self.max_header_count,
            "max_resets": self.max_resets,
            "max_control_frames": self.max_control_frames,
            "max_header_block": self.max_header_block,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if self.max_body_size < 0:
            raise ValueError(f"max_body_size must be 0 or more, not {self.max_body_size}")
        if not 1 <= self.initial_window_size <= _MAX_WINDOW:
            raise ValueError(f"initial_window_size must be 1 to {_MAX_WINDOW}")
        if not _DEFAULT_WINDOW <= self.connection_window_size <= _MAX_WINDOW:
            raise ValueError(f"connection_window_size must be {_DEFAULT_WINDOW} to {_MAX_WINDOW}")
        if not _MIN_FRAME_SIZE <= self.max_frame_size <= _MAX_FRAME_SIZE:
            raise ValueError(f"max_frame_size must be {_MIN_FRAME_SIZE} to {_MAX_FRAME_SIZE}")
        if not (self.reset_window > 0 and self.control_window > 0):
            raise ValueError("reset_window and control_window must be positive seconds")


class RateWindow:
    """Counts events over the last `window` seconds; memory is bounded by `limit` + 1 stamps."""

    __slots__ = ("_clock", "_limit", "_stamps", "_window")

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._stamps: deque[float] = deque(maxlen=limit + 1)

    def hit(self) -> bool:
        """Count one event now; True when more than `limit` fell within the window."""
        now = self._clock()
        stamps = self._stamps
        stamps.append(now)
        horizon = now - self._window
        while stamps[0] <= horizon:
            stamps.popleft()
        return len(stamps) > self._limit
