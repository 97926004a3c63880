"""The bounds one WebSocket connection enforces on what the peer sends.

Every limit has a default that is safe for a server on the open internet; a value out of range
is refused when the limits are built (``ValueError``), never at the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WebSocketLimits"]

# RFC 6455 §5.5: a control frame carries at most 125 bytes, so a frame limit below that would
# refuse legal pings and close frames.
_MIN_FRAME_SIZE = 125


@dataclass(frozen=True, slots=True)
class WebSocketLimits:
    """Limits of one WebSocket connection; each is a knob with a safe default."""

    #: Bytes of one message as the application receives it: the sum of its fragments, after
    #: permessage-deflate inflation. Over it the connection closes with 1009 (message too big).
    #: Inflation never produces more than what is left of this budget, so a compression bomb
    #: costs at most this much memory before it is refused.
    max_message_size: int = 1024 * 1024
    #: Payload bytes of one frame, on the wire and after inflation. Checked on the frame
    #: header, before the payload is buffered: over it the connection closes with 1009.
    max_frame_size: int = 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_frame_size < _MIN_FRAME_SIZE:
            raise ValueError(
                f"max_frame_size must be at least {_MIN_FRAME_SIZE} (a control frame's "
                f"largest payload), not {self.max_frame_size}"
            )
        if self.max_message_size < 1:
            raise ValueError(f"max_message_size must be at least 1, not {self.max_message_size}")
