"""h11 (the reference sans-IO parser) and httpy's HTTP11Connection on the same bytes.

Every case of CORPUS goes through both parsers whole and byte by byte. Where the case is not
in DIFFERENCES, both must end the same way (idle, partial, close or error, see differential.py)
and agree on every request they read whole: method, target, version, headers, body and
whether the connection goes on. Where it is, the table below says how each ends and why; the
test checks that this is still what happens, so the table cannot go stale.

Normalisation, not a difference: h11 lower-cases the value of Transfer-Encoding; httpy passes
values as received (both lower-case names and strip the whitespace around values).

Where they differ, httpy refuses what h11 reads (httpy is the stricter one, on purpose), except
in the three rows marked "laxer", which are open (see the row):

| case                       | h11      | httpy | why                                            |
|----------------------------|----------|-------|------------------------------------------------|
| cl-and-te, te-and-cl       | reads    | 400   | RFC 9112 6.3 lets a server refuse it: the      |
|                            |          |       | classic smuggling pair                         |
| cl-duplicate-same,         | reads    | 400   | a repeated Content-Length, even equal, is      |
| cl-list-same               |          |       | refused, not merged (RFC 9112 6.3 allows       |
|                            |          |       | either)                                        |
| te-http10,                 | reads    | 400   | RFC 9112 6.1: chunked on HTTP/1.0 is faulty    |
| te-http10-with-cl          |          |       | framing                                        |
| chunk-size-space-after,    | reads    | 400   | llhttp: no space after the chunk size, no      |
| chunk-extension-bad-char,  |          |       | control bytes in extensions, no bare LF after  |
| chunk-last-bare-lf         |          |       | the last chunk                                 |
| trailer-obs-fold,          | reads    | 400   | trailers are parsed as strictly as headers;    |
| trailer-content-length     |          |       | framing fields in trailers are refused         |
| trailer-huge (whole)       | reads    | 431   | trailers count towards max_header_bytes        |
| obs-fold, obs-fold-tab     | reads    | 400   | RFC 9112 5.2: a server may refuse obs-fold     |
| bare-lf-everywhere,        | reads    | 400   | RFC 9112 2.2: a bare LF may be refused         |
| bare-lf-after-request-line, |          |       |                                                |
| bare-lf-header,            |          |       |                                                |
| bare-lf-end                |          |       |                                                |
| value-del, value-ctl,      | reads    | 400   | RFC 9110 5.5: CTLs are not field-value bytes   |
| value-esc                  |          |       |                                                |
| lowercase-method,          | reads    | 501   | llhttp knows a fixed list of methods; other    |
| method-mixed-case          |          |       | tokens get 501                                 |
| http12, http20             | reads    | 505   | only HTTP/1.0 and HTTP/1.1 on this connection  |
| target-asterisk-get        | reads    | 400   | RFC 9112 3.2.4: "*" is for OPTIONS only        |
| target-relative            | reads    | 400   | not one of the four request-target forms       |
| connect,                   | reads    | 501   | CONNECT is not implemented                     |
| connect-origin-form        |          |       |                                                |
| host-space, host-path,     | reads    | 400   | RFC 9110 7.2: Host is uri-host [":" port]      |
| host-userinfo              |          |       |                                                |
| expect-other               | reads    | 417   | RFC 9110 10.1.1: only 100-continue             |
| head-too-large (whole)     | reads    | 431   | h11 bounds only what it buffers, httpy the     |
|                            |          |       | whole head                                     |
| too-many-headers           | reads    | 431   | max_header_count (100)                         |
| target-too-long            | reads    | 414   | max_target_length (8 KiB)                      |
| h2-preface                 | PRI, 400 | 505   | h11 reads "PRI * HTTP/2.0" as a request first; |
|                            |          |       | httpy refuses the preface at its request line  |
| http10-keep-alive          | closes   | open  | not parsing: h11 never keeps an HTTP/1.0       |
|                            |          |       | connection open; httpy honours keep-alive      |
| leading-crlf,              | 400      | reads | laxer, on purpose: RFC 9112 2.2 says a server  |
| leading-crlf-many,         |          |       | SHOULD skip empty lines before a request line  |
| crlf-between-requests,     |          |       | (an old client's CRLF after a POST body among  |
| crlf-after-body            |          |       | them)                                          |
| two-spaces,                | 400      | reads | laxer, open: llhttp takes a run of spaces      |
| two-spaces-after-target    |          |       | around the target, and httptools gives no      |
|                            |          |       | offsets to check the line with. No framing     |
|                            |          |       | depends on it                                  |
| chunk-size-many-zeros      | 400      | reads | laxer, open: llhttp reads any number of        |
|                            |          |       | leading zeros in a chunk size; h11 refuses     |
|                            |          |       | more than 20 digits                            |
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import pytest
from differential import Outcome, Parsed, run_h11, run_httpy

H = b"Host: a\r\n"
CHUNKED = b"Transfer-Encoding: chunked\r\n"


def get(head: bytes = H, target: bytes = b"/", version: bytes = b"HTTP/1.1") -> bytes:
    return b"GET " + target + b" " + version + b"\r\n" + head + b"\r\n"


def request(method: bytes, head: bytes = H, target: bytes = b"/") -> bytes:
    return method + b" " + target + b" HTTP/1.1\r\n" + head + b"\r\n"


def post(head: bytes, body: bytes) -> bytes:
    return b"POST / HTTP/1.1\r\nHost: a\r\n" + head + b"\r\n" + body


def chunked(body: bytes) -> bytes:
    return post(CHUNKED, body)


CORPUS: dict[str, bytes] = {
    # --- well formed -------------------------------------------------------------------
    "get": get(),
    "get-query": get(target=b"/p/a%20b?x=1&y=%2F"),
    "get-many-headers": get(H + b"Accept: */*\r\nUser-Agent: t/1\r\nX-A: 1\r\nX-A: 2\r\n"),
    "head": request(b"HEAD"),
    "custom-method": request(b"PURGE"),
    "post-length": post(b"Content-Length: 5\r\n", b"hello"),
    "post-length-zero": post(b"Content-Length: 0\r\n", b""),
    "cl-leading-zeros": post(b"Content-Length: 005\r\n", b"hello"),
    "cl-short-then-request": post(b"Content-Length: 3\r\n", b"abc" + get(target=b"/x")),
    "post-chunked": chunked(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
    "chunked-upper-hex": chunked(b"A\r\n0123456789\r\n0\r\n\r\n"),
    "chunked-leading-zeros": chunked(b"0005\r\nhello\r\n0\r\n\r\n"),
    "chunked-extension": chunked(b"5;name=value\r\nhello\r\n0;x\r\n\r\n"),
    "chunked-extension-quoted": chunked(b'5;n="a b"\r\nhello\r\n0\r\n\r\n'),
    "chunk-extension-huge": chunked(b"5;" + b"a" * 20_000 + b"\r\nhello\r\n0\r\n\r\n"),
    "chunked-trailers": chunked(b"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"),
    "chunked-case": post(b"Transfer-Encoding: Chunked\r\n", b"0\r\n\r\n"),
    "te-chunked-trailing-space": post(b"Transfer-Encoding: chunked \r\n", b"0\r\n\r\n"),
    "te-chunked-tab": post(b"Transfer-Encoding:\tchunked\r\n", b"0\r\n\r\n"),
    "expect-continue": post(b"Expect: 100-continue\r\nContent-Length: 1\r\n", b"x"),
    "expect-http10": b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    "http10-no-host": get(b"", version=b"HTTP/1.0"),
    "http10-keep-alive": get(b"Connection: keep-alive\r\n", version=b"HTTP/1.0"),
    "connection-close": get(H + b"Connection: close\r\n") + get(),
    "connection-keep-alive-close": get(H + b"Connection: keep-alive, close\r\n") + get(),
    "pipelined": get() + get(target=b"/2") + post(b"Content-Length: 1\r\n", b"x") + get(),
    "value-inner-spaces": get(H + b"X: a  b\r\n"),
    "value-trailing-ws": get(H + b"X: a \t \r\n"),
    "value-leading-ws": get(H + b"X:  \t a\r\n"),
    "value-no-space": get(H + b"X:a\r\n"),
    "value-empty": get(H + b"X:\r\n"),
    "value-only-spaces": get(H + b"X:    \r\n"),
    "value-only-tab": get(H + b"X:\t\r\n"),
    "value-obs-text": get(H + b"X: caf\xc3\xa9 \xff\r\n"),
    "value-tab-inside": get(H + b"X: a\tb\r\n"),
    "tchar-name": get(H + b"!#$%&'*+-.^_`|~09azAZ: v\r\n"),
    "options-asterisk": request(b"OPTIONS", target=b"*"),
    "absolute-form": get(target=b"http://a/x?y"),
    "absolute-form-other-host": get(target=b"http://b/x"),
    "absolute-form-https": get(target=b"https://a:443/x"),
    "target-fragment": get(target=b"/a#b"),
    "target-backslash": get(target=b"/a\\b"),
    "target-quote-brace": get(target=b'/a"{}|^`'),
    "host-port": get(b"Host: a.example:8080\r\n"),
    "host-ipv6": get(b"Host: [::1]:80\r\n"),
    "host-empty": get(b"Host:\r\n"),
    "partial-head": b"GET / HTTP/1.1\r\nHost: a\r\n",
    "partial-body": post(b"Content-Length: 5\r\n", b"he"),
    "partial-chunked": chunked(b"5\r\nhe"),
    "upgrade-websocket": get(H + b"Connection: Upgrade\r\nUpgrade: websocket\r\n") + get(),
    "upgrade-h2c": get(
        H + b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        b"HTTP2-Settings: AAMAAABkAAQAAP__\r\n"
    ),
    # --- framing: Content-Length and Transfer-Encoding (request smuggling) ---------------
    "cl-and-te": post(b"Content-Length: 3\r\n" + CHUNKED, b"0\r\n\r\n"),
    "te-and-cl": post(CHUNKED + b"Content-Length: 3\r\n", b"0\r\n\r\n"),
    "cl-duplicate-same": post(b"Content-Length: 1\r\nContent-Length: 1\r\n", b"x"),
    "cl-duplicate-diff": post(b"Content-Length: 1\r\nContent-Length: 2\r\n", b"xx"),
    "cl-list-same": post(b"Content-Length: 1, 1\r\n", b"x"),
    "cl-plus": post(b"Content-Length: +1\r\n", b"x"),
    "cl-negative": post(b"Content-Length: -1\r\n", b""),
    "cl-hex": post(b"Content-Length: 0x1\r\n", b"x"),
    "cl-space-inside": post(b"Content-Length: 1 1\r\n", b"x"),
    "cl-huge": post(b"Content-Length: 99999999999999999999999\r\n", b""),
    "cl-empty": post(b"Content-Length:\r\n", b""),
    "te-twice-chunked": post(b"Transfer-Encoding: chunked, chunked\r\n", b"0\r\n\r\n"),
    "te-two-headers": post(CHUNKED + CHUNKED, b"0\r\n\r\n"),
    "te-gzip-chunked": post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"),
    "te-chunked-gzip": post(b"Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n"),
    "te-identity": post(b"Transfer-Encoding: identity\r\n", b""),
    "te-xchunked": post(b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n"),
    "te-empty": post(b"Transfer-Encoding:\r\n", b""),
    "te-http10": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-http10-with-cl": (
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
    ),
    "upgrade-with-body": post(
        b"Connection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 1\r\n", b"x"
    ),
    # --- chunk framing -----------------------------------------------------------------
    "chunk-size-not-hex": chunked(b"g\r\nx\r\n0\r\n\r\n"),
    "chunk-size-0x": chunked(b"0x5\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-negative": chunked(b"-5\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-empty": chunked(b"\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-overflow": chunked(b"fffffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
    "chunk-size-many-zeros": chunked(b"0" * 40 + b"5\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-space-before": chunked(b" 5\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-space-after": chunked(b"5 \r\nhello\r\n0\r\n\r\n"),
    "chunk-size-bare-lf": chunked(b"5\nhello\r\n0\r\n\r\n"),
    "chunk-data-too-long": chunked(b"3\r\nhello\r\n0\r\n\r\n"),
    "chunk-data-no-crlf": chunked(b"5\r\nhelloXX0\r\n\r\n"),
    "chunk-data-bare-lf": chunked(b"5\r\nhello\n0\r\n\r\n"),
    "chunk-last-bare-lf": chunked(b"0\r\n\n"),
    "chunk-extension-bad-char": chunked(b"5;\x01\r\nhello\r\n0\r\n\r\n"),
    "chunk-extension-space": chunked(b"5 ; a=b\r\nhello\r\n0\r\n\r\n"),
    "trailer-bad-name": chunked(b"0\r\nX Y: 1\r\n\r\n"),
    "trailer-obs-fold": chunked(b"0\r\nX: 1\r\n 2\r\n\r\n"),
    "trailer-content-length": chunked(b"0\r\nContent-Length: 5\r\n\r\n"),
    "trailer-huge": chunked(b"0\r\nX: " + b"a" * 20_000 + b"\r\n\r\n"),
    # --- header syntax -----------------------------------------------------------------
    "obs-fold": get(H + b"X: a\r\n b\r\n"),
    "obs-fold-tab": get(H + b"X: a\r\n\tb\r\n"),
    "first-header-folded": get(b" X: a\r\n" + H),
    "bare-lf-everywhere": b"GET / HTTP/1.1\nHost: a\n\n",
    "bare-lf-after-request-line": b"GET / HTTP/1.1\nHost: a\r\n\r\n",
    "bare-lf-header": b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
    "bare-lf-end": b"GET / HTTP/1.1\r\nHost: a\r\n\n",
    "bare-cr-header": b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
    "bare-cr-value": get(H + b"X: a\rb\r\n"),
    "space-before-colon": get(b"Host : a\r\n"),
    "tab-before-colon": get(H + b"X\t: a\r\n"),
    "space-in-name": get(H + b"X Y: a\r\n"),
    "empty-name": get(H + b": a\r\n"),
    "no-colon": get(H + b"Xa\r\n"),
    "name-at": get(H + b"X@: a\r\n"),
    "name-quote": get(H + b'X": a\r\n'),
    "name-slash": get(H + b"X/: a\r\n"),
    "name-non-ascii": get(H + b"X\xc3\xa9: a\r\n"),
    "name-nul": get(H + b"X\x00: a\r\n"),
    "value-nul": get(H + b"X: a\x00b\r\n"),
    "value-del": get(H + b"X: a\x7fb\r\n"),
    "value-ctl": get(H + b"X: a\x01b\r\n"),
    "value-esc": get(H + b"X: a\x1bb\r\n"),
    # --- request line ------------------------------------------------------------------
    "lowercase-method": request(b"get"),
    "method-mixed-case": request(b"Get"),
    "method-bad-char": request(b"G(T"),
    "method-empty": b" / HTTP/1.1\r\n" + H + b"\r\n",
    "two-spaces": b"GET  / HTTP/1.1\r\n" + H + b"\r\n",
    "two-spaces-after-target": b"GET /  HTTP/1.1\r\n" + H + b"\r\n",
    "tab-separator": b"GET\t/ HTTP/1.1\r\n" + H + b"\r\n",
    "trailing-space-version": b"GET / HTTP/1.1 \r\n" + H + b"\r\n",
    "missing-version": b"GET /\r\n" + H + b"\r\n",
    "http09": b"GET /\r\n\r\n",
    "http20": get(version=b"HTTP/2.0"),
    "http12": get(version=b"HTTP/1.2"),
    "http11-lowercase": get(version=b"http/1.1"),
    "version-garbage": get(version=b"HTTP/1.x"),
    "target-space": b"GET /a b HTTP/1.1\r\n" + H + b"\r\n",
    "target-ctl": get(target=b"/a\x01b"),
    "target-del": get(target=b"/a\x7fb"),
    "target-nul": get(target=b"/a\x00"),
    "target-non-ascii": get(target=b"/caf\xc3\xa9"),
    "target-asterisk-get": get(target=b"*"),
    "target-relative": get(target=b"a/b"),
    "target-empty": b"GET  HTTP/1.1\r\n" + H + b"\r\n",
    "connect": b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
    "connect-origin-form": request(b"CONNECT"),
    "leading-crlf": b"\r\n" + get(),
    "leading-crlf-many": b"\r\n" * 10 + get(),
    "crlf-between-requests": get() + b"\r\n\r\n" + get(),
    "crlf-after-body": post(b"Content-Length: 1\r\n", b"x\r\n") + get(),
    "garbage-after-request": get() + b"\x01\x02junk\r\n\r\n",
    "null-request": b"\x00\x00\x00\r\n\r\n",
    "tls-client-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    "h2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    # --- Host and Expect ---------------------------------------------------------------
    "no-host": get(b""),
    "two-hosts": get(H + H),
    "host-space": get(b"Host: a b\r\n"),
    "host-path": get(b"Host: a/b\r\n"),
    "host-userinfo": get(b"Host: u@a\r\n"),
    "expect-other": post(b"Expect: foo\r\nContent-Length: 1\r\n", b"x"),
    # --- limits ------------------------------------------------------------------------
    "head-too-large": get(H + b"X: " + b"a" * 20_000 + b"\r\n"),
    "too-many-headers": get(H + b"".join(b"X-%d: 1\r\n" % i for i in range(150))),
    "target-too-long": get(target=b"/" + b"a" * 9000),
}


class Difference(NamedTuple):
    h11: str
    httpy: str
    #: How the bytes are fed: None whole, 1 byte by byte; both when not given.
    step: int | str | None = "both"


_REFUSED = Difference("idle", "error")
_REFUSED_CLOSING = Difference("close", "error")
_LAXER = Difference("error", "idle")

# The table of the module docstring, as data.
DIFFERENCES: dict[str, Difference] = {
    "cl-and-te": _REFUSED,
    "te-and-cl": _REFUSED,
    "cl-duplicate-same": _REFUSED,
    "cl-list-same": _REFUSED,
    "te-http10": _REFUSED_CLOSING,
    "te-http10-with-cl": _REFUSED_CLOSING,
    "chunk-size-space-after": _REFUSED,
    "chunk-extension-bad-char": _REFUSED,
    "chunk-last-bare-lf": _REFUSED,
    "trailer-obs-fold": _REFUSED,
    "trailer-content-length": _REFUSED,
    "trailer-huge": Difference("idle", "error", step=None),
    "obs-fold": _REFUSED,
    "obs-fold-tab": _REFUSED,
    "bare-lf-everywhere": _REFUSED,
    "bare-lf-after-request-line": _REFUSED,
    "bare-lf-header": _REFUSED,
    "bare-lf-end": _REFUSED,
    "value-del": _REFUSED,
    "value-ctl": _REFUSED,
    "value-esc": _REFUSED,
    "lowercase-method": _REFUSED,
    "method-mixed-case": _REFUSED,
    "http12": _REFUSED,
    "http20": _REFUSED,
    "target-asterisk-get": _REFUSED,
    "target-relative": _REFUSED,
    "connect": _REFUSED_CLOSING,
    "connect-origin-form": _REFUSED_CLOSING,
    "host-space": _REFUSED,
    "host-path": _REFUSED,
    "host-userinfo": _REFUSED,
    "expect-other": _REFUSED,
    "head-too-large": Difference("idle", "error", step=None),
    "too-many-headers": _REFUSED,
    "target-too-long": _REFUSED,
    "h2-preface": Difference("error", "error"),
    "http10-keep-alive": Difference("close", "idle"),
    "leading-crlf": _LAXER,
    "leading-crlf-many": _LAXER,
    "crlf-between-requests": Difference("error", "idle"),
    "crlf-after-body": Difference("error", "idle"),
    "two-spaces": _LAXER,
    "two-spaces-after-target": _LAXER,
    "chunk-size-many-zeros": _LAXER,
}


def _comparable(parsed: Parsed) -> Parsed:
    # h11 lower-cases Transfer-Encoding's value; httpy passes it on as received.
    headers = [
        (name, value.lower() if name == b"transfer-encoding" else value)
        for name, value in parsed.headers
    ]
    return replace(parsed, headers=headers)


def whole_requests(outcome: Outcome) -> list[Parsed]:
    return [_comparable(parsed) for parsed in outcome.requests if parsed.complete]


@pytest.mark.parametrize("step", [None, 1], ids=["whole", "bytewise"])
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_h11_and_httpy_agree(name: str, step: int | None) -> None:
    data = CORPUS[name]
    reference, ours = run_h11(data, step), run_httpy(data, step)
    difference = DIFFERENCES.get(name)
    if difference is not None and difference.step in ("both", step):
        assert (reference.end, ours.end) == (difference.h11, difference.httpy)
        if ours.end == "error":
            # Refused, but never after reading something h11 did not read.
            assert whole_requests(reference)[: len(whole_requests(ours))] == whole_requests(ours)
        return
    assert ours.end == reference.end
    assert whole_requests(ours) == whole_requests(reference)


def test_every_difference_is_a_corpus_case() -> None:
    assert set(DIFFERENCES) <= set(CORPUS)


def test_every_difference_is_in_the_docstring_table() -> None:
    table = __doc__ or ""
    for name in DIFFERENCES:
        assert name in table, f"{name} is missing from the table of differences"
