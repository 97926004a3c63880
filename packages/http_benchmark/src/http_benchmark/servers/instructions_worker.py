"""One server's protocol objects driven in memory, for `server-instructions` to count.

    python -P .../instructions_worker.py KIND INPUT OUTPUT [--loop uvloop|asyncio]

No socket and no load generator: the server's connection object gets the client's bytes
straight from INPUT (batches of requests as wrk or h2load would send them, and the apps'
sources, pickled by the parent), and a fake transport keeps what the server writes (OUTPUT,
for the parent to check). It is run as a script and imports nothing of http_benchmark, so
start-up under callgrind costs only the server's own imports.
So callgrind counts the server's own work per request, with the event loop the servers run
on (uvloop by default) and nothing of the kernel, the client or the socket layer.

Each batch is fed at once; the driver waits (on one future) until the transport has seen
the batch's response bodies, then feeds the next. Work a server leaves for later turns of
the loop (done callbacks, flushes) is counted too: the loop runs it before the next batch
arrives or while the run drains at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["KINDS", "FakeTransport", "drive", "main"]

#: What can be driven: (server, protocol) pairs, named as the server suites name them.
KINDS = (
    "httpy-h1",
    "httpy-asgi-h1",
    "uvicorn-h1",
    "hypercorn-h1",
    "httpy-h2c",
    "httpy-asgi-h2c",
    "hypercorn-h2c",
)
_PEER = ("127.0.0.1", 40000)
_LOCAL = ("127.0.0.1", 8080)


def _module(name: str, source: str) -> Any:
    """The benchmark's app module (apps.py's source), imported from its text."""
    module = ModuleType(name)
    exec(compile(source, name, "exec"), module.__dict__)  # noqa: S102 - our own apps.py text
    return module.app


class _Socket:
    """What hypercorn asks of `get_extra_info("socket")`."""

    family = 2  # AF_INET

    def getpeername(self) -> tuple[str, int]:
        return _PEER

    def getsockname(self) -> tuple[str, int]:
        return _LOCAL


class FakeTransport:
    """An asyncio transport (and, for hypercorn, a StreamWriter) that keeps what is written
    and wakes the driver once `expected` response bodies went out."""

    def __init__(self, loop: asyncio.AbstractEventLoop, body: bytes) -> None:
        self.loop = loop
        self.body = body
        self.protocol: Any = None
        self.out: list[bytes] = []
        self.bodies = 0
        self.expected = 0
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        self._extra = {"peername": _PEER, "sockname": _LOCAL, "socket": _Socket()}

    # --- what the servers call ---------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        data = bytes(data)
        self.out.append(data)
        self.bodies += data.count(self.body)
        waiter = self.waiter
        if waiter is not None and self.bodies >= self.expected and not waiter.done():
            waiter.set_result(None)

    def writelines(self, pieces: list[bytes]) -> None:
        for piece in pieces:
            self.write(piece)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._extra.get(name, default)

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_protocol(self) -> Any:
        return self.protocol

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return True

    def get_write_buffer_size(self) -> int:
        return 0

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    # StreamWriter's side, for hypercorn.
    async def drain(self) -> None:
        pass

    async def wait_closed(self) -> None:
        pass

    # --- the driver's side ---------------------------------------------------------------------

    def expect(self, bodies: int) -> asyncio.Future[None]:
        self.expected = self.bodies + bodies
        self.waiter = self.loop.create_future()
        return self.waiter


async def _httpy(kind: str, transport: FakeTransport, apps: dict[str, str]) -> Any:
    from httpy import Config
    from httpy.asgi import ASGIApp
    from httpy.server.http11 import HTTP11Protocol
    from httpy.server.state import ServerState

    if "asgi" in kind:
        app = ASGIApp(_module("asgi_app", apps["asgi_app"]))
    else:
        app = _module("httpy_app", apps["httpy_app"])
    await app.startup()
    # What `httpy run` serves with: the defaults (HTTP/2 sniffed on the cleartext port), but
    # for the 1,000-requests-per-connection cap, lifted as it is for hypercorn: a reconnect
    # is a connection's cost, not a request's.
    config = Config(max_requests_per_connection=1_000_000_000)
    protocol = HTTP11Protocol(app, config, ServerState(1000))
    transport.protocol = protocol
    protocol.connection_made(transport)  # type: ignore[arg-type]
    # The HTTP/2 preface hands the transport over (set_protocol): feed whoever holds it.
    return lambda data: transport.protocol.data_received(data)  # noqa: PLW0108 - late lookup


async def _uvicorn(transport: FakeTransport, apps: dict[str, str]) -> Any:
    from uvicorn.config import Config
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.server import ServerState

    # As `uvicorn --http httptools --no-access-log` runs it.
    config = Config(_module("asgi_app", apps["asgi_app"]), http="httptools", lifespan="off",
                    access_log=False, log_level="warning")  # fmt: skip
    protocol = HttpToolsProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol.data_received


async def _hypercorn(transport: FakeTransport, apps: dict[str, str]) -> Any:
    from hypercorn.app_wrappers import ASGIWrapper
    from hypercorn.asyncio.tcp_server import TCPServer
    from hypercorn.asyncio.worker_context import WorkerContext
    from hypercorn.config import Config

    config = Config()
    config.keep_alive_max_requests = 1_000_000_000  # as the benchmark runs it (apps.py)
    config.loglevel = "WARNING"
    reader = asyncio.StreamReader()
    app = ASGIWrapper(_module("asgi_app", apps["asgi_app"]))
    server = TCPServer(app, asyncio.get_running_loop(), config, WorkerContext(None), {},
                       reader, transport)  # type: ignore[arg-type]  # fmt: skip
    transport.protocol = asyncio.ensure_future(server.run())  # kept alive while it serves
    await asyncio.sleep(0)
    return reader.feed_data


async def drive(kind: str, given: dict[str, Any]) -> FakeTransport:
    """Serve `given`'s batches with `kind`; the transport holds what the server wrote."""
    transport = FakeTransport(asyncio.get_running_loop(), given["body"])
    server = kind.partition("-h")[0]
    apps = given["apps"]
    if server in ("httpy", "httpy-asgi"):
        feed = await _httpy(kind, transport, apps)
    elif server == "uvicorn":
        feed = await _uvicorn(transport, apps)
    else:
        feed = await _hypercorn(transport, apps)
    for data, responses in given["batches"]:
        done = transport.expect(responses)
        feed(data)
        await done
    for _ in range(20):  # what the last responses left for later turns of the loop
        await asyncio.sleep(0)
    return transport


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("input", type=Path, help="pickled batches, apps and expected body")
    parser.add_argument("output", type=Path, help="where the bytes the server wrote go")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    arguments = parser.parse_args(argv)
    given = pickle.loads(arguments.input.read_bytes())  # noqa: S301 - the parent's own file
    if arguments.loop == "uvloop":
        import uvloop

        transport = uvloop.run(drive(arguments.kind, given))
    else:
        transport = asyncio.run(drive(arguments.kind, given))
    arguments.output.write_bytes(b"".join(transport.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
