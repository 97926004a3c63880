"""The container's health check: does httpy answer HTTP on its own port, inside the container?

Run by Docker as `python -I -S healthcheck.py`, every few seconds for the container's whole
life, so it stays cheap: no site-packages (-S), the socket module only, one GET of `/` on the
address and port httpy was told (HTTPY_HOST, a wildcard meaning loopback; HTTPY_PORT, 8080 by
default). Any status below 500
counts as up: the app served may be anyone's, with or without a route at `/`.
Exit status 0 healthy, 1 not.
"""

from __future__ import annotations

import os
import socket
import sys

TIMEOUT = float(os.environ.get("HTTPY_HEALTHCHECK_TIMEOUT", "2"))
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 - matched, not bound


def target_host(bound: str) -> str:
    """Where to knock for a server bound to `bound`: a wildcard is reached on loopback."""
    return _WILDCARDS.get(bound, bound)


def probe(host: str, port: int, timeout: float = TIMEOUT) -> int:
    """The status code of `GET /`, or raise OSError/ValueError when there is no HTTP answer."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: httpy-healthcheck\r\n"
            b"Connection: close\r\n\r\n"
        )
        status_line = connection.recv(64).split(b"\r\n", 1)[0]
    version, _, rest = status_line.partition(b" ")
    if not version.startswith(b"HTTP/"):
        raise ValueError(f"not an HTTP answer: {status_line!r}")
    return int(rest[:3])


def main() -> int:
    host = target_host(os.environ.get("HTTPY_HOST", "0.0.0.0"))  # noqa: S104 - the image's default
    port = int(os.environ.get("HTTPY_PORT", "8080"))
    try:
        status = probe(host, port)
    except (OSError, ValueError) as error:
        print(f"unhealthy: {error}")  # noqa: T201 - Docker keeps it in the health log
        return 1
    print(f"status {status}")  # noqa: T201
    return 0 if status < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
