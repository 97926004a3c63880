"""HTTP/1.1 connection faults, each shown by a raw client: what runs after a closing response,
half-closed pipelines, backpressure and deadlines on writes, the connection cap, cancelled
handlers, and early answers that must survive the close (lingering)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import fault_apps
import pytest
import trustme
from cli_process import running_cli
from fault_apps import app
from raw import RawClient

from httpy import Config
from httpy.testing import RunningServer, serve_in_thread

GET = b"GET %s HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    config = Config(port=0, max_body_size=64 * 1024, write_timeout=0.5)
    with serve_in_thread(app, config) as running:
        yield running


def count_calls() -> int:
    return fault_apps.calls["count"]


# --- nothing runs behind a response that ends the connection --------------------------


@pytest.mark.parametrize(
    ("first", "status"), [(b"/close", 200), (b"/bad-length", 500)], ids=["close", "failed-send"]
)
def test_requests_behind_a_closing_response_never_run(
    server: RunningServer, first: bytes, status: int
) -> None:
    before = count_calls()
    with RawClient(server.port) as client:
        client.send(GET % first + GET % b"/count" + GET % b"/count")
        answer, headers, _ = client.read_response()
        assert (answer, headers["connection"]) == (status, "close")
        assert client.closed_by_peer()
    assert count_calls() == before


def test_requests_behind_the_response_in_flight_at_shutdown_never_run() -> None:
    before = count_calls()
    fault_apps.slow_started.clear()
    with serve_in_thread(app, Config(port=0)) as running:
        client = RawClient(running.port)
        client.send(GET % b"/slow" + GET % b"/count" + GET % b"/count")
        assert fault_apps.slow_started.wait(5)
    # Leaving the block shut the server down gracefully while /slow ran: /slow is answered
    # and ends the connection; what was pipelined behind it never runs.
    with client:
        status, headers, body = client.read_response()
        assert (status, headers["connection"], body) == (200, "close", b"slept")
        assert client.closed_by_peer()
    assert count_calls() == before


# --- a client that half-closes after pipelining gets every answer ------------------------


def test_half_closed_pipeline_gets_every_answer(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(GET % b"/count" + GET % b"/" + GET % b"/count")
        client.sock.shutdown(socket.SHUT_WR)  # like `nc -N`: our side is done
        statuses = [client.read_response()[0] for _ in range(3)]
        assert statuses == [200, 404, 200]
        assert client.closed_by_peer()


def test_half_close_during_a_body_still_ends_the_connection(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        client.sock.shutdown(socket.SHUT_WR)
        received = client.read_until_closed()
    assert received == b"" or received.startswith(b"HTTP/1.1 ")  # an answer, then the close


# --- backpressure on whole responses -----------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_a_pipelining_client_that_never_reads_costs_bounded_memory(tmp_path: Path) -> None:
    requests = 2000  # 2000 x 100 KiB: about 200 MiB if every answer were buffered
    with running_cli(tmp_path, "httpy.httpbin:app") as server:
        pid = server.process.pid
        with RawClient(server.port) as warm:
            for _ in range(3):
                warm.send(GET % b"/bytes/102400?seed=1")
                warm.read_response()
        baseline = _rss_kib(pid)
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(3.0)  # with backpressure the server stops reading: sendall blocks

        def flood() -> None:
            # Times out once the server stops reading, as it should.
            with contextlib.suppress(OSError):
                sock.sendall(GET % b"/bytes/102400?seed=1" * requests)

        sender = threading.Thread(target=flood)
        sender.start()
        sender.join(10)
        time.sleep(1.0)  # time enough to make (and buffer) far more than the bound
        grown_kib = _rss_kib(pid) - baseline
        sock.close()
        assert grown_kib < 48 * 1024, f"server RSS grew {grown_kib} KiB"


# --- deadlines ---------------------------------------------------------------------------


def test_a_peer_that_stops_reading_is_dropped_after_the_write_timeout(
    server: RunningServer,
) -> None:
    with RawClient(server.port) as client:
        client.send(GET % b"/forever")
        # Not reading: the server's buffer fills, write_timeout (0.5 s) passes, it drops us,
        # and the endless body's generator is closed.
        assert fault_apps.forever_closed.wait(5)
        client.sock.settimeout(5)
        received = 0
        while chunk := client._recv():
            received += len(chunk)
            assert received < 64 * 1024 * 1024, "the stream never ended"


def test_a_stalled_tls_handshake_is_cut_at_its_deadline(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    assert Config().tls_handshake_timeout == 10.0
    config = Config(port=0, certfile=certfile, keyfile=keyfile, tls_handshake_timeout=0.3)
    with serve_in_thread(app, config) as running, RawClient(running.port) as client:
        # TCP is up, but no ClientHello ever comes.
        assert client.closed_by_peer(wait=5)


# --- the connection cap ------------------------------------------------------------------


def test_connections_over_the_cap_get_503_and_the_cap_frees_up() -> None:
    with serve_in_thread(app, Config(port=0, limit_connections=2)) as running:
        first, second = RawClient(running.port), RawClient(running.port)
        for client in (first, second):
            client.send(GET % b"/count")
            assert client.read_response()[0] == 200
        with RawClient(running.port) as third:
            third.send(GET % b"/count")
            status, headers, _ = third.read_response()
            assert (status, headers["connection"]) == (503, "close")
        first.close()
        second.close()
        # Once the server has seen the closes, new connections are served again.
        deadline = time.monotonic() + 5
        status = 0
        while status != 200 and time.monotonic() < deadline:
            with RawClient(running.port) as fourth:
                fourth.send(GET % b"/count")
                status = fourth.read_response()[0]
        assert status == 200


# --- cancelled handlers ------------------------------------------------------------------


def test_a_handler_raising_cancelled_error_gets_a_500_and_a_close(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(GET % b"/cancelled" + GET % b"/count")
        status, headers, _ = client.read_response()
        assert (status, headers["connection"]) == (500, "close")
        assert client.closed_by_peer()


def test_a_stream_cancelled_midway_is_cut_not_left_open(server: RunningServer) -> None:
    with RawClient(server.port) as client:
        client.send(GET % b"/cancelled-midway")
        received = client.read_until_closed()  # ends: the server closed the connection
    assert received.startswith(b"HTTP/1.1 200 ")
    assert not received.endswith(b"0\r\n\r\n")  # no end of chunked body: it was cut


# --- early answers survive the close -----------------------------------------------------


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n", 413),
        (b"GET / HTTP/1.1\r\nHost: t\r\n" + b"X-Filler: " + b"a" * 20000 + b"\r\n", 431),
    ],
    ids=["413", "431"],
)
def test_an_early_answer_is_not_destroyed_by_a_reset(
    server: RunningServer, head: bytes, status: int
) -> None:
    with RawClient(server.port, timeout=10) as client:
        outcome: list[BaseException] = []

        def keep_sending() -> None:
            try:
                client.send(head + b"z" * (8 * 1024 * 1024))
            except OSError as error:  # what the peer's reset looks like from here
                outcome.append(error)

        sender = threading.Thread(target=keep_sending)
        sender.start()
        sender.join(15)
        assert not outcome, f"the server reset the connection: {outcome}"
        assert client.read_response()[0] == status
