"""Receiving side of `HTTP11Connection`: malformed requests, each refused with its status.

Every refusal must stop parsing for good (bytes after it yield nothing), and `send_error` must
answer it with `connection: close`. The tables feed each case whole and byte by byte: the
status must not depend on how the network cut the bytes.
"""

from __future__ import annotations

import pytest
from http11_wire import assert_refused, feed

from httpy.protocol import HTTP11Connection
from httpy.protocol.events import (
    ProtocolError,
    RequestData,
    RequestReceived,
)

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


# A head refused before any event: (bytes, status).
BAD_HEADS = [
    # Host (RFC 9112 section 3.2)
    pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, id="http11-without-host"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, id="two-hosts"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, id="two-equal-hosts"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, id="host-with-space"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, id="host-with-path"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, id="host-with-userinfo"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", 400, id="host-with-bad-port"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, id="host-unclosed-bracket"),
    pytest.param(b"GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400, id="http10-host-with-space"),
    # Framing: Content-Length and Transfer-Encoding (request smuggling)
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        400, id="content-length-then-chunked",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        400, id="chunked-then-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
        400, id="duplicate-content-length",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400, id="conflicting-content-lengths",
    ),
    *(
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + value + b"\r\n\r\nabc",
            400, id=f"content-length-{name}",
        )
        for name, value in [
            ("list", b"3, 3"), ("plus", b"+3"), ("minus", b"-3"), ("inner-space", b"1 2"),
            ("hex", b"0x3"), ("letters", b"3a"), ("empty", b""), ("underscore", b"1_0"),
            ("decimal", b"3.0"), ("overflow", b"99999999999999999999999"),
            ("arabic-digit", "\u0663".encode()),
        ]
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, id="te-gzip"
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        501, id="te-gzip-chunked",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n",
        501, id="te-gzip-then-chunked-lines",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501,
        id="te-identity",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
        id="te-chunked-not-last",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400,
        id="te-chunked-twice",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
        b"chunked\r\n\r\n0\r\n\r\n", 400, id="te-chunked-two-lines",
    ),
    # llhttp sees no "chunked" before a tab and refuses after the head: refuse it before.
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n", 400,
        id="te-chunked-tab",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \t\r\n\r\n0\r\n\r\n", 400,
        id="te-chunked-space-tab",
    ),
    pytest.param(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
        id="http10-te-chunked",
    ),
    pytest.param(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\n", 400, id="http10-te-gzip"
    ),
    # Field syntax (RFC 9112 section 5)
    pytest.param(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, id="space-before-colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, id="tab-before-colon"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", 400, id="empty-name"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX-(a): 1\r\n\r\n", 400, id="name-not-token"),
    pytest.param(b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, id="space-before-first-field"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, id="obs-fold"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", 400, id="obs-fold-tab"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, id="bare-cr-in-value"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\nY: b\r\n\r\n", 400, id="bare-lf-ends-field"),
    pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", 400, id="bare-lf-line-endings"),
    *(
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a" + bytes([c]) + b"b\r\n\r\n", 400,
                     id=f"value-ctl-{c:02x}")
        for c in [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x1B, 0x1F, 0x7F]
    ),
    *(
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX" + bytes([c]) + b"Y: 1\r\n\r\n", 400,
                     id=f"name-ctl-{c:02x}")
        for c in [0x00, 0x01, 0x09, 0x7F, 0x80, 0xFF]
    ),
    # Request line (RFC 9112 section 3)
    pytest.param(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="method-with-paren"),
    pytest.param(b"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="method-with-at"),
    pytest.param(b"GE\x00 / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="method-with-nul"),
    pytest.param(b"{} / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="method-braces"),
    pytest.param(b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501, id="unknown-method"),
    pytest.param(b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501, id="unknown-method-brew"),
    pytest.param(b"GETS / HTTP/1.1\r\nHost: a\r\n\r\n", 501, id="unknown-method-get-prefix"),
    pytest.param(b"get / HTTP/1.1\r\nHost: a\r\n\r\n", 501, id="lower-case-get"),
    pytest.param(b"\r\nX-Y_Z / HTTP/1.1\r\nHost: a\r\n\r\n", 501, id="unknown-after-empty-line"),
    pytest.param(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501, id="connect"),
    pytest.param(b"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, id="http-1.2"),
    pytest.param(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, id="http-2.0"),
    pytest.param(b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505, id="http-3.0"),
    pytest.param(b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, id="http-0.9"),
    pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, id="http2-preface"),
    pytest.param(b"GET / http/1.1\r\nHost: a\r\n\r\n", 400, id="lower-case-protocol"),
    pytest.param(b"GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, id="version-three-digits"),
    pytest.param(b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, id="space-after-version"),
    pytest.param(b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400, id="junk-after-version"),
    pytest.param(b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="space-in-target"),
    pytest.param(b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="ctl-in-target"),
    pytest.param(b"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="del-in-target"),
    pytest.param(b"GET /\xff HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="non-ascii-target"),
    pytest.param(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="asterisk-not-options"),
    pytest.param(b"OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="asterisk-junk"),
    pytest.param(b"GET a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="authority-form-get"),
    pytest.param(b"GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="relative-target"),
    # Expect (RFC 9110 section 10.1.1)
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx",
        417, id="expect-other",
    ),
    pytest.param(
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\nContent-Length: 1\r\n\r\nx",
        417, id="expect-list",
    ),
    pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n", 417, id="expect-empty"),
]  # fmt: skip


@pytest.mark.parametrize("step", [None, 1])
@pytest.mark.parametrize(("request_bytes", "status"), BAD_HEADS)
def test_bad_head_is_refused(request_bytes: bytes, status: int, step: int | None) -> None:
    conn = HTTP11Connection()
    events = feed(conn, request_bytes + GET, step)
    assert len(events) == 1, events  # no request event: the handler never sees it
    assert_refused(conn, events, status)


@pytest.mark.parametrize(("request_bytes", "status"), BAD_HEADS)
def test_bad_head_after_a_good_request(request_bytes: bytes, status: int) -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(GET)
    events += conn.receive_data(request_bytes)
    assert len(events) == 3
    assert isinstance(events[0], RequestReceived)
    error = events[-1]
    assert isinstance(error, ProtocolError)
    assert error.status == status
    # The good request still gets its own answer, before the error.
    assert b"connection: close" not in conn.send_response(200, [], b"")
    assert_refused(conn, events, status)


CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

# A chunked body refused after its head was accepted: (body bytes, status).
BAD_CHUNKS = [
    pytest.param(b"zz\r\nabc\r\n0\r\n\r\n", 400, id="size-not-hex"),
    pytest.param(b"-3\r\nabc\r\n0\r\n\r\n", 400, id="size-negative"),
    pytest.param(b"+3\r\nabc\r\n0\r\n\r\n", 400, id="size-plus"),
    pytest.param(b"0x3\r\nabc\r\n0\r\n\r\n", 400, id="size-0x"),
    pytest.param(b"3 \r\nabc\r\n0\r\n\r\n", 400, id="size-trailing-space"),
    pytest.param(b" 3\r\nabc\r\n0\r\n\r\n", 400, id="size-leading-space"),
    pytest.param(b"\r\nabc\r\n0\r\n\r\n", 400, id="size-empty"),
    pytest.param(b"1" * 17 + b"\r\nabc\r\n0\r\n\r\n", 400, id="size-overflow"),
    pytest.param(b"f" * 17 + b"\r\nabc\r\n0\r\n\r\n", 400, id="size-overflow-f"),
    pytest.param(b"3\nabc\r\n0\r\n\r\n", 400, id="bare-lf-after-size"),
    pytest.param(b"3\rabc\r\n0\r\n\r\n", 400, id="bare-cr-after-size"),
    pytest.param(b"3\r\nabcX0\r\n\r\n", 400, id="no-crlf-after-data"),
    pytest.param(b"3\r\nabc\n0\r\n\r\n", 400, id="bare-lf-after-data"),
    pytest.param(b"3\r\nabc\r0\r\n\r\n", 400, id="bare-cr-after-data"),
    pytest.param(b"3;\x01\r\nabc\r\n0\r\n\r\n", 400, id="ctl-in-extension"),
    pytest.param(b"3\r\nabc\r\n0\n\n", 400, id="bare-lf-last-chunk"),
    pytest.param(b"3\r\nabc\r\n0\r\nX : y\r\n\r\n", 400, id="bad-trailer"),
    pytest.param(b"3\r\nabc\r\n0\r\nX: a\r\n b\r\n\r\n", 400, id="folded-trailer"),
    pytest.param(b"3\r\nabc\r\n0\r\nContent-Length: 5\r\n\r\n", 400, id="content-length-trailer"),
]  # fmt: skip


@pytest.mark.parametrize("step", [None, 1])
@pytest.mark.parametrize(("body", "status"), BAD_CHUNKS)
def test_bad_chunked_body_is_refused(body: bytes, status: int, step: int | None) -> None:
    conn = HTTP11Connection()
    events = feed(conn, CHUNKED_HEAD + body + GET, step)
    assert isinstance(events[0], RequestReceived)
    assert all(isinstance(e, RequestData) for e in events[1:-1])
    assert_refused(conn, events, status)


def test_method_refusal_split_across_reads() -> None:
    # The status depends on the whole method, even when it arrives in pieces.
    for request, status in [(b"GETX / HTTP/1.1\r\n", 501), (b"GE(T / HTTP/1.1\r\n", 400)]:
        conn = HTTP11Connection()
        assert conn.receive_data(request[:2]) == []
        assert_refused(conn, conn.receive_data(request[2:]), status)


def test_pipelined_request_with_an_unknown_method_is_refused() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(GET + b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert len(events) == 3
    error = events[-1]
    assert isinstance(error, ProtocolError)
    # Where a pipelined request starts is not known here: 501 or 400, never served.
    assert error.status in (400, 501)
