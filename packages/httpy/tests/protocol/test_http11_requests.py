"""Receiving side of `HTTP11Connection`: well-formed requests, fed as literal bytes.

No sockets: every test writes the bytes a client would send and checks the events, exactly.
"""

from __future__ import annotations

import random

import pytest
from http11_wire import feed, head, merged, state

from httpy.protocol import HTTP11Connection
from httpy.protocol.events import (
    Headers,
    InformationalResponse,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    RequestTrailers,
)

GET = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
NEXT = b"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"
ANSWER: tuple[int, Headers, bytes] = (200, [], b"ok")


def test_get() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"GET /index.html?q=1&r=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n\r\n"
    )
    assert events == [
        head(
            target=b"/index.html?q=1&r=%20",
            headers=[(b"host", b"example.com"), (b"user-agent", b"t/1")],
        ),
        RequestEnded(),
    ]
    assert conn.accepting_requests
    assert conn.response_pending
    assert not conn.should_close


def test_the_head_is_the_event_the_keyword_constructor_makes() -> None:
    # The connection builds RequestReceived with tuple.__new__ (per request, no Python frame):
    # every field must land where the NamedTuple says, and a field added to the event must
    # be given here too.
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"POST /up?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n"
        b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    received = events[0]
    assert type(received) is RequestReceived
    assert len(received) == len(RequestReceived._fields)
    assert received == RequestReceived(
        method="POST",
        target=b"/up?x=1",
        headers=[
            (b"host", b"example.com"),
            (b"content-length", b"2"),
            (b"expect", b"100-continue"),
            (b"connection", b"close"),
        ],
        http_version="1.1",
        keep_alive=False,
        expect_continue=True,
        content_length=2,
        stream_id=0,
        upgrade=b"",
    )
    upgrade = HTTP11Connection().receive_data(
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n"
    )[0]
    assert type(upgrade) is RequestReceived
    assert upgrade.upgrade == b"websocket"
    assert upgrade.keep_alive is False


def test_header_names_are_lowered_and_values_kept_as_received() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"GET / HTTP/1.1\r\nHOST: example.com\r\nX-Mixed-Case:   Value\tWith Tab  \r\n"
        b"X-Obs-Text: caf\xc3\xa9\r\nX-Empty:\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n"
    )
    assert events[0] == head(
        headers=[
            (b"host", b"example.com"),
            (b"x-mixed-case", b"Value\tWith Tab"),  # OWS around the value is not part of it
            (b"x-obs-text", b"caf\xc3\xa9"),
            (b"x-empty", b""),
            (b"x-dup", b"1"),
            (b"x-dup", b"2"),
        ]
    )


def test_trailing_whitespace_is_not_part_of_a_value() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: example.com \t\r\nTransfer-Encoding: chunked  \r\n"
        b"X: a b \r\n\r\n1\r\nx\r\n0\r\n\r\n"
    )
    assert events[0] == head(
        "POST",
        headers=[(b"host", b"example.com"), (b"transfer-encoding", b"chunked"), (b"x", b"a b")],
    )
    assert events[1:] == [RequestData(b"x"), RequestEnded()]


def test_post_with_content_length() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"POST /submit HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\n\r\nhello world"
    )
    assert events == [
        head(
            "POST",
            b"/submit",
            [(b"host", b"example.com"), (b"content-length", b"11")],
            content_length=11,
        ),
        RequestData(b"hello world"),
        RequestEnded(),
    ]


def test_content_length_zero_and_leading_zeros() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 003\r\n\r\nabc"
    )
    assert [type(e) for e in events] == [
        RequestReceived, RequestEnded, RequestReceived, RequestData, RequestEnded,
    ]  # fmt: skip
    assert isinstance(events[0], RequestReceived)
    assert events[0].content_length == 0
    assert isinstance(events[2], RequestReceived)
    assert events[2].content_length == 3


CHUNKED = (
    b"POST /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n"
    b'1;name=value;quoted="a b"\r\n \r\n'  # chunk extensions are ignored
    b"0005\r\nworld\r\n"
    b"A\r\n0123456789\r\n"
    b"0\r\nX-Trailer: kept \r\nHost: not-this-one\r\n\r\n"  # trailers: their own event
)

# The trailer section, apart from the head: a Host there changes nothing about the request.
CHUNKED_TRAILERS = RequestTrailers([(b"x-trailer", b"kept"), (b"host", b"not-this-one")], 0)

CHUNKED_HEAD = head("POST", b"/up", [(b"host", b"example.com"), (b"transfer-encoding", b"chunked")])


def test_chunked_body_with_extensions_and_trailers() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(CHUNKED)
    assert events == [
        CHUNKED_HEAD,
        RequestData(b"hello"),
        RequestData(b" "),
        RequestData(b"world"),
        RequestData(b"0123456789"),
        CHUNKED_TRAILERS,
        RequestEnded(),
    ]
    # The head's fields stay the head's; the next request starts clean.
    assert CHUNKED_HEAD.headers == [(b"host", b"example.com"), (b"transfer-encoding", b"chunked")]
    assert conn.receive_data(GET) == [head(), RequestEnded()]


def test_transfer_encoding_is_case_insensitive() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
    )
    assert merged(events)[1:] == [RequestData(b"x"), RequestEnded()]


STREAM = (
    GET
    + b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\na=1&b"
    + CHUNKED
    + b"\r\n"  # an empty line between requests is skipped (RFC 9112 section 2.2)
    + NEXT
)

STREAM_EVENTS: list[RequestEvent] = [
    head(),
    RequestEnded(),
    head("POST", b"/form", [(b"host", b"example.com"), (b"content-length", b"5")],
         content_length=5),
    RequestData(b"a=1&b"),
    RequestEnded(),
    CHUNKED_HEAD,
    RequestData(b"hello world0123456789"),
    CHUNKED_TRAILERS,
    RequestEnded(),
    head(target=b"/next"),
    RequestEnded(),
]  # fmt: skip


@pytest.mark.parametrize("step", [None, 1, 2, 3, 5, 7, 16, 64, 1000])
def test_the_same_events_however_the_bytes_are_cut(step: int | None) -> None:
    conn = HTTP11Connection()
    assert merged(feed(conn, STREAM, step)) == STREAM_EVENTS
    assert conn.accepting_requests
    assert not conn.mid_request_head


@pytest.mark.parametrize("seed", range(20))
def test_the_same_events_for_random_cuts(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible cuts, not secrets
    cuts = sorted(rng.sample(range(1, len(STREAM)), rng.randint(1, 40)))
    conn = HTTP11Connection()
    events: list[RequestEvent] = []
    for start, end in zip([0, *cuts], [*cuts, len(STREAM)], strict=True):
        events += conn.receive_data(STREAM[start:end])
    assert merged(events) == STREAM_EVENTS


def test_pipelined_requests_are_answered_in_order() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"HEAD /2 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    assert [e.target for e in events if isinstance(e, RequestReceived)] == [b"/1", b"/2", b"/3"]
    answered = []
    while conn.current_request is not None:
        answered.append(conn.current_request.target)
        conn.send_response(200, [], b"body")
    assert answered == [b"/1", b"/2", b"/3"]
    assert not conn.response_pending
    assert not conn.should_close


def test_request_state_flags() -> None:
    conn = HTTP11Connection()
    assert state(conn) == {"accepting_requests", "awaiting_request"}
    assert conn.receive_data(b"\r\n") == []  # an empty line is not a request yet
    assert state(conn) == {"accepting_requests", "awaiting_request"}
    assert conn.receive_data(b"GET / HTTP/1.1\r\nHo") == []
    assert state(conn) == {"accepting_requests", "mid_request_head"}
    events = conn.receive_data(b"st: a\r\n\r\n")
    assert events == [head(headers=[(b"host", b"a")]), RequestEnded()]
    assert state(conn) == {"accepting_requests", "response_pending"}
    conn.send_response(*ANSWER)
    assert state(conn) == {"accepting_requests", "awaiting_request"}
    assert conn.receive_data(b"") == []


EXPECT = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n"


def test_expect_100_continue() -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(EXPECT)
    assert len(events) == 1
    assert isinstance(events[0], RequestReceived)
    assert events[0].expect_continue
    assert conn.send(InformationalResponse(100)) == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert conn.receive_data(b"hello") == [RequestData(b"hello"), RequestEnded()]
    response = conn.send_response(*ANSWER)
    assert b"connection: close" not in response
    assert not conn.should_close


def test_expect_100_continue_with_a_chunked_body() -> None:
    conn = HTTP11Connection()
    (event,) = conn.receive_data(
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert isinstance(event, RequestReceived)
    assert event.expect_continue


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", id="no-body"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
            id="empty-body",
        ),
        # HTTP/1.0 has no 1xx: the expectation is ignored, whatever it is (RFC 9110 10.1.1).
        pytest.param(
            b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", id="http10"
        ),
        pytest.param(b"POST / HTTP/1.0\r\nExpect: other\r\nContent-Length: 1\r\n\r\n",
                     id="http10-other"),
    ],
)  # fmt: skip
def test_no_100_continue_is_expected(request_bytes: bytes) -> None:
    conn = HTTP11Connection()
    event = conn.receive_data(request_bytes)[0]
    assert isinstance(event, RequestReceived)
    assert not event.expect_continue


def test_no_100_continue_is_sent_to_http10() -> None:
    conn = HTTP11Connection()
    conn.receive_data(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
    assert conn.send(InformationalResponse(100)) == b""


@pytest.mark.parametrize(
    ("request_bytes", "method", "target"),
    [
        (b"GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET",
         b"http://example.com/a?b=c"),
        (b"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", "OPTIONS", b"*"),
        (b"GET //double HTTP/1.1\r\nHost: example.com\r\n\r\n", "GET", b"//double"),
        (b"DELETE /x HTTP/1.1\r\nHost: example.com\r\n\r\n", "DELETE", b"/x"),
        (b"PATCH /x HTTP/1.1\r\nHost: example.com\r\n\r\n", "PATCH", b"/x"),
    ],
)  # fmt: skip
def test_request_targets_and_methods(request_bytes: bytes, method: str, target: bytes) -> None:
    conn = HTTP11Connection()
    assert conn.receive_data(request_bytes) == [head(method, target), RequestEnded()]


@pytest.mark.parametrize(
    "host", [b"example.com", b"example.com:8080", b"127.0.0.1:1", b"[::1]", b"[::1]:80", b"",
             b"xn--caf-dma.example", b"a_b-c~d"],
)  # fmt: skip
def test_valid_hosts(host: bytes) -> None:
    conn = HTTP11Connection()
    events = conn.receive_data(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert events == [head(headers=[(b"host", host)]), RequestEnded()]
