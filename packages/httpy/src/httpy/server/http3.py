"""asyncio glue for HTTP/3: one UDP endpoint, QUIC connections routed by connection id, one
Stream per request.

:class:`HTTP3Endpoint` is the datagram protocol of the UDP socket. It reads each packet's
header (and nothing more) to find its connection by destination connection id, answers
unknown versions with Version Negotiation, validates new clients' addresses with Retry tokens
when ``Config.http3_retry`` is on, and drops whatever does not parse. Each QUIC connection is
an :class:`HTTP3Link` (what the ServerState tracks, like a TCP connection) around the sans-IO
:class:`~httpy.protocol.http3.HTTP3Connection`; every request runs in its own task on a
:class:`~httpy.server.stream.Stream` whose Sender is that stream's :class:`_StreamIO`.

Invariants:
- ``send_data`` returns only once the stream holds at most ``http3_stream_window`` bytes the
  peer has not acknowledged, so a streamed body is bounded by QUIC flow control and the
  peer's reading; a stream that stays blocked for ``write_timeout`` is reset.
- Request data is credited to the peer (MAX_STREAM_DATA) only as the handler reads it.
- A stream the peer resets has its handler cancelled; a connection that ends (idle timeout,
  CONNECTION_CLOSE, shutdown) cancels every handler still running on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any, cast

from aioquic._buffer import Buffer
from aioquic.h3.connection import H3_ALPN
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.packet import (
    QuicPacketType,
    encode_quic_retry,
    encode_quic_version_negotiation,
    pull_quic_header,
)
from aioquic.quic.retry import QuicRetryTokenHandler

from httpy.body import BodyChannel
from httpy.protocol.events import (
    ConnectionTerminated,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
    StreamReset,
)
from httpy.protocol.http3 import (
    H3_INTERNAL_ERROR,
    H3_REQUEST_CANCELLED,
    ConnectionIdIssued,
    ConnectionIdRetired,
    HTTP3Connection,
    HTTP3Limits,
)
from httpy.server.stream import Stream, Unfinished, settle, start_handler
from httpy.server.websocket import WebSocketSession, websocket_settings
from httpy.server.websocket_stream import StreamCarrier

if TYPE_CHECKING:
    from aioquic.tls import SessionTicket

    from httpy.config import Config
    from httpy.protocol.events import Headers
    from httpy.server.state import ServerState
    from httpy.server.stream import StreamApp

__all__ = ["HTTP3Endpoint", "HTTP3Link", "quic_configuration"]

error_log = logging.getLogger("httpy.error")

_NO_BODY_STATUSES = frozenset({204, 304})
# RFC 9000 §14.1: a client's first (Initial) datagram is at least this long.
_MIN_INITIAL_SIZE = 1200


def quic_configuration(config: Config) -> QuicConfiguration:
    """The QUIC settings a Config asks for (certificate, idle timeout, windows)."""
    quic = QuicConfiguration(
        is_client=False,
        alpn_protocols=H3_ALPN,
        idle_timeout=config.http3_idle_timeout,
        max_stream_data=config.http3_stream_window,
        max_data=config.http3_stream_window * config.http3_max_streams,
    )
    assert config.certfile is not None  # noqa: S101 - Config ensures TLS for HTTP/3
    quic.load_cert_chain(config.certfile, config.keyfile, config.keyfile_password)
    return quic


class _StreamIO:
    """One request stream's response side: the Sender its Stream writes through."""

    __slots__ = (
        "_link",
        "blocked",
        "body",
        "closed",
        "head_only",
        "running",
        "stream",
        "stream_id",
        "task",
    )

    def __init__(self, link: HTTP3Link, stream_id: int, *, head_only: bool) -> None:
        self._link = link
        self.stream_id = stream_id
        self.head_only = head_only
        self.stream: Stream | None = None
        self.task: asyncio.Task[None] | None = None
        self.running = False
        self.body: BodyChannel | None = None
        self.blocked: asyncio.Future[None] | None = None  # send_data waits for acknowledgements
        self.closed = False

    # --- Sender ---------------------------------------------------------------------------

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: ARG002, FBT001, FBT002 - every field sent is checked
    ) -> None:
        if self.closed:
            return
        if self.head_only or status in _NO_BODY_STATUSES:
            # No content-length either: aioquic's client (and others) check it against the
            # body they receive, HEAD or not.
            body = b""
        elif not any(name == b"content-length" for name, _ in headers):
            headers = [*headers, (b"content-length", b"%d" % len(body))]
        h3 = self._link.h3
        h3.send_head(self.stream_id, status, headers, end_stream=not body)
        if body:
            h3.send_data(self.stream_id, body, end_stream=True)
        self._link.transmit_soon()

    def start_response(self, status: int, headers: Headers) -> None:
        if self.closed:
            return
        if status in _NO_BODY_STATUSES:
            self.head_only = True
        self._link.h3.send_head(self.stream_id, status, headers)
        self._link.transmit_soon()

    async def send_data(self, data: bytes) -> None:
        if self.closed or self.head_only or not data:
            return
        link = self._link
        link.h3.send_data(self.stream_id, data)
        link.transmit()
        if link.h3.buffered(self.stream_id) > link.high_water and not self.closed:
            self.blocked = link.loop.create_future()
            link.blocked[self.stream_id] = self
            timer = link.loop.call_later(link.write_timeout, self._stalled)
            try:
                await self.blocked
            finally:
                timer.cancel()
                self.blocked = None

    def end_response(self, trailers: Headers | None = None) -> None:
        if self.closed:
            return
        if trailers:
            self._link.h3.send_trailers(self.stream_id, trailers)
        else:
            self._link.h3.send_data(self.stream_id, b"", end_stream=True)
        self._link.transmit_soon()

    def reset(self) -> None:
        if not self.closed:
            self._link.reset_stream(self, H3_INTERNAL_ERROR)

    def push(self, path: bytes, headers: Headers) -> bool:  # noqa: ARG002 - no push on HTTP/3
        return False

    @property
    def disconnected(self) -> bool:
        return self.closed

    # --- the connection's side --------------------------------------------------------------

    def wake(self) -> None:
        blocked = self.blocked
        if blocked is not None and not blocked.done():
            blocked.set_result(None)

    def _stalled(self) -> None:
        """The peer acknowledged nothing for write_timeout: give up on this stream."""
        if not self.closed:
            self._link.reset_stream(self, H3_REQUEST_CANCELLED)


class HTTP3Link:
    """One QUIC connection: its sans-IO protocol, its timer and its running streams."""

    def __init__(self, endpoint: HTTP3Endpoint, h3: HTTP3Connection, addr: Any) -> None:
        self._endpoint = endpoint
        self._app = endpoint.app
        self._config = config = endpoint.config
        self.loop = endpoint.loop
        self.h3 = h3
        self.high_water = config.http3_stream_window
        self.write_timeout = config.write_timeout
        self._client = (addr[0], addr[1]) if isinstance(addr, tuple) else None
        self._streams: dict[int, _StreamIO] = {}
        self.blocked: dict[int, _StreamIO] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._transmit_scheduled = False
        self.cids: set[bytes] = set()
        self.closed = False

    # --- datagrams in ---------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.closed:
            return
        self._client = (addr[0], addr[1]) if isinstance(addr, tuple) else self._client
        self._dispatch(self.h3.receive_datagram(data, addr, self.loop.time()))
        self.transmit()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        if self.closed:
            return
        self._dispatch(self.h3.handle_timer(self.loop.time()))
        self.transmit()

    def _dispatch(self, events: list[Any]) -> None:
        count = len(events)
        for index, event in enumerate(events):
            kind = type(event)
            if kind is RequestReceived:
                following = events[index + 1] if index + 1 < count else None
                bodiless = (
                    type(following) is RequestEnded and following.stream_id == event.stream_id
                )
                self._start(cast("RequestReceived", event), bodiless=bodiless)
            elif kind is ConnectionIdIssued:
                self.cids.add(event.connection_id)
                self._endpoint.route(event.connection_id, self)
            elif kind is ConnectionIdRetired:
                self.cids.discard(event.connection_id)
                self._endpoint.unroute(event.connection_id)
            elif kind is ConnectionTerminated:
                self._terminated()
                return
            else:
                self._stream_event(event)
        if self.blocked:
            self._wake_writers()

    def _stream_event(self, event: Any) -> None:
        io = self._streams.get(event.stream_id)
        if io is None:
            return
        kind = type(event)
        if kind is StreamReset:
            self._drop(io, cancel=True)
        elif io.body is None:
            return
        elif kind is RequestData:
            io.body.feed(event.data)
        elif kind is RequestEnded:
            io.body.end()
        elif kind is ProtocolError:
            # A body over its limit, or malformed trailers: the handler sees it as it reads.
            io.body.fail(event.status, event.reason)
        elif kind is RequestTrailers:
            io.body.trailers = event.headers

    def _wake_writers(self) -> None:
        h3, high_water = self.h3, self.high_water
        for stream_id, io in list(self.blocked.items()):
            if io.closed or h3.buffered(stream_id) <= high_water:
                del self.blocked[stream_id]
                io.wake()

    # --- streams ----------------------------------------------------------------------------

    def _start(self, head: RequestReceived, *, bodiless: bool) -> None:
        stream_id = head.stream_id
        if head.upgrade == b"websocket":
            self._start_websocket(head)
            return
        io = _StreamIO(self, stream_id, head_only=head.method == "HEAD")
        if not bodiless:
            io.body = BodyChannel(
                timeout=self._config.body_timeout or None,
                on_first_read=(lambda: self._send_continue(io)) if head.expect_continue else None,
                on_read=lambda size: self._acknowledge(stream_id, size),
            )
        self._streams[stream_id] = io
        io.stream = stream = Stream(
            head,
            io,
            "https",
            self._client,
            self._endpoint.server_address,
            io.body,
            self._config.access_log,
        )
        io.running = True
        io.task = start_handler(
            self.loop, self._app.serve_stream(stream), lambda done: self._finish(io, done)
        )

    def _start_websocket(self, head: RequestReceived) -> None:
        """An extended CONNECT (RFC 9220): this stream carries one WebSocket."""
        stream_id = head.stream_id
        io = _StreamIO(self, stream_id, head_only=False)
        # No body deadline: a socket may stay quiet for long; pings keep it honest.
        io.body = BodyChannel(on_read=lambda size: self._acknowledge(stream_id, size))
        self._streams[stream_id] = io
        carrier = StreamCarrier(io)
        session = WebSocketSession(
            head,
            carrier,
            self._endpoint.websocket_settings,
            scheme="wss",
            client=self._client,
            server=self._endpoint.server_address,
        )
        io.running = True
        io.task = task = self.loop.create_task(carrier.run(self._app, session))
        task.add_done_callback(lambda _: self._websocket_done(io))

    def _websocket_done(self, io: _StreamIO) -> None:
        io.task = None
        io.running = False
        self._streams.pop(io.stream_id, None)
        self._after_stream()

    def _finish(self, io: _StreamIO, task: asyncio.Task[None]) -> None:
        io.task = None
        io.running = False
        assert io.stream is not None  # noqa: S101
        unfinished = settle(io.stream, task, gone=io.closed, access=self._config.access_log)
        if unfinished is Unfinished.ANSWER_500:
            body = b"500 Internal Server Error\n"
            io.send_response(500, [(b"content-type", b"text/plain; charset=utf-8")], body)
        elif unfinished is Unfinished.RESET:
            self.reset_stream(io, H3_INTERNAL_ERROR)
        self._streams.pop(io.stream_id, None)
        self._after_stream()

    def _send_continue(self, io: _StreamIO) -> None:
        if not io.closed:
            self.h3.send_informational(io.stream_id, 100, [])
            self.transmit()

    def _acknowledge(self, stream_id: int, size: int) -> None:
        self.h3.acknowledge_received(stream_id, size)
        self.transmit_soon()

    def reset_stream(self, io: _StreamIO, error_code: int) -> None:
        self.h3.reset_stream(io.stream_id, error_code)
        self._drop(io, cancel=False)
        self.transmit()

    def _drop(self, io: _StreamIO, *, cancel: bool) -> None:
        io.closed = True
        self.blocked.pop(io.stream_id, None)
        if io.body is not None:
            io.body.disconnect()
        io.wake()
        if io.stream is not None:
            io.stream.notify_disconnected()
        if not io.running:
            self._streams.pop(io.stream_id, None)
        elif cancel and io.task is not None:
            io.task.cancel()

    def _after_stream(self) -> None:
        if self.h3.draining and not self._streams:
            self.h3.close()
            self.transmit()

    # --- datagrams out ----------------------------------------------------------------------

    def transmit_soon(self) -> None:
        """Send once this turn of the loop is over: responses finished together leave in
        as few datagrams as QUIC can pack them."""
        if not self._transmit_scheduled:
            self._transmit_scheduled = True
            self.loop.call_soon(self.transmit)

    def transmit(self) -> None:
        self._transmit_scheduled = False
        if self.closed:
            return
        loop = self.loop
        send = self._endpoint.sendto
        for data, addr in self.h3.datagrams_to_send(loop.time()):
            send(data, addr)
        when = self.h3.get_timer()
        if when is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = self._timer_at = None
        elif self._timer_at != when:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = when
            self._timer = loop.call_at(when, self._on_timer)

    # --- lifetime -------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Graceful shutdown: GOAWAY; streams in flight finish, then the connection closes."""
        self.h3.start_shutdown()
        if not self._streams:
            self.h3.close()
        self.transmit()

    def force_close(self) -> None:
        self.h3.close(H3_INTERNAL_ERROR, "server shutting down")
        self.transmit()
        self._terminated()

    def discard(self) -> None:
        """Forget a connection that never started: nothing is sent, nothing is kept."""
        self._terminated()

    def _terminated(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for io in list(self._streams.values()):
            self._drop(io, cancel=True)
        self._endpoint.forget(self, self.cids)


class HTTP3Endpoint(asyncio.DatagramProtocol):
    """The UDP socket's protocol: routes datagrams to QUIC connections, makes new ones."""

    def __init__(self, app: StreamApp, config: Config, state: ServerState) -> None:
        self.app = app
        self.config = config
        self.state = state
        self.loop = asyncio.get_running_loop()
        self._quic_config = quic_configuration(config)
        max_body = config.max_body_size if app.max_body_size is None else app.max_body_size
        self._limits = HTTP3Limits(
            max_streams=config.http3_max_streams,
            stream_window=config.http3_stream_window,
            max_header_count=config.max_header_count,
            max_header_list_size=config.max_header_bytes,
            max_body_size=max_body,
        )
        self._default_body_limit = max_body
        self.websocket_settings = websocket_settings(config)
        self._server_header = (
            config.server_header.encode("latin-1") if config.server_header else None
        )
        self._retry = QuicRetryTokenHandler() if config.http3_retry else None
        # 0-RTT needs resumption tickets; without a store, none are issued and none accepted.
        self._tickets: dict[bytes, SessionTicket] | None = {} if config.http3_0rtt else None
        self._links: dict[bytes, HTTP3Link] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self.server_address: tuple[str, int] | None = None
        #: Datagrams dropped because their header did not parse (a flood shows here).
        self.dropped = 0

    # --- asyncio.DatagramProtocol ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.DatagramTransport", transport)
        sock = transport.get_extra_info("sockname")
        self.server_address = (sock[0], sock[1]) if isinstance(sock, tuple) else None

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (a client that went away) concern one peer, never the endpoint.
        error_log.debug("HTTP/3 endpoint: %s", exc)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            header = pull_quic_header(
                Buffer(data=data), host_cid_length=self._quic_config.connection_id_length
            )
        except Exception:  # noqa: BLE001 - anything unparsable is dropped, whatever it is
            self.dropped += 1
            return
        link = self._links.get(header.destination_cid)
        if link is not None:
            self._deliver(link, data, addr)
            return
        versions = self._quic_config.supported_versions
        if header.packet_type is QuicPacketType.VERSION_NEGOTIATION:
            return  # never answered: two servers would bounce them forever
        if header.version is not None and header.version not in versions:
            self.sendto(
                encode_quic_version_negotiation(
                    source_cid=header.destination_cid,
                    destination_cid=header.source_cid,
                    supported_versions=versions,
                ),
                addr,
            )
            return
        if header.packet_type is not QuicPacketType.INITIAL or len(data) < _MIN_INITIAL_SIZE:
            self.dropped += 1
            return
        if self.state.shutting_down:
            return
        self._accept(data, addr, header)

    def _accept(self, data: bytes, addr: Any, header: Any) -> None:
        original_cid: bytes = header.destination_cid
        retry_cid: bytes | None = None
        if self._retry is not None:
            if not header.token:
                self._send_retry(addr, header)
                return
            try:
                original_cid = self._retry.validate_token(
                    address=addr,
                    destination_cid=header.destination_cid,
                    token=header.token,
                    now=self.loop.time(),
                )
            except ValueError:
                self.dropped += 1
                return
            retry_cid = header.destination_cid
        tickets = self._tickets
        h3 = HTTP3Connection(
            self._quic_config,
            self._limits,
            original_destination_connection_id=original_cid,
            retry_source_connection_id=retry_cid,
            # A ticket is taken once: a replayed 0-RTT flight finds none.
            session_ticket_fetcher=tickets.pop if tickets is not None else None,
            session_ticket_handler=(
                (lambda ticket: tickets.__setitem__(ticket.ticket, ticket))
                if tickets is not None
                else None
            ),
            server_header=self._server_header,
            body_limit_for=self._body_limit_for if self.app.has_custom_body_limits else None,
        )
        link = HTTP3Link(self, h3, addr)
        admitted = self.state.admit(link)
        self.route(header.destination_cid, link)
        self.route(h3.host_cid, link)
        link.cids.update({header.destination_cid, h3.host_cid})
        self._deliver(link, data, addr)
        if not h3.handshake_started:
            # Garbage dressed as an Initial: keep no state for it (a flood would pile up).
            self.dropped += 1
            link.discard()
        elif not admitted:
            # Over Config.limit_connections: refused at once, as TCP connections get a 503.
            h3.refuse("over the server's connection limit")
            link.transmit()

    def _deliver(self, link: HTTP3Link, data: bytes, addr: Any) -> None:
        try:
            link.datagram_received(data, addr)
        except Exception:  # noqa: BLE001 - logged; only this connection pays
            # A fault of this server with one connection must not take the endpoint down.
            error_log.exception("HTTP/3 connection from %s failed", addr)
            link.force_close()

    def _send_retry(self, addr: Any, header: Any) -> None:
        assert self._retry is not None  # noqa: S101
        source_cid = os.urandom(8)
        token = self._retry.create_token(
            address=addr,
            original_destination_connection_id=header.destination_cid,
            retry_source_connection_id=source_cid,
            now=self.loop.time(),
        )
        packet = encode_quic_retry(
            version=header.version,
            source_cid=source_cid,
            destination_cid=header.source_cid,
            original_destination_cid=header.destination_cid,
            retry_token=token,
        )
        self.sendto(packet, addr)

    # --- for the links ----------------------------------------------------------------------

    def sendto(self, data: bytes, addr: Any) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(data, addr)

    def route(self, cid: bytes, link: HTTP3Link) -> None:
        self._links[cid] = link

    def unroute(self, cid: bytes) -> None:
        self._links.pop(cid, None)

    def forget(self, link: HTTP3Link, cids: set[bytes]) -> None:
        for cid in cids:
            if self._links.get(cid) is link:
                del self._links[cid]
        self.state.forget(link)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _body_limit_for(self, head: RequestReceived) -> int:
        return self.app.body_limit_for_request(head, self._default_body_limit)
