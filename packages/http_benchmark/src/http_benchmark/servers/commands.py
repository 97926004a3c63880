"""How each server is started for each protocol, and what it needs installed to start.

One process per server, one worker, uvloop where the server takes it: each serves from one
core, as httpy does. Servers run the apps `apps.write_apps` writes into their working folder.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util

from http_benchmark.servers.apps import HYPERCORN_MULTIPLEXED_CONFIG
from http_benchmark.servers.tls import HOST, Tls

__all__ = [
    "Protocol",
    "base_server",
    "server_command",
    "server_unavailable",
    "server_version",
]

#: h1 (wrk), h2c and h2 (h2load: prior knowledge, TLS with ALPN), ws (echo), h3 (QUIC).
Protocol = str

# What each server imports to start with the flags below (uvloop: `--loop`/worker class).
_REQUIRES: dict[str, tuple[str, ...]] = {
    "httpy": ("httpy",),
    "httpy-asgi": ("httpy",),
    "uvicorn": ("uvicorn", "httptools", "uvloop", "websockets"),
    "uvicorn-sansio": ("uvicorn", "httptools", "uvloop", "websockets"),
    "hypercorn": ("hypercorn", "uvloop"),
    "granian": ("granian", "uvloop"),
    "raw-echo": (),
}
# Where the version shown for a server comes from (raw-echo is this package's own). The
# toolkit's own distributions are looked up by their release-train name (`htk-`) first.
_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "httpy": ("htk-httpy", "httpy"),
    "httpy-asgi": ("htk-httpy", "httpy"),
    "uvicorn-sansio": ("uvicorn",),
    "raw-echo": ("htk-http-benchmark", "http-benchmark"),
}


def base_server(server: str) -> str:
    """`httpy@REF` (httpy's sources at a git ref, see `baseline.py`) runs as httpy does."""
    return "httpy" if server.startswith("httpy@") else server


def server_unavailable(server: str, protocol: Protocol) -> str | None:
    """Why `server` cannot serve `protocol` here, or None when it can."""
    server = base_server(server)
    if server not in _REQUIRES:
        return f"unknown server {server!r}"
    needed = list(_REQUIRES[server])
    if protocol == "h3":
        needed.append("aioquic")  # httpy's --http3 and hypercorn's --quic-bind both use it
    missing = [module for module in needed if importlib.util.find_spec(module) is None]
    return f"{', '.join(missing)} not installed" if missing else None


def server_version(server: str) -> str | None:
    if server.startswith("httpy@"):
        return server.removeprefix("httpy@")  # the git ref is its version
    for name in _DISTRIBUTIONS.get(server, (server,)):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _httpy(module: str, port: int, *extra: str) -> list[str]:
    return ["-m", "httpy", "run", module, "--host", HOST, "--port", str(port),
            "--log-level", "warning", *extra]  # fmt: skip


def server_command(
    server: str, protocol: Protocol, python: str, port: int, tls: Tls | None
) -> list[str]:
    """`server` listening on `port` for `protocol` (TLS when `tls` is given)."""
    server = base_server(server)
    app = "ws_asgi_app:app" if protocol == "ws" else "asgi_app:app"
    certs = [] if tls is None else [str(tls.certfile), str(tls.keyfile)]
    tls_flags = [] if tls is None else ["--certfile", certs[0], "--keyfile", certs[1]]
    if server == "httpy":
        module = "ws_httpy_app:app" if protocol == "ws" else "httpy_app:app"
        http3 = ["--http3"] if protocol == "h3" else []
        return [python, *_httpy(module, port, *http3, *tls_flags)]
    if server == "httpy-asgi":
        # The very app the other servers run, on httpy's ASGI adapter.
        return [python, *_httpy(app, port, "--interface", "asgi", *tls_flags)]
    if server in ("uvicorn", "uvicorn-sansio"):
        # uvicorn-sansio: uvicorn's implementation on the sans-IO core of websockets, what
        # its default `--ws auto` picks in recent releases.
        ws = "websockets" if server == "uvicorn" else "websockets-sansio"
        ws_flags = ["--ws", ws] if protocol == "ws" else []
        return [python, "-m", "uvicorn", app, "--host", HOST, "--port", str(port),
                "--http", "httptools", "--loop", "uvloop", *ws_flags, "--no-access-log",
                "--log-level", "warning", *tls_flags]  # fmt: skip
    if server == "hypercorn":
        # hypercorn answers the HTTP/2 preface on a cleartext port and offers h2 by ALPN;
        # --quic-bind adds HTTP/3 on the same port number over UDP.
        quic = ["--quic-bind", f"{HOST}:{port}"] if protocol == "h3" else []
        # Over HTTP/2 and HTTP/3 its 1,000-requests-per-connection cap is lifted (see apps).
        config = [] if protocol in ("h1", "ws") else ["--config", HYPERCORN_MULTIPLEXED_CONFIG]
        return [python, "-m", "hypercorn", app, "--bind", f"{HOST}:{port}", *quic, *config,
                "--worker-class", "uvloop", "--log-level", "warning", *tls_flags]  # fmt: skip
    if server == "granian":
        # A Rust core (hyper): the ceiling. `--http 2` speaks HTTP/2 only (prior knowledge
        # on cleartext, ALPN h2 on TLS).
        http = "1" if protocol == "h1" else "2"
        ssl = [] if tls is None else ["--ssl-certificate", certs[0], "--ssl-keyfile", certs[1]]
        return [python, "-m", "granian", app, "--interface", "asgi", "--http", http,
                "--loop", "uvloop", "--workers", "1", "--host", HOST, "--port", str(port),
                "--log-level", "warning", *ssl]  # fmt: skip
    if server == "raw-echo":
        return [python, "-m", "http_benchmark.servers.ws_raw_echo", "--host", HOST,
                "--port", str(port)]  # fmt: skip
    raise ValueError(f"unknown server {server!r}")
