"""One ASGI ``http`` exchange: the app's ``receive`` and ``send`` mapped onto a Stream.

``receive`` hands out the request body as ``http.request`` messages (``more_body`` until the
last), then ``http.disconnect`` once the response is done or the client is gone. ``send``
takes ``http.response.start``, ``.body`` (``more_body``), ``.trailers`` (when the start said
``trailers: True``) and ``.push`` (HTTP/2) and writes them through the stream.

Invariants:
- The head is held back until the first body message: a whole response in one message
  (``more_body`` False, no trailers) goes out as one ``send_response``, the fast path.
- Messages out of order raise RuntimeError in the app, as uvicorn does; once the client is
  gone, or the server answered for the app (a refused request body), ``send`` raises
  :class:`~httpy.exceptions.ClientDisconnectedError`, an OSError as ASGI spec 2.4 asks.
- A ``receive`` waiting for ``http.disconnect`` (after the body) wakes when the connection
  tells the stream it is gone (``Stream.on_disconnect``), when the response ends, or when the
  app returns; nothing polls.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

from httpy.asgi.fields import response_body, response_headers, response_status
from httpy.exceptions import ClientDisconnectedError, HTTPException
from httpy.protocol.events import Headers
from httpy.protocol.rules import reason_phrase

if TYPE_CHECKING:
    from httpy.asgi.types import Message
    from httpy.server.stream import Stream

__all__ = ["HTTPCycle"]

# Where the response is, from the app's side.
_IDLE = 0  # nothing sent
_STARTED = 1  # http.response.start received, held back until the first body message
_STREAMING = 2  # the head is on the wire, body pieces follow
_TRAILERS = 3  # the body ended; trailers are owed
_DONE = 4  # complete (or answered by the server); nothing more may be sent

_DISCONNECT: dict[str, Any] = {"type": "http.disconnect"}
# A response without trailers never touches its list: one shared, never filled.
_NO_TRAILERS: Headers = []
_PUSH_SAFE = "/?&=:;@!$'()*+,~%-._"


class HTTPCycle:
    __slots__ = (
        "closed",
        "headers",
        "request_complete",
        "response",
        "status",
        "stream",
        "trailers",
        "waiter",
        "with_trailers",
    )

    status: int
    headers: Headers
    with_trailers: bool
    trailers: Headers

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.response = _IDLE
        # `status`, `headers`, `with_trailers` (and `trailers`, when with_trailers) are set by
        # ``http.response.start``, before anything reads them: one request's fewer stores.
        #: Every body byte was handed to the app (or the body cannot be read any more).
        self.request_complete = False
        #: The client is gone, or the server answered instead of the app.
        self.closed = False
        #: A receive waiting for ``http.disconnect`` (see `end`).
        self.waiter: asyncio.Future[None] | None = None

    # --- receive ---------------------------------------------------------------------------

    async def receive(self) -> Message:
        if not self.request_complete:
            return await self._read_body()
        await self._until_over()
        return _DISCONNECT

    async def _read_body(self) -> Message:
        body = self.stream.body
        chunk = None
        if body is not None:
            try:
                chunk = await body.receive()
                if chunk is not None:
                    pieces = None
                    # What is already here goes in one message (as uvicorn does), and the
                    # last one says more_body False when the end is already known.
                    while body.buffered or body.complete:
                        more = await body.receive()  # at once: data, the end, or the failure
                        if more is None:
                            break
                        pieces = pieces or [chunk]
                        pieces.append(more)
                    else:
                        return {
                            "type": "http.request",
                            "body": _join(chunk, pieces),
                            "more_body": True,
                        }
                    chunk = _join(chunk, pieces)
            except ClientDisconnectedError:
                self.request_complete = self.closed = True
                return _DISCONNECT
            except HTTPException as error:  # over the body limit, malformed, too slow
                self.request_complete = True
                self._refuse(error)
                return _DISCONNECT
        self.request_complete = True
        return {"type": "http.request", "body": chunk or b"", "more_body": False}

    def _refuse(self, error: HTTPException) -> None:
        """The server answers for the app: the body it is reading broke a limit."""
        stream = self.stream
        if self.response <= _STARTED and not stream.disconnected:
            status = error.status_code
            body = f"{status} {reason_phrase(status)}: {error.detail}\n".encode()
            stream.send_response(status, [(b"content-type", b"text/plain; charset=utf-8")], body)
        elif self.response < _DONE:
            stream.reset()
        self._finish()
        self.closed = True

    async def _until_over(self) -> None:
        stream = self.stream
        while self.response != _DONE and not self.closed and not stream.disconnected:
            waiter = self.waiter
            if waiter is None:
                waiter = self.waiter = asyncio.get_running_loop().create_future()
                stream.on_disconnect = self._wake
            await waiter

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def end(self) -> None:
        """The app returned: a receive still waiting elsewhere wakes and its timer stops.
        (Nothing to do when `waiter` is None: the adapter checks that before calling.)"""
        if self.waiter is not None:
            self.closed = True
            self._wake()

    def _finish(self) -> None:
        self.response = _DONE
        if self.waiter is not None:
            self._wake()

    # --- send ------------------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        kind = message["type"]
        stream = self.stream
        # `disconnected` is a plain attribute on HTTP/1.1's sender: checking it per message
        # costs a lookup, not a call.
        if self.closed or stream.sender.disconnected:
            self.closed = True
            raise ClientDisconnectedError("the client is gone; the response cannot be sent")
        response = self.response
        if kind == "http.response.body":
            if response == _STARTED:
                body = message.get("body", b"")
                if (
                    type(body) is bytes
                    and not self.with_trailers
                    and not message.get("more_body", False)
                ):
                    # The common answer, whole in one message: no coroutine of its own.
                    stream.send_response(self.status, self.headers, body)
                    self.response = _DONE
                    if self.waiter is not None:
                        self._wake()
                    return
                await self._first_body(message)
            elif response == _STREAMING:
                await self._more_body(message)
            else:
                self._unexpected(kind)
        elif kind == "http.response.start":
            if response != _IDLE:
                self._unexpected(kind)
            status = message.get("status")
            self.status = status if type(status) is int else response_status(message)
            self.headers = response_headers(message.get("headers", ()))
            self.with_trailers = with_trailers = bool(message.get("trailers", False))
            # Only a response that announced trailers gathers them (see _add_trailers).
            self.trailers = [] if with_trailers else _NO_TRAILERS
            self.response = _STARTED
        elif kind == "http.response.trailers":
            self._add_trailers(message)
        elif kind == "http.response.push":
            self._push(message)
        else:
            self._unexpected(kind)

    def _add_trailers(self, message: Message) -> None:
        if self.response != _TRAILERS:
            self._unexpected(message["type"])
        self.trailers += response_headers(message.get("headers", ()))
        if not message.get("more_trailers", False):
            self.stream.end_response(self.trailers or None)
            self._finish()

    async def _first_body(self, message: Message) -> None:
        body = message.get("body", b"")
        if type(body) is not bytes:
            body = response_body(message)
        more = message.get("more_body", False)
        stream = self.stream
        if not more and not self.with_trailers:
            stream.send_response(self.status, self.headers, body)
            self._finish()
            return
        stream.start_response(self.status, self.headers)
        self.response = _STREAMING
        if body:
            await stream.send_data(body)
        if not more:
            self.response = _TRAILERS

    async def _more_body(self, message: Message) -> None:
        body = response_body(message)
        if body:
            await self.stream.send_data(body)
        if not message.get("more_body", False):
            if self.with_trailers:
                self.response = _TRAILERS
            else:
                self.stream.end_response()
                self._finish()

    def _push(self, message: Message) -> None:
        if self.stream.head.http_version != "2":
            raise RuntimeError("http.response.push needs HTTP/2 (see scope['extensions'])")
        path = message.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise TypeError(f"http.response.push needs a 'path' str starting with '/': {path!r}")
        target = quote(path, safe=_PUSH_SAFE).encode("ascii")
        self.stream.push(target, response_headers(message.get("headers", ())))

    def _unexpected(self, kind: object) -> NoReturn:
        if self.response == _DONE:
            raise RuntimeError(
                f"Unexpected ASGI message {kind!r} sent, after response already completed."
            )
        expected = {
            _IDLE: "'http.response.start'",
            _STARTED: "'http.response.body'",
            _STREAMING: "'http.response.body'",
            _TRAILERS: "'http.response.trailers'",
        }[self.response]
        raise RuntimeError(f"Expected ASGI message {expected}, but got {kind!r}.")


def _join(first: bytes, pieces: list[bytes] | None) -> bytes:
    return first if pieces is None else b"".join(pieces)
