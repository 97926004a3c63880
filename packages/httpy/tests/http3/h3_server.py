"""An httpy Server in a background thread with its loop and Server object in reach, so tests
can start a graceful shutdown while a request is in flight and look at its state."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from httpy.config import Config
from httpy.server.serve import Server

__all__ = ["ThreadedServer", "h3_config", "threaded_server"]


def h3_config(tls_files: tuple[Path, Path, Path], **changes: object) -> Config:
    """A TLS Config on a free port with HTTP/3 on (and `changes`)."""
    certfile, keyfile, _ = tls_files
    return Config(port=0, certfile=certfile, keyfile=keyfile, http3=True).replace(**changes)


@dataclass
class ThreadedServer:
    server: Server
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def quic_port(self) -> int:
        return self.server.quic_port

    def call(self, function: Any, *args: Any) -> Any:
        """Run `function(*args)` on the server's loop and return its result."""

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def begin_shutdown(self) -> None:
        if self.thread.is_alive() and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.server.request_shutdown)


@contextmanager
def threaded_server(app: Any, config: Config) -> Iterator[ThreadedServer]:
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def main() -> None:
        server = Server(app, config)
        try:
            await server.start()
        except BaseException as error:
            holder["error"] = error
            ready.set()
            raise
        holder["server"] = server
        holder["loop"] = asyncio.get_running_loop()
        ready.set()
        await server.serve_until_stopped()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 - reported to the test's thread
            holder.setdefault("error", error)
            ready.set()

    thread = threading.Thread(target=run, name="httpy-h3-server", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise TimeoutError("the test server did not start in time")
    if "error" in holder:
        raise RuntimeError("the test server failed to start") from holder["error"]
    running = ThreadedServer(holder["server"], holder["loop"], thread)
    try:
        yield running
    finally:
        running.begin_shutdown()
        thread.join(config.shutdown_timeout + 5)
