"""HTTP/3 connections as a whole: max streams, idle timeout, graceful shutdown with GOAWAY,
a malformed-datagram flood, Retry, 0-RTT, and Alt-Svc on the TCP side."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import struct
from pathlib import Path

import h3_apps
import httpx
import pytest
from h3_apps import app
from h3_client import client_configuration, h3_client
from h3_server import ThreadedServer, h3_config, threaded_server

H3_REQUEST_REJECTED = 0x10B


def run(coroutine: object) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


async def _in_thread(function: object, *args: object) -> object:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)  # type: ignore[arg-type]


def test_max_streams_bounds_the_requests_in_flight(
    tls_files: tuple[Path, Path, Path], ca_file: Path
) -> None:
    """With http3_max_streams=2, a third request waits for a stream to finish; all answer."""
    h3_apps.gate.clear()
    config = h3_config(tls_files, http3_max_streams=2)

    async def main(port: int) -> None:
        async with h3_client(port, ca_file) as client:
            first = [client.start("GET", "/gated") for _ in range(3)]
            for _ in range(2):
                assert await _in_thread(h3_apps.gated_started.acquire, True, 10)
            assert client.quic._remote_max_streams_bidi == 2
            third = client.quic._streams[first[2].stream_id]
            assert third.is_blocked  # the client may not open it yet
            h3_apps.gate.set()
            for response in first:
                await response.done.wait()
            assert [(r.status, r.reset) for r in first] == [(200, None)] * 3
            assert await _in_thread(h3_apps.gated_started.acquire, True, 10)

    try:
        with threaded_server(app, config) as server:
            run(main(server.quic_port))
    finally:
        h3_apps.gate.set()


def test_idle_connections_are_closed(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    config = h3_config(tls_files, http3_idle_timeout=0.5)

    async def main(server: ThreadedServer) -> None:
        async with h3_client(server.quic_port, ca_file) as client:
            assert (await client.request("GET", "/version")).status == 200
            assert len(server.call(lambda: set(server.server.state.connections))) == 1
            # Quiet from here on: the server forgets the connection once idle.
            while server.call(lambda: len(server.server.state.connections)):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            # aioquic's client uses the peer's idle timeout as well: it closes too.
            await client.terminated.wait()

    with threaded_server(app, config) as server:
        run(main(server))


def test_graceful_shutdown_finishes_the_request_in_flight(
    tls_files: tuple[Path, Path, Path], ca_file: Path
) -> None:
    """GOAWAY; a stream opened after it is refused; the one in flight completes; then the
    connection closes and the server stops."""
    h3_apps.gate.clear()
    config = h3_config(tls_files, shutdown_timeout=20)

    async def main(server: ThreadedServer) -> None:
        async with h3_client(server.quic_port, ca_file) as client:
            in_flight = client.start("GET", "/gated")
            assert await _in_thread(h3_apps.gated_started.acquire, True, 10)
            server.begin_shutdown()
            while client.goaway is None:  # noqa: ASYNC110 - no event for a control frame
                await asyncio.sleep(0.01)
            assert client.goaway == in_flight.stream_id + 4
            late = await client.request("GET", "/version")
            assert late.reset == H3_REQUEST_REJECTED
            h3_apps.gate.set()
            await in_flight.done.wait()
            assert (in_flight.status, bytes(in_flight.body)) == (200, b"opened")
            await client.terminated.wait()  # the server closed the connection

    try:
        with threaded_server(app, config) as server:
            run(main(server))
            server.thread.join(15)
            assert not server.thread.is_alive()
    finally:
        h3_apps.gate.set()


def _forged_initial(size: int = 1200) -> bytes:
    """A QUIC v1 long-header Initial whose payload is random: it parses, never decrypts."""
    dcid, scid = os.urandom(8), os.urandom(8)
    header = bytes([0xC3]) + struct.pack("!I", 1) + bytes([8]) + dcid + bytes([8]) + scid
    header += b"\x00"  # no token
    payload_length = size - len(header) - 2
    header += struct.pack("!H", 0x4000 | payload_length)
    return header + os.urandom(payload_length)


def test_a_malformed_datagram_flood_is_survived(h3_server: ThreadedServer, ca_file: Path) -> None:
    """Random bytes, forged Initials, short headers for unknown connections, unknown
    versions: none keeps state, and a real client is served during and after."""
    endpoint = h3_server.server._quic
    assert endpoint is not None
    before = h3_server.call(lambda: len(endpoint._links))

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as flood:
                target = ("127.0.0.1", h3_server.quic_port)
                for index in range(3000):
                    kind = index % 4
                    if kind == 0:
                        packet = os.urandom(1 + index % 1400)
                    elif kind == 1:
                        packet = _forged_initial()
                    elif kind == 2:
                        packet = bytes([0x40]) + os.urandom(8) + os.urandom(60)
                    else:  # an unknown version: answered with Version Negotiation
                        packet = bytes([0xC0]) + b"\x1a\x2a\x3a\x4a" + b"\x08" + os.urandom(8)
                        packet += b"\x08" + os.urandom(8) + os.urandom(1200)
                    flood.sendto(packet, target)
                    if index % 500 == 0:
                        assert (await client.request("GET", "/version")).status == 200
            assert (await client.request("GET", "/version")).status == 200
        async with h3_client(h3_server.quic_port, ca_file) as fresh:
            assert (await fresh.request("GET", "/version")).status == 200

    run(main())
    # Only real connections (this test's, maybe closing) hold routes; no forged one stayed.
    links = h3_server.call(lambda: {id(link) for link in endpoint._links.values()})
    assert len(links) <= before + 2
    # The kernel drops some of the flood itself (a full receive buffer); the rest is counted.
    assert h3_server.call(lambda: endpoint.dropped) > 0


def test_retry_validates_addresses(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    config = h3_config(tls_files, http3_retry=True)

    async def main(port: int) -> None:
        async with h3_client(port, ca_file) as client:
            assert (await client.request("GET", "/version")).status == 200
            # aioquic's client records the Retry it followed.
            assert client.quic._retry_source_connection_id is not None

    with threaded_server(app, config) as server:
        run(main(server.quic_port))


def _resume_twice(port: int, ca_file: Path) -> tuple[bool, bool]:
    """(a ticket was issued, 0-RTT data was accepted on the resumed connection)."""
    tickets: list[object] = []

    async def main() -> tuple[bool, bool]:
        async with h3_client(port, ca_file, session_ticket_handler=tickets.append) as client:
            assert (await client.request("GET", "/version")).status == 200
        if not tickets:
            return False, False
        resumed = client_configuration(ca_file, session_ticket=tickets[-1])
        async with h3_client(port, ca_file, configuration=resumed) as client:
            assert (await client.request("GET", "/version")).status == 200
            return True, bool(client.quic.tls.early_data_accepted)

    return asyncio.run(main())


def test_0rtt_is_off_by_default(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    with threaded_server(app, h3_config(tls_files)) as server:
        assert _resume_twice(server.quic_port, ca_file) == (False, False)


def test_0rtt_knob_accepts_early_data(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    with threaded_server(app, h3_config(tls_files, http3_0rtt=True)) as server:
        assert _resume_twice(server.quic_port, ca_file) == (True, True)


def test_http11_and_http2_advertise_http3(h3_server: ThreadedServer, ca_file: Path) -> None:
    expected = f'h3=":{h3_server.quic_port}"; ma=86400'
    url = f"https://127.0.0.1:{h3_server.port}/version"
    verify = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(verify=verify, http2=False) as client:
        response = client.get(url)
        assert (response.http_version, response.headers["alt-svc"]) == ("HTTP/1.1", expected)
        streamed = client.get(url.replace("/version", "/stream/2"))
        assert streamed.headers["alt-svc"] == expected
    with httpx.Client(verify=verify, http2=True) as client:
        response = client.get(url)
        assert (response.http_version, response.headers["alt-svc"]) == ("HTTP/2", expected)
        streamed = client.get(url.replace("/version", "/stream/2"))
        assert streamed.headers["alt-svc"] == expected


def test_no_alt_svc_without_http3(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    with threaded_server(app, h3_config(tls_files, http3=False)) as server:
        with pytest.raises(RuntimeError, match="does not serve HTTP/3"):
            _ = server.quic_port
        verify = ssl.create_default_context(cafile=str(ca_file))
        response = httpx.get(f"https://127.0.0.1:{server.port}/version", verify=verify)
        assert "alt-svc" not in response.headers


def test_new_connection_ids_and_migration(h3_server: ThreadedServer, ca_file: Path) -> None:
    """The client moves to a connection id the server issued, then to a new UDP port (a NAT
    rebinding): the endpoint routes both to the same connection, which follows the client."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        async with h3_client(h3_server.quic_port, ca_file) as client:
            assert (await client.request("GET", "/version")).status == 200
            client.change_connection_id()
            assert (await client.request("GET", "/version")).status == 200
            # aioquic's client socket is dual-stack IPv6: the new one is too, on loopback.
            sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(("::ffff:127.0.0.1", 0))
            old = client._transport
            moved, _ = await loop.create_datagram_endpoint(lambda: client, sock=sock)
            try:
                assert old is not None
                old.close()
                response = await client.request("GET", "/version")
                assert response.status == 200
                new_port = moved.get_extra_info("sockname")[1]
                endpoint = h3_server.server._quic
                assert endpoint is not None
                clients = h3_server.call(
                    lambda: {link._client for link in endpoint._links.values()}
                )
                assert ("127.0.0.1", new_port) in clients
            finally:
                client.close()
                await client.wait_closed()
                moved.close()

    run(main())


def test_a_peer_that_acknowledges_nothing_has_its_stream_reset(
    tls_files: tuple[Path, Path, Path], ca_file: Path
) -> None:
    """The client stops reading its socket mid-response: nothing is acknowledged, send_data
    waits, and after write_timeout the stream is reset and the handler's body closed (the
    idle timeout is far longer, so it is not what ends it)."""
    config = h3_config(tls_files, write_timeout=0.5, http3_idle_timeout=600)

    async def main(port: int) -> None:
        async with h3_client(port, ca_file) as client:
            response = client.start("GET", "/endless")
            await response.first_data.wait()
            transport = client._transport
            assert transport is not None
            transport.pause_reading()  # type: ignore[attr-defined]
            assert await _in_thread(h3_apps.endless_stopped.wait, 30)
            transport.resume_reading()  # type: ignore[attr-defined]
            await response.done.wait()
            assert response.reset == 0x10C  # H3_REQUEST_CANCELLED

    with threaded_server(app, config) as server:
        run(main(server.quic_port))


def test_connections_over_the_limit_are_refused(
    tls_files: tuple[Path, Path, Path], ca_file: Path
) -> None:
    """limit_connections counts QUIC connections too: one over it is closed at once
    (CONNECTION_REFUSED), and a place freed is taken again."""
    config = h3_config(tls_files, limit_connections=1)

    async def main(server: ThreadedServer) -> None:
        port = server.quic_port
        async with h3_client(port, ca_file) as first:
            assert (await first.request("GET", "/version")).status == 200
            try:
                async with h3_client(port, ca_file) as second:
                    # The handshake may complete in the same flight as the close.
                    await asyncio.wait_for(second.terminated.wait(), 10)
                    assert second.close_code == 0x2  # CONNECTION_REFUSED
            except ConnectionError:
                pass  # closed before the handshake completed: refused as well
        # Closed connections leave the count after QUIC's closing period (RFC 9000 §10.2).
        while server.call(lambda: len(server.server.state.connections)):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        async with h3_client(port, ca_file) as again:
            assert (await again.request("GET", "/version")).status == 200

    with threaded_server(app, config) as server:
        run(main(server))
