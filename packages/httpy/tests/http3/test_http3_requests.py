"""httpy over HTTP/3 with aioquic's own client, over real UDP on loopback: requests and
responses both ways, flow control, trailers, many streams on one connection."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import h3_apps
from h3_client import h3_client
from h3_server import ThreadedServer

MIB = 1024 * 1024


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_get_is_served_over_http3(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/version")
        assert response.status == 200
        assert json.loads(response.body) == {"http_version": "3", "host": "localhost"}
        assert response.header(b"server") == b"httpy"
        assert response.header(b"date") is not None

    run(main())


def test_post_of_one_mebibyte_arrives_whole(h3_server: ThreadedServer, ca_file: Path) -> None:
    body = bytes(range(256)) * (4 * 1024)  # 1 MiB

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            digest = await client.request("POST", "/digest", body=body)
            echo = await client.request("POST", "/echo", body=body)
        assert json.loads(digest.body) == {
            "size": MIB,
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        assert bytes(echo.body) == body

    run(main())


def test_request_trailers_reach_the_handler_over_http3(
    h3_server: ThreadedServer, ca_file: Path
) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = client.start("POST", "/request-trailers", body=b"abc", end=False)
            client.h3.send_headers(response.stream_id, [(b"x-checksum", b"294")], end_stream=True)
            client.transmit()
            await response.done.wait()
        assert response.status == 200
        assert json.loads(response.body) == {"body": "abc", "trailers": {"x-checksum": "294"}}

    run(main())


def test_upload_is_credited_only_as_the_handler_reads(
    h3_server: ThreadedServer, ca_file: Path
) -> None:
    """With a 64 KiB stream window, the client may send 64 KiB and no more until the
    handler reads; then the rest of the 1 MiB follows."""
    h3_apps.read_gate.clear()
    h3_apps.upload_waiting.clear()

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = client.start("POST", "/upload-later", body=b"u" * MIB)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, h3_apps.upload_waiting.wait, 10)
            stream = client.quic._streams[response.stream_id]
            # Wait until the client has sent all the window allows (it is then blocked), or
            # everything (frames included, the stream carries more than the body).
            sender = stream.sender
            # No event says so: poll the client's QUIC state (bounded by pytest-timeout).
            while sender.highest_offset < min(stream.max_stream_data_remote, MIB + 1):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            assert stream.max_stream_data_remote <= 64 * 1024
            assert sender.highest_offset < MIB
            h3_apps.read_gate.set()
            await response.done.wait()
        assert response.status == 200
        assert json.loads(response.body) == {"size": MIB}

    try:
        run(main())
    finally:
        h3_apps.read_gate.set()


def test_streaming_response_arrives_in_order(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/stream/64")
        assert response.status == 200
        expected = b"".join(bytes([65 + index % 26]) * 16384 for index in range(64))
        assert bytes(response.body) == expected

    run(main())


def test_large_response_respects_flow_control(h3_server: ThreadedServer, ca_file: Path) -> None:
    """8 MiB through the client's default 1 MiB windows: sent as the client credits it."""

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", f"/big/{8 * MIB}")
        assert response.status == 200
        assert response.header(b"content-length") == b"%d" % (8 * MIB)
        assert len(response.body) == 8 * MIB

    run(main())


def test_trailers_follow_the_body(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/trailers")
        assert bytes(response.body) == b"part one,part two"
        assert response.trailers == [(b"x-checksum", b"17")]

    run(main())


def test_many_concurrent_requests_share_one_connection(
    h3_server: ThreadedServer, ca_file: Path
) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            gets = [client.request("GET", "/version") for _ in range(30)]
            posts = [client.request("POST", "/echo", body=b"%d" % n * 5000) for n in range(10)]
            responses = await asyncio.gather(*gets, *posts)
            assert client.quic.host_cid  # one connection served them all
        assert [r.status for r in responses] == [200] * 40
        for number, response in enumerate(responses[30:]):
            assert bytes(response.body) == b"%d" % number * 5000
        assert len({r.stream_id for r in responses}) == 40

    run(main())


def test_head_gets_headers_only(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("HEAD", "/big/1000")
            assert (await client.request("GET", "/version")).status == 200
        assert response.status == 200
        assert response.header(b"content-type") == b"application/octet-stream"
        assert response.body == b""

    run(main())


def test_a_failing_handler_answers_500(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/fail")
            after = await client.request("GET", "/version")
        assert response.status == 500
        assert after.status == 200  # the connection goes on

    run(main())


def test_body_over_the_route_limit_is_refused(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            declared = await client.request(
                "POST", "/small", headers=[(b"content-length", b"5000")], body=b"x" * 5000
            )
            undeclared = await client.request("POST", "/small", body=b"x" * 5000)
            fine = await client.request("POST", "/small", body=b"x" * 100)
        assert declared.status == 413
        # Without a declared length the limit trips mid-body: the handler's read fails, it
        # answers 413, and the client is told to stop sending (STOP_SENDING).
        assert undeclared.status == 413
        assert b"body over 1024 bytes" in undeclared.body
        assert (fine.status, bytes(fine.body)) == (200, b"100")

    run(main())


def test_bad_requests_get_400(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/version", headers=[(b"host", b"elsewhere")])
            after = await client.request("GET", "/version")
        assert response.status == 400
        assert b":authority" in response.body or b"host" in response.body
        assert after.status == 200

    run(main())


def test_a_malformed_message_ends_only_its_connection(
    h3_server: ThreadedServer, ca_file: Path
) -> None:
    """aioquic's H3 layer treats a bad content-length as a connection error (RFC 9114 §4.1.2
    allows it); the server goes on serving other connections."""

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request(
                "GET", "/version", headers=[(b"content-length", b"abc")]
            )
            await client.terminated.wait()
        assert response.status == 0
        async with h3_client(h3_server.quic_port, ca_file) as client:
            assert (await client.request("GET", "/version")).status == 200

    run(main())


def test_client_reset_cancels_the_handler(h3_server: ThreadedServer, ca_file: Path) -> None:
    h3_apps.hang_cancelled.clear()

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = client.start("GET", "/hang")
            await client.request("GET", "/version")  # the hang request is running by now
            client.quic.reset_stream(response.stream_id, 0x10C)  # H3_REQUEST_CANCELLED
            client.quic.stop_stream(response.stream_id, 0x10C)
            client.transmit()
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, h3_apps.hang_cancelled.wait, 10)

    run(main())


def test_expect_100_continue(h3_server: ThreadedServer, ca_file: Path) -> None:
    """The 100 comes once the handler reads; then the body is sent and echoed."""

    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = client.start(
                "POST", "/echo", headers=[(b"expect", b"100-continue")], end=False
            )
            while not response.informational:  # noqa: ASYNC110 - no event for a 1xx
                await asyncio.sleep(0.01)
            client.send_body(response, b"after the 100", end=True)
            await response.done.wait()
        assert response.informational == [100]
        assert (response.status, bytes(response.body)) == (200, b"after the 100")

    run(main())
