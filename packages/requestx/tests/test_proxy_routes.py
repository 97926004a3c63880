"""What travels through a proxy, seen from the proxy: SOCKS5 (`socks5://` resolves the host
here, `socks5h://` hands the name to the proxy; RFC 1929 username/password), HTTP/2 inside a
CONNECT tunnel (one tunnel shared, never a direct connection), forwarding in absolute form
with Proxy-Authorization, and response header names kept as the server spelled them.

The proxies here are small loopback servers written for these tests: each records what it
was asked (the SOCKS address type and host, the CONNECT target, the request head) and relays
bytes to a loopback server. test_proxies.py covers a third-party proxy (proxy.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import httpy
import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

TIMEOUT = 10


# --- a loopback proxy that records what it is asked ----------------------------------------


def _relay(one: socket.socket, other: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""

    def pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=pump, args=(other, one), daemon=True)
    back.start()
    pump(one, other)
    back.join()
    one.close()
    other.close()


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client closed during the handshake")
        data += chunk
    return data


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    """A request head (up to its blank line) and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the client closed before a whole head")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


@dataclass
class LoopbackProxy:
    """A proxy on a loopback port, serving each connection on a thread of its own."""

    credentials: tuple[str, str] | None = None
    seen: list[tuple[str, str]] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    # SOCKS4: the user id of each request.
    user_ids: list[bytes] = field(default_factory=list)
    listener: socket.socket = field(init=False)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_safely, args=(conn,), daemon=True).start()

    def _serve_safely(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except (ConnectionError, OSError):
            conn.close()

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def __enter__(self) -> LoopbackProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
        self.listener.close()


class SocksProxy(LoopbackProxy):
    """SOCKS5 (RFC 1928), CONNECT only, with RFC 1929 username/password when `credentials`
    is set; SOCKS4 and 4a too. Records `(address type, host)` of each request; connects to
    127.0.0.1 for every loopback destination, and for the name "localhost" (its only DNS)."""

    def serve(self, conn: socket.socket) -> None:
        version, count = _read_exactly(conn, 2)
        if version == 4:
            self._serve_socks4(conn, command=count)
            return
        methods = _read_exactly(conn, count)
        assert version == 5
        wanted = 2 if self.credentials else 0
        if wanted not in methods:
            conn.sendall(b"\x05\xff")
            conn.close()
            return
        conn.sendall(bytes([5, wanted]))
        if self.credentials:
            _, user_length = _read_exactly(conn, 2)
            user = _read_exactly(conn, user_length).decode()
            (password_length,) = _read_exactly(conn, 1)
            password = _read_exactly(conn, password_length).decode()
            accepted = (user, password) == self.credentials
            conn.sendall(b"\x01\x00" if accepted else b"\x01\x01")
            if not accepted:
                conn.close()
                return
        _, command, _, kind = _read_exactly(conn, 4)
        assert command == 1  # CONNECT
        if kind == 1:
            host, kind_name = str(ipaddress.IPv4Address(_read_exactly(conn, 4))), "ipv4"
        elif kind == 4:
            host, kind_name = str(ipaddress.IPv6Address(_read_exactly(conn, 16))), "ipv6"
        else:
            (length,) = _read_exactly(conn, 1)
            host, kind_name = _read_exactly(conn, length).decode(), "domain"
        (port,) = struct.unpack("!H", _read_exactly(conn, 2))
        self.seen.append((kind_name, host))
        if host not in ("localhost", "127.0.0.1", "::1"):
            conn.sendall(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
            conn.close()
            return
        upstream = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        upstream.settimeout(None)
        conn.sendall(b"\x05\x00\x00\x01" + bytes(4) + struct.pack("!H", 0))
        _relay(conn, upstream)

    def _serve_socks4(self, conn: socket.socket, command: int) -> None:
        assert command == 1  # CONNECT
        (port,) = struct.unpack("!H", _read_exactly(conn, 2))
        address = _read_exactly(conn, 4)
        user_id = b""
        while (byte := _read_exactly(conn, 1)) != b"\x00":
            user_id += byte
        self.user_ids.append(user_id)
        if address[:3] == b"\x00\x00\x00" and address[3]:  # SOCKS4a: a name follows
            name = b""
            while (byte := _read_exactly(conn, 1)) != b"\x00":
                name += byte
            self.seen.append(("domain", name.decode()))
        else:
            self.seen.append(("ipv4", str(ipaddress.IPv4Address(address))))
        upstream = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        upstream.settimeout(None)
        conn.sendall(b"\x00\x5a" + bytes(6))
        _relay(conn, upstream)


class HttpProxy(LoopbackProxy):
    """An HTTP proxy: CONNECT tunnels and forwarding. Records each request head as received;
    forwards the first request of a connection (in origin form) to the port its absolute URL
    names on 127.0.0.1, then relays the connection as it is."""

    def serve(self, conn: socket.socket) -> None:
        head, rest = _read_head(conn)
        self.heads.append(head)
        method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
        if method == b"CONNECT":
            self.seen.append(("CONNECT", target.decode()))
            port = int(target.rsplit(b":", 1)[1])
            upstream = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            upstream.settimeout(None)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(conn, upstream)
            return
        self.seen.append((method.decode(), target.decode()))
        authority, _, path = target.split(b"://", 1)[1].partition(b"/")
        port = int(authority.rsplit(b":", 1)[1])
        upstream = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        upstream.settimeout(None)
        request_line = b" ".join((method, b"/" + path, b"HTTP/1.1"))
        upstream.sendall(request_line + b"\r\n" + head.split(b"\r\n", 1)[1] + b"\r\n\r\n" + rest)
        _relay(conn, upstream)


class SilentProxy(LoopbackProxy):
    """Accepts connections and reads what comes, never answering: a proxy that hangs."""

    def serve(self, conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(65536):
                self.heads.append(data)


# --- servers behind the proxies ---------------------------------------------------------------


@pytest.fixture(scope="module")
def httpbin_port() -> Iterator[int]:
    with serve_in_thread(app) as server:
        yield int(server.url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def tls_httpbin(server_tls_files: ServerTlsFiles) -> Iterator[tuple[int, Path]]:
    """httpbin over TLS, h2 offered by ALPN."""
    config = httpy.Config(port=0, certfile=server_tls_files.cert, keyfile=server_tls_files.key)
    with serve_in_thread(app, config) as server:
        yield int(server.url.rsplit(":", 1)[1]), server_tls_files.ca


CANNED = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Length: 2\r\n"
    b"X-Custom-Header: a\r\n"
    b"x-lower: b\r\n"
    b"CONTENT-type: text/plain\r\n"
    b"\r\n"
    b"ok"
)


def _answer_canned(conn: socket.socket) -> None:
    with conn:
        buffered = b""
        while data := conn.recv(65536):
            buffered += data
            while b"\r\n\r\n" in buffered:  # GETs without a body: one head, one answer
                _, buffered = buffered.split(b"\r\n\r\n", 1)
                conn.sendall(CANNED)


@pytest.fixture(params=["http", "https"])
def canned_url(request: pytest.FixtureRequest, server_tls_files: ServerTlsFiles) -> Iterator[str]:
    """A server whose answer spells its header names in mixed case (HTTP/1.1 only)."""
    import ssl  # noqa: PLC0415

    context = None
    if request.param == "https":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(server_tls_files.cert, server_tls_files.key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                conn = context.wrap_socket(accepted, server_side=True) if context else accepted
            except (OSError, ssl.SSLError):
                accepted.close()
                continue
            threading.Thread(target=_answer_canned, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"{request.param}://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join()
        listener.close()


# --- SOCKS5 ------------------------------------------------------------------------------------


def test_socks5h_hands_the_host_name_to_the_proxy(httpbin_port: int) -> None:
    with SocksProxy() as proxy:
        socks = f"socks5h://127.0.0.1:{proxy.port}"
        response = requestx.get(
            f"http://localhost:{httpbin_port}/get", proxies={"http": socks}, timeout=TIMEOUT
        )
    assert response.status_code == 200
    assert response.json()["headers"]["Host"] == f"localhost:{httpbin_port}"
    assert proxy.seen == [("domain", "localhost")]


def test_socks5_resolves_the_host_itself(httpbin_port: int) -> None:
    with SocksProxy() as proxy:
        socks = f"socks5://127.0.0.1:{proxy.port}"
        response = requestx.get(
            f"http://localhost:{httpbin_port}/get", proxies={"http": socks}, timeout=TIMEOUT
        )
    assert response.status_code == 200
    # The name was resolved here: the proxy got an address, never the name.
    assert len(proxy.seen) == 1
    kind, host = proxy.seen[0]
    assert kind in ("ipv4", "ipv6")
    assert ipaddress.ip_address(host).is_loopback


@pytest.mark.parametrize(("scheme", "expected"), [("socks4", "ipv4"), ("socks4a", "domain")])
def test_socks4_and_4a_like_5_and_5h(httpbin_port: int, scheme: str, expected: str) -> None:
    with SocksProxy() as proxy:
        proxies = {"http": f"{scheme}://127.0.0.1:{proxy.port}"}
        url = f"http://localhost:{httpbin_port}/get"
        assert requestx.get(url, proxies=proxies, timeout=TIMEOUT).status_code == 200
    # SOCKS4 carries IPv4 addresses only: the name resolved here is an IPv4 one.
    assert [kind for kind, _ in proxy.seen] == [expected]


@pytest.mark.parametrize("scheme", ["socks4", "socks4a"])
def test_socks4_sends_the_user_id(httpbin_port: int, scheme: str) -> None:
    with SocksProxy() as proxy:
        proxies = {"http": f"{scheme}://alice@127.0.0.1:{proxy.port}"}
        url = f"http://localhost:{httpbin_port}/get"
        assert requestx.get(url, proxies=proxies, timeout=TIMEOUT).status_code == 200
        anonymous = {"http": f"{scheme}://127.0.0.1:{proxy.port}"}
        assert requestx.get(url, proxies=anonymous, timeout=TIMEOUT).status_code == 200
    assert proxy.user_ids == [b"alice", b""]


GREETS_FIRST = textwrap.dedent(
    """
    import os, socket, threading
    import requestx

    listener = socket.create_server(("127.0.0.1", 0))
    received = []

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(5)
        received.append(conn.recv(100))
        conn.close()  # a proxy that says nothing back

    threading.Thread(target=serve, daemon=True).start()
    os.environ["http_proxy"] = f"socks5://127.0.0.1:{listener.getsockname()[1]}"
    try:
        requestx.get("http://origin.invalid/", timeout=5)  # .invalid never resolves (RFC 2606)
    except requestx.exceptions.ConnectionError as error:
        print(type(error).__name__, received)
    else:
        print("no error")
    """
)


@pytest.mark.skipif(
    shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="needs root and unshare(1) for a loopback-only network namespace",
)
def test_socks5_greets_the_proxy_before_resolving_the_name() -> None:
    """requests' test_use_proxy_from_environment: with `socks5://` (local DNS) from the
    environment, the proxy hears the SOCKS greeting before the name is resolved, as with
    PySocks, so a proxy that answers nothing is a ConnectionError after it got bytes, even
    where the name cannot be resolved. Run in a network namespace holding only loopback,
    with a name under `.invalid` (never resolvable): nothing can leave the machine."""
    command = f'ip link set lo up && exec "{sys.executable}" -c "$0"'
    finished = subprocess.run(
        ["unshare", "-n", "sh", "-c", command, GREETS_FIRST],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == r"ProxyError [b'\x05\x01\x00']"


def test_socks5_username_and_password(httpbin_port: int) -> None:
    url = f"http://127.0.0.1:{httpbin_port}/get"
    with SocksProxy(credentials=("user", "s3cret")) as proxy:
        good = f"socks5h://user:s3cret@127.0.0.1:{proxy.port}"
        assert requestx.get(url, proxies={"http": good}, timeout=TIMEOUT).status_code == 200
        bad = f"socks5h://user:wrong@127.0.0.1:{proxy.port}"
        with pytest.raises(requestx.exceptions.ProxyError):
            requestx.get(url, proxies={"http": bad}, timeout=TIMEOUT)
        anonymous = f"socks5h://127.0.0.1:{proxy.port}"
        with pytest.raises(requestx.exceptions.ProxyError):
            requestx.get(url, proxies={"http": anonymous}, timeout=TIMEOUT)
    assert proxy.seen == [("ipv4", "127.0.0.1")]  # only the authenticated request got this far


def test_socks5_refusal_and_a_dead_proxy_are_proxy_errors(httpbin_port: int) -> None:
    with SocksProxy() as proxy:
        unreachable = "http://elsewhere.invalid/get"  # the proxy answers "host unreachable"
        with pytest.raises(requestx.exceptions.ProxyError):
            requestx.get(
                unreachable,
                proxies={"http": f"socks5h://127.0.0.1:{proxy.port}"},
                timeout=TIMEOUT,
            )
    assert proxy.seen == [("domain", "elsewhere.invalid")]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"socks5://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(requestx.exceptions.ProxyError):
        requestx.get(f"http://127.0.0.1:{httpbin_port}/get", proxies={"http": dead}, timeout=5)


def test_https_and_http2_through_socks5h(tls_httpbin: tuple[int, Path]) -> None:
    port, ca_file = tls_httpbin
    with SocksProxy() as proxy, requestx.Session() as session:
        session.proxies = {"https": f"socks5h://127.0.0.1:{proxy.port}"}
        answers = [
            session.get(f"https://localhost:{port}/get", verify=str(ca_file), timeout=TIMEOUT)
            for _ in range(3)
        ]
    assert [r.http_version for r in answers] == [20] * 3
    # TLS checked the certificate against the URL's name, which only the proxy resolved;
    # the three requests shared one tunnel.
    assert proxy.seen == [("domain", "localhost")]


def test_async_through_socks5h(httpbin_port: int) -> None:
    async def main(socks: str) -> list[int]:
        async with requestx.Session(mode="async") as session:
            session.proxies = {"http": socks}
            url = f"http://localhost:{httpbin_port}/get"
            responses = await asyncio.gather(*(session.get(url) for _ in range(3)))
            return [r.status_code for r in responses]

    with SocksProxy() as proxy:
        assert asyncio.run(main(f"socks5h://127.0.0.1:{proxy.port}")) == [200] * 3
    assert proxy.seen
    assert set(proxy.seen) == {("domain", "localhost")}


@pytest.mark.parametrize(
    "proxy",
    ["socks4://user:pw@127.0.0.1:1080", "ftp://127.0.0.1:21"],
)
def test_proxies_the_engine_cannot_speak_to_are_invalid_proxy_urls(proxy: str) -> None:
    with pytest.raises(requestx.exceptions.InvalidProxyURL, match="invalid proxy URL"):
        requestx.get("http://127.0.0.1:9/", proxies={"http": proxy}, timeout=TIMEOUT)


# --- HTTP proxies: tunnels and forwarding ---------------------------------------------------


def test_http2_inside_a_connect_tunnel_shares_one_tunnel(tls_httpbin: tuple[int, Path]) -> None:
    port, ca_file = tls_httpbin
    url = f"https://127.0.0.1:{port}/get"
    with HttpProxy() as proxy:
        # A direct HTTP/2 connection to the origin exists first: proxied requests must not
        # ride it, and must share their own tunnel.
        assert requestx.get(url, verify=str(ca_file), timeout=TIMEOUT).http_version == 20
        proxies = {"https": f"http://127.0.0.1:{proxy.port}"}
        with requestx.Session() as one, requestx.Session() as two:
            answers = [
                session.get(url, proxies=proxies, verify=str(ca_file), timeout=TIMEOUT)
                for session in (one, two, one)
            ]
        assert [r.http_version for r in answers] == [20] * 3
        assert proxy.seen == [("CONNECT", f"127.0.0.1:{port}")]
        # Other credentials for the same proxy: another tunnel, with their Proxy-Authorization.
        authenticated = {"https": f"http://user:pw@127.0.0.1:{proxy.port}"}
        response = requestx.get(url, proxies=authenticated, verify=str(ca_file), timeout=TIMEOUT)
        assert response.http_version == 20
    assert len(proxy.seen) == 2
    expected = b"Proxy-Authorization: Basic " + base64.b64encode(b"user:pw")
    assert expected.lower() in proxy.heads[1].lower()
    assert b"proxy-authorization" not in proxy.heads[0].lower()


def test_a_certificate_the_origin_cannot_prove_is_an_ssl_error_inside_the_tunnel(
    tls_httpbin: tuple[int, Path],
) -> None:
    port, _ = tls_httpbin
    with HttpProxy() as proxy, pytest.raises(requestx.exceptions.SSLError):
        requestx.get(
            f"https://127.0.0.1:{port}/get",
            proxies={"https": f"http://127.0.0.1:{proxy.port}"},
            verify=True,  # the platform's roots do not hold the test CA
            timeout=TIMEOUT,
        )
    assert proxy.seen == [("CONNECT", f"127.0.0.1:{port}")]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_that_never_answers_times_out_as_in_requests(scheme: str) -> None:
    """A tunnel whose CONNECT gets no answer is a connect that did not finish
    (ConnectTimeout); a forwarded request that gets no answer waited for its response
    (ReadTimeout), as urllib3 reports both."""
    expected: type[requestx.exceptions.Timeout] = requestx.exceptions.ReadTimeout
    if scheme == "https":
        expected = requestx.exceptions.ConnectTimeout
    with SilentProxy() as proxy:
        proxies = {scheme: f"http://127.0.0.1:{proxy.port}"}
        with pytest.raises(expected):
            requestx.get(f"{scheme}://127.0.0.1:9/", proxies=proxies, timeout=(0.3, 0.3))


def test_forwarding_in_absolute_form_with_proxy_authorization(httpbin_port: int) -> None:
    with HttpProxy() as proxy:
        response = requestx.get(
            f"http://127.0.0.1:{httpbin_port}/get?a=1",
            proxies={"http": f"http://us%40er:p%3Ass@127.0.0.1:{proxy.port}"},
            timeout=TIMEOUT,
        )
    assert response.status_code == 200
    assert proxy.seen == [("GET", f"http://127.0.0.1:{httpbin_port}/get?a=1")]
    expected = b"Basic " + base64.b64encode(b"us@er:p:ss")
    assert expected in proxy.heads[0]


def test_credentials_in_the_url_go_only_in_authorization(httpbin_port: int) -> None:
    with HttpProxy() as proxy:
        response = requestx.get(
            f"http://user:pass@127.0.0.1:{httpbin_port}/basic-auth/user/pass",
            proxies={"http": f"http://127.0.0.1:{proxy.port}"},
            timeout=TIMEOUT,
        )
    assert response.status_code == 200
    assert proxy.seen == [("GET", f"http://127.0.0.1:{httpbin_port}/basic-auth/user/pass")]
    assert b"pass@" not in proxy.heads[0]


def test_header_names_keep_the_servers_spelling_through_a_proxy(
    canned_url: str, server_tls_files: ServerTlsFiles
) -> None:
    spelled = {"Content-Length", "X-Custom-Header", "x-lower", "CONTENT-type"}
    with HttpProxy() as proxy, requestx.Session() as session:
        session.proxies = {"http": f"http://127.0.0.1:{proxy.port}"}
        session.proxies["https"] = session.proxies["http"]
        for stream in (False, False, True):
            response = session.get(
                canned_url, verify=str(server_tls_files.ca), stream=stream, timeout=TIMEOUT
            )
            assert response.content == b"ok"
            assert set(response.headers) == spelled
            assert response.headers["content-type"] == "text/plain"
            if not stream:
                # The connection to the proxy (or the tunnel) was kept for the second.
                assert len(proxy.seen) == 1
    # A streamed body is read on the shared I/O thread, from its own pool: one more.
    kind = "CONNECT" if canned_url.startswith("https") else "GET"
    assert [seen[0] for seen in proxy.seen] == [kind, kind]
