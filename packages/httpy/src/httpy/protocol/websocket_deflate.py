"""permessage-deflate (RFC 7692): choosing among the client's offers, and the agreed parameters.

The parameter rules (which values are legal, what a server may answer to each) are those of
the `websockets` library's server factory, which this module drives: it picks the first
offer that factory accepts, so a client's fallback offers ("with client_max_window_bits, else
without") work as RFC 7692 §5 intends. An offer whose parameters are unknown, repeated or out
of range is declined, not an error; a header that is not valid syntax is (400).

The server keeps its own memory per connection small, as `websockets` does by default: a
4 KiB compression window and memLevel 5 for what it sends, and a 4 KiB window asked of the
client when the client says it can honour one (``client_max_window_bits``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from websockets.exceptions import InvalidHeader, NegotiationError
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.headers import build_extension, parse_extension

__all__ = ["Deflate", "ExtensionHeaderError", "negotiate_deflate"]

_NAME: Final = "permessage-deflate"
_SERVER_WINDOW_BITS: Final = 12
_CLIENT_WINDOW_BITS: Final = 12
_COMPRESS_SETTINGS: Final = {"memLevel": 5}


class ExtensionHeaderError(ValueError):
    """A ``Sec-WebSocket-Extensions`` request header is not valid syntax."""


@dataclass(frozen=True, slots=True)
class Deflate:
    """Agreed permessage-deflate parameters of one connection (RFC 7692 §7.1)."""

    #: The server starts each message it sends with an empty compression context.
    server_no_context_takeover: bool = False
    #: The client starts each message it sends with an empty context (so do we, inflating).
    client_no_context_takeover: bool = False
    server_max_window_bits: int = 15
    client_max_window_bits: int = 15

    def extension(self) -> PerMessageDeflate:
        """A fresh codec for one connection (it holds that connection's zlib contexts)."""
        return PerMessageDeflate(
            remote_no_context_takeover=self.client_no_context_takeover,
            local_no_context_takeover=self.server_no_context_takeover,
            remote_max_window_bits=self.client_max_window_bits,
            local_max_window_bits=self.server_max_window_bits,
            compress_settings=dict(_COMPRESS_SETTINGS),
        )


_FACTORY: Final = ServerPerMessageDeflateFactory(
    server_max_window_bits=_SERVER_WINDOW_BITS,
    client_max_window_bits=_CLIENT_WINDOW_BITS,
    compress_settings=_COMPRESS_SETTINGS,
)


def negotiate_deflate(header_values: list[bytes]) -> tuple[bytes, Deflate] | None:
    """The response header value and parameters for the first acceptable permessage-deflate
    offer in the client's ``Sec-WebSocket-Extensions`` values, or None to not compress.

    Raises ExtensionHeaderError when a value is not valid header syntax.
    """
    # An empty list is legal (RFC 9110 §5.6.1: recipients ignore empty elements) and offers
    # nothing; websockets' own client sends an empty header when it offers no extension.
    values = [value for value in header_values if value.strip(b" \t,")]
    if not values:
        return None
    try:
        offers = parse_extension(b", ".join(values).decode("latin-1"))
    except InvalidHeader as exc:
        raise ExtensionHeaderError(f"invalid Sec-WebSocket-Extensions: {exc}") from exc
    for name, params in offers:
        if name != _NAME:
            continue
        try:
            response_params, codec = _FACTORY.process_request_params(params, [])
        except NegotiationError:
            continue
        agreed = Deflate(
            server_no_context_takeover=codec.local_no_context_takeover,
            client_no_context_takeover=codec.remote_no_context_takeover,
            server_max_window_bits=codec.local_max_window_bits,
            client_max_window_bits=codec.remote_max_window_bits,
        )
        return build_extension([(name, response_params)]).encode("ascii"), agreed
    return None
