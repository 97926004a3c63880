"""nginx from the distribution, started for one benchmark run on a free loopback port.

The config is generated into a temporary directory: one worker process, no access log,
keep-alive connections that never hit a request limit, gzip off (every client gets the exact
bytes on disk), `stub_status` so the parent can count the connections and requests each run
really made, and a location that echoes the request headers back.

With `tls=True` the same files are also served over TLS 1.3 on two more ports: one speaking
HTTP/1.1 only, one offering HTTP/2 by ALPN. The certificate comes from a throwaway CA made by
trustme, whose PEM file every client is given (verification stays on).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from http_benchmark.nginx.protocol import (
    ECHO_PATH,
    LARGE_PATH,
    LARGE_SIZE,
    SMALL_BODY,
    SMALL_PATH,
    STATUS_PATH,
)

__all__ = [
    "Nginx",
    "StubStatus",
    "TlsPorts",
    "can_pin",
    "find_nginx",
    "nginx_version",
    "pinned",
    "run_nginx",
]

CONFIG = """\
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    access_log off;
    client_body_temp_path {root}/tmp/client_body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;

    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    gzip off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    open_file_cache max=16 inactive=300s;
    server_tokens off;

    types {{
        application/json json;
        application/octet-stream bin;
    }}
    default_type application/octet-stream;

    server {{
        listen 127.0.0.1:{port} backlog=4096;
        server_name localhost;
        root {root}/www;

        location = {status_path} {{
            stub_status;
        }}
{echo}
    }}
{tls_servers}
}}
"""

ECHO = """\
        location = {echo_path} {{
            default_type text/plain;
            return 200 "accept=$http_accept
accept-encoding=$http_accept_encoding
connection=$http_connection
user-agent=$http_user_agent
";
        }}"""

# TLS 1.3 only, so every client negotiates the same protocol; nginx's default session cache
# is off, and each run opens its connections once, so resumption plays no part.
TLS_SERVER = """
    server {{
        {listen}
        server_name localhost;
        root {root}/www;
        ssl_certificate {root}/server.pem;
        ssl_certificate_key {root}/server.key;
        ssl_protocols TLSv1.3;
{echo}
    }}"""

# `http2 on;` arrived in nginx 1.25.1; older ones take `http2` as a flag of `listen`.
HTTP2_DIRECTIVE = (1, 25, 1)


def find_nginx() -> str | None:
    """The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not always on PATH)."""
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def nginx_version(binary: str) -> str:
    result = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (result.stderr or result.stdout).strip().removeprefix("nginx version: ")


def can_pin() -> bool:
    """Whether `pinned` pins: taskset exists and there are two cores or more."""
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """`command` under `taskset -c cpu` when `can_pin()`, else unchanged."""
    taskset = shutil.which("taskset")
    if cpu is None or taskset is None or not can_pin():
        return command
    return [taskset, "-c", str(cpu), *command]


@dataclass(frozen=True)
class StubStatus:
    """nginx's running totals since it started."""

    accepts: int
    requests: int


_STUB_TOTALS = re.compile(r"server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)")


@dataclass(frozen=True)
class TlsPorts:
    """Where nginx serves TLS 1.3, and the CA that signed its certificate."""

    https: int
    """HTTP/1.1 only (ALPN offers nothing else)."""
    h2: int
    """HTTP/2 by ALPN (and HTTP/1.1 for clients that do not offer h2)."""
    ca_file: Path


@dataclass(frozen=True)
class Nginx:
    """A running nginx: where it listens and how to read its counters."""

    port: int
    process: subprocess.Popen[bytes]
    root: Path
    tls: TlsPorts | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_url(self) -> str:
        """The HTTP/1.1-over-TLS server's base URL (`run_nginx(..., tls=True)` only)."""
        return f"https://127.0.0.1:{self._tls().https}"

    @property
    def h2_url(self) -> str:
        """The HTTP/2-over-TLS server's base URL (`run_nginx(..., tls=True)` only)."""
        return f"https://127.0.0.1:{self._tls().h2}"

    def _tls(self) -> TlsPorts:
        if self.tls is None:
            raise RuntimeError("this nginx was started without TLS (run_nginx(..., tls=True))")
        return self.tls

    def status(self) -> StubStatus:
        """The totals, read over a connection of its own (counted in them, once)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", STATUS_PATH)
            response = connection.getresponse()
            text = response.read().decode("ascii")
        finally:
            connection.close()
        match = _STUB_TOTALS.search(text)
        if response.status != 200 or match is None:
            raise RuntimeError(f"unexpected stub_status answer {response.status}: {text!r}")
        return StubStatus(accepts=int(match.group(1)), requests=int(match.group(3)))

    def error_log(self) -> str:
        log = self.root / "error.log"
        return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports (the probes stay bound until all are found)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _version_tuple(version: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(part) for part in match.groups()) if match else (0, 0, 0)


def _write_certificate(root: Path) -> Path:
    """A server certificate for 127.0.0.1 and localhost; returns the CA's PEM file."""
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    certificate.private_key_pem.write_to_path(str(root / "server.key"))
    certificate.cert_chain_pems[0].write_to_path(str(root / "server.pem"))
    for extra in certificate.cert_chain_pems[1:]:
        extra.write_to_path(str(root / "server.pem"), append=True)
    ca_file = root / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return ca_file


def _tls_servers(root: Path, tls: TlsPorts, version: tuple[int, ...]) -> str:
    echo = ECHO.format(echo_path=ECHO_PATH)
    h1 = f"listen 127.0.0.1:{tls.https} ssl backlog=4096;"
    if version >= HTTP2_DIRECTIVE:
        h2 = f"listen 127.0.0.1:{tls.h2} ssl backlog=4096;\n        http2 on;"
    else:
        h2 = f"listen 127.0.0.1:{tls.h2} ssl http2 backlog=4096;"
    return "".join(TLS_SERVER.format(listen=listen, root=root, echo=echo) for listen in (h1, h2))


def _write_tree(
    root: Path, port: int, tls: TlsPorts | None = None, version: tuple[int, ...] = (0, 0, 0)
) -> Path:
    (root / "www").mkdir(exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    (root / "www" / SMALL_PATH.lstrip("/")).write_bytes(SMALL_BODY)
    (root / "www" / LARGE_PATH.lstrip("/")).write_bytes(bytes(range(256)) * (LARGE_SIZE // 256))
    # Started as root, nginx's worker runs as an unprivileged user that must read the files.
    for path in (root, root / "www", root / "www" / SMALL_PATH.lstrip("/")):
        path.chmod(0o755)
    (root / "www" / LARGE_PATH.lstrip("/")).chmod(0o644)
    config = root / "nginx.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            status_path=STATUS_PATH,
            echo=ECHO.format(echo_path=ECHO_PATH),
            tls_servers="" if tls is None else _tls_servers(root, tls, version),
        ),
        encoding="utf-8",
    )
    return config


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # nginx's fast shutdown; the master stops its worker
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        # Its own session (see run_nginx), so the group is nginx's master and worker only.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_ready(server: Nginx, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.status()
        except OSError:
            time.sleep(0.05)
        else:
            return True
    return False


@contextmanager
def run_nginx(binary: str, root: Path, cpu: int | None, *, tls: bool = False) -> Iterator[Nginx]:
    """nginx in the foreground on a free loopback port, stopped however the block ends;
    with `tls`, also on two TLS ports (HTTP/1.1, HTTP/2), see `TlsPorts`."""
    ca_file = _write_certificate(root) if tls else None
    version = _version_tuple(nginx_version(binary))
    for _attempt in range(3):  # a free port can be taken between the probe and nginx's bind
        port, https, h2 = _free_ports(3)
        tls_ports = None if ca_file is None else TlsPorts(https=https, h2=h2, ca_file=ca_file)
        config = _write_tree(root, port, tls_ports, version)
        command = [
            binary, "-p", f"{root}/", "-c", str(config), "-e", str(root / "error.log"),
            "-g", "daemon off;",
        ]  # fmt: skip
        stderr_path = root / "stderr.log"
        # A session of its own: Ctrl-C reaches this script, whose `finally` stops nginx.
        with stderr_path.open("wb") as stderr_file:
            process = subprocess.Popen(
                pinned(command, cpu),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                start_new_session=True,
            )
        server = Nginx(port=port, process=process, root=root, tls=tls_ports)
        try:
            if _wait_ready(server):
                yield server
                return
        finally:
            _stop(process)
        stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
        if "Address already in use" not in stderr + server.error_log():
            raise RuntimeError(f"nginx did not start:\n{stderr}{server.error_log()}")
    raise RuntimeError("nginx could not bind a free loopback port in 3 attempts")
