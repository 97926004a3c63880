"""Sans-IO wire protocols, one module each, all speaking the events in `events`."""

from httpy.protocol.http2 import HTTP2Connection, InvalidUpgradeError
from httpy.protocol.http2_limits import HTTP2Limits
from httpy.protocol.http11 import HTTP11Connection, Limits, LocalProtocolError

__all__ = [
    "HTTP2Connection",
    "HTTP2Limits",
    "HTTP11Connection",
    "InvalidUpgradeError",
    "Limits",
    "LocalProtocolError",
]
