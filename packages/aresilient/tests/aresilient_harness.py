"""Test helpers: `Harness` runs one scenario with `aresilient.Client` or `AsyncClient`,
recording the waits; `ResetServer` resets connections on purpose; `StallServer` stops
answering mid-response and notes whether the client hung up on it.

Every behaviour test takes a `harness` fixture ("sync" or "async") and calls
`harness.request(...)`: the same assertions then hold for both clients.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from typing import Any

import httpx

import aresilient


class Harness:
    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.sleeps: list[float] = []

    def record_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def record_sleep_async(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        sleep = self.record_sleep if self.flavour == "sync" else self.record_sleep_async
        # Exact waits to assert on: the default backoff is jittered (test_defaults.py checks
        # that default on its own).
        return {"sleep": sleep, "backoff_strategy": aresilient.ExponentialBackoff(), **kwargs}

    def request(
        self,
        method: str,
        url: str,
        *,
        resilient: bool = False,
        client: dict[str, Any] | None = None,
        **request_kwargs: Any,
    ) -> httpx.Response:
        """One request on a fresh client (closed afterwards); the body is read."""
        kwargs = self.client_kwargs(client or {})
        if self.flavour == "sync":
            sync_class = aresilient.ResilientClient if resilient else aresilient.Client
            with sync_class(**kwargs) as sync_client:
                return sync_client.request(method, url, **request_kwargs)

        async def main() -> httpx.Response:
            async_class = aresilient.AsyncResilientClient if resilient else aresilient.AsyncClient
            async with async_class(**kwargs) as async_client:
                return await async_client.request(method, url, **request_kwargs)

        return asyncio.run(main())

    def stream_status(
        self, url: str, *, client: dict[str, Any] | None = None, **request_kwargs: Any
    ) -> int:
        """GET through `client.stream(...)`; the status of the response it yields."""
        kwargs = self.client_kwargs(client or {})
        if self.flavour == "sync":
            with (
                aresilient.Client(**kwargs) as sync_client,
                sync_client.stream("GET", url, **request_kwargs) as response,
            ):
                response.read()
                return response.status_code

        async def main() -> int:
            async with (
                aresilient.AsyncClient(**kwargs) as async_client,
                async_client.stream("GET", url, **request_kwargs) as response,
            ):
                await response.aread()
                return response.status_code

        return asyncio.run(main())


def _read_request_head(connection: socket.socket) -> bool:
    """Reads up to the end of a request's head (GETs only: no body); False if the client
    closed first."""
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        data += chunk
    return True


class ResetServer:
    """Reads each request, then resets the connection (RST) for the first `resets`
    connections; later ones get `200 ok`. Counts the requests it read."""

    def __init__(self, resets: int) -> None:
        self.resets = resets
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                _read_request_head(connection)
                self.requests += 1
                if self.requests <= self.resets:
                    # Linger 0: close() sends RST instead of FIN, an abrupt reset.
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    continue
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


class StallServer:
    """A raw HTTP/1.1 server that stalls on purpose, each connection in a thread of its own.

    The n-th accepted connection follows `script[n]` (later ones get `200 ok` at once):
    "stall" sends nothing after the request, "partial" sends the head and 2 of 10 body bytes,
    "trickle-head" sends its head a byte every `trickle_interval` s (0.1 s: about 6 s in all,
    every read quick), then its body; it ends "answered", or "client closed" if the client hung
    up first. "ok-then-trickle-head" answers `200 ok` and keeps the connection open, then
    trickles its answer to the next request on it.
    A stalled connection then waits until the client closes it ("client closed") or `hold`
    seconds pass, when it sends the rest of a 10-byte `200` response ("answered"). What each
    stalled connection saw is in `outcomes`, in the order they ended.
    """

    def __init__(
        self, script: list[str], hold: float = 30.0, trickle_interval: float = 0.1
    ) -> None:
        self.script = script
        self.hold = hold
        self.trickle_interval = trickle_interval
        self.outcomes: list[str] = []
        self._ended = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_outcomes(self, count: int, timeout: float = 60.0) -> list[str]:
        """The outcomes once `count` stalled connections have ended (or `timeout` passed)."""
        with self._ended:
            self._ended.wait_for(lambda: len(self.outcomes) >= count, timeout)
            return list(self.outcomes)

    def _accept(self) -> None:
        index = 0
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            action = self.script[index] if index < len(self.script) else "ok"
            index += 1
            thread = threading.Thread(target=self._serve, args=(connection, action), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket, action: str) -> None:
        with connection:
            if not _read_request_head(connection):
                return
            if action == "ok":
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                )
                return
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
            if action == "ok-then-trickle-head":
                # Kept alive: the client's next request comes on this same connection.
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if not _read_request_head(connection):
                    return
                action = "trickle-head"
            if action == "trickle-head":
                self._trickle(connection, head + b"late!!!!!!")
                return
            if action == "partial":
                connection.sendall(head + b"la")
            outcome = "answered"
            connection.settimeout(self.hold)
            try:
                # The client sends nothing more: recv returns only when it closes or resets.
                if connection.recv(1) == b"":
                    outcome = "client closed"
            except ConnectionResetError:
                outcome = "client closed"
            except TimeoutError:
                rest = b"te!!!!!!" if action == "partial" else head + b"late!!!!!!"
                connection.sendall(rest)
            with self._ended:
                self.outcomes.append(outcome)
                self._ended.notify_all()

    def _trickle(self, connection: socket.socket, data: bytes) -> None:
        outcome = "answered"
        try:
            for byte in data:
                connection.sendall(bytes([byte]))
                time.sleep(self.trickle_interval)
        except OSError:  # reset or broken pipe: the client closed its end
            outcome = "client closed"
        with self._ended:
            self.outcomes.append(outcome)
            self._ended.notify_all()

    def close(self) -> None:
        self._stop.set()
        self._acceptor.join(5)
        self._listener.close()
        for thread in self._threads:
            thread.join(self.hold + 5)
