"""TLS for the listening socket: modern defaults, ALPN for the protocols we speak."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from httpy.config import Config

__all__ = ["alpn_protocols", "server_ssl_context"]


def alpn_protocols(config: Config) -> list[str]:
    """What TLS offers, best first: h2 (unless HTTP/2 is off), then HTTP/1.1."""
    return ["h2", "http/1.1"] if config.http2 else ["http/1.1"]


def server_ssl_context(config: Config) -> ssl.SSLContext:
    if config.certfile is None or config.keyfile is None:
        raise ValueError("TLS needs both certfile and keyfile")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(
        str(config.certfile), str(config.keyfile), password=config.keyfile_password
    )
    context.set_alpn_protocols(alpn_protocols(config))
    # No compression (CRIME), server's cipher order; the defaults already drop weak ciphers.
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    return context
