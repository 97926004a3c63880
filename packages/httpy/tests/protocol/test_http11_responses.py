"""Sending side of `HTTP11Connection`: response events in, exact bytes out.

The `date` header is the only part that varies; `stable` checks its format and replaces it.
"""

from __future__ import annotations

from typing import cast

import pytest
from http11_wire import connected, stable

from httpy.protocol import HTTP11Connection, LocalProtocolError
from httpy.protocol.events import (
    InformationalResponse,
    RequestEnded,
    ResponseBody,
    ResponseEvent,
    ResponseHead,
)
from httpy.protocol.rules import HeaderValueError

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
HEAD = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
GET10 = b"GET / HTTP/1.0\r\n\r\n"
GET10_KEEP_ALIVE = b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"


def send_all(conn: HTTP11Connection, *events: ResponseEvent) -> bytes:
    return b"".join(conn.send(event) for event in events)


# --- status line and standard headers -------------------------------------------------------


def test_send_response_exact_bytes() -> None:
    conn = connected()
    response = conn.send_response(200, [(b"content-type", b"text/plain")], b"hello")
    assert stable(response) == (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: text/plain\r\n"
        b"content-length: 5\r\n"
        b"date: DATE\r\n"
        b"server: httpy\r\n"
        b"\r\n"
        b"hello"
    )
    assert not conn.should_close
    assert not conn.response_pending
    assert conn.accepting_requests


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (200, b"HTTP/1.1 200 OK\r\n"),
        (201, b"HTTP/1.1 201 Created\r\n"),
        (301, b"HTTP/1.1 301 Moved Permanently\r\n"),
        (404, b"HTTP/1.1 404 Not Found\r\n"),
        (418, b"HTTP/1.1 418 I'm a Teapot\r\n"),
        (500, b"HTTP/1.1 500 Internal Server Error\r\n"),
        (599, b"HTTP/1.1 599 \r\n"),  # unknown: empty reason, the space stays
        (999, b"HTTP/1.1 999 \r\n"),
    ],
)
def test_status_line(status: int, line: bytes) -> None:
    assert connected().send_response(status, [], b"").startswith(line)


@pytest.mark.parametrize("status", [0, 100, 101, 199, 1000, -200])
def test_invalid_final_status_is_refused(status: int) -> None:
    conn = connected()
    with pytest.raises(LocalProtocolError):
        conn.send_response(status, [], b"")
    conn.send_response(200, [], b"")  # nothing was half sent


def test_header_names_and_order_are_kept() -> None:
    headers = [(b"X-B", b"2"), (b"x-a", b"1"), (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2")]
    response = connected().send_response(200, headers, b"")
    assert stable(response).startswith(
        b"HTTP/1.1 200 OK\r\nX-B: 2\r\nx-a: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
        b"content-length: 0\r\ndate: DATE\r\nserver: httpy\r\n\r\n"
    )


def test_mixed_case_framing_fields_are_read_alike_on_every_response() -> None:
    # Names are checked and lower-cased once per distinct name (then remembered): later
    # responses, and a bytearray name, must be read exactly as the first one was.
    for name in (b"CONNECTION", b"CONNECTION", cast("bytes", bytearray(b"Connection"))):
        conn = connected()
        response = conn.send_response(200, [(b"Content-LENGTH", b"2"), (name, b"close")], b"ok")
        assert stable(response) == (
            b"HTTP/1.1 200 OK\r\nContent-LENGTH: 2\r\n"
            b"connection: close\r\ndate: DATE\r\nserver: httpy\r\n\r\nok"
        )
        assert conn.should_close


def test_tab_and_obs_text_in_values_are_allowed() -> None:
    response = connected().send_response(200, [(b"x", b"a\tb caf\xc3\xa9")], b"")
    assert b"\r\nx: a\tb caf\xc3\xa9\r\n" in response


def test_app_supplied_date_and_server_are_not_duplicated() -> None:
    response = connected().send_response(
        200, [(b"Date", b"Tue, 01 Jan 2030 00:00:00 GMT"), (b"Server", b"mine")], b""
    )
    assert response == (
        b"HTTP/1.1 200 OK\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\nServer: mine\r\n"
        b"content-length: 0\r\n\r\n"
    )


def test_server_header_is_configurable() -> None:
    response = connected(server_header=b"edge/2.1").send_response(200, [], b"")
    assert b"\r\nserver: edge/2.1\r\n" in response


def test_server_header_can_be_left_out() -> None:
    response = connected(server_header=None).send_response(200, [], b"")
    assert stable(response) == b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\ndate: DATE\r\n\r\n"


def test_server_header_with_crlf_is_refused_at_once() -> None:
    with pytest.raises(HeaderValueError):
        HTTP11Connection(server_header=b"x\r\nSet-Cookie: a=1")


# --- framing --------------------------------------------------------------------------------


def test_head_response_has_headers_but_no_body() -> None:
    conn = connected(HEAD)
    response = conn.send_response(200, [(b"content-type", b"text/html")], b"<html></html>")
    assert stable(response) == (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\n"
        b"date: DATE\r\nserver: httpy\r\n\r\n"
    )
    assert not conn.should_close


def test_head_response_streamed() -> None:
    conn = connected(HEAD)
    head = conn.send(ResponseHead(200, [(b"content-length", b"1000")]))
    assert head.endswith(b"\r\n\r\n")
    assert b"\r\ncontent-length: 1000\r\n" in head
    assert conn.send(ResponseBody(b"ignored", end=False)) == b""
    assert conn.send(ResponseBody(b"", end=True)) == b""
    assert not conn.should_close
    assert not conn.response_pending


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    conn = connected()
    response = conn.send_response(status, [(b"content-length", b"4"), (b"etag", b'"x"')], b"body")
    head, _, body = stable(response).partition(b"\r\n\r\n")
    assert body == b""
    assert b"content-length" not in head
    assert head.endswith(b'\r\netag: "x"\r\ndate: DATE\r\nserver: httpy')
    assert not conn.should_close


def test_chunked_response_on_http11() -> None:
    conn = connected()
    head = conn.send(ResponseHead(200, [(b"content-type", b"text/plain")]))
    assert stable(head) == (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n"
        b"date: DATE\r\nserver: httpy\r\n\r\n"
    )
    body = send_all(
        conn,
        ResponseBody(b"hello", end=False),
        ResponseBody(b"", end=False),  # an empty piece must not end the body early
        ResponseBody(b"x" * 26, end=False),
        ResponseBody(b"end", end=True),
    )
    assert body == b"5\r\nhello\r\n1a\r\n" + b"x" * 26 + b"\r\n3\r\nend\r\n0\r\n\r\n"
    assert not conn.should_close


def test_chunked_response_ending_with_an_empty_piece() -> None:
    conn = connected()
    conn.send(ResponseHead(200, []))
    assert conn.send(ResponseBody(b"ab", end=False)) == b"2\r\nab\r\n"
    assert conn.send(ResponseBody(b"", end=True)) == b"0\r\n\r\n"


def test_streamed_response_with_content_length() -> None:
    conn = connected()
    head = conn.send(ResponseHead(200, [(b"Content-Length", b"6")]))
    assert b"transfer-encoding" not in head
    assert b"\r\nContent-Length: 6\r\n" in head
    assert send_all(conn, ResponseBody(b"abc", end=False), ResponseBody(b"def", end=True)) == (
        b"abcdef"
    )
    assert not conn.should_close


def test_http10_streamed_response_is_delimited_by_close() -> None:
    conn = connected(GET10_KEEP_ALIVE)
    head = conn.send(ResponseHead(200, []))
    assert stable(head) == (
        b"HTTP/1.1 200 OK\r\nconnection: close\r\ndate: DATE\r\nserver: httpy\r\n\r\n"
    )
    assert conn.send(ResponseBody(b"abc", end=False)) == b"abc"
    assert not conn.should_close  # not before the body is over
    assert conn.send(ResponseBody(b"de", end=True)) == b"de"
    assert conn.should_close


def test_http10_response_closes() -> None:
    conn = connected(GET10)
    response = conn.send_response(200, [], b"ok")
    assert stable(response) == (
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\ndate: DATE\r\n"
        b"server: httpy\r\n\r\nok"
    )
    assert conn.should_close
    assert not conn.accepting_requests


def test_http10_keep_alive_response() -> None:
    conn = connected(GET10_KEEP_ALIVE)
    response = conn.send_response(200, [], b"ok")
    assert stable(response) == (
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\ndate: DATE\r\n"
        b"server: httpy\r\n\r\nok"
    )
    assert not conn.should_close
    assert conn.receive_data(GET10_KEEP_ALIVE)[-1] == RequestEnded()


# --- headers the application may not dictate ------------------------------------------------


@pytest.mark.parametrize("value", [b"chunked", b"gzip, chunked", b"identity"])
def test_app_transfer_encoding_is_replaced_by_our_framing(value: bytes) -> None:
    whole = connected().send_response(200, [(b"Transfer-Encoding", value)], b"abc")
    assert b"ransfer-encoding" not in whole
    assert b"\r\ncontent-length: 3\r\n" in whole
    streamed = connected().send(ResponseHead(200, [(b"Transfer-Encoding", value)]))
    assert streamed.count(b"ransfer-encoding") == 1
    assert b"\r\ntransfer-encoding: chunked\r\n" in streamed


@pytest.mark.parametrize("value", [b"close", b"Close", b"keep-alive, close"])
def test_app_connection_close_is_honoured(value: bytes) -> None:
    conn = connected()
    response = conn.send_response(200, [(b"Connection", value)], b"")
    assert stable(response) == (
        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\ndate: DATE\r\n"
        b"server: httpy\r\n\r\n"
    )
    assert conn.should_close
    assert not conn.accepting_requests


@pytest.mark.parametrize(
    ("request_bytes", "closes"), [(GET, False), (GET10, True), (GET10_KEEP_ALIVE, False)]
)
def test_app_connection_keep_alive_does_not_override_the_decision(
    request_bytes: bytes, closes: bool
) -> None:
    conn = connected(request_bytes)
    response = conn.send_response(200, [(b"Connection", b"keep-alive")], b"")
    assert response.count(b"onnection:") == (1 if request_bytes != GET else 0)
    assert (b"\r\nconnection: close\r\n" in response) == closes
    assert conn.should_close == closes


# --- informational responses ----------------------------------------------------------------


def test_100_continue_then_the_response() -> None:
    conn = connected(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2"
                      b"\r\n\r\nab")  # fmt: skip
    assert conn.send(InformationalResponse(100)) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert conn.send_response(200, [], b"").startswith(b"HTTP/1.1 200 OK\r\n")


def test_103_early_hints_with_headers() -> None:
    conn = connected()
    hints = conn.send(InformationalResponse(103, [(b"link", b"</s.css>; rel=preload")]))
    assert hints == b"HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\n"
    assert conn.response_pending


@pytest.mark.parametrize("status", [99, 101, 200, 204])
def test_informational_status_must_be_1xx_and_not_101(status: int) -> None:
    with pytest.raises(LocalProtocolError):
        connected().send(InformationalResponse(status))


def test_informational_after_the_head_is_refused() -> None:
    conn = connected()
    conn.send(ResponseHead(200, []))
    with pytest.raises(LocalProtocolError):
        conn.send(InformationalResponse(100))
