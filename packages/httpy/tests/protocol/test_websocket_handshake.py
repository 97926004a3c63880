"""The opening handshake helper, over HTTP/1.1 (RFC 6455 §4.2) and HTTP/2 (RFC 8441)."""

from __future__ import annotations

import pytest

from httpy.protocol import Deflate, HandshakeError, accept_headers, offered_subprotocols
from httpy.protocol.events import Headers
from httpy.protocol.rules import HeaderValueError

# The example of RFC 6455 §1.3.
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def http11(*extra: tuple[bytes, bytes]) -> Headers:
    return [
        (b"host", b"example.com"),
        (b"upgrade", b"websocket"),
        (b"connection", b"keep-alive, Upgrade"),
        (b"sec-websocket-key", KEY),
        (b"sec-websocket-version", b"13"),
        *extra,
    ]


def http2(*extra: tuple[bytes, bytes]) -> Headers:
    return [
        (b":method", b"CONNECT"),
        (b":protocol", b"websocket"),
        (b":scheme", b"https"),
        (b":path", b"/chat"),
        (b":authority", b"example.com"),
        (b"sec-websocket-version", b"13"),
        *extra,
    ]


def without(headers: Headers, name: bytes) -> Headers:
    return [(n, v) for n, v in headers if n != name]


def test_http11_accepts_with_the_rfc_example_key() -> None:
    headers, deflate = accept_headers(http11())
    assert headers == [
        (b"upgrade", b"websocket"),
        (b"connection", b"Upgrade"),
        (b"sec-websocket-accept", ACCEPT),
    ]
    assert deflate is None


def test_http2_accepts_without_key_or_upgrade_headers() -> None:
    request = http2((b"sec-websocket-protocol", b"chat"))
    headers, deflate = accept_headers(request, "chat", [(b"X-Room", b"1")])
    assert headers == [(b"sec-websocket-protocol", b"chat"), (b"x-room", b"1")]
    assert deflate is None


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (without(http11(), b"upgrade"), "Upgrade"),
        (without(http11(), b"connection"), "Connection"),
        (without(http11(), b"sec-websocket-key"), "Sec-WebSocket-Key"),
        ([*http11()[:3], (b"sec-websocket-key", b"not base64!")], "not base64"),
        ([*http11()[:3], (b"sec-websocket-key", b"c2hvcnQ=")], "16 bytes"),
        (http11((b"sec-websocket-key", KEY)), "more than one"),
        (without(http11(), b"sec-websocket-version"), "Version"),
    ],
)
def test_http11_refuses_a_malformed_opening_with_400(headers: Headers, message: str) -> None:
    with pytest.raises(HandshakeError, match=message) as caught:
        accept_headers(headers)
    assert caught.value.status == 400


@pytest.mark.parametrize("version", [b"8", b"12", b"14", b"13, 8"])
def test_an_unknown_version_is_426_naming_13(version: bytes) -> None:
    headers = [*without(http11(), b"sec-websocket-version"), (b"sec-websocket-version", version)]
    with pytest.raises(HandshakeError) as caught:
        accept_headers(headers)
    assert caught.value.status == 426
    assert caught.value.headers == [(b"sec-websocket-version", b"13")]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([(b":method", b"GET"), *http2()[1:]], "extended CONNECT"),
        (without(http2(), b":protocol"), ":protocol"),
        ([(b":method", b"CONNECT"), (b":protocol", b"h2c"), *http2()[2:]], ":protocol"),
        (http2((b"sec-websocket-key", KEY)), "not used over HTTP/2"),
    ],
)
def test_http2_refuses_what_rfc_8441_rules_out(headers: Headers, message: str) -> None:
    with pytest.raises(HandshakeError, match=message) as caught:
        accept_headers(headers)
    assert caught.value.status == 400


def test_a_subprotocol_must_be_one_the_client_offered() -> None:
    request = http11(
        (b"sec-websocket-protocol", b"chat, superchat"), (b"Sec-WebSocket-Protocol", b"v2")
    )
    assert offered_subprotocols(request) == ["chat", "superchat", "v2"]
    headers, _ = accept_headers(request, "superchat")
    assert (b"sec-websocket-protocol", b"superchat") in headers
    with pytest.raises(ValueError, match="not offered"):
        accept_headers(request, "mqtt")


def test_extra_headers_are_checked_and_may_not_override_the_handshake() -> None:
    headers, _ = accept_headers(http11(), None, [(b"Set-Cookie", b"a=1")])
    assert headers[-1] == (b"set-cookie", b"a=1")
    with pytest.raises(ValueError, match="set by the WebSocket handshake"):
        accept_headers(http11(), None, [(b"Sec-WebSocket-Accept", b"forged")])
    with pytest.raises(HeaderValueError):
        accept_headers(http11(), None, [(b"x-a", b"1\r\nx-b: 2")])


def test_permessage_deflate_is_accepted_as_offered() -> None:
    offer = (b"sec-websocket-extensions", b"permessage-deflate; client_max_window_bits")
    headers, deflate = accept_headers(http11(offer))
    assert (
        b"sec-websocket-extensions",
        b"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
    ) in headers
    assert deflate == Deflate(server_max_window_bits=12, client_max_window_bits=12)


def test_permessage_deflate_honours_no_context_takeover_requests() -> None:
    offer = (
        b"sec-websocket-extensions",
        b"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    )
    headers, deflate = accept_headers(http2(offer))
    assert deflate == Deflate(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=12,
        client_max_window_bits=15,  # not offered: the client keeps its full window
    )
    value = dict(headers)[b"sec-websocket-extensions"]
    assert b"server_no_context_takeover" in value
    assert b"client_no_context_takeover" in value


def test_an_unacceptable_offer_falls_back_to_the_next_one() -> None:
    offers = (
        b"sec-websocket-extensions",
        (
            b"permessage-deflate; unknown_param, permessage-deflate; server_max_window_bits=8, "
            b"x-webkit-deflate-frame, permessage-deflate"
        ),
    )
    headers, deflate = accept_headers(http11(offers))
    assert deflate == Deflate(server_max_window_bits=12)
    assert dict(headers)[b"sec-websocket-extensions"] == (
        b"permessage-deflate; server_max_window_bits=12"
    )


def test_no_acceptable_offer_means_no_compression() -> None:
    offer = (b"sec-websocket-extensions", b"permessage-deflate; server_max_window_bits=99")
    headers, deflate = accept_headers(http11(offer))
    assert deflate is None
    assert b"sec-websocket-extensions" not in dict(headers)


def test_compression_can_be_declined_by_the_server() -> None:
    offer = (b"sec-websocket-extensions", b"permessage-deflate")
    headers, deflate = accept_headers(http11(offer), permessage_deflate=False)
    assert deflate is None
    assert b"sec-websocket-extensions" not in dict(headers)


def test_a_malformed_extensions_header_is_400() -> None:
    offer = (b"sec-websocket-extensions", b"permessage-deflate; ;")
    with pytest.raises(HandshakeError, match="Sec-WebSocket-Extensions") as caught:
        accept_headers(http11(offer))
    assert caught.value.status == 400


@pytest.mark.parametrize("value", [b"", b"  ", b", ,"])
def test_an_empty_extensions_list_is_no_offer(value: bytes) -> None:
    # websockets' client sends "Sec-WebSocket-Extensions: " when it offers none; an empty
    # list is legal (RFC 9110 §5.6.1) and asks for nothing.
    headers, deflate = accept_headers(http11((b"sec-websocket-extensions", value)))
    assert deflate is None
    assert b"sec-websocket-extensions" not in dict(headers)


def test_an_empty_extensions_line_beside_an_offer_is_ignored() -> None:
    request = http11(
        (b"sec-websocket-extensions", b""), (b"sec-websocket-extensions", b"permessage-deflate")
    )
    _, deflate = accept_headers(request)
    assert deflate == Deflate(server_max_window_bits=12)
