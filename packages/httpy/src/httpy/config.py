"""Every knob of the server in one typed place.

Defaults are the safe choice for a server facing the internet: strict parsing, bounded
headers and bodies, and deadlines on every wait a client controls.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from httpy.addresses import TrustedPeers

__all__ = ["Config"]

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class Config:
    """Server settings; build one and pass it to :func:`httpy.serve` or the CLI flags."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Worker processes sharing the listening socket; 1 serves from this process.
    workers: int = 1
    backlog: int = 2048

    # --- TLS ---------------------------------------------------------------------------
    certfile: Path | None = None
    keyfile: Path | None = None
    keyfile_password: str | None = None

    # --- limits (each answered with its status code, then the connection is closed) ----
    #: Request line plus header fields, in bytes (431 beyond).
    max_header_bytes: int = 16 * KIB
    #: Header fields per request, trailers included (431 beyond).
    max_header_count: int = 100
    #: Request target length in bytes (414 beyond).
    max_target_length: int = 8 * KIB
    #: Request body size for routes that set no limit of their own (413 beyond).
    max_body_size: int = 1 * MIB
    #: Requests served on one connection before it is closed (0 = no limit).
    max_requests_per_connection: int = 1000
    #: Requests parsed ahead of the one being answered (pipelining) before reading pauses.
    max_pipelined_requests: int = 16
    #: Request body bytes buffered ahead of the handler before reading pauses.
    read_buffer_high_water: int = 256 * KIB
    #: Open connections per worker; over it, a connection's request is answered 503 and the
    #: connection closed. None: nine tenths of the process's file-descriptor limit.
    limit_connections: int | None = None

    # --- HTTP/2 (header and body limits above apply to it too) ------------------------
    #: Serve HTTP/2: h2 by ALPN on TLS, prior knowledge and ``Upgrade: h2c`` on cleartext.
    http2: bool = True
    #: Streams a client may have open at once; more are refused (REFUSED_STREAM).
    http2_max_concurrent_streams: int = 100
    #: Request body bytes a stream may send ahead of its handler (its flow-control window).
    http2_initial_window_size: int = 256 * KIB
    #: Request body bytes all streams of a connection together may send ahead of handlers.
    http2_connection_window_size: int = 1 * MIB
    #: Rapid reset (CVE-2023-44487): streams cancelled by the client (or refused for its
    #: fault) per 10 s before the connection ends with ENHANCE_YOUR_CALM.
    http2_max_resets: int = 200
    #: SETTINGS/PING/PRIORITY/WINDOW_UPDATE floods: control frames per 10 s allowed.
    http2_max_control_frames: int = 500

    # --- HTTP/3 (needs TLS and the ``htk-httpy[http3]`` extra) ------------------------------
    #: Serve HTTP/3 over QUIC on UDP, and advertise it (``alt-svc``) on HTTP/1.1 and HTTP/2.
    http3: bool = False
    #: UDP port for QUIC; None: the same number as ``port`` (the TCP port once bound).
    quic_port: int | None = None
    #: A QUIC connection with no traffic for this long is closed (silently, RFC 9000 §10.1).
    http3_idle_timeout: float = 30.0
    #: Request streams a client may have open at once on one connection (QUIC MAX_STREAMS).
    http3_max_streams: int = 100
    #: Per stream: request body bytes a client may send ahead of its handler, and response
    #: bytes queued unacknowledged before ``send_data`` waits.
    http3_stream_window: int = 256 * KIB
    #: Accept 0-RTT (early data on resumed connections). Off: early data can be replayed by
    #: an attacker, so a non-idempotent request could run twice.
    http3_0rtt: bool = False
    #: Validate each new client's address with a Retry round trip before any state is kept
    #: for it (spoofed-address floods), at the cost of one round trip per connection.
    http3_retry: bool = False

    # --- WebSocket ---------------------------------------------------------------------
    #: A message's size once reassembled and inflated; beyond it the socket closes (1009).
    ws_max_message_size: int = 1 * MIB
    #: One frame's payload, checked on its header before it is read (1009 beyond).
    ws_max_frame_size: int = 1 * MIB
    #: Messages received and not yet read by the handler before reading pauses.
    ws_max_queue: int = 32
    #: Bytes waiting to be written to a socket before `send_*` waits (a slow reader).
    ws_write_buffer: int = 64 * KIB
    #: Seconds between the server's pings (0: none), and the wait for each pong.
    ws_ping_interval: float = 20.0
    ws_ping_timeout: float = 20.0
    #: How long a close waits for the client's own Close frame.
    ws_close_timeout: float = 5.0
    #: Negotiate permessage-deflate (RFC 7692) when the client offers it.
    ws_per_message_deflate: bool = True
    #: Browsers may open sockets only from these origins (``https://app.example``); None:
    #: any. Clients that send no Origin (not browsers) are not affected.
    ws_allowed_origins: tuple[str, ...] | None = None

    # --- deadlines, in seconds ---------------------------------------------------------
    #: From a request's first byte to the end of its header section (slowloris guard).
    header_timeout: float = 10.0
    #: How long an idle keep-alive connection waits for its next request.
    keep_alive_timeout: float = 5.0
    #: Longest wait for more request body bytes while a handler reads them.
    body_timeout: float = 30.0
    #: Graceful shutdown: how long in-flight requests may run before connections close.
    shutdown_timeout: float = 30.0
    #: A TLS handshake must finish within this (asyncio's own default is 60 s).
    tls_handshake_timeout: float = 10.0
    #: A peer that stops reading: the connection is dropped when what is buffered for it
    #: (above the transport's high-water mark) is not read within this.
    write_timeout: float = 30.0
    #: After an answer that ends the connection while the peer may still be sending (an
    #: early 413, an unread body), input is read and dropped this long before closing, so
    #: the kernel does not reset the connection before the peer reads the answer. 0: none.
    linger_timeout: float = 2.0

    # --- behaviour ---------------------------------------------------------------------
    #: Value of the `server` response header; None sends none.
    server_header: str | None = "httpy"
    #: One `logging` line per request on the `httpy.access` logger.
    access_log: bool = False
    #: Threads running plain `def` handlers.
    thread_pool_size: int = 32
    #: Use uvloop's event loop when it is installed.
    use_uvloop: bool = True

    # --- ASGI apps (`httpy run` and `httpy.run` pass these to the ASGI adapter) ----------
    #: Take the client's address and scheme from ``X-Forwarded-For``/``X-Forwarded-Proto``
    #: (or ``Forwarded``), when the peer is one of `forwarded_allow_ips`.
    proxy_headers: bool = False
    #: Peers trusted to set those headers: addresses or networks, comma-separated (or a
    #: tuple); ``*`` trusts every peer (only behind a proxy that is the sole way in).
    forwarded_allow_ips: str | tuple[str, ...] = "127.0.0.1"
    #: The prefix the app is mounted at behind a proxy (``/api``): ASGI's ``root_path``.
    root_path: str = ""

    def __post_init__(self) -> None:
        positive = {
            "workers": self.workers,
            "backlog": self.backlog,
            "max_header_bytes": self.max_header_bytes,
            "max_header_count": self.max_header_count,
            "max_target_length": self.max_target_length,
            "max_pipelined_requests": self.max_pipelined_requests,
            "read_buffer_high_water": self.read_buffer_high_water,
            "thread_pool_size": self.thread_pool_size,
            "limit_connections": 1 if self.limit_connections is None else self.limit_connections,
            "http2_max_concurrent_streams": self.http2_max_concurrent_streams,
            "http2_initial_window_size": self.http2_initial_window_size,
            "http2_connection_window_size": self.http2_connection_window_size,
            "http2_max_resets": self.http2_max_resets,
            "http2_max_control_frames": self.http2_max_control_frames,
            "http3_max_streams": self.http3_max_streams,
            "http3_stream_window": self.http3_stream_window,
            "ws_max_message_size": self.ws_max_message_size,
            "ws_max_frame_size": self.ws_max_frame_size,
            "ws_max_queue": self.ws_max_queue,
            "ws_write_buffer": self.ws_write_buffer,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"Config.{name} must be at least 1, got {value}")
        non_negative = {
            "port": self.port,
            "max_body_size": self.max_body_size,
            "max_requests_per_connection": self.max_requests_per_connection,
            "header_timeout": self.header_timeout,
            "keep_alive_timeout": self.keep_alive_timeout,
            "body_timeout": self.body_timeout,
            "shutdown_timeout": self.shutdown_timeout,
            "linger_timeout": self.linger_timeout,
            "ws_ping_interval": self.ws_ping_interval,
            "ws_ping_timeout": self.ws_ping_timeout,
            "ws_close_timeout": self.ws_close_timeout,
        }
        for name, number in non_negative.items():
            if number < 0:
                raise ValueError(f"Config.{name} must not be negative, got {number}")
        if self.quic_port is not None and not 0 <= self.quic_port <= 65535:
            raise ValueError(f"Config.quic_port must be 0-65535, got {self.quic_port}")
        if self.http3 and self.certfile is None:
            raise ValueError("Config.http3 needs TLS: give certfile and keyfile (QUIC is TLS 1.3)")
        positive_seconds = {
            "http3_idle_timeout": self.http3_idle_timeout,
            "tls_handshake_timeout": self.tls_handshake_timeout,
            "write_timeout": self.write_timeout,
        }
        for name, seconds in positive_seconds.items():
            if seconds <= 0:
                raise ValueError(f"Config.{name} must be positive, got {seconds}")
        if self.ws_max_frame_size < 125:
            raise ValueError("Config.ws_max_frame_size must be at least 125 (a control frame)")
        if self.port > 65535:
            raise ValueError(f"Config.port must be at most 65535, got {self.port}")
        if self.root_path and (not self.root_path.startswith("/") or self.root_path.endswith("/")):
            raise ValueError(
                f"Config.root_path must start with '/' and not end with one: {self.root_path!r}"
            )
        # A typo in the trusted list must fail now, not silently trust nobody.
        TrustedPeers(self.forwarded_allow_ips)
        if (self.certfile is None) != (self.keyfile is None):
            raise ValueError("Config.certfile and Config.keyfile go together: give both or neither")

    @property
    def tls(self) -> bool:
        return self.certfile is not None

    def replace(self, **changes: object) -> Config:
        """A copy with some settings changed (the config itself is immutable)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
