"""A pooled connection the server closed as the next request went out (the keep-alive race).

The server below answers the first request, then reads the second one from the same
connection and closes it unanswered, as a server whose idle timeout ran out at that moment
does; the connection looked alive when it was taken from the pool. A safe request without a
body is sent again on a new connection (as browsers and Go's client do); anything else
fails as it did, since the server may have acted on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

import requestx

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
HEAD_END = b"\r\n\r\n"


def _read_request(connection: socket.socket) -> bytes:
    """One request: its head, and as many body bytes as its Content-Length says."""
    data = b""
    while HEAD_END not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(HEAD_END)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


@contextlib.contextmanager
def _closing_after_one_answer() -> Iterator[tuple[str, list[bytes]]]:
    """A server whose first connection answers once, then closes on the next request; the
    connections after it answer every request. Yields its URL and the request heads seen."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    seen: list[bytes] = []

    def serve() -> None:
        with listener:
            first, _ = listener.accept()
            with first:
                seen.append(_read_request(first))
                first.sendall(ANSWER % (5, b"first"))
                seen.append(_read_request(first))  # the request that finds it stale
            try:
                second, _ = listener.accept()
            except OSError:  # closed by the test (no second connection came)
                return
            with second:
                while head := _read_request(second):
                    seen.append(head)
                    second.sendall(ANSWER % (5, b"again"))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    address = listener.getsockname()
    try:
        yield f"http://127.0.0.1:{address[1]}", seen
    finally:
        # A connection that sends nothing wakes an accept still waiting (closing the
        # listener does not) and ends the server's loop.
        with contextlib.suppress(OSError), socket.create_connection(address, timeout=2):
            pass
        thread.join(timeout=10)
        listener.close()


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_safe_request_goes_again_on_a_new_connection(method: str) -> None:
    with _closing_after_one_answer() as (url, seen), requestx.Session() as session:
        session.trust_env = False
        assert session.get(f"{url}/one").content == b"first"
        answer = session.request(method, f"{url}/two", timeout=10)
        assert answer.status_code == 200
        if method != "HEAD":
            assert answer.content == b"again"
        # The request reached the server twice: on the stale connection and on the new one.
        assert [head.split(b" ")[:2] for head in seen] == [
            [b"GET", b"/one"],
            [method.encode(), b"/two"],
            [method.encode(), b"/two"],
        ]


def test_a_request_with_a_body_is_not_sent_again() -> None:
    with _closing_after_one_answer() as (url, seen), requestx.Session() as session:
        session.trust_env = False
        assert session.get(f"{url}/one").content == b"first"
        with pytest.raises(requestx.ConnectionError):
            session.post(f"{url}/two", data=b"payload", timeout=10)
        assert [head.split(b" ")[:2] for head in seen] == [[b"GET", b"/one"], [b"POST", b"/two"]]


def test_a_stale_connection_is_retried_in_async_mode_too() -> None:
    async def run() -> bytes:
        with _closing_after_one_answer() as (url, _seen):
            async with requestx.Session(mode="async") as session:
                session.trust_env = False
                first = await session.get(f"{url}/one")
                assert first.content == b"first"
                again = await session.get(f"{url}/two", timeout=10)
                content: bytes = again.content
                return content

    assert asyncio.run(run()) == b"again"
