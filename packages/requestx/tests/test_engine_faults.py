"""Faults found in the engine (issue #16), each pinned by a test against a loopback server.

The server is the standard library's `http.server` (an independent implementation),
answering with exactly the framing each fault needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import re
import socket
import ssl
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar

import pytest

import requestx

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

# How long the streaming server waits for the client to acknowledge an event before it
# gives up and sends the rest: only a bound on a failing run, never a measured time.
ACK_PATIENCE = 5.0


class Handler(BaseHTTPRequestHandler):
    """Answers by path; counts the connections it serves (keep-alive: HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    connections: ClassVar[int] = 0
    connections_lock: ClassVar[threading.Lock] = threading.Lock()
    # Set by the client after it has seen event `i` of /events; each one is used once.
    acks: ClassVar[list[threading.Event]] = []
    # Whether the client acknowledged each event before the server gave up waiting.
    acknowledged: ClassVar[list[bool]] = []

    def setup(self) -> None:
        super().setup()
        with self.connections_lock:
            type(self).connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is pytest's."""

    def do_HEAD(self) -> None:
        self._gzip_head(200, length=1234)

    def do_GET(self) -> None:
        if self.path == "/gzip-empty":
            self._gzip_head(200, length=0)
        elif self.path == "/not-modified":
            self._gzip_head(304, length=None)
        elif self.path == "/events":
            self._events()
        else:
            body = gzip.compress(b"ok") if self.path == "/gzip" else b"ok"
            self.send_response(200)
            if self.path == "/gzip":
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _gzip_head(self, status: int, *, length: int | None) -> None:
        self.send_response(status)
        self.send_header("Content-Encoding", "gzip")
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _events(self) -> None:
        """Server-sent events, one chunk each, the next only once the client saw this one."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, ack in enumerate(self.acks):
            event = f"data: {index}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            self.acknowledged.append(ack.wait(ACK_PATIENCE))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


def serve(tls: ServerTlsFiles | None = None) -> Iterator[str]:
    Handler.connections = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.cert, tls.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def url() -> Iterator[str]:
    yield from serve()


# --- gzip named, no body: nothing to decode ----------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("HEAD", "/", 200), ("GET", "/gzip-empty", 200), ("GET", "/not-modified", 304)],
)
@pytest.mark.parametrize("stream", [False, True])
def test_gzip_without_a_body_is_an_empty_body(
    url: str, method: str, path: str, status: int, stream: bool
) -> None:
    with requestx.Session(mode="sync") as session:
        response = session.request(method, url + path, stream=stream)
        assert response.status_code == status
        assert response.content == b""
        # The connection stays usable, and a real gzip body still decodes.
        assert session.get(f"{url}/gzip").content == b"ok"


@pytest.mark.parametrize("stream", [False, True])
def test_gzip_without_a_body_is_an_empty_body_when_awaited(url: str, stream: bool) -> None:
    async def main() -> list[bytes]:
        async with requestx.Session(mode="async") as session:
            bodies = []
            for method, path in [("HEAD", "/"), ("GET", "/gzip-empty"), ("GET", "/not-modified")]:
                response = await session.request(method, url + path, stream=stream)
                bodies.append(await response.aread())
            return bodies

    assert asyncio.run(main()) == [b"", b"", b""]


# --- streamed reads hand over each piece as it arrives ------------------------------------

EVENTS = 3
EVENT_NUMBER = re.compile(rb"data: (\d+)")


def acknowledge(piece: str | bytes) -> None:
    """Tell the server the client has seen the events in `piece`."""
    data = piece.encode() if isinstance(piece, str) else piece
    for number in EVENT_NUMBER.findall(data):
        Handler.acks[int(number)].set()


def expect_events() -> None:
    Handler.acks = [threading.Event() for _ in range(EVENTS)]
    Handler.acknowledged = []


READERS: dict[str, Callable[[requestx.Response], Iterator[Any]]] = {
    "iter_content(None)": lambda response: response.iter_content(chunk_size=None),
    "iter_lines()": lambda response: response.iter_lines(),
    "iter_content(512)": lambda response: response.iter_content(chunk_size=512),
    "iter_lines(decode_unicode)": lambda response: response.iter_lines(decode_unicode=True),
}


@pytest.mark.parametrize("reader", READERS)
def test_streamed_reads_yield_each_event_as_it_arrives(url: str, reader: str) -> None:
    """An event stream must not wait for a full buffer: the server sends the next event
    only after the client has seen this one."""
    expect_events()
    with requestx.Session(mode="sync") as session:
        response = session.get(f"{url}/events", stream=True)
        with response:
            pieces = list(map_acknowledged(READERS[reader](response)))
    assert Handler.acknowledged == [True] * EVENTS
    joined = b"".join(p.encode() if isinstance(p, str) else p for p in pieces)
    assert EVENT_NUMBER.findall(joined) == [str(i).encode() for i in range(EVENTS)]


def map_acknowledged(pieces: Iterator[Any]) -> Iterator[Any]:
    for piece in pieces:
        acknowledge(piece)
        yield piece


ASYNC_READERS: dict[str, Callable[[requestx.Response], AsyncIterator[Any]]] = {
    "aiter_content(None)": lambda response: response.aiter_content(chunk_size=None),
    "aiter_lines()": lambda response: response.aiter_lines(),
}


@pytest.mark.parametrize("reader", ASYNC_READERS)
def test_awaited_streamed_reads_yield_each_event_as_it_arrives(url: str, reader: str) -> None:
    expect_events()

    async def main() -> list[Any]:
        async with requestx.Session(mode="async") as session:
            response = await session.get(f"{url}/events", stream=True)
            pieces = []
            async for piece in ASYNC_READERS[reader](response):
                acknowledge(piece)
                pieces.append(piece)
            await response.aclose()
            return pieces

    asyncio.run(main())
    assert Handler.acknowledged == [True] * EVENTS


# --- the connect timeout is a property of a call, not of a pool ----------------------------


@pytest.fixture(params=["http", "https"])
def any_url(request: pytest.FixtureRequest, server_tls_files: ServerTlsFiles) -> Iterator[str]:
    """The server over plain HTTP and over TLS."""
    yield from serve(server_tls_files if request.param == "https" else None)


def test_calls_with_different_timeouts_share_one_connection(
    any_url: str, server_tls_files: ServerTlsFiles
) -> None:
    """Each distinct timeout used to get its own pool, never evicted: a loop with a new
    timeout per call opened a connection (a file descriptor) per call."""
    verify = str(server_tls_files.ca)
    with requestx.Session(mode="sync") as session:
        for step in range(30):
            response = session.get(f"{any_url}/", timeout=5 + step * 1e-6, verify=verify)
            assert response.content == b"ok"
        for timeout in [5, (5, 5), (5, None), None]:
            assert session.get(f"{any_url}/", timeout=timeout, verify=verify).content == b"ok"
    assert Handler.connections == 1


def test_module_level_calls_with_different_timeouts_share_one_connection(
    any_url: str, server_tls_files: ServerTlsFiles
) -> None:
    verify = str(server_tls_files.ca)
    for step in range(30):
        response = requestx.get(f"{any_url}/", timeout=(5 + step * 1e-6, 5), verify=verify)
        assert response.content == b"ok"
    assert Handler.connections == 1


def test_awaited_calls_with_different_timeouts_share_one_connection(
    any_url: str, server_tls_files: ServerTlsFiles
) -> None:
    verify = str(server_tls_files.ca)

    async def main() -> None:
        async with requestx.Session(mode="async") as session:
            for step in range(30):
                response = await session.get(f"{any_url}/", timeout=5 + step * 1e-6, verify=verify)
                assert response.content == b"ok"

    asyncio.run(main())
    assert Handler.connections == 1


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: Linux drops further SYNs, so a connect
    to it waits until the client gives up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs")
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_calls_connect_timeout_still_applies(
    unanswered_port: int, scheme: str, stream: bool
) -> None:
    url = f"{scheme}://127.0.0.1:{unanswered_port}/"
    with pytest.raises(requestx.ConnectTimeout):
        requestx.get(url, timeout=(0.2, 30), stream=stream)

    async def main() -> None:
        await requestx.aio.get(url, timeout=(0.2, 30), stream=stream)

    with pytest.raises(requestx.ConnectTimeout):
        asyncio.run(main())


# --- which protocol answered ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_an_http1_answer_says_so(url: str, stream: bool) -> None:
    """`Response.http_version` (HTTP/2 is checked in test_http2.py); http.server speaks
    HTTP/1.1."""
    with requestx.Session(mode="sync") as session:
        response = session.get(f"{url}/", stream=stream)
        assert response.http_version == response.raw.version == 11
        response.close()
    assert requestx.models.Response().http_version is None
