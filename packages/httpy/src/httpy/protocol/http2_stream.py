"""What `HTTP2Connection` tracks about one stream, on top of h2's stream state machine."""

from __future__ import annotations

from httpy.protocol.priority import DEFAULT_PRIORITY

__all__ = ["StreamState"]


class StreamState:
    """One stream from its request head until both sides ended it or it was reset."""

    __slots__ = (
        "authority",
        "body_limit",
        "head_sent",
        "incremental",
        "received",
        "rejected",
        "remote_closed",
        "scheme",
        "unacked",
        "urgency",
    )

    def __init__(self, scheme: bytes, authority: bytes, body_limit: int) -> None:
        self.scheme = scheme
        self.authority = authority
        self.body_limit = body_limit
        self.received = 0  # body bytes received so far
        self.unacked = 0  # body bytes handed to the handler and not yet acknowledged
        self.rejected = False  # answered by a ProtocolError: its request events stop
        self.remote_closed = False  # the peer sent END_STREAM (or never sends: a pushed stream)
        self.head_sent = False
        self.urgency, self.incremental = DEFAULT_PRIORITY
