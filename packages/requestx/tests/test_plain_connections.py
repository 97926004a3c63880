"""Synchronous `http://` requests run on hyper's own connections (the engine's `direct.rs`).

These pin down what that path owns by itself: the Host header, keep-alive reuse, and what
happens when the server closes a connection, with a scripted server on a raw socket that
counts the connections it accepts and records every request it reads.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import pytest

import requestx

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@dataclass
class Recorded:
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


# A script gets the accepted socket, its connection number (from 0) and the record, and
# answers as it likes; the socket is closed when it returns.
Script = Callable[[socket.socket, int, Recorded], None]


def read_request(conn: socket.socket) -> bytes | None:
    """One request head (these tests send no bodies), or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data


def keep_alive(conn: socket.socket, _index: int, record: Recorded) -> None:
    while (request := read_request(conn)) is not None:
        record.requests.append(request)
        conn.sendall(HEAD_OK if request.startswith(b"HEAD ") else OK)


HEAD_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"


def answer_one_request(reply: bytes) -> Script:
    """A script that reads one request, sends `reply` and hangs up."""

    def answer(conn: socket.socket, _index: int, record: Recorded) -> None:
        if (request := read_request(conn)) is not None:
            record.requests.append(request)
            conn.sendall(reply)

    return answer


@contextmanager
def scripted_server(script: Script, host: str = "127.0.0.1") -> Iterator[tuple[str, Recorded]]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(16)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    record = Recorded()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            index = record.connections
            record.connections += 1
            with conn:
                conn.settimeout(5)
                with suppress(OSError):
                    script(conn, index, record)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        yield f"http://{shown}:{port}", record
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_keep_alive_reuses_one_connection() -> None:
    with scripted_server(keep_alive) as (base, record), requestx.Session() as session:
        for _ in range(20):
            response = session.get(f"{base}/a?b=c")
            assert response.status_code == 200
            assert response.content == b"ok"
    assert record.connections == 1
    assert len(record.requests) == 20
    assert record.requests[0].startswith(b"GET /a?b=c HTTP/1.1\r\n")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_host_header_names_host_and_port(host: str) -> None:
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("this machine has no IPv6 loopback")
    listen_on = "127.0.0.1" if host == "localhost" else host
    try:
        server = scripted_server(keep_alive, listen_on)
        base, record = server.__enter__()
    except OSError as error:  # pragma: no cover - an IPv6-less container
        pytest.skip(f"cannot listen on {listen_on}: {error}")
    try:
        port = base.rsplit(":", 1)[1]
        url = base if host != "localhost" else f"http://localhost:{port}"
        with requestx.Session() as session:  # closed: the server's loop ends with it
            assert session.get(url).status_code == 200
        shown = f"[{host}]" if host == "::1" else host
        assert f"\r\nHost: {shown}:{port}\r\n".encode() in record.requests[0]
    finally:
        server.__exit__(None, None, None)


def test_connection_close_from_the_server_means_a_new_connection() -> None:
    answer_once = answer_one_request(OK.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
    with scripted_server(answer_once) as (base, record), requestx.Session() as session:
        assert [session.get(base).text for _ in range(3)] == ["ok"] * 3
    assert record.connections == 3


def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    # Keep-alive by HTTP/1.1's default, then closed anyway.
    answer_then_hang_up = answer_one_request(OK)
    with scripted_server(answer_then_hang_up) as (base, record), requestx.Session() as session:
        for _ in range(3):
            assert session.get(base).text == "ok"
            time.sleep(0.1)  # the server's FIN arrives while the connection is idle
    assert record.connections == 3
    assert len(record.requests) == 3


def test_a_request_the_server_read_is_never_sent_twice() -> None:
    """The server reads the second request and hangs up without answering: that request
    may have had an effect, so it fails rather than being quietly sent again."""

    def answer_one_of_two(conn: socket.socket, index: int, record: Recorded) -> None:
        if (request := read_request(conn)) is not None:
            record.requests.append(request)
            conn.sendall(OK)
        if (request := read_request(conn)) is not None:
            record.requests.append(request)  # ... and no answer

    with scripted_server(answer_one_of_two) as (base, record), requestx.Session() as session:
        assert session.get(base).text == "ok"
        with pytest.raises(requestx.ConnectionError):
            session.post(base, data=b"")
    assert len(record.requests) == 2


def test_head_and_bodiless_statuses_keep_the_connection() -> None:
    def various(conn: socket.socket, _index: int, record: Recorded) -> None:
        answers = [
            HEAD_OK,
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
            ),
            OK,
        ]
        for answer in answers:
            request = read_request(conn)
            if request is None:
                return
            record.requests.append(request)
            conn.sendall(answer)

    with scripted_server(various) as (base, record), requestx.Session() as session:
        head = session.head(base)
        assert (head.status_code, head.headers["Content-Length"], head.content) == (
            200,
            "1234",
            b"",
        )
        assert session.get(base).status_code == 204
        not_modified = session.get(base)
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        assert session.get(base).content == b"abcdefg"
        assert session.get(base).content == b"ok"
    assert record.connections == 1


def test_a_truncated_body_is_a_chunked_encoding_error() -> None:
    short = answer_one_request(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")

    with (
        scripted_server(short) as (base, _record),
        pytest.raises(requestx.exceptions.ChunkedEncodingError),
    ):
        requestx.get(base)


def test_a_malformed_status_line_is_an_error() -> None:
    garbage = answer_one_request(b"NOT HTTP AT ALL\r\n\r\n")

    with (
        scripted_server(garbage) as (base, _record),
        pytest.raises(requestx.exceptions.RequestException),
    ):
        requestx.get(base)
