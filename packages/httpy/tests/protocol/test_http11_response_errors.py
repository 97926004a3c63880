"""Sending side of `HTTP11Connection`: responses it must refuse, and how it recovers.

A refused response event raises before any byte is produced, so the request can still get a
complete error response (`send_error`), and a response that cannot be framed ends the connection.
"""

from __future__ import annotations

import pytest
from http11_wire import connected, stable

from httpy.protocol import HTTP11Connection, LocalProtocolError
from httpy.protocol.events import (
    InformationalResponse,
    RequestEnded,
    ResponseBody,
    ResponseHead,
)
from httpy.protocol.rules import HeaderValueError

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


# --- bodies that do not match their length ---------------------------------------------------


def test_body_longer_than_content_length_is_refused() -> None:
    conn = connected()
    conn.send(ResponseHead(200, [(b"content-length", b"4")]))
    assert conn.send(ResponseBody(b"ab", end=False)) == b"ab"
    with pytest.raises(LocalProtocolError, match="longer"):
        conn.send(ResponseBody(b"cde", end=False))
    # The refused piece counted for nothing.
    assert conn.send(ResponseBody(b"cd", end=True)) == b"cd"
    assert not conn.should_close


def test_whole_body_longer_than_content_length_is_refused_before_any_byte() -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError, match="longer"):
        conn.send_response(200, [(b"content-length", b"2")], b"abc")
    # Nothing was sent, so the request can still get a complete error response.
    error = conn.send_error(500, "Internal Server Error")
    assert error.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert conn.should_close


@pytest.mark.parametrize("streamed", [False, True])
def test_body_shorter_than_content_length_closes_the_connection(streamed: bool) -> None:
    conn = connected()
    if streamed:
        conn.send(ResponseHead(200, [(b"content-length", b"10")]))
        out = conn.send(ResponseBody(b"abc", end=True))
    else:
        out = conn.send_response(200, [(b"content-length", b"10")], b"abc")
    assert out.endswith(b"abc")
    assert conn.should_close  # the client would wait for 7 bytes forever
    assert not conn.accepting_requests
    assert conn.receive_data(GET) == []


@pytest.mark.parametrize("value", [b"-1", b"+1", b" 1", b"1 ", b"0x1", b"", b"1,1", b"one"])
def test_invalid_content_length_is_refused(value: bytes) -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError):
        conn.send_response(200, [(b"content-length", value)], b"a")
    assert conn.send_response(200, [], b"a").endswith(b"a")


def test_two_content_lengths_are_refused() -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError, match="content-length"):
        conn.send_response(200, [(b"Content-Length", b"1"), (b"content-length", b"1")], b"a")


# --- header injection -----------------------------------------------------------------------


INJECTIONS = [
    pytest.param(b"x-ok", b"a\r\nSet-Cookie: admin=1", id="crlf-in-value"),
    pytest.param(b"x-ok", b"a\r\n\r\nHTTP/1.1 200 OK", id="response-splitting"),
    pytest.param(b"x-ok", b"a\nb", id="lf-in-value"),
    pytest.param(b"x-ok", b"a\rb", id="cr-in-value"),
    pytest.param(b"x-ok", b"a\x00b", id="nul-in-value"),
    pytest.param(b"x-ok", b"a\x1bb", id="esc-in-value"),
    pytest.param(b"x-ok", b"a\x7fb", id="del-in-value"),
    pytest.param(b"x-bad\r\nSet-Cookie", b"a", id="crlf-in-name"),
    pytest.param(b"x bad", b"a", id="space-in-name"),
    pytest.param(b"x:bad", b"a", id="colon-in-name"),
    pytest.param(b"x\x00", b"a", id="nul-in-name"),
    pytest.param(b"", b"a", id="empty-name"),
]


@pytest.mark.parametrize(("name", "value"), INJECTIONS)
def test_header_injection_is_refused(name: bytes, value: bytes) -> None:
    conn = connected()
    with pytest.raises(HeaderValueError):
        conn.send_response(200, [(name, value)], b"")
    # The refused head was not half sent: a complete 500 can still answer the request.
    error = conn.send_error(500, "Internal Server Error")
    assert error.startswith(b"HTTP/1.1 500 ")
    assert b"\r\nconnection: close\r\n" in error
    assert conn.should_close


@pytest.mark.parametrize(("name", "value"), INJECTIONS)
def test_header_injection_is_refused_when_streaming(name: bytes, value: bytes) -> None:
    with pytest.raises(HeaderValueError):
        connected().send(ResponseHead(200, [(name, value)]))


@pytest.mark.parametrize(("name", "value"), INJECTIONS)
def test_header_injection_is_refused_in_informational_responses(name: bytes, value: bytes) -> None:
    with pytest.raises(HeaderValueError):
        connected().send(InformationalResponse(103, [(name, value)]))


def test_header_value_error_is_a_value_error() -> None:
    assert issubclass(HeaderValueError, ValueError)


# --- event order ----------------------------------------------------------------------------


def test_no_request_no_response() -> None:
    conn = HTTP11Connection()
    with pytest.raises(LocalProtocolError):
        conn.send(ResponseHead(200, []))
    with pytest.raises(LocalProtocolError):
        conn.send_response(200, [], b"")
    with pytest.raises(LocalProtocolError):
        conn.send(InformationalResponse(100))
    with pytest.raises(LocalProtocolError):
        conn.send(ResponseBody(b"", end=True))


def test_body_before_head_is_refused() -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError):
        conn.send(ResponseBody(b"x", end=True))
    assert conn.send_response(200, [], b"x").endswith(b"x")


def test_second_head_is_refused() -> None:
    conn = connected()
    conn.send(ResponseHead(200, []))
    with pytest.raises(LocalProtocolError):
        conn.send(ResponseHead(200, []))
    with pytest.raises(LocalProtocolError):
        conn.send_response(200, [], b"")


def test_body_after_the_end_is_refused() -> None:
    conn = connected()
    conn.send_response(200, [], b"")
    with pytest.raises(LocalProtocolError):
        conn.send(ResponseBody(b"more", end=True))


def test_request_events_are_not_response_events() -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError):
        conn.send(RequestEnded())  # type: ignore[arg-type]


def test_nothing_is_sent_after_a_response_that_closed() -> None:
    conn = connected(GET + GET)
    conn.send_response(200, [(b"connection", b"close")], b"")
    assert conn.should_close
    assert conn.response_pending  # the second request is never answered
    with pytest.raises(LocalProtocolError):
        conn.send_response(200, [], b"")
    assert conn.send_error(500, "late") == b""


def test_send_error_without_a_request() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert len(events) == 1
    error = conn.send_error(400, "more than one Host header")
    assert stable(error) == (
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: 43\r\nconnection: close\r\ndate: DATE\r\nserver: httpy\r\n\r\n"
        b"400 Bad Request: more than one Host header\n"
    )
    assert conn.should_close
    assert not conn.response_pending


def test_send_error_mid_response_only_closes() -> None:
    conn = connected()
    conn.send(ResponseHead(200, []))
    conn.send(ResponseBody(b"half", end=False))
    assert conn.send_error(500, "handler failed") == b""
    assert conn.should_close
