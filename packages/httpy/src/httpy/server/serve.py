"""Starting, running and stopping the server, in one process or in several workers.

Shutdown is graceful on SIGTERM and SIGINT: stop accepting, let in-flight requests finish
(their responses carry ``connection: close``), close idle connections at once, and after
``Config.shutdown_timeout`` close whatever is left. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from httpy.config import Config
from httpy.server.http11 import HTTP11Protocol
from httpy.server.state import ServerState, default_connection_limit
from httpy.server.tls import server_ssl_context

if TYPE_CHECKING:
    from httpy.server.stream import StreamApp

__all__ = ["Server", "run"]

error_log = logging.getLogger("httpy.error")


def bind_socket(config: Config) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    sock.listen(config.backlog)
    sock.setblocking(False)  # noqa: FBT003 - socket API
    return sock


class Server:
    """One event loop's server. ``await start()``, then ``await serve_until_stopped()``."""

    def __init__(self, app: StreamApp, config: Config | None = None) -> None:
        self.app = app
        self.config = config or Config()
        limit = self.config.limit_connections
        self.state = ServerState(limit if limit is not None else default_connection_limit())
        self._server: asyncio.Server | None = None
        self._stop = asyncio.Event()
        self._force = asyncio.Event()

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, sock: socket.socket | None = None) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(
            ThreadPoolExecutor(self.config.thread_pool_size, thread_name_prefix="httpy-handler")
        )
        ssl_context = server_ssl_context(self.config) if self.config.tls else None
        await self.app.startup()
        listening = sock if sock is not None else bind_socket(self.config)
        self._server = await loop.create_server(
            lambda: HTTP11Protocol(self.app, self.config, self.state),
            sock=listening,
            ssl=ssl_context,
            # A peer that stalls inside the handshake holds a socket: bound it (asyncio: 60 s).
            ssl_handshake_timeout=self.config.tls_handshake_timeout if ssl_context else None,
            backlog=self.config.backlog,
        )

    def request_shutdown(self) -> None:
        """Begin a graceful shutdown; a second call closes connections without waiting."""
        if self._stop.is_set():
            self._force.set()
        self._stop.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_shutdown)

    async def serve_until_stopped(self) -> None:
        await self._stop.wait()
        await self.shutdown()

    async def shutdown(self) -> None:
        if self._server is not None:
            self._server.close()  # stop accepting; the listening socket closes
        state = self.state
        state.shutting_down = True
        for connection in list(state.connections):
            connection.shutdown()
        if state.connections:
            drained = asyncio.ensure_future(state.drained.wait())
            forced = asyncio.ensure_future(self._force.wait())
            await asyncio.wait(
                {drained, forced},
                timeout=self.config.shutdown_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            drained.cancel()
            forced.cancel()
        for connection in list(state.connections):
            connection.force_close()
        await self.app.shutdown()


async def serve(app: StreamApp, config: Config, sock: socket.socket | None = None) -> None:
    server = Server(app, config)
    await server.start(sock)
    server.install_signal_handlers()
    scheme = "https" if config.tls else "http"
    error_log.info(
        "httpy serving on %s://%s:%d (pid %d)", scheme, config.host, server.port, os.getpid()
    )
    await server.serve_until_stopped()


def _event_loop_factory(config: Config) -> object | None:
    if not config.use_uvloop:
        return None
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run_loop(app: StreamApp, config: Config, sock: socket.socket | None) -> None:
    factory = _event_loop_factory(config)
    with asyncio.Runner(loop_factory=factory) as runner:  # type: ignore[arg-type]
        runner.run(serve(app, config, sock))


def run(app: StreamApp, config: Config | None = None) -> None:
    """Serve until SIGTERM/SIGINT: in this process, or in ``config.workers`` forked workers."""
    config = config or Config()
    if config.workers == 1:
        _run_loop(app, config, None)
        return
    _supervise(app, config)


def _supervise(app: StreamApp, config: Config) -> None:
    """Fork workers that share one listening socket; restart any that die unexpectedly."""
    if not hasattr(os, "fork"):
        raise RuntimeError("--workers needs fork(); run one process per port on this platform")
    sock = bind_socket(config)
    error_log.info(
        "httpy supervisor (pid %d) starting %d workers on %s:%d",
        os.getpid(),
        config.workers,
        config.host,
        sock.getsockname()[1],
    )
    children: set[int] = set()
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 0
            try:
                _run_loop(app, config, sock)
            except BaseException:  # noqa: BLE001 - a worker must exit, never return
                error_log.exception("worker %d crashed", os.getpid())
                code = 1
            os._exit(code)
        children.add(pid)

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(config.workers):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping:
            error_log.warning("worker %d exited (status %d); starting a new one", pid, status)
            time.sleep(0.5)  # a worker failing at start must not spin the CPU
            spawn()
    sock.close()
