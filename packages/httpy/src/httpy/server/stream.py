"""One request and its response, on any wire protocol: what the app side reads and writes.

Each connection module (HTTP/1.1 now; HTTP/2, HTTP/3 and WebSocket later) makes a
:class:`Stream` per request and gives it a :class:`Sender`, its own way of putting a response
on the wire. The app side (httpy's App, or an adapter for another kind of app) reads the
request's head and body from the stream and answers through it; it never sees the wire, and
the connection never sees the app beyond :class:`StreamApp`.

The stream records how far the response got (for the connection's decision once the app
returns: nothing sent means an error answer is still possible, half sent means only a reset
is) and what was sent (for the access log).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from httpy.body import BodyChannel
    from httpy.protocol.events import Headers, RequestReceived
    from httpy.server.websocket import WebSocketSession

__all__ = [
    "ResponseProgress",
    "Sender",
    "Stream",
    "StreamApp",
    "Unfinished",
    "settle",
    "start_handler",
]

access_log = logging.getLogger("httpy.access")
error_log = logging.getLogger("httpy.error")


class Sender(Protocol):
    """How one connection writes one stream's response. Calls come in a legal order:
    ``send_response`` alone, or ``start_response``, ``send_data``..., ``end_response``;
    ``reset`` at any time. Header names are lower-case ``bytes``."""

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: FBT001, FBT002 - positional on the hot path
    ) -> None:
        """A whole response at once (the common case). `checked`: the headers were already
        validated by the caller (httpy's MutableHeaders does it as they are set)."""

    def start_response(self, status: int, headers: Headers) -> None:
        """The head of a response whose body follows in pieces."""

    async def send_data(self, data: bytes) -> None:
        """One piece of the body; returns once more may be sent (flow control, backpressure)."""

    def end_response(self, trailers: Headers | None = None) -> None:
        """The body is complete; trailers where the protocol carries them."""

    def reset(self) -> None:
        """Abandon the response: the peer must not take what was sent as complete."""

    def push(self, path: bytes, headers: Headers) -> bool:
        """Promise a ``GET path`` response (HTTP/2 push), run like any request; False when
        the protocol or the peer does not take pushes."""

    @property
    def disconnected(self) -> bool:
        """The peer is gone; anything sent now is thrown away."""


class StreamApp(Protocol):
    """What the server runs: httpy's :class:`~httpy.App` (or an adapter for another kind)."""

    #: The app's default request body limit; None leaves it to the server's Config.
    max_body_size: int | None

    @property
    def has_custom_body_limits(self) -> bool:
        """Whether `body_limit_for_request` must be asked per request."""

    def body_limit_for_request(self, head: RequestReceived, default: int) -> int:
        """The body limit of what will answer `head`, checked before the body is read."""

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...

    async def serve_stream(self, stream: Stream) -> None:
        """Read the request from `stream` and answer it through `stream`."""

    async def serve_websocket(self, session: WebSocketSession) -> None:
        """Accept (or refuse) the WebSocket and run it; the server closes what is left."""


class ResponseProgress(IntEnum):
    NOT_STARTED = 0
    STARTED = 1
    ENDED = 2
    RESET = 3


# The members as module globals: an IntEnum attribute lookup costs more than a whole
# response's bookkeeping here (70 ns against 5 on Python 3.11), and these run per request.
NOT_STARTED, STARTED, ENDED, RESET = ResponseProgress


class Stream:
    """One request/response exchange. The connection makes it; the app reads and answers."""

    __slots__ = (
        "body",
        "client",
        "head",
        "on_disconnect",
        "progress",
        "scheme",
        "sender",
        "sent",
        "server",
        "started_at",
        "status",
    )

    def __init__(  # noqa: PLR0913, PLR0917 - made once per request, positionally (cheaper)
        self,
        head: RequestReceived,
        sender: Sender,
        scheme: str,
        client: tuple[str, int] | None,
        server: tuple[str, int] | None,
        body: BodyChannel | None,
        timed: bool = False,  # noqa: FBT001, FBT002
    ) -> None:
        self.head = head
        self.sender = sender
        self.scheme = scheme
        self.client = client
        self.server = server
        #: None when the request has no body (most GETs): nothing to read.
        self.body = body
        self.progress = NOT_STARTED
        self.status = 0
        self.sent = 0
        #: Called once when the sender becomes `disconnected` (the ASGI adapter's wait for
        #: ``http.disconnect``); see `notify_disconnected`.
        self.on_disconnect: Callable[[], None] | None = None
        self.started_at = time.perf_counter() if timed else 0.0

    # --- the app side answers through these ---------------------------------------------

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: FBT001, FBT002 - positional on the hot path
    ) -> None:
        self.sender.send_response(status, headers, body, checked)
        # Only once the sender took it: a refused response leaves room for an error answer.
        self.status = status
        self.sent = len(body)
        self.progress = ENDED

    def start_response(self, status: int, headers: Headers) -> None:
        self.sender.start_response(status, headers)
        self.status = status
        self.progress = STARTED

    async def send_data(self, data: bytes) -> None:
        self.sent += len(data)
        await self.sender.send_data(data)

    def end_response(self, trailers: Headers | None = None) -> None:
        self.sender.end_response(trailers)
        self.progress = ENDED

    def reset(self) -> None:
        self.progress = RESET
        self.sender.reset()

    def push(self, path: bytes, headers: Headers) -> bool:
        """Push ``GET path`` before the response starts; False when it cannot be pushed."""
        if self.progress is not NOT_STARTED:
            return False
        return self.sender.push(path, headers)

    @property
    def disconnected(self) -> bool:
        return self.sender.disconnected

    # --- the connection's side ------------------------------------------------------------

    def notify_disconnected(self) -> None:
        """The connection calls it when nothing more can be sent on this stream (connection
        lost or closed, stream reset): whoever waits for that learns it now, not by polling."""
        callback, self.on_disconnect = self.on_disconnect, None
        if callback is not None:
            callback()

    def log_access(self) -> None:
        """One `httpy.access` line for the finished exchange."""
        head = self.head
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
        access_log.info(
            '%s - "%s %s HTTP/%s" %d %d %.2fms',
            client,
            head.method,
            head.target.decode("latin-1"),
            head.http_version,
            self.status,
            self.sent,
            (time.perf_counter() - self.started_at) * 1000,
        )


def start_handler(
    loop: asyncio.AbstractEventLoop,
    coroutine: Coroutine[Any, Any, None],
    done: Callable[[asyncio.Task[None]], None],
) -> asyncio.Task[None] | None:
    """Run a stream's handler as a task; `done` is called with it once it returns.

    On 3.12+ the task starts eagerly: a handler that never waits finishes right here,
    without a trip through the loop's queue, and then None is returned (`done` was called).
    """
    if sys.version_info >= (3, 12):
        task = asyncio.Task(coroutine, loop=loop, eager_start=True)
    else:
        task = loop.create_task(coroutine)
    if task.done():
        done(task)
        return None
    task.add_done_callback(done)
    return task


class Unfinished(IntEnum):
    """What a stream's response still needs once its handler returned."""

    NOTHING = 0
    #: Nothing was sent: an error answer is still possible.
    ANSWER_500 = 1
    #: Half a response went out: only a reset tells the peer it is not whole.
    RESET = 2


def settle(stream: Stream, task: asyncio.Task[None], *, gone: bool, access: bool) -> Unfinished:
    """Log how the handler ended (and the access line); say what the response still needs.
    `gone`: the stream was reset or its connection lost, so nothing more can be sent."""
    if not task.cancelled() and task.exception() is not None:
        error_log.error("response failed", exc_info=task.exception())
    if stream.progress is not ENDED and not gone:
        if stream.progress is NOT_STARTED:
            return Unfinished.ANSWER_500
        return Unfinished.RESET
    if access and stream.progress is ENDED:
        stream.log_access()
    return Unfinished.NOTHING
