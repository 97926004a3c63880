"""The engine's own connections (rust/requestx/src/engine.rs): HTTPS over HTTP/1.1 and over
HTTP/2 by ALPN, sync and async, `http://` async; one shared HTTP/2 connection per origin for
the whole process; h2c with prior knowledge; response header names as the server spelled
them.

Connections are counted on the server's side: httpy's ASGI scope gives each request's
client address, and a connection is one client port.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

import httpy
import requestx
from httpy.asgi import ASGIApp
from httpy.asgi.types import Receive, Scope, Send
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles


@dataclass
class Peers:
    """The client port of every request the server answered."""

    ports: list[int] = field(default_factory=list)

    def connections(self) -> int:
        return len(set(self.ports))


def peer_app(peers: Peers) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        client = scope.get("client")
        if client:
            peers.ports.append(client[1])
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = json.dumps({"http_version": scope["http_version"], "size": size}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return ASGIApp(app)


@dataclass
class Origin:
    url: str
    ca: str
    peers: Peers


@pytest.fixture
def tls_origin(server_tls_files: ServerTlsFiles) -> Iterator[Origin]:
    """A fresh TLS origin per test (h2 and http/1.1 by ALPN), so counts start at zero."""
    peers = Peers()
    config = httpy.Config(port=0, certfile=server_tls_files.cert, keyfile=server_tls_files.key)
    with serve_in_thread(peer_app(peers), config) as running:
        yield Origin(running.url, str(server_tls_files.ca), peers)


@pytest.fixture
def plain_origin() -> Iterator[Origin]:
    """A fresh plaintext origin: HTTP/1.1, and h2 for a client with prior knowledge."""
    peers = Peers()
    with serve_in_thread(peer_app(peers), httpy.Config(port=0)) as running:
        yield Origin(running.url, "", peers)


def test_https_sync_speaks_http2_by_alpn_on_one_connection(tls_origin: Origin) -> None:
    with requestx.Session() as session:
        answers = [session.get(f"{tls_origin.url}/", verify=tls_origin.ca) for _ in range(3)]
    assert [(r.http_version, r.json()["http_version"]) for r in answers] == [(20, "2")] * 3
    assert tls_origin.peers.connections() == 1


def test_https_sync_keeps_http11_alive_when_http2_is_off(tls_origin: Origin) -> None:
    with requestx.Session(http2=False) as session:
        answers = [session.get(f"{tls_origin.url}/", verify=tls_origin.ca) for _ in range(3)]
    assert [(r.http_version, r.json()["http_version"]) for r in answers] == [(11, "1.1")] * 3
    assert tls_origin.peers.connections() == 1


@pytest.mark.parametrize(("http2", "version"), [(True, 20), (False, 11)])
def test_https_async_on_the_engines_connections(
    tls_origin: Origin, http2: bool, version: int
) -> None:
    async def main() -> list[int]:
        async with requestx.Session(mode="async", http2=http2) as session:
            answers = await asyncio.gather(
                *(session.get(f"{tls_origin.url}/", verify=tls_origin.ca) for _ in range(8))
            )
        return [r.http_version for r in answers]

    assert asyncio.run(main()) == [version] * 8
    if http2:  # multiplexed: one connection carries all eight
        assert tls_origin.peers.connections() == 1


@pytest.mark.parametrize(("http2", "version"), [(True, 20), (False, 11)])
def test_streamed_responses_ride_the_engines_connections(
    tls_origin: Origin, http2: bool, version: int
) -> None:
    """`stream=True` on the engine's own connections: read to its end, an HTTP/1.1 body
    hands its connection back to the pool, so three streamed calls use one connection."""
    with requestx.Session(http2=http2) as session:
        for _ in range(3):
            with session.get(f"{tls_origin.url}/", verify=tls_origin.ca, stream=True) as answer:
                body = b"".join(answer.iter_content(chunk_size=None))
                assert answer.http_version == version
                assert json.loads(body)["http_version"] == {20: "2", 11: "1.1"}[version]
    assert tls_origin.peers.connections() == 1


@pytest.mark.parametrize("http2", [True, False])
def test_streamed_uploads_ride_the_engines_connections(tls_origin: Origin, http2: bool) -> None:
    """A generator body goes out on the same connection as a plain call (no second pool
    for streamed uploads)."""

    def chunks() -> Iterator[bytes]:
        yield from (b"x" * 1000 for _ in range(5))

    with requestx.Session(http2=http2) as session:
        plain = session.get(f"{tls_origin.url}/", verify=tls_origin.ca)
        upload = session.post(f"{tls_origin.url}/", data=chunks(), verify=tls_origin.ca)
    assert plain.http_version == upload.http_version == (20 if http2 else 11)
    assert upload.json()["size"] == 5000
    assert tls_origin.peers.connections() == 1


def test_a_thread_pool_of_module_level_gets_rides_one_http2_connection(
    tls_origin: Origin,
) -> None:
    threads = 16
    start = threading.Barrier(threads)

    def get(_: int) -> tuple[int, int]:
        start.wait()  # all sixteen ask for the origin's connection at once
        answer = requestx.sync.get(f"{tls_origin.url}/", verify=tls_origin.ca, timeout=10)
        return answer.status_code, answer.http_version

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(get, range(threads)))
    assert answers == [(200, 20)] * threads
    assert len(tls_origin.peers.ports) == threads
    assert tls_origin.peers.connections() == 1


def test_sessions_with_the_same_tls_settings_share_the_http2_connection(
    tls_origin: Origin,
) -> None:
    with requestx.Session() as first, requestx.Session() as second:
        for session in (first, second, first):
            assert session.get(f"{tls_origin.url}/", verify=tls_origin.ca).http_version == 20
    assert tls_origin.peers.connections() == 1


def test_h2c_with_prior_knowledge_is_an_opt_in(plain_origin: Origin) -> None:
    with requestx.Session() as default:
        assert default.get(f"{plain_origin.url}/").json()["http_version"] == "1.1"
    with requestx.Session(http2="prior_knowledge") as session:
        answers = [session.get(f"{plain_origin.url}/") for _ in range(3)]
    assert [(r.http_version, r.json()["http_version"]) for r in answers] == [(20, "2")] * 3
    assert plain_origin.peers.connections() == 2  # the default's HTTP/1.1, then one h2c


def test_h2c_with_prior_knowledge_async(plain_origin: Origin) -> None:
    async def main() -> list[str]:
        async with requestx.Session(mode="async", http2="prior_knowledge") as session:
            answers = await asyncio.gather(*(session.get(f"{plain_origin.url}/") for _ in range(4)))
        return [r.json()["http_version"] for r in answers]

    assert asyncio.run(main()) == ["2"] * 4
    assert plain_origin.peers.connections() == 1


def test_a_shared_http2_connection_the_server_closed_is_replaced(
    server_tls_files: ServerTlsFiles,
) -> None:
    """httpy closes an idle HTTP/2 connection after its keep-alive timeout; the next request
    opens a new shared connection instead of failing on the closed one."""
    peers = Peers()
    config = httpy.Config(
        port=0,
        certfile=server_tls_files.cert,
        keyfile=server_tls_files.key,
        keep_alive_timeout=0.1,
    )
    ca = str(server_tls_files.ca)
    with serve_in_thread(peer_app(peers), config) as running, requestx.Session() as session:
        assert session.get(f"{running.url}/", verify=ca).http_version == 20
        time.sleep(1.0)  # well past the server's idle timeout: it has closed the connection
        assert session.get(f"{running.url}/", verify=ca).http_version == 20
    assert peers.connections() == 2


def test_a_tls_handshake_that_never_completes_is_a_connect_timeout() -> None:
    """The connect timeout covers the TLS handshake; callers queued behind the first one's
    connect to the origin get the same error, not a hang."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never speaks TLS
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/"

        def get(_: int) -> type[BaseException] | None:
            try:
                requestx.sync.get(url, timeout=(0.3, 5))
            except requestx.RequestException as error:
                return type(error)
            return None

        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(get, range(4)))
    assert outcomes == [requestx.ConnectTimeout] * 4


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_http2_knob_takes_only_its_settings(value: object) -> None:
    with pytest.raises(ValueError, match="http2 must be"):
        requestx.Session(http2=value)  # type: ignore[arg-type]


# --- header names as the server spelled them ---------------------------------------------

CANNED = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Length: 2\r\n"
    b"X-Custom-Header: a\r\n"
    b"x-lower: b\r\n"
    b"CONTENT-type: text/plain\r\n"
    b"Set-Cookie: one=1\r\n"
    b"set-cookie: two=2\r\n"
    b"\r\n"
    b"ok"
)
SPELLED = {"Content-Length", "X-Custom-Header", "x-lower", "CONTENT-type", "Set-Cookie"}


@dataclass
class RawServer:
    url: str
    stop: threading.Event


def _serve_canned(
    listener: socket.socket, context: ssl.SSLContext | None, stop: threading.Event
) -> None:
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            accepted, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=_answer, args=(accepted, context), daemon=True).start()


def _answer(accepted: socket.socket, context: ssl.SSLContext | None) -> None:
    try:
        conn = context.wrap_socket(accepted, server_side=True) if context else accepted
    except (OSError, ssl.SSLError):  # a handshake the client gave up on
        accepted.close()
        return
    with conn:
        buffered = b""
        while True:
            try:
                data = conn.recv(65536)
            except (OSError, ssl.SSLError):
                return
            if not data:
                return
            buffered += data
            while b"\r\n\r\n" in buffered:  # GETs without a body: one head, one answer
                _, buffered = buffered.split(b"\r\n\r\n", 1)
                conn.sendall(CANNED)


@pytest.fixture(params=["http", "https"])
def raw_server(
    request: pytest.FixtureRequest, server_tls_files: ServerTlsFiles
) -> Iterator[RawServer]:
    context = None
    if request.param == "https":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(server_tls_files.cert, server_tls_files.key)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    thread = threading.Thread(target=_serve_canned, args=(listener, context, stop), daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        yield RawServer(f"{request.param}://127.0.0.1:{port}/", stop)
    finally:
        stop.set()
        thread.join()
        listener.close()


def _check_spelling(response: requestx.Response) -> None:
    assert response.content == b"ok"
    assert set(response.headers) == SPELLED
    assert response.headers["x-custom-header"] == "a"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["SET-COOKIE"] == "one=1, two=2"
    assert response.cookies.get_dict() == {"one": "1", "two": "2"}


def test_header_names_keep_the_servers_spelling(
    raw_server: RawServer, server_tls_files: ServerTlsFiles
) -> None:
    with requestx.Session(http2=False) as session:
        for stream in (False, False, True):  # a new connection, then the same one kept alive
            _check_spelling(
                session.get(raw_server.url, verify=str(server_tls_files.ca), stream=stream)
            )


def test_header_names_keep_the_servers_spelling_async(
    raw_server: RawServer, server_tls_files: ServerTlsFiles
) -> None:
    async def main() -> list[requestx.Response]:
        async with requestx.Session(mode="async") as session:
            return [
                await session.get(raw_server.url, verify=str(server_tls_files.ca)) for _ in range(2)
            ]

    for response in asyncio.run(main()):
        _check_spelling(response)


def test_https_to_an_http11_only_server_with_http2_offered(
    raw_server: RawServer, server_tls_files: ServerTlsFiles
) -> None:
    """The server ignores ALPN: the first connection (opened for a possible HTTP/2) carries
    the request, later ones go to the HTTP/1.1 pools; sync and async both get answers."""
    ca = str(server_tls_files.ca)
    with requestx.Session() as session:
        answers = [session.get(raw_server.url, verify=ca) for _ in range(3)]
    assert [r.http_version for r in answers] == [11] * 3
    for response in answers:
        _check_spelling(response)
