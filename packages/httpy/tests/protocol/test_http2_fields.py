"""`malformed_fields`: httpy's one-pass check of request field blocks (RFC 9113 §8.2, §8.3),
which replaces h2's own; every rule h2 applied, and each case as h2 itself judged it."""

from __future__ import annotations

import pytest
from h2.exceptions import ProtocolError
from h2.utilities import HeaderValidationFlags, validate_headers

from httpy.protocol.http2_fields import malformed_fields

GET = [(b":method", b"GET"), (b":scheme", b"https"), (b":authority", b"a.test"), (b":path", b"/")]

MALFORMED = {
    "empty-name": [*GET, (b"", b"x")],
    "colon-inside-a-name": [*GET, (b"a:b", b"x")],
    "uppercase-name": [*GET, (b"X-A", b"x")],
    "space-in-a-name": [*GET, (b"a b", b"x")],
    "high-byte-in-a-name": [*GET, (b"a\xffb", b"x")],
    "nul-in-a-value": [*GET, (b"x", b"a\x00b")],
    "cr-in-a-value": [*GET, (b"x", b"a\rb")],
    "leading-space": [*GET, (b"x", b" a")],
    "trailing-tab": [*GET, (b"x", b"a\t")],
    "two-hosts": [*GET, (b"host", b"a.test"), (b"host", b"a.test")],
    "authority-and-host-differ": [*GET, (b"host", b"b.test")],
    "no-authority-no-host": [GET[0], GET[1], GET[3]],
    "protocol-outside-connect": [*GET, (b":protocol", b"websocket")],
    "connect-with-path": [(b":method", b"CONNECT"), (b":authority", b"a.test"), (b":path", b"/")],
    "keep-alive-field": [*GET, (b"keep-alive", b"5")],
    "proxy-connection": [*GET, (b"proxy-connection", b"close")],
    "upgrade-field": [*GET, (b"upgrade", b"h2c")],
    "te-deflate": [*GET, (b"te", b"deflate")],
    "status-pseudo-header": [*GET, (b":status", b"200")],
    "missing-scheme": [GET[0], GET[2], GET[3]],
}
FINE = {
    "plain": GET,
    "empty-value": [*GET, (b"x", b"")],
    "inner-space": [*GET, (b"x", b"a b")],
    "te-trailers": [*GET, (b"te", b"Trailers")],
    "host-equal-to-authority": [*GET, (b"host", b"a.test")],
    "host-without-authority": [GET[0], GET[1], GET[3], (b"host", b"a.test")],
    "extended-connect": [
        (b":method", b"CONNECT"),
        (b":protocol", b"websocket"),
        *GET[1:],
    ],
    "symbols-in-a-name": [*GET, (b"x-!#$%&'*+.^_`|~", b"1")],
}
_REQUEST = HeaderValidationFlags(
    is_client=False, is_trailer=False, is_response_header=False, is_push_promise=False
)


@pytest.mark.parametrize("fields", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_blocks_are_named(fields: list[tuple[bytes, bytes]]) -> None:
    assert malformed_fields(fields) is not None
    with pytest.raises(ProtocolError):  # h2 refused each of them too
        list(validate_headers(fields, _REQUEST))


@pytest.mark.parametrize("fields", FINE.values(), ids=FINE.keys())
def test_well_formed_blocks_pass(fields: list[tuple[bytes, bytes]]) -> None:
    assert malformed_fields(fields) is None
    list(validate_headers(fields, _REQUEST))  # as h2 judged them


def test_trailers_carry_no_pseudo_headers() -> None:
    assert malformed_fields([(b"x-sum", b"1")], trailers=True) is None
    assert malformed_fields([(b":path", b"/")], trailers=True) is not None
    assert malformed_fields([(b"X-Sum", b"1")], trailers=True) is not None
