"""An httpy Server in a background thread (`httpy.testing.server_thread`) with its Server object
and ports in reach, so tests can start a graceful shutdown while a request is in flight and look
at its state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from httpy.config import Config
from httpy.server.serve import Server
from httpy.testing import ServerThread, server_thread

__all__ = ["ThreadedServer", "h3_config", "threaded_server"]


def h3_config(tls_files: tuple[Path, Path, Path], **changes: object) -> Config:
    """A TLS Config on a free port with HTTP/3 on (and `changes`)."""
    certfile, keyfile, _ = tls_files
    return Config(port=0, certfile=certfile, keyfile=keyfile, http3=True).replace(**changes)


@dataclass
class ThreadedServer:
    """`httpy.testing.ServerThread` with the ports an HTTP/3 test asks for."""

    running: ServerThread

    @property
    def server(self) -> Server:
        return self.running.server

    @property
    def thread(self) -> threading.Thread:
        return self.running.thread

    @property
    def port(self) -> int:
        return self.running.server.port

    @property
    def quic_port(self) -> int:
        return self.running.server.quic_port

    def call(self, function: Any, *args: Any) -> Any:
        return self.running.call(function, *args)

    def begin_shutdown(self) -> None:
        self.running.request_shutdown()


@contextmanager
def threaded_server(app: Any, config: Config) -> Iterator[ThreadedServer]:
    with server_thread(app, config) as running:
        yield ThreadedServer(running)
