"""`httpy run MODULE:APP ...` — every Config knob as a flag."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from httpy import __version__
from httpy.config import Config
from httpy.server.serve import load_app, run

__all__ = ["build_parser", "main"]

_DEFAULTS = Config()


def build_parser() -> argparse.ArgumentParser:
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
    serve.add_argument("app", metavar="MODULE:APP", help="the App to serve, e.g. httpy.httpbin:app")
    serve.add_argument("--host", default=_DEFAULTS.host, help="address to bind")
    serve.add_argument("--port", type=int, default=_DEFAULTS.port, help="port to bind (0: any)")
    serve.add_argument(
        "--workers", type=int, default=_DEFAULTS.workers, help="worker processes sharing the port"
    )
    serve.add_argument("--certfile", type=Path, help="TLS certificate chain (PEM)")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--access-log", action="store_true", help="log one line per request")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="level of the httpy.* loggers",
    )
    limits = serve.add_argument_group("limits")
    for name, help_text in (
        ("max_header_bytes", "bytes in the request line and header fields (431 beyond)"),
        ("max_header_count", "header fields per request (431 beyond)"),
        ("max_target_length", "request-target length (414 beyond)"),
        ("max_body_size", "default request body limit in bytes (413 beyond)"),
        ("max_requests_per_connection", "requests per keep-alive connection (0: no limit)"),
        ("backlog", "listen() backlog"),
        ("thread_pool_size", "threads running plain `def` handlers"),
    ):
        limits.add_argument(
            "--" + name.replace("_", "-"),
            type=int,
            default=getattr(_DEFAULTS, name),
            help=help_text,
        )
    deadlines = serve.add_argument_group("deadlines (seconds)")
    for name, help_text in (
        ("header_timeout", "to receive a request's header section (slowloris guard)"),
        ("keep_alive_timeout", "idle time before a keep-alive connection closes"),
        ("body_timeout", "wait for more request body bytes"),
        ("shutdown_timeout", "in-flight requests' grace period on shutdown"),
    ):
        deadlines.add_argument(
            "--" + name.replace("_", "-"),
            type=float,
            default=getattr(_DEFAULTS, name),
            help=help_text,
        )
    serve.add_argument(
        "--no-uvloop", action="store_true", help="use asyncio's loop even if uvloop is installed"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        config = Config(
            host=arguments.host,
            port=arguments.port,
            workers=arguments.workers,
            certfile=arguments.certfile,
            keyfile=arguments.keyfile,
            access_log=arguments.access_log,
            max_header_bytes=arguments.max_header_bytes,
            max_header_count=arguments.max_header_count,
            max_target_length=arguments.max_target_length,
            max_body_size=arguments.max_body_size,
            max_requests_per_connection=arguments.max_requests_per_connection,
            backlog=arguments.backlog,
            thread_pool_size=arguments.thread_pool_size,
            header_timeout=arguments.header_timeout,
            keep_alive_timeout=arguments.keep_alive_timeout,
            body_timeout=arguments.body_timeout,
            shutdown_timeout=arguments.shutdown_timeout,
            use_uvloop=not arguments.no_uvloop,
        )
        app = load_app(arguments.app)
    except (ValueError, TypeError, ImportError) as error:
        print(f"httpy: error: {error}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    run(app, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
