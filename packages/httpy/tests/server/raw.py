"""A raw-socket client for what real clients refuse to send: malformed and pipelined input."""

from __future__ import annotations

import socket
import time

__all__ = ["RawClient", "read_response"]


class RawClient:
    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_until_closed(self) -> bytes:
        chunks = [self.buffer]
        self.buffer = b""
        while chunk := self._recv():
            chunks.append(chunk)
        return b"".join(chunks)

    def closed_by_peer(self, wait: float = 2.0) -> bool:
        """True if the server closed the connection (EOF) within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def read_response(self) -> tuple[int, dict[str, str], bytes]:
        status, headers, body, self.buffer = read_response(self._recv, self.buffer)
        return status, headers, body

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except ConnectionResetError:
            return b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_response(  # noqa: PLR0912 - one parser for the three body framings
    recv: object, buffer: bytes = b""
) -> tuple[int, dict[str, str], bytes, bytes]:
    """Parse one response (content-length, chunked or close-delimited) from `recv()`."""
    assert callable(recv)
    while b"\r\n\r\n" not in buffer:
        chunk = recv()
        if not chunk:
            raise ConnectionError(f"closed before a full response head: {buffer!r}")
        buffer += chunk
    head, buffer = buffer.split(b"\r\n\r\n", 1)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1])
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if 100 <= status < 200:
        return status, headers, b"", buffer
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(buffer) < length:
            chunk = recv()
            if not chunk:
                raise ConnectionError("closed inside the body")
            buffer += chunk
        return status, headers, buffer[:length], buffer[length:]
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buffer:
                buffer += recv()
            size_line, buffer = buffer.split(b"\r\n", 1)
            size = int(size_line, 16)
            while len(buffer) < size + 2:
                buffer += recv()
            body += buffer[:size]
            buffer = buffer[size + 2 :]
            if size == 0:
                return status, headers, body, buffer
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (chunk := recv()):
        buffer += chunk
    return status, headers, buffer, b""
