"""The interruptible streams under the sync clients: a guard's cancel wakes a blocked read on
an HTTP/1.1 connection, never touches an HTTP/2 one, and only policies that need it install
the wrapper (the default success path carries none)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpcore
import httpx
import pytest
from httpcore._backends.sync import SyncStream

import aresilient
from aresilient._interrupt import Guard, InterruptibleBackend, InterruptibleStream, guarded
from httpy.testing import RunningServer

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    client, server = socket.socketpair()
    with client, server:
        yield client, server


def read_in_thread(
    stream: InterruptibleStream, guard: Guard
) -> tuple[threading.Thread, list[object]]:
    """A thread blocked reading `stream` under `guard`; what the read returned or raised."""
    outcome: list[object] = []
    started = threading.Event()

    def read() -> None:
        with guarded(guard):
            started.set()
            try:
                outcome.append(stream.read(1024, timeout=30.0))
            except Exception as error:  # noqa: BLE001 - the outcome under test
                outcome.append(error)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    started.wait(5.0)
    return thread, outcome


def wait_until_under_way(guard: Guard) -> None:
    """Until the guarded thread's read has begun (bounded: 10 s at most)."""
    for _ in range(1000):
        if guard._stream is not None:
            return
        time.sleep(0.01)


def test_a_cancel_wakes_a_read_blocked_on_an_http11_connection(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = pair
    stream = InterruptibleStream(SyncStream(client))
    stream.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    guard = Guard()
    thread, outcome = read_in_thread(stream, guard)
    wait_until_under_way(guard)
    guard.cancel()
    thread.join(10.0)
    assert not thread.is_alive()
    assert outcome == [b""]  # end-of-file: httpcore closes the connection on it
    assert server.recv(1024) == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert server.recv(1024) == b""  # the client's end was shut down


def test_an_http2_connection_is_never_shut_down(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = pair
    stream = InterruptibleStream(SyncStream(client))
    stream.write(H2_PREFACE)  # other requests' streams share this connection
    assert stream.multiplexed
    guard = Guard()
    thread, _outcome = read_in_thread(stream, guard)
    guard.cancel()  # before or during the read: either way the socket must stay whole
    server.sendall(b"frame")  # ends the read, if it was under way
    thread.join(10.0)
    assert not thread.is_alive()
    stream.write(b"more")  # a shut-down socket would refuse this (broken pipe)
    assert server.recv(1024) == H2_PREFACE + b"more"


def test_a_cancelled_guard_refuses_the_next_operation(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    stream = InterruptibleStream(SyncStream(pair[0]))
    guard = Guard()
    guard.cancel()
    with guarded(guard), pytest.raises(httpcore.WriteError, match="cancelled"):
        stream.write(b"GET / HTTP/1.1\r\n\r\n")


def _backend(client: httpx.Client) -> object:
    return client._transport._pool._network_backend  # type: ignore[attr-defined]


def test_only_policies_that_need_it_install_the_wrapper(httpbin: RunningServer) -> None:
    with aresilient.Client() as client:
        assert not isinstance(_backend(client), InterruptibleBackend)
        assert client.get(f"{httpbin.url}/get").status_code == 200
        assert not isinstance(_backend(client), InterruptibleBackend)
        # A request's own deadline installs it, from then on.
        assert client.get(f"{httpbin.url}/get", max_total_time=10.0).status_code == 200
        assert isinstance(_backend(client), InterruptibleBackend)
    with aresilient.Client(max_total_time=10.0) as client:
        assert isinstance(_backend(client), InterruptibleBackend)
    with aresilient.Client(hedging=aresilient.Hedging(5.0)) as client:
        assert isinstance(_backend(client), InterruptibleBackend)
