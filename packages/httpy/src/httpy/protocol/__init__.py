"""Sans-IO wire protocols, one module each, all speaking the events in `events`."""

from httpy.protocol.http11 import HTTP11Connection, Limits, LocalProtocolError

__all__ = ["HTTP11Connection", "Limits", "LocalProtocolError"]
