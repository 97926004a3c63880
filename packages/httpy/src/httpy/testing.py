"""Run an httpy app on a loopback port in a background thread, for tests of any package.

from httpy.httpbin import app
from httpy.testing import serve_in_thread

with serve_in_thread(app) as server:
    requests.get(server.url + "/get")
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from httpy.config import Config
from httpy.server.serve import Server

if TYPE_CHECKING:
    from httpy.server.stream import StreamApp

__all__ = ["RunningServer", "ServerThread", "serve_in_thread", "server_thread"]


@dataclass(frozen=True, slots=True)
class RunningServer:
    host: str
    port: int
    scheme: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class ServerThread:
    """A server running on its own event loop in a thread (`server_thread`)."""

    server: Server
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    def call(self, function: Any, *args: Any) -> Any:
        """Run `function(*args)` on the server's loop and return its result."""

        async def run() -> Any:
            return function(*args)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def request_shutdown(self) -> None:
        """Begin the graceful shutdown; the block's end waits for it."""
        if self.thread.is_alive() and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.server.request_shutdown)


@contextmanager
def server_thread(
    app: StreamApp, config: Config, *, startup_timeout: float = 10.0
) -> Iterator[ServerThread]:
    """Run a Server for `app` in a thread until the block ends, with the server and its loop at
    hand (for tests that drive the server itself); `serve_in_thread` is the usual way."""
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
        except BaseException as error:  # noqa: BLE001 - reported to the caller's thread
            holder.setdefault("error", error)
            ready.set()

    thread = threading.Thread(target=run, name="httpy-test-server", daemon=True)
    thread.start()
    if not ready.wait(startup_timeout):
        raise TimeoutError("the test server did not start in time")
    if "error" in holder:
        raise RuntimeError("the test server failed to start") from holder["error"]
    running = ServerThread(holder["server"], holder["loop"], thread)
    try:
        yield running
    finally:
        running.request_shutdown()
        thread.join(config.shutdown_timeout + 5)


@contextmanager
def serve_in_thread(
    app: StreamApp, config: Config | None = None, *, startup_timeout: float = 10.0
) -> Iterator[RunningServer]:
    """Serve `app` (an App, or an ASGI app wrapped in :class:`~httpy.asgi.ASGIApp`) until
    the block ends; the port defaults to a free one (port 0)."""
    config = config or Config(port=0)
    with server_thread(app, config, startup_timeout=startup_timeout) as running:
        yield RunningServer(config.host, running.server.port, "https" if config.tls else "http")
