"""Connection persistence in `HTTP11Connection`: which request or response ends the
connection, what is still parsed after that decision, and in which order responses go out.
"""

from __future__ import annotations

import pytest
from http11_wire import connected, current_target, feed, head, merged, stable, state

from httpy.protocol import HTTP11Connection, Limits
from httpy.protocol.events import (
    Headers,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
    ResponseBody,
    ResponseHead,
)

GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
NEXT = b"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"
ANSWER: tuple[int, Headers, bytes] = (200, [], b"ok")


def test_http10_closes_after_the_response() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"GET / HTTP/1.0\r\n\r\n" + NEXT)
    assert events == [head(headers=[], version="1.0", keep_alive=False), RequestEnded()]
    assert not conn.accepting_requests  # the pipelined request is never parsed
    assert conn.receive_data(NEXT) == []
    response = conn.send_response(*ANSWER)
    assert b"\r\nconnection: close\r\n" in response
    assert conn.should_close


def test_http10_keep_alive() -> None:
    conn = HTTP11Connection()
    request = b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
    events = conn.receive_data(request + request)
    assert events[0] == head(headers=[(b"connection", b"Keep-Alive")], version="1.0")
    assert len(events) == 4
    response = conn.send_response(*ANSWER)
    assert b"\r\nconnection: keep-alive\r\n" in response
    assert not conn.should_close
    assert conn.accepting_requests


def test_http10_close_wins_over_keep_alive() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n" + GET)
    assert isinstance(events[0], RequestReceived)
    assert not events[0].keep_alive
    assert events[1:] == [RequestEnded()]


@pytest.mark.parametrize("value", [b"close", b"Close", b"keep-alive, close", b"TE, close"])
def test_http11_connection_close(value: bytes) -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: " + value + b"\r\n\r\n"
                               + NEXT)  # fmt: skip
    assert isinstance(events[0], RequestReceived)
    assert not events[0].keep_alive
    assert events[1:] == [RequestEnded()]
    assert not conn.accepting_requests
    assert conn.receive_data(NEXT) == []
    assert b"\r\nconnection: close\r\n" in conn.send_response(*ANSWER)
    assert conn.should_close


def test_upgrade_is_ignored_and_the_connection_closes_after_the_answer() -> None:
    conn = HTTP11Connection()
    request = (
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
    )
    events = conn.receive_data(request + b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert len(events) == 2
    assert isinstance(events[0], RequestReceived)
    assert not events[0].keep_alive
    assert events[1] == RequestEnded()
    assert not conn.accepting_requests
    response = conn.send_response(*ANSWER)
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nconnection: close\r\n" in response
    assert conn.should_close


UPGRADE_POST = b"POST / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n"
# Bytes that would be a second request if the body were not read as a body (smuggling).
SMUGGLED = b"GET /smuggled HTTP/1.1\r\n\r\n"


@pytest.mark.parametrize("step", [None, 1, 7])
@pytest.mark.parametrize(
    ("framing", "body"),
    [
        pytest.param(b"Content-Length: 26\r\n\r\n", SMUGGLED, id="content-length"),
        pytest.param(
            b"Transfer-Encoding: chunked\r\n\r\n", b"1a\r\n" + SMUGGLED + b"\r\n0\r\n\r\n",
            id="chunked",
        ),
        pytest.param(
            b"Transfer-Encoding: chunked\r\n\r\n",
            b"a\r\nGET /smugg\r\n10\r\nled HTTP/1.1\r\n\r\n\r\n0\r\nx-sum: 1\r\n\r\n",
            id="chunked-in-pieces-with-trailer",
        ),
    ],
)  # fmt: skip
def test_an_upgrade_request_with_a_body_keeps_its_body(
    framing: bytes, body: bytes, step: int | None
) -> None:
    """httptools reads no body for a request that asks for an upgrade; httpy does, so the
    request is answered over HTTP/1.1 with its body and the body is never parsed as requests."""
    conn = HTTP11Connection()
    events = merged(feed(conn, UPGRADE_POST + framing + body + GET, step))
    trailers = [RequestTrailers([(b"x-sum", b"1")], 0)] if b"x-sum" in body else []
    assert len(events) == 3 + len(trailers), events
    assert isinstance(events[0], RequestReceived)
    assert events[0].upgrade == b"h2c"
    assert not events[0].keep_alive
    assert events[1:] == [RequestData(SMUGGLED), *trailers, RequestEnded()]
    assert not conn.accepting_requests
    response = conn.send_response(*ANSWER)
    assert b"\r\nconnection: close\r\n" in response
    assert conn.should_close


def test_an_upgrade_request_body_keeps_its_limit() -> None:
    conn = HTTP11Connection(Limits(max_body_size=10))
    events = conn.receive_data(UPGRADE_POST + b"Transfer-Encoding: chunked\r\n\r\n")
    events += conn.receive_data(b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == 413


def test_an_upgrade_request_body_with_bad_framing_is_refused() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(UPGRADE_POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == 400


def test_max_requests() -> None:
    conn = HTTP11Connection(Limits(max_requests=2))
    events = conn.receive_data(GET + GET + GET)
    assert events == [head(), RequestEnded(), head(), RequestEnded()]
    assert not conn.accepting_requests
    first = conn.send_response(*ANSWER)
    assert b"connection: close" not in first
    assert state(conn) == {"response_pending"}
    second = conn.send_response(*ANSWER)
    assert b"\r\nconnection: close\r\n" in second
    assert state(conn) == {"awaiting_request", "should_close"}
    assert conn.receive_data(GET) == []


def test_max_requests_counts_across_reads() -> None:
    conn = HTTP11Connection(Limits(max_requests=2))
    assert conn.receive_data(GET) == [head(), RequestEnded()]
    conn.send_response(*ANSWER)
    assert conn.receive_data(GET + NEXT) == [head(), RequestEnded()]
    assert b"\r\nconnection: close\r\n" in conn.send_response(*ANSWER)


def test_response_before_the_whole_body_closes() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab")
    assert events[1:] == [RequestData(b"ab")]
    # Answered before the body is in: where the next request starts is unknown, so it closes.
    response = conn.send_response(413, [], b"")
    assert b"\r\nconnection: close\r\n" in response
    assert state(conn) == {"awaiting_request", "should_close"}
    assert conn.receive_data(b"cdef" + GET) == []


def test_streaming_response_while_the_body_arrives() -> None:
    conn = HTTP11Connection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab")
    assert b"\r\nconnection: close\r\n" in conn.send(ResponseHead(200, []))
    # A full-duplex handler still reads the rest of its body...
    assert conn.receive_data(b"cdef" + GET) == [RequestData(b"cdef"), RequestEnded()]
    # ...but nothing after it is parsed.
    assert conn.receive_data(GET) == []
    assert not conn.accepting_requests
    conn.send(ResponseBody(b"x", end=True))
    assert conn.should_close


def test_close_after_response_lets_the_current_body_finish() -> None:
    conn = HTTP11Connection()
    conn.receive_data(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
    conn.close_after_response()
    assert not conn.accepting_requests
    assert conn.receive_data(b"cd" + GET) == [RequestData(b"cd"), RequestEnded()]
    assert b"\r\nconnection: close\r\n" in conn.send_response(*ANSWER)
    assert conn.should_close


def test_close_after_response_when_idle_stops_parsing() -> None:
    conn = HTTP11Connection()
    conn.close_after_response()
    assert not conn.accepting_requests
    assert conn.receive_data(GET) == []


def test_protocol_error_after_good_requests_keeps_them() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(GET + b"GET / HTTP/1.1\r\n\r\n" + GET)
    assert events[:2] == [head(), RequestEnded()]
    assert len(events) == 3
    assert isinstance(events[2], ProtocolError)
    assert events[2].status == 400
    # The good request is answered first, then the error, which closes.
    assert b"connection: close" not in conn.send_response(*ANSWER)
    error = conn.send_error(400, "bad")
    assert error.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert conn.should_close


def test_pipelined_responses_follow_the_requests() -> None:
    conn = HTTP11Connection()
    conn.receive_data(
        b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
        b"HEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET /c HTTP/1.0\r\n\r\n"
    )
    assert current_target(conn) == b"/a"
    first = conn.send_response(200, [], b"aaa")
    assert stable(first).endswith(
        b"\r\ncontent-length: 3\r\ndate: DATE\r\nserver: httpy\r\n\r\naaa"
    )
    assert current_target(conn) == b"/b"
    second = conn.send_response(200, [], b"bbb")  # HEAD: the length, not the bytes
    assert stable(second).endswith(b"\r\ncontent-length: 3\r\ndate: DATE\r\nserver: httpy\r\n\r\n")
    assert current_target(conn) == b"/c"
    third = conn.send_response(200, [], b"ccc")
    assert b"\r\nconnection: close\r\n" in third
    assert third.endswith(b"\r\n\r\nccc")
    assert current_target(conn) is None
    assert state(conn) == {"awaiting_request", "should_close"}


def test_close_after_response_marks_the_next_response() -> None:
    conn = connected(GET + GET)
    conn.close_after_response()
    assert not conn.accepting_requests
    response = conn.send_response(200, [], b"")
    assert b"\r\nconnection: close\r\n" in response
    assert conn.should_close


def test_flags_through_a_keep_alive_exchange() -> None:
    conn = HTTP11Connection(Limits(max_requests=3))
    for _ in range(2):
        assert state(conn) == {"accepting_requests", "awaiting_request"}
        conn.receive_data(GET)
        assert state(conn) == {"accepting_requests", "response_pending"}
        conn.send(ResponseHead(200, []))
        assert state(conn) == {"accepting_requests", "response_pending"}
        conn.send(ResponseBody(b"", end=True))
    assert state(conn) == {"accepting_requests", "awaiting_request"}
    conn.receive_data(GET)
    assert state(conn) == {"response_pending"}  # the third and last request
    conn.send_response(200, [], b"")
    assert state(conn) == {"awaiting_request", "should_close"}
