"""Helpers for driving `HTTP11Connection` with literal bytes and reading what it sends."""

from __future__ import annotations

import re

from httpy.protocol import HTTP11Connection, Limits
from httpy.protocol.events import (
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
)

_DATE = re.compile(
    rb"\r\ndate: (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r\n"
)
_FLAGS = ("accepting_requests", "awaiting_request", "mid_request_head", "response_pending",
          "should_close")  # fmt: skip


def feed(conn: HTTP11Connection, data: bytes, step: int | None = None) -> list[RequestEvent]:
    """All of `data` at once, or in pieces of `step` bytes; the events of every piece."""
    if step is None:
        return conn.receive_data(data)
    events: list[RequestEvent] = []
    for i in range(0, len(data), step):
        events += conn.receive_data(data[i : i + step])
    return events


def merged(events: list[RequestEvent]) -> list[RequestEvent]:
    """Join adjacent RequestData: how a body is cut into pieces depends on the reads."""
    out: list[RequestEvent] = []
    for event in events:
        if isinstance(event, RequestData) and out and isinstance(out[-1], RequestData):
            out[-1] = RequestData(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def refusal(events: list[RequestEvent]) -> int | None:
    """The status of the refusal that ends `events`, or None when nothing was refused."""
    statuses = [e.status for e in events if isinstance(e, ProtocolError)]
    assert len(statuses) <= 1, events
    if not statuses:
        return None
    assert isinstance(events[-1], ProtocolError), events
    return statuses[0]


def state(conn: HTTP11Connection) -> set[str]:
    """The connection's flags that are true (a function, so that mypy does not narrow them)."""
    return {name for name in _FLAGS if getattr(conn, name)}


def stable(response: bytes) -> bytes:
    """`response` with its one IMF-fixdate `date` header checked and replaced by `DATE`."""
    head = response.partition(b"\r\n\r\n")[0] + b"\r\n"
    assert len(_DATE.findall(head)) == 1, response
    return _DATE.sub(b"\r\ndate: DATE\r\n", response, count=1)


def current_target(conn: HTTP11Connection) -> bytes | None:
    return None if conn.current_request is None else conn.current_request.target


def head(
    method: str = "GET",
    target: bytes = b"/",
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    version: str = "1.1",
    keep_alive: bool = True,
    expect_continue: bool = False,
    content_length: int | None = None,
) -> RequestReceived:
    """The event for a request head; by default `GET / HTTP/1.1` with `Host: example.com`."""
    return RequestReceived(
        method=method,
        target=target,
        headers=[(b"host", b"example.com")] if headers is None else headers,
        http_version=version,
        keep_alive=keep_alive,
        expect_continue=expect_continue,
        content_length=content_length,
    )


def connected(
    request: bytes = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    limits: Limits | None = None,
    server_header: bytes | None = b"httpy",
) -> HTTP11Connection:
    """A connection that has received `request` whole, ready for its response."""
    conn = HTTP11Connection(limits, server_header=server_header)
    events = conn.receive_data(request)
    assert events, request
    assert events[-1] == RequestEnded(), events
    return conn


def assert_refused(conn: HTTP11Connection, events: list[RequestEvent], status: int) -> None:
    """The last event is the refusal, nothing is parsed after it, and the answer closes."""
    assert events, "the request was not refused"
    error = events[-1]
    assert isinstance(error, ProtocolError), events
    assert error.status == status, error
    assert error.reason
    assert not any(isinstance(e, ProtocolError) for e in events[:-1])
    assert not conn.accepting_requests
    assert conn.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n") == []
    answer = conn.send_error(error.status, error.reason)
    assert answer.startswith(b"HTTP/1.1 %d " % status)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close\r\n" in head + b"\r\n"
    assert b"\r\ncontent-length: %d\r\n" % len(body) in head + b"\r\n"
    assert error.reason.encode() in body
    assert conn.should_close
