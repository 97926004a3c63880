"""Receiving side of `HTTP11Connection`: every bound in `Limits`, at its edge.

Each limit is checked exactly at the limit (accepted) and one byte or field past it (refused),
whole and in small pieces, and big inputs must be refused before they are buffered.
"""

from __future__ import annotations

import tracemalloc

import pytest
from http11_wire import assert_refused, feed, refusal

from httpy.protocol import HTTP11Connection, Limits
from httpy.protocol.events import (
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
)

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
STEPS = [None, 1, 7, 100]


def head_of(size: int, target: bytes = b"/") -> bytes:
    """A request head of exactly `size` bytes, padded with one field."""
    start = b"GET " + target + b" HTTP/1.1\r\nHost: a\r\nX-Pad: "
    return start + b"p" * (size - len(start) - 4) + b"\r\n\r\n"


# --- request target -----------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_target_at_the_limit_is_accepted(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_target_length=100))
    target = b"/" + b"t" * 99
    events = feed(conn, b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n", step)
    assert refusal(events) is None
    assert isinstance(events[0], RequestReceived)
    assert events[0].target == target


@pytest.mark.parametrize("step", STEPS)
def test_target_over_the_limit_is_414(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_target_length=100))
    events = feed(conn, b"GET /" + b"t" * 100 + b" HTTP/1.1\r\nHost: a\r\n\r\n", step)
    assert len(events) == 1
    assert_refused(conn, events, 414)


def test_target_longer_than_the_whole_head_limit_is_still_414() -> None:
    conn = HTTP11Connection(Limits(max_target_length=100, max_header_bytes=1000))
    events = conn.receive_data(b"GET /" + b"t" * 5000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert refusal(events) == 414


# --- header section size --------------------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_head_at_the_limit_is_accepted(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    request = head_of(1000)
    assert len(request) == 1000
    events = feed(conn, request + GET, step)
    assert refusal(events) is None
    assert sum(isinstance(e, RequestEnded) for e in events) == 2


@pytest.mark.parametrize("step", STEPS)
def test_head_over_the_limit_is_431(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    events = feed(conn, head_of(1001), step)
    assert len(events) == 1
    assert_refused(conn, events, 431)


def test_empty_lines_before_a_request_do_not_count() -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    events = conn.receive_data(b"\r\n\r\n" + head_of(1000))
    assert refusal(events) is None


@pytest.mark.parametrize("step", STEPS)
def test_many_small_fields_over_the_limit_are_431(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000, max_header_count=1000))
    request = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: 1\r\n" * 200 + b"\r\n"
    assert refusal(feed(conn, request, step)) == 431


def test_head_is_refused_on_the_read_that_crosses_the_limit() -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    request = head_of(5000)
    for fed in range(0, 1000, 10):
        assert conn.receive_data(request[fed : fed + 10]) == []
    assert refusal(conn.receive_data(request[1000:1010])) == 431


def test_end_of_head_split_between_tiny_reads_is_found() -> None:
    # "\r\n\r\n" spread over reads of 1 and 2 bytes, then the next request in a big read.
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    first = head_of(990)
    events = conn.receive_data(first[:-3])
    events += conn.receive_data(first[-3:-2])
    events += conn.receive_data(first[-2:-1])
    events += conn.receive_data(first[-1:] + head_of(900))
    assert refusal(events) is None
    assert sum(isinstance(e, RequestEnded) for e in events) == 2


@pytest.mark.parametrize("piece", [1, 1024, 64 * 1024, None])
def test_huge_field_without_end_is_refused_before_it_is_buffered(piece: int | None) -> None:
    conn = HTTP11Connection()  # 16 KiB of head by default
    start = b"GET / HTTP/1.1\r\nHost: a\r\nX-Huge: "
    value = b"v" * (4 * 1024 * 1024)
    tracemalloc.start()
    try:
        events = conn.receive_data(start)
        if piece is None:
            events += conn.receive_data(value)
        else:
            for i in range(0, len(value), piece):
                events += conn.receive_data(value[i : i + piece])
                if events:
                    break
            assert i + piece <= 16 * 1024 + piece  # refused on the read crossing the limit
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal(events) == 431
    assert peak < 200 * 1024  # the parser never held the value


@pytest.mark.parametrize("step", STEPS)
def test_field_count_at_the_limit_is_accepted(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_header_count=10))
    request = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X%d: 1\r\n" % i for i in range(9))
    assert refusal(feed(conn, request + b"\r\n", step)) is None


@pytest.mark.parametrize("step", STEPS)
def test_field_count_over_the_limit_is_431(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_header_count=10))
    request = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X%d: 1\r\n" % i for i in range(10))
    events = feed(conn, request + b"\r\n", step)
    assert len(events) == 1
    assert_refused(conn, events, 431)


# --- body size ------------------------------------------------------------------------------


def post(length: int, body: bytes = b"") -> bytes:
    return b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n%s" % (length, body)


def chunked(*sizes: int) -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (size, b"c" * size) for size in sizes)
    return (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    )


def body_of(events: list[RequestEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, RequestData))


@pytest.mark.parametrize("step", STEPS)
def test_content_length_at_the_limit_is_accepted(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_body_size=100))
    events = feed(conn, post(100, b"b" * 100), step)
    assert refusal(events) is None
    assert body_of(events) == b"b" * 100
    assert events[-1] == RequestEnded()


def test_content_length_over_the_limit_is_413_before_the_body() -> None:
    conn = HTTP11Connection(Limits(max_body_size=100))
    # The head alone is refused: the client is not made to send the body first.
    events = conn.receive_data(post(101))
    assert len(events) == 1
    assert_refused(conn, events, 413)


def test_huge_content_length_is_413() -> None:
    conn = HTTP11Connection()
    assert refusal(conn.receive_data(post(10**18))) == 413


@pytest.mark.parametrize("step", STEPS)
def test_chunked_body_at_the_limit_is_accepted(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_body_size=100))
    events = feed(conn, chunked(60, 40), step)
    assert refusal(events) is None
    assert body_of(events) == b"c" * 100


@pytest.mark.parametrize("step", STEPS)
def test_chunked_body_over_the_limit_is_413(step: int | None) -> None:
    conn = HTTP11Connection(Limits(max_body_size=100))
    events = feed(conn, chunked(60, 41) + GET, step)
    assert isinstance(events[0], RequestReceived)
    assert_refused(conn, events, 413)
    assert len(body_of(events)) <= 100  # nothing past the limit is handed out


def test_body_limit_hook_overrides_the_limit_per_request() -> None:
    seen: list[bytes] = []

    def limit_for(request: RequestReceived) -> int:
        seen.append(request.target)
        return 1000 if request.target == b"/upload" else 10

    conn = HTTP11Connection(Limits(max_body_size=100), body_limit_for=limit_for)
    upload = b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\n" + b"u" * 500
    events = conn.receive_data(upload)
    assert refusal(events) is None
    assert body_of(events) == b"u" * 500
    events = conn.receive_data(post(11))
    assert refusal(events) == 413
    assert seen == [b"/upload", b"/"]


def test_body_limit_hook_applies_to_chunked_bodies() -> None:
    conn = HTTP11Connection(body_limit_for=lambda _request: 10)
    events = conn.receive_data(chunked(5, 5) + chunked(5, 6))
    assert refusal(events) == 413
    assert sum(isinstance(e, RequestEnded) for e in events) == 1


def test_error_in_the_body_limit_hook_propagates() -> None:
    def broken(request: RequestReceived) -> int:
        raise LookupError("no route")

    conn = HTTP11Connection(body_limit_for=broken)
    with pytest.raises(LookupError, match="no route"):
        conn.receive_data(GET)
    assert not conn.accepting_requests
    assert conn.receive_data(GET) == []


# --- chunk framing and trailers -------------------------------------------------------------


CHUNKED_HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param(b"3\r\nabc\r\n0\r\nX-Trailer: " + b"t" * 100_000, id="trailer-value"),
        pytest.param(b"3\r\nabc\r\n0\r\n" + b"T" * 100_000, id="trailer-name"),
        pytest.param(b"3;ext=" + b"e" * 100_000, id="chunk-extension"),
        pytest.param(b"0" * 100_000, id="zero-padded-size"),
    ],
)
def test_endless_chunk_framing_is_refused(framing: bytes) -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=1000))
    events = conn.receive_data(CHUNKED_HEAD)
    for i in range(0, len(framing), 100):
        events += conn.receive_data(framing[i : i + 100])
        if refusal(events):
            break
    assert refusal(events) == 431
    assert i <= 1000 + 100  # refused soon after the limit, not at the end


def test_many_small_chunks_are_not_framing_abuse() -> None:
    conn = HTTP11Connection(Limits(max_header_bytes=100))
    events = feed(conn, chunked(*[1] * 500), 3)
    assert refusal(events) is None
    assert body_of(events) == b"c" * 500


def test_trailers_count_towards_the_field_limit() -> None:
    conn = HTTP11Connection(Limits(max_header_count=5))
    body = b"0\r\n" + b"".join(b"T%d: 1\r\n" % i for i in range(5)) + b"\r\n"
    events = conn.receive_data(CHUNKED_HEAD + body)
    assert refusal(events) == 431
