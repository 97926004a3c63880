"""Fuzzing HTTP11Connection's receiving side with hypothesis: random and mutated byte streams.

Whatever the bytes and however they are cut, `receive_data` returns events and never raises;
a peer's fault is one ProtocolError, last, after which nothing more is read. The events make
sense (a head, its body, its end; no body past its limit or its Content-Length), and what the
connection holds between reads stays within its limits: the head and the chunk framing it has
counted, the target, the fields, and every field httptools hands over (a partial field sits in
httptools' memory until it ends, so its size at that point is what was buffered). Valid
requests drawn from a small grammar are read alike by h11 and httpy, however they are cut.

Runs are bounded and reproducible: 300 examples, a fixed seed (derandomize), no deadline (the
machine is shared), no example database written to disk.
"""

from __future__ import annotations

from typing import Final

from differential import Parsed, run_h11, run_httpy, run_httpy_pieces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httpy.protocol import HTTP11Connection, Limits
from httpy.protocol.events import (
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    RequestTrailers,
)

LIMITS: Final = Limits(
    max_header_bytes=512, max_header_count=12, max_target_length=128, max_body_size=2048
)
MAX_PIECE: Final = 64
FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

SEEDS: Final = [
    b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"
    ),
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
]


class RecordingConnection(HTTP11Connection):
    """Remembers the largest field httptools handed over, name and value together."""

    largest_field = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        self.largest_field = max(self.largest_field, len(name) + len(value))
        super().on_header(name, value)


def cut(data: bytes, sizes: list[int]) -> list[bytes]:
    """`data` in pieces of the given sizes, cycled; the last piece takes what is left."""
    pieces: list[bytes] = []
    position, turn = 0, 0
    while position < len(data):
        size = sizes[turn % len(sizes)] if sizes else len(data)
        pieces.append(data[position : position + size])
        position += size
        turn += 1
    return pieces


def check_stream(pieces: list[bytes]) -> list[RequestEvent]:
    """Feed `pieces`, checking after each one what the connection holds; all the events."""
    conn = RecordingConnection(LIMITS)
    events: list[RequestEvent] = []
    refused = False
    for piece in pieces:
        new = conn.receive_data(piece)
        if refused:
            assert new == []  # nothing is read after a refusal
        events += new
        refused = refused or any(isinstance(event, ProtocolError) for event in new)
        if not refused:
            check_bounds(conn, max(len(p) for p in pieces))
    check_sequence(events)
    return events


def check_bounds(conn: RecordingConnection, piece: int) -> None:
    header_bytes = LIMITS.max_header_bytes
    # Counted exactly, except for a head begun after another request in the same read, which
    # is counted from what httptools handed over: one read's worth can go unchecked.
    assert conn._head_fed <= header_bytes  # the bounds under test are private state
    assert conn._framing_run <= header_bytes
    assert len(conn._target) <= LIMITS.max_target_length
    assert conn._field_count <= LIMITS.max_header_count
    assert conn._field_bytes + len(conn._target) <= header_bytes
    assert len(conn._tail) <= 3
    assert len(conn._line_start) <= 64
    assert conn.largest_field <= header_bytes + piece


def check_sequence(events: list[RequestEvent]) -> None:
    """Heads, bodies and ends in order, bodies within their limits, at most one refusal, last."""
    errors = [i for i, event in enumerate(events) if isinstance(event, ProtocolError)]
    assert errors in ([], [len(events) - 1])
    head: RequestReceived | None = None
    body = 0
    for event in events:
        if isinstance(event, RequestReceived):
            assert head is None
            head, body = event, 0
            assert event.http_version in {"1.0", "1.1"}
            assert len(event.target) <= LIMITS.max_target_length
            assert len(event.headers) <= LIMITS.max_header_count
        elif isinstance(event, RequestData):
            assert head is not None
            assert event.data
            body += len(event.data)
            assert body <= LIMITS.max_body_size
            if head.content_length is not None:
                assert body <= head.content_length
        elif isinstance(event, RequestEnded):
            assert head is not None
            if head.content_length is not None:
                assert body == head.content_length
            head = None
        elif isinstance(event, RequestTrailers):
            # Only after a chunked body's data, before its end; bounded like the head.
            assert head is not None
            assert head.content_length is None
            assert len(event.headers) <= LIMITS.max_header_count
        else:
            assert 400 <= event.status <= 599


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A few valid requests back to back, then a handful of byte-level edits."""
    data = bytearray(b"".join(draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if edit == "insert":
            data[at:at] = chunk
        elif edit == "delete":
            del data[at : at + len(chunk)]
        elif edit == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            # Repeating a stretch grows heads, targets and chunk framing towards their limits.
            piece = data[at : at + len(chunk)] * draw(st.integers(2, 400))
            data[at:at] = piece
    return bytes(data)


piece_sizes = st.lists(st.integers(1, MAX_PIECE), min_size=1, max_size=8)

# Bytes that make plausible heads and chunk framing, so random streams reach the limits'
# code often, where uniform random bytes are refused at the first byte.
FRAMING_ALPHABET: Final = b"0123456789abcdefxX;=: \t\r\n\r\n\r\n"
PREFIXES: Final = [
    b"",
    b"GET / HTTP/1.1\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX: ",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
]


STARTS: Final = [b"", b"5;", b"5;e=", b"0\r\n", b"0\r\nX: ", b"3\r\nabc\r\n"]


@st.composite
def near_the_limits(draw: st.DrawFn) -> bytes:
    """A head or chunked body begun well, then a long run of one byte, then some noise."""
    prefix = draw(st.sampled_from(PREFIXES)) + draw(st.sampled_from(STARTS))
    # Runs of one byte (zeros of a chunk size, letters of an extension or a field) are what
    # grow a buffer without ever completing a line.
    run = draw(st.sampled_from(b"0a;x ")).to_bytes(1, "big") * draw(st.integers(0, 3000))
    raw = draw(st.binary(max_size=32))
    noise = bytes(FRAMING_ALPHABET[b % len(FRAMING_ALPHABET)] for b in raw)
    return prefix + run + noise


@FUZZ
@given(data=st.binary(max_size=4096), sizes=piece_sizes)
def test_random_bytes(data: bytes, sizes: list[int]) -> None:
    check_stream(cut(data, sizes))


@FUZZ
@given(data=near_the_limits(), sizes=piece_sizes)
def test_streams_near_the_limits(data: bytes, sizes: list[int]) -> None:
    check_stream(cut(data, sizes))


@FUZZ
@given(data=mutated(), sizes=piece_sizes)
def test_mutated_requests(data: bytes, sizes: list[int]) -> None:
    whole = check_stream([data])
    pieces = check_stream(cut(data, sizes))
    # The cut changes how bodies are split into RequestData, never what is read.
    assert _joined(pieces) == _joined(whole) or _only_split_limits_differ(whole, pieces)


def _joined(events: list[RequestEvent]) -> list[RequestEvent]:
    """Adjacent RequestData joined, and refusals by status alone.

    A refusal's text names what had arrived. And a method llhttp refuses is answered 501 when
    what had arrived of it is a token, 400 otherwise: "^\x00GET" read whole is 400, but cut
    after "^" it is 501 (as for a pipelined request, see test_http11_rejections). Both refuse.
    """
    out: list[RequestEvent] = []
    for event in events:
        if isinstance(event, RequestData) and out and isinstance(out[-1], RequestData):
            out[-1] = RequestData(out[-1].data + event.data)
        elif isinstance(event, ProtocolError):
            method = "method" in event.reason and event.status in {400, 501}
            out.append(ProtocolError(400 if method else event.status, ""))
        else:
            out.append(event)
    return out


def _only_split_limits_differ(whole: list[RequestEvent], pieces: list[RequestEvent]) -> bool:
    """The documented exception: limits on what is *buffered* are met by small reads only.

    A head or run of chunk framing over the limit that arrives in one read is not buffered by
    anyone (h11 takes it too, see the differential test); cut small, it is refused with 431.
    So the two runs agree up to a 431 in the cut one.
    """
    last = pieces[-1] if pieces else None
    if not isinstance(last, ProtocolError) or last.status != 431:
        return False
    before = _joined(pieces[:-1])
    whole_joined = _joined(whole)
    if before and isinstance(before[-1], RequestData):
        # The refused request's body may stop part way through.
        partial = before[-1].data
        index = len(before) - 1
        same = whole_joined[index] if index < len(whole_joined) else None
        return (
            whole_joined[:index] == before[:index]
            and isinstance(same, RequestData)
            and same.data.startswith(partial)
        )
    return whole_joined[: len(before)] == before


# --- valid requests from a grammar: h11 and httpy must read them alike --------------------

TCHAR: Final = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
VCHAR_OBS: Final = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100))

names = st.binary(min_size=1, max_size=12).map(
    lambda raw: bytes(TCHAR[b % len(TCHAR)] for b in raw)
)
values = st.binary(max_size=24).map(
    lambda raw: b" ".join(
        bytes(VCHAR_OBS[b % len(VCHAR_OBS)] for b in part) for part in raw.split(b"\x00")
    ).strip(b" ")
)
paths = st.binary(max_size=24).map(
    lambda raw: b"/" + bytes(b"abcxyz019-._~%/?=&"[b % 18] for b in raw)
)


SPECIAL: Final = {
    b"host",
    b"content-length",
    b"transfer-encoding",
    b"expect",
    b"connection",
    b"upgrade",
}


@st.composite
def valid_request(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"HEAD"]))
    target = draw(paths)
    fields = draw(
        st.lists(
            # Fields that change framing or the connection have cases of their own.
            st.tuples(names, values).filter(lambda field: field[0].lower() not in SPECIAL),
            max_size=6,
        )
    )
    body = draw(st.binary(max_size=64))
    head = [b"%s %s HTTP/1.1" % (method, target), b"Host: example.com"]
    head += [b"%s: %s" % field for field in fields]
    if draw(st.booleans()) and body:
        head.append(b"Transfer-Encoding: chunked")
        sizes = draw(st.lists(st.integers(1, 16), min_size=1, max_size=4))
        framed = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in cut(body, sizes))
        payload = framed + b"0\r\n\r\n"
    else:
        head.append(b"Content-Length: %d" % len(body))
        payload = body
    return b"\r\n".join(head) + b"\r\n\r\n" + payload


def _comparable(parsed: Parsed) -> tuple[object, ...]:
    headers = [(n, v.lower() if n == b"transfer-encoding" else v) for n, v in parsed.headers]
    return (parsed.method, parsed.target, parsed.version, headers, parsed.body, parsed.keep_alive)


@FUZZ
@given(requests=st.lists(valid_request(), min_size=1, max_size=3), sizes=piece_sizes)
def test_valid_requests_read_alike_by_h11_and_httpy(
    requests: list[bytes], sizes: list[int]
) -> None:
    data = b"".join(requests)
    ours = run_httpy(data)
    reference = run_h11(data)
    assert ours.end == reference.end == "idle"
    assert [_comparable(p) for p in ours.requests] == [_comparable(p) for p in reference.requests]
    assert len(ours.requests) == len(requests)
    split = run_httpy_pieces(cut(data, sizes))
    assert [_comparable(p) for p in split.requests] == [_comparable(p) for p in ours.requests]
