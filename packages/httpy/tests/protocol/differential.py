"""Run one byte string through h11 and through httpy's HTTP11Connection; describe both the same way.

An :class:`Outcome` is what a server learns from the bytes: the requests parsed whole or in
part (method, target, version, headers, body, keep-alive), and how the stream ends:

- ``idle``: every byte was used and the connection waits for the next request;
- ``partial``: a request has begun and more bytes are needed;
- ``close``: the last request ends the connection (what follows is never parsed);
- ``error``: the bytes broke the protocol (the requests before the error still count).

h11 is driven as a server that answers each request with an empty 200 as soon as it is read,
which is what lets it parse a pipelined request after it; httpy parses pipelined requests
without waiting for answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import h11

from httpy.protocol import HTTP11Connection
from httpy.protocol.events import ProtocolError, RequestData, RequestEnded, RequestReceived

__all__ = ["Outcome", "Parsed", "run_h11", "run_httpy", "run_httpy_pieces"]


@dataclass
class Parsed:
    method: bytes
    target: bytes
    version: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    complete: bool = False
    #: Whether the connection goes on after this request; None until the request is whole.
    keep_alive: bool | None = None


@dataclass
class Outcome:
    requests: list[Parsed] = field(default_factory=list)
    end: str = "idle"


def _pieces(data: bytes, step: int | None) -> list[bytes]:
    return [data] if step is None else [data[i : i + step] for i in range(0, len(data), step)]


def run_h11(data: bytes, step: int | None = None) -> Outcome:
    """`data` at once, or in pieces of `step` bytes."""
    conn = h11.Connection(h11.SERVER)
    outcome = Outcome()
    for piece in _pieces(data, step):
        conn.receive_data(piece)
        if not _h11_events(conn, outcome):
            return outcome
    pending = conn.their_state is not h11.IDLE or bool(conn.trailing_data[0])
    outcome.end = "partial" if pending else "idle"
    return outcome


def _h11_events(conn: h11.Connection, outcome: Outcome) -> bool:
    """Every event the bytes so far complete; whether more bytes may still be read."""
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError:
            outcome.end = "error"
            return False
        if isinstance(event, h11.Request):
            outcome.requests.append(
                Parsed(
                    method=bytes(event.method),
                    target=bytes(event.target),
                    version=bytes(event.http_version),
                    headers=[(bytes(n), bytes(v)) for n, v in event.headers],
                )
            )
        elif isinstance(event, h11.Data):
            outcome.requests[-1].body += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            request = outcome.requests[-1]
            request.complete = True
            request.keep_alive = _answer_and_continue(conn)
            if not request.keep_alive:
                outcome.end = "close"
                return False
        elif event is h11.NEED_DATA:
            return True
        else:  # PAUSED only after an answer that ends the cycle; ConnectionClosed needs EOF
            raise AssertionError(f"unexpected h11 event {event!r}")


def _answer_and_continue(conn: h11.Connection) -> bool:
    """An empty 200 to the request just read; whether the connection goes on to the next."""
    if conn.their_state not in {h11.DONE, h11.MUST_CLOSE}:
        # MIGHT_SWITCH_PROTOCOL, after an Upgrade request: httpy answers it and stops reading;
        # so does this driver.
        return False
    conn.send(h11.Response(status_code=200, headers=[(b"content-length", b"0")]))
    conn.send(h11.EndOfMessage())
    if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
        conn.start_next_cycle()
        return True
    return False


def run_httpy(data: bytes, step: int | None = None) -> Outcome:
    """`data` at once, or in pieces of `step` bytes."""
    return run_httpy_pieces(_pieces(data, step))


def run_httpy_pieces(pieces: list[bytes]) -> Outcome:
    conn = HTTP11Connection()
    outcome = Outcome()
    for piece in pieces:
        if outcome.end == "error":
            break
        for event in conn.receive_data(piece):
            if isinstance(event, RequestReceived):
                outcome.requests.append(
                    Parsed(
                        method=event.method.encode("ascii"),
                        target=event.target,
                        version=event.http_version.encode("ascii"),
                        headers=list(event.headers),
                        keep_alive=event.keep_alive,
                    )
                )
            elif isinstance(event, RequestData):
                outcome.requests[-1].body += event.data
            elif isinstance(event, RequestEnded):
                outcome.requests[-1].complete = True
            elif isinstance(event, ProtocolError):
                outcome.end = "error"
    for parsed in outcome.requests:
        if not parsed.complete:
            parsed.keep_alive = None  # as for h11: decided once the request is whole
    if outcome.end == "error":
        return outcome
    last = outcome.requests[-1] if outcome.requests else None
    if conn.mid_request_head or (last is not None and not last.complete):
        outcome.end = "partial"
    elif last is not None and not conn.accepting_requests:
        outcome.end = "close"
    return outcome
