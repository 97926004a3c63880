"""HTTP/1.1 connection behaviour over real sockets: keep-alive, pipelining, 100-continue,
deadlines, flow of bodies, and the strict refusals, each ending the connection."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator

import pytest
from e2e_apps import app
from raw import RawClient

import httpy
from httpy import Config
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app, Config(port=0, max_body_size=64 * 1024)) as running:
        yield running


def test_keep_alive_serves_several_requests_on_one_connection(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        for _ in range(3):
            client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            status, headers, body = client.read_response()
            assert (status, body) == (200, b'{"hello":"world"}')
            assert "connection" not in headers
        assert not client.closed_by_peer(wait=0.2)


def test_pipelined_requests_are_answered_in_order(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(
            b"GET /slow?seconds=0.2 HTTP/1.1\r\nHost: t\r\n\r\n"
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst"
            b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        bodies = [client.read_response()[2] for _ in range(3)]
    assert bodies == [b'{"slept":0.2}', b"first", b'{"hello":"world"}']


def test_http10_closes_unless_keep_alive_is_asked(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(b"GET / HTTP/1.0\r\n\r\n")
        status, headers, _ = client.read_response()
        assert status == 200
        assert headers["connection"] == "close"
        assert client.closed_by_peer()
    with RawClient(server.port) as client:
        client.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, _ = client.read_response()
        assert headers["connection"] == "keep-alive"
        client.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert client.read_response()[0] == 200


def test_connection_close_is_honoured(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        _, headers, _ = client.read_response()
        assert headers["connection"] == "close"
        assert client.closed_by_peer()


def test_expect_100_continue_waits_for_the_handler_to_read(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        status, _, _ = client.read_response()
        assert status == 100
        client.send(b"ping")
        status, _, body = client.read_response()
        assert (status, body) == (200, b"ping")


def test_expect_100_continue_not_sent_when_handler_ignores_the_body(
    server: RunningServer,
) -> None:
    with RawClient(server.port) as client:
        client.send(
            b"POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        status, headers, body = client.read_response()
        assert (status, body) == (200, b"not read")
        # The unread body would be taken for the next request: the server must close.
        assert headers["connection"] == "close"
        assert client.closed_by_peer()


def test_curl_expect_continue_upload(server: RunningServer) -> None:
    payload = "x" * 5000
    result = subprocess.run(
        [
            "curl", "-sS", "-H", "Expect: 100-continue", "--data-binary", payload,
            f"{server.url}/echo",
        ],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert result.stdout == payload


def test_chunked_request_body(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"
        )
        status, _, body = client.read_response()
        assert (status, body) == (200, b"hello world")
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.read_response()[0] == 200


def test_unread_body_still_arriving_closes_after_the_response(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(b"POST /ignore-body HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        status, headers, _ = client.read_response()
        assert status == 200
        assert headers["connection"] == "close"
        assert client.closed_by_peer()


SMUGGLING_AND_MALFORMED = [
    pytest.param(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n"
        b"\r\n0\r\n\r\nGET /pid HTTP/1.1\r\nHost: t\r\n\r\n",
        400,
        id="content-length-and-chunked",
    ),
    pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, id="no-host"),
    pytest.param(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
        id="two-content-lengths",
    ),
    pytest.param(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501, id="gzip-te"
    ),
    pytest.param(b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, id="space-before-colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n", 400, id="nul-in-value"),
    pytest.param(b"G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, id="method-not-a-token"),
    pytest.param(b"BREW / HTTP/1.1\r\nHost: t\r\n\r\n", 501, id="unknown-method"),
    pytest.param(b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505, id="http2-request-line"),
    pytest.param(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, id="long-target"),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
        431,
        id="200kB-of-headers",
    ),
    pytest.param(
        b"GET / HTTP/1.1\r\nHost: t\r\n"
        + b"".join(b"X-%d: v\r\n" % i for i in range(101))
        + b"\r\n",
        431,
        id="101-header-fields",
    ),
    pytest.param(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 70000\r\n\r\n",
        413,
        id="body-over-limit",
    ),
    pytest.param(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
        id="bad-chunk-size",
    ),
]


@pytest.mark.parametrize(("request_bytes", "status"), SMUGGLING_AND_MALFORMED)
def test_malformed_requests_are_refused_and_the_connection_closed(
    server: RunningServer, request_bytes: bytes, status: int
) -> None:
    with RawClient(server.port) as client:
        # The server may close while a huge request is still being sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.send(request_bytes)
        received = client.read_until_closed()
    assert received.startswith(b"HTTP/1.1 %d " % status), received[:200]
    assert b"connection: close" in received
    # Exactly one response: nothing smuggled behind the bad request was answered.
    assert len(re.findall(rb"HTTP/1\.1 \d{3} ", received)) == 1


def test_chunked_body_over_the_limit_is_refused(server: RunningServer) -> None:
    chunk = b"%x\r\n%s\r\n" % (40_000, b"a" * 40_000)
    with RawClient(server.port) as client:
        client.send(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.send(chunk + chunk)
        received = client.read_until_closed()
    assert received.startswith(b"HTTP/1.1 413 ")


def test_slow_header_sender_is_dropped_after_the_deadline() -> None:
    config = Config(port=0, header_timeout=0.5, keep_alive_timeout=5)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        started = time.monotonic()
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n")
        for _ in range(3):
            time.sleep(0.2)
            try:
                client.send(b"X-Drip: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
        received = client.read_until_closed()
        elapsed = time.monotonic() - started
    assert received.startswith(b"HTTP/1.1 408 ")
    assert elapsed < 3


def test_a_head_begun_on_an_idle_connection_gets_the_header_deadline() -> None:
    # The keep-alive deadline (long here) gives way to the header deadline as soon as the
    # next request's first bytes arrive; a head that never completes gets its 408.
    config = Config(port=0, header_timeout=0.5, keep_alive_timeout=30)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.read_response()[0] == 200
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n")
        received = client.read_until_closed()
    # Only the header deadline answers 408 (the keep-alive one closes without a word).
    assert received.startswith(b"HTTP/1.1 408 ")


def test_silent_connection_is_closed_after_the_header_deadline() -> None:
    config = Config(port=0, header_timeout=0.3)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        assert client.closed_by_peer(wait=3)


def test_idle_keep_alive_connection_is_closed() -> None:
    config = Config(port=0, keep_alive_timeout=0.3)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.read_response()[0] == 200
        assert client.closed_by_peer(wait=3)


def test_max_requests_per_connection() -> None:
    config = Config(port=0, max_requests_per_connection=2)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert "connection" not in client.read_response()[1]
        client.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.read_response()[1]["connection"] == "close"
        assert client.closed_by_peer()


def test_handlers_run_inside_a_task(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(b"GET /task-scoped HTTP/1.1\r\nHost: t\r\n\r\n")
        assert client.read_response()[2] == b'{"in_task":true}'


def test_a_failing_body_limit_hook_gets_a_500() -> None:
    broken = httpy.App()

    @broken.post("/", max_body_size=10)
    async def index(request: httpy.Request) -> str:
        return "unreachable"

    def explode(method: str, path: str, default: int) -> int:
        raise RuntimeError("routing failed")

    broken.body_limit_for = explode  # type: ignore[method-assign]
    with serve_in_thread(broken) as running, RawClient(running.port) as client:
        client.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx")
        received = client.read_until_closed()
    assert received.startswith(b"HTTP/1.1 500 ")
