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
from typing import TYPE_CHECKING

from httpy.config import Config
from httpy.server.serve import Server

if TYPE_CHECKING:
    from httpy.server.stream import StreamApp

__all__ = ["RunningServer", "serve_in_thread"]


@dataclass(frozen=True, slots=True)
class RunningServer:
    host: str
    port: int
    scheme: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


@contextmanager
def serve_in_thread(
    app: StreamApp, config: Config | None = None, *, startup_timeout: float = 10.0
) -> Iterator[RunningServer]:
    """Serve `app` (an App, or an ASGI app wrapped in :class:`~httpy.asgi.ASGIApp`) until
    the block ends; the port defaults to a free one (port 0)."""
    config = config or Config(port=0)
    ready = threading.Event()
    holder: dict[str, object] = {}

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
        raise RuntimeError("the test server failed to start") from holder["error"]  # type: ignore[misc]
    server = holder["server"]
    loop = holder["loop"]
    assert isinstance(server, Server)  # noqa: S101 - narrowing for the type checker
    assert isinstance(loop, asyncio.AbstractEventLoop)  # noqa: S101
    try:
        yield RunningServer(config.host, server.port, "https" if config.tls else "http")
    finally:
        loop.call_soon_threadsafe(server.request_shutdown)
        thread.join(config.shutdown_timeout + 5)
