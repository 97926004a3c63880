"""The engine's per-origin HTTP/2 table, which also remembers the origins that answered ALPN
with HTTP/1.1, is bounded: `REQUESTX_ALPN_CACHE_SIZE` origins at most (least recently used
evicted first). Checked in a fresh process per setting, since the knob is read once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

MANY_ORIGINS = textwrap.dedent(
    """
    import ssl, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import requestx
    from requestx import _requestx

    cert, key, ca, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    class Ok(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])  # these origins answer HTTP/1.1 only
    servers = []
    for _ in range(count):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    sizes = []
    with requestx.Session() as session:
        for server in servers + servers[:1]:  # the first again, after its eviction
            url = f"https://127.0.0.1:{server.server_address[1]}/"
            response = session.get(url, verify=ca, timeout=10)
            assert (response.status_code, response.http_version) == (200, 11)
            sizes.append(_requestx.alpn_cache_len())
    print(sizes)
    """
)


def _sizes(server_tls_files: ServerTlsFiles, count: int, limit: str | None) -> list[int]:
    environment = {k: v for k, v in os.environ.items() if k != "REQUESTX_ALPN_CACHE_SIZE"}
    if limit is not None:
        environment["REQUESTX_ALPN_CACHE_SIZE"] = limit
    files = (server_tls_files.cert, server_tls_files.key, server_tls_files.ca)
    finished = subprocess.run(
        [sys.executable, "-c", MANY_ORIGINS, *map(str, files), str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return [int(size) for size in finished.stdout.strip().strip("[]").split(",")]


def test_the_alpn_memory_stays_within_its_knob(server_tls_files: ServerTlsFiles) -> None:
    # 12 origins (distinct loopback ports) through a table of 4: it fills, then stays full.
    assert _sizes(server_tls_files, 12, "4") == [1, 2, 3, 4] + [4] * 9


def test_the_alpn_memory_default_holds_a_few_hundred_origins(
    server_tls_files: ServerTlsFiles,
) -> None:
    # An invalid setting falls back to the default (256), like REQUESTX_IO_THREADS.
    assert _sizes(server_tls_files, 6, "not a number") == [1, 2, 3, 4, 5, 6, 6]
