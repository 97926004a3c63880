"""`httpy run MODULE:APP ...` — every Config knob as a flag, or as an `HTTPY_*` variable.

Each option's default can come from the environment, named after the option: `--port` from
`HTTPY_PORT`, `--max-body-size` from `HTTPY_MAX_BODY_SIZE`, the app from `HTTPY_APP`, a flag
such as `--access-log` from `HTTPY_ACCESS_LOG=1`. A flag on the command line wins. Containers
use this: the image's command stays `httpy run`, and `docker run -e HTTPY_PORT=9000` moves it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from httpy import __version__
from httpy.asgi import LifespanError
from httpy.config import Config
from httpy.loading import INTERFACES, load_app
from httpy.server.serve import require_http3
from httpy.server.serve import run as serve_app

__all__ = ["ENV_PREFIX", "build_parser", "main"]

_DEFAULTS = Config()
ENV_PREFIX = "HTTPY_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def environment_name(action: argparse.Action) -> str:
    """`HTTPY_MAX_BODY_SIZE` for `--max-body-size`, `HTTPY_APP` for the app."""
    return ENV_PREFIX + action.dest.upper()


def _apply_environment(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """Turn `HTTPY_*` variables into the `run` options' defaults (checked like the flags)."""
    # argparse has no public way to walk the options.
    for action in parser._actions:
        name = environment_name(action)
        if action.dest == "help" or name not in environ:
            continue
        value = environ[name]
        if isinstance(action, argparse._StoreTrueAction | argparse.BooleanOptionalAction):
            if value.lower() not in _TRUE | _FALSE:
                parser.error(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")
            action.default = value.lower() in _TRUE
            continue
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(str, action.choices))
            parser.error(f"{name}={value!r}: expected one of {choices}")
        # A string default goes through the option's `type` when parsed, so
        # HTTPY_PORT=abc fails exactly like --port abc would.
        action.default = value


_HTTP3 = "HTTP/3 (needs TLS and htk-httpy[http3])"

# Config fields set by one numeric flag each (`--max-body-size` for max_body_size), by help
# group; a flag's type is its default's. main() hands them all to Config by name.
_NUMERIC_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "limits": (
        ("max_header_bytes", "bytes in the request line and header fields (431 beyond)"),
        ("max_header_count", "header fields per request (431 beyond)"),
        ("max_target_length", "request-target length (414 beyond)"),
        ("max_body_size", "default request body limit in bytes (413 beyond)"),
        ("max_requests_per_connection", "requests per keep-alive connection (0: no limit)"),
        ("backlog", "listen() backlog"),
        ("thread_pool_size", "threads running plain `def` handlers"),
    ),
    "HTTP/2 limits": (
        ("http2_max_concurrent_streams", "streams a client may have open (more: REFUSED_STREAM)"),
        ("http2_initial_window_size", "request body bytes a stream may send ahead of its handler"),
        ("http2_connection_window_size", "the same for all streams of a connection together"),
        ("http2_max_resets", "streams a client may cancel per 10 s (rapid reset guard)"),
        ("http2_max_control_frames", "SETTINGS/PING/PRIORITY/... frames per 10 s (flood guard)"),
    ),
    _HTTP3: (
        ("http3_idle_timeout", "seconds without traffic before a QUIC connection closes"),
        ("http3_max_streams", "request streams a client may have open at once"),
        ("http3_stream_window", "per stream: unread request body, unacknowledged response"),
    ),
    "WebSocket": (
        ("ws_max_message_size", "message size once reassembled and inflated (1009 beyond)"),
        ("ws_max_frame_size", "one frame's payload, checked before it is read (1009)"),
        ("ws_max_queue", "messages waiting for the handler before reading pauses"),
        ("ws_write_buffer", "bytes waiting to be written before send_* waits"),
        ("ws_ping_interval", "seconds between the server's pings (0: none)"),
        ("ws_ping_timeout", "seconds to wait for each pong"),
        ("ws_close_timeout", "seconds a close waits for the client's Close"),
    ),
    "deadlines (seconds)": (
        ("header_timeout", "to receive a request's header section (slowloris guard)"),
        ("keep_alive_timeout", "idle time before a keep-alive connection closes"),
        ("body_timeout", "wait for more request body bytes"),
        ("shutdown_timeout", "in-flight requests' grace period on shutdown"),
        ("tls_handshake_timeout", "to finish a TLS handshake"),
        ("write_timeout", "for a peer to read what is buffered for it before it is dropped"),
        ("linger_timeout", "to drain a peer's input after an answer that closes (0: none)"),
    ),
}


def build_parser(environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="httpy", description="httpy: a fast, strict asyncio HTTP server."
    )
    parser.add_argument("--version", action="version", version=f"httpy {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "run",
        help="serve an application",
        description="Serve MODULE:APP until SIGTERM or SIGINT (graceful shutdown).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument(
        "app",
        metavar="MODULE:APP",
        nargs="?",
        help="the app to serve: an httpy.App or an ASGI 3 app, e.g. httpy.httpbin:app "
        "(or set HTTPY_APP)",
    )
    serve.add_argument(
        "--interface",
        default="auto",
        choices=INTERFACES,
        help="what MODULE:APP is: auto detects an httpy.App or an ASGI 3 callable",
    )
    serve.add_argument("--host", default=_DEFAULTS.host, help="address to bind")
    serve.add_argument("--port", type=int, default=_DEFAULTS.port, help="port to bind (0: any)")
    serve.add_argument(
        "--workers", type=int, default=_DEFAULTS.workers, help="worker processes sharing the port"
    )
    serve.add_argument("--certfile", type=Path, help="TLS certificate chain (PEM)")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--access-log", action="store_true", help="log one line per request")
    serve.add_argument(
        "--http2",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.http2,
        help="serve HTTP/2: h2 by ALPN on TLS, prior knowledge and the h2c Upgrade on cleartext",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="level of the httpy.* loggers",
    )
    groups = {title: serve.add_argument_group(title) for title in _NUMERIC_OPTIONS}
    for title, options in _NUMERIC_OPTIONS.items():
        for name, help_text in options:
            default = getattr(_DEFAULTS, name)
            groups[title].add_argument(
                "--" + name.replace("_", "-"), type=type(default), default=default, help=help_text
            )
    groups["limits"].add_argument(
        "--limit-connections",
        type=int,
        default=None,
        help="open connections per worker; over it, requests get 503 "
        "(default: 90%% of the file-descriptor limit)",
    )
    http3 = groups[_HTTP3]
    http3.add_argument(
        "--http3",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.http3,
        help="serve HTTP/3 over QUIC on UDP and advertise it with alt-svc",
    )
    http3.add_argument(
        "--quic-port", type=int, default=None, help="UDP port for QUIC (default: the TCP port)"
    )
    http3.add_argument(
        "--http3-0rtt",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.http3_0rtt,
        help="accept 0-RTT early data (replayable: off by default)",
    )
    http3.add_argument(
        "--http3-retry",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.http3_retry,
        help="validate new clients' addresses with a Retry round trip",
    )
    asgi = serve.add_argument_group("ASGI apps")
    asgi.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.proxy_headers,
        help="take the client's address and scheme from X-Forwarded-For/-Proto (or Forwarded) "
        "sent by a trusted peer",
    )
    asgi.add_argument(
        "--forwarded-allow-ips",
        default=_DEFAULTS.forwarded_allow_ips,
        help="peers trusted with those headers: comma-separated addresses or networks, "
        "or '*' for every peer",
    )
    asgi.add_argument(
        "--root-path",
        default=_DEFAULTS.root_path,
        help="the path prefix the app is mounted at behind a proxy (ASGI root_path)",
    )
    groups["WebSocket"].add_argument(
        "--ws-per-message-deflate",
        action=argparse.BooleanOptionalAction,
        default=_DEFAULTS.ws_per_message_deflate,
        help="negotiate permessage-deflate when the client offers it",
    )
    groups["WebSocket"].add_argument(
        "--ws-allowed-origin",
        dest="ws_allowed_origins",
        action="append",
        metavar="ORIGIN",
        help="browsers may open sockets only from this origin (repeat for more; default: any)",
    )
    serve.add_argument(
        "--no-uvloop", action="store_true", help="use asyncio's loop even if uvloop is installed"
    )
    serve.epilog = (
        "Every option's default may be set in the environment: HTTPY_ and the option's name "
        "in capitals with underscores (HTTPY_PORT=8080, HTTPY_APP=httpy.httpbin:app, "
        "HTTPY_ACCESS_LOG=1). Flags win over the environment."
    )
    _apply_environment(serve, os.environ if environ is None else environ)
    return parser


def _origins(values: list[str] | str | None) -> tuple[str, ...] | None:
    """--ws-allowed-origin flags, or HTTPY_WS_ALLOWED_ORIGINS as a comma-separated list."""
    if not values:
        return None
    if isinstance(values, str):
        values = [values]
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.app is None:
        parser.error("the following arguments are required: MODULE:APP (or set HTTPY_APP)")
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        numeric = {
            name: getattr(arguments, name)
            for options in _NUMERIC_OPTIONS.values()
            for name, _ in options
        }
        config = Config(
            host=arguments.host,
            port=arguments.port,
            workers=arguments.workers,
            certfile=arguments.certfile,
            keyfile=arguments.keyfile,
            access_log=arguments.access_log,
            http2=arguments.http2,
            http3=arguments.http3,
            quic_port=arguments.quic_port,
            http3_0rtt=arguments.http3_0rtt,
            http3_retry=arguments.http3_retry,
            limit_connections=arguments.limit_connections,
            ws_per_message_deflate=arguments.ws_per_message_deflate,
            ws_allowed_origins=_origins(arguments.ws_allowed_origins),
            use_uvloop=not arguments.no_uvloop,
            proxy_headers=arguments.proxy_headers,
            forwarded_allow_ips=arguments.forwarded_allow_ips,
            root_path=arguments.root_path,
            **numeric,
        )
        if config.http3:
            require_http3()
        app = load_app(arguments.app, arguments.interface, config)
    except (ValueError, TypeError, ImportError) as error:
        print(f"httpy: error: {error}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    try:
        serve_app(app, config)
    except LifespanError as error:
        # uvicorn's status for an app that refused to start: supervisors tell it from a crash.
        print(f"httpy: error: {error}", file=sys.stderr)  # noqa: T201 - CLI output
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
