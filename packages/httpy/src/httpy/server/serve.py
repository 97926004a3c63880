"""Starting, running and stopping the server, in one process or in several workers.

Shutdown is graceful on SIGTERM and SIGINT: stop accepting, let in-flight requests finish
(their responses carry ``connection: close``; HTTP/2 and HTTP/3 connections get GOAWAY), close
idle connections at once, and after ``Config.shutdown_timeout`` close whatever is left. A
second signal skips the wait.

HTTP/3 with several workers: one worker (the first slot, restarted in the same role) serves
the UDP socket, the supervisor's; every worker advertises it. QUIC routes by connection id,
which the kernel cannot see, so a UDP socket shared by forked workers (or SO_REUSEPORT's
address hash, which breaks when a client migrates) would hand a connection's datagrams to a
process that does not know it.
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
    from httpy.server.http3 import HTTP3Endpoint
    from httpy.server.stream import StreamApp

__all__ = ["HTTP3_EXTRA_MESSAGE", "Server", "require_http3", "run"]

error_log = logging.getLogger("httpy.error")

HTTP3_EXTRA_MESSAGE = "HTTP/3 needs aioquic, which is not installed: pip install 'htk-httpy[http3]'"


def require_http3() -> type[HTTP3Endpoint]:
    """The HTTP/3 endpoint class; ImportError naming the extra when aioquic is missing."""
    try:
        from httpy.server.http3 import HTTP3Endpoint  # noqa: PLC0415 - optional extra
    except ImportError as error:
        if (error.name or "").partition(".")[0] == "aioquic":
            raise ImportError(HTTP3_EXTRA_MESSAGE) from None
        raise
    return HTTP3Endpoint


def bind_socket(config: Config) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    sock.listen(config.backlog)
    sock.setblocking(False)  # noqa: FBT003 - socket API
    return sock


def bind_udp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
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
        self._quic: HTTP3Endpoint | None = None
        self._quic_port = 0
        self._stop = asyncio.Event()
        self._force = asyncio.Event()

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def quic_port(self) -> int:
        """The UDP port HTTP/3 is served (or, in other workers, advertised) on."""
        if not self._quic_port:
            raise RuntimeError("the server does not serve HTTP/3")
        return self._quic_port

    async def start(
        self,
        sock: socket.socket | None = None,
        quic_sock: socket.socket | None = None,
        *,
        serve_quic: bool = True,
    ) -> None:
        """Listen on `sock` (or bind one); with ``Config.http3``, serve QUIC on `quic_sock`
        (or bind one), unless `serve_quic` is False: then HTTP/3 is only advertised (another
        worker serves it on ``Config.quic_port``)."""
        endpoint_class = require_http3() if self.config.http3 and serve_quic else None
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
        if not self.config.http3:
            return
        port = self.config.quic_port if self.config.quic_port is not None else self.port
        if endpoint_class is not None:
            udp = quic_sock if quic_sock is not None else bind_udp_socket(self.config.host, port)
            _, self._quic = await loop.create_datagram_endpoint(
                lambda: endpoint_class(self.app, self.config, self.state), sock=udp
            )
            port = int(udp.getsockname()[1])
        self._quic_port = port
        self.state.alt_svc = (b"alt-svc", b'h3=":%d"; ma=86400' % port)

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
        if self._quic is not None:
            self._quic.close()  # after the links' last datagrams (GOAWAY, CONNECTION_CLOSE)
        await self.app.shutdown()


async def serve(
    app: StreamApp,
    config: Config,
    sock: socket.socket | None = None,
    quic_sock: socket.socket | None = None,
    *,
    serve_quic: bool = True,
) -> None:
    server = Server(app, config)
    await server.start(sock, quic_sock, serve_quic=serve_quic)
    server.install_signal_handlers()
    scheme = "https" if config.tls else "http"
    error_log.info(
        "httpy serving on %s://%s:%d (pid %d)", scheme, config.host, server.port, os.getpid()
    )
    if config.http3 and serve_quic:
        error_log.info("httpy serving HTTP/3 on udp %s:%d", config.host, server.quic_port)
    await server.serve_until_stopped()


def _event_loop_factory(config: Config) -> object | None:
    if not config.use_uvloop:
        return None
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run_loop(
    app: StreamApp,
    config: Config,
    sock: socket.socket | None,
    quic_sock: socket.socket | None = None,
    *,
    serve_quic: bool = True,
) -> None:
    factory = _event_loop_factory(config)
    with asyncio.Runner(loop_factory=factory) as runner:  # type: ignore[arg-type]
        runner.run(serve(app, config, sock, quic_sock, serve_quic=serve_quic))


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
    quic_sock: socket.socket | None = None
    if config.http3:
        require_http3()  # fail in the supervisor, not in a restart loop of workers
        port = config.quic_port if config.quic_port is not None else sock.getsockname()[1]
        quic_sock = bind_udp_socket(config.host, port)
        config = config.replace(quic_port=quic_sock.getsockname()[1])
    error_log.info(
        "httpy supervisor (pid %d) starting %d workers on %s:%d",
        os.getpid(),
        config.workers,
        config.host,
        sock.getsockname()[1],
    )
    children: dict[int, int] = {}  # pid -> slot; slot 0 serves HTTP/3
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 0
            mine = quic_sock if slot == 0 else None
            if quic_sock is not None and mine is None:
                quic_sock.close()
            try:
                _run_loop(app, config, sock, mine, serve_quic=mine is not None)
            except BaseException:  # noqa: BLE001 - a worker must exit, never return
                error_log.exception("worker %d crashed", os.getpid())
                code = 1
            os._exit(code)
        children[pid] = slot

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(config.workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot = children.pop(pid, -1)
        if not stopping and slot >= 0:
            error_log.warning("worker %d exited (status %d); starting a new one", pid, status)
            time.sleep(0.5)  # a worker failing at start must not spin the CPU
            spawn(slot)
    sock.close()
    if quic_sock is not None:
        quic_sock.close()
