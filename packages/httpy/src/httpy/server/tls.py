"""TLS for the listening socket: modern defaults, ALPN for the protocols we speak."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from httpy.config import Config

__all__ = ["ALPN_PROTOCOLS", "server_ssl_context"]

# HTTP/2 joins this list when its protocol module lands.
ALPN_PROTOCOLS = ["http/1.1"]


def server_ssl_context(config: Config) -> ssl.SSLContext:
    if config.certfile is None or config.keyfile is None:
        raise ValueError("TLS needs both certfile and keyfile")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(
        str(config.certfile), str(config.keyfile), password=config.keyfile_password
    )
    context.set_alpn_protocols(ALPN_PROTOCOLS)
    # No compression (CRIME), server's cipher order; the defaults already drop weak ciphers.
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    return context
