"""Proxy headers (uvicorn's rules) and root_path: who the client is behind a trusted proxy,
never forged by an untrusted peer, off by default; then end to end on a real socket."""

from __future__ import annotations

import httpx
import pytest
from asgi_apps import app

from httpy import Config
from httpy.addresses import TrustedPeers
from httpy.asgi import ASGIApp, ProxyHeaders
from httpy.testing import serve_in_thread

PEER = ("127.0.0.1", 5000)


def resolve(
    headers: list[tuple[bytes, bytes]],
    *,
    trusted: str = "127.0.0.1",
    peer: tuple[str, int] = PEER,
    scheme: str = "http",
) -> tuple[tuple[str, int] | None, str]:
    return ProxyHeaders(trusted).resolve(headers, peer, scheme)


def test_x_forwarded_for_and_proto_from_a_trusted_peer() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]
    assert resolve(headers) == (("203.0.113.7", 0), "https")


def test_untrusted_peer_cannot_forge() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]
    assert resolve(headers, peer=("198.51.100.1", 4000)) == (("198.51.100.1", 4000), "http")


def test_right_most_untrusted_address_is_the_client() -> None:
    # client, then a proxy we trust (10.0.0.2) that appended what it saw.
    headers = [(b"x-forwarded-for", b"1.1.1.1, 203.0.113.7, 10.0.0.2")]
    client, _ = resolve(headers, trusted="127.0.0.1, 10.0.0.0/8")
    assert client == ("203.0.113.7", 0)


def test_every_address_trusted_gives_the_left_most() -> None:
    client, _ = resolve(
        [(b"x-forwarded-for", b"10.0.0.5, 10.0.0.2")], trusted="127.0.0.1,10.0.0.0/8"
    )
    assert client == ("10.0.0.5", 0)


def test_repeated_x_forwarded_for_fields_are_one_list() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-for", b"198.51.100.9")]
    assert resolve(headers)[0] == ("198.51.100.9", 0)


def test_unknown_proto_is_ignored_and_websocket_schemes_follow() -> None:
    assert resolve([(b"x-forwarded-proto", b"gopher")])[1] == "http"
    assert resolve([(b"x-forwarded-proto", b"https")], scheme="ws")[1] == "wss"
    assert resolve([(b"x-forwarded-proto", b"HTTPS")])[1] == "https"


def test_star_trusts_every_peer() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7")]
    assert resolve(headers, trusted="*", peer=("198.51.100.1", 1))[0] == ("203.0.113.7", 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"for=203.0.113.7;proto=https", (("203.0.113.7", 0), "https")),
        (b'for="[2001:db8::1]:4711";proto=https', (("2001:db8::1", 0), "https")),
        (b"for=203.0.113.7:8080, for=127.0.0.1", (("203.0.113.7", 0), "http")),
        (b"For=203.0.113.7;Proto=HTTPS;by=10.0.0.1", (("203.0.113.7", 0), "https")),
    ],
)
def test_simple_forwarded_header(value: bytes, expected: tuple[tuple[str, int], str]) -> None:
    assert resolve([(b"forwarded", value)]) == expected


@pytest.mark.parametrize("value", [b"garbage", b'for="[2001:db8::1', b"for=;proto=https"])
def test_forwarded_it_cannot_read_is_ignored(value: bytes) -> None:
    assert resolve([(b"forwarded", value)]) == (PEER, "http")


def test_x_forwarded_wins_over_forwarded() -> None:
    headers = [(b"forwarded", b"for=198.51.100.9"), (b"x-forwarded-for", b"203.0.113.7")]
    assert resolve(headers)[0] == ("203.0.113.7", 0)


@pytest.mark.parametrize("bad", ["127.0.0.1, nonsense", "10.0.0.0/33", "localhost"])
def test_a_typo_in_the_trusted_list_fails_at_startup(bad: str) -> None:
    with pytest.raises(ValueError, match="forwarded_allow_ips"):
        Config(forwarded_allow_ips=bad)
    with pytest.raises(ValueError, match="forwarded_allow_ips"):
        TrustedPeers(bad)


def test_trusted_peers_from_a_tuple_with_ipv6() -> None:
    peers = TrustedPeers(("::1", "192.168.0.0/16"))
    assert "::1" in peers
    assert "192.168.4.4" in peers
    assert "8.8.8.8" not in peers
    assert "not-an-address" not in peers


@pytest.mark.parametrize("bad", ["api", "/api/"])
def test_root_path_must_be_a_clean_prefix(bad: str) -> None:
    with pytest.raises(ValueError, match="root_path"):
        Config(root_path=bad)
    with pytest.raises(ValueError, match="root_path"):
        ASGIApp(app, root_path=bad)


# --- end to end -------------------------------------------------------------------------------


FORWARDED = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}


def test_off_by_default_on_a_real_socket() -> None:
    with serve_in_thread(ASGIApp(app), Config(port=0)) as server:
        scope = httpx.get(server.url + "/scope", headers=FORWARDED).json()
    assert scope["client"][0] == "127.0.0.1"
    assert scope["scheme"] == "http"


def test_on_from_the_config_on_a_real_socket() -> None:
    config = Config(port=0, proxy_headers=True, root_path="/api")
    with serve_in_thread(ASGIApp.from_config(app, config), config) as server:
        scope = httpx.get(server.url + "/scope", headers=FORWARDED).json()
    assert scope["client"] == ["203.0.113.7", 0]
    assert scope["scheme"] == "https"
    # uvicorn's convention: path and raw_path carry the mount point the proxy stripped.
    assert (scope["root_path"], scope["path"], scope["raw_path"]) == (
        "/api",
        "/api/scope",
        "/api/scope",
    )


def test_on_but_peer_not_trusted_on_a_real_socket() -> None:
    config = Config(port=0, proxy_headers=True, forwarded_allow_ips="10.0.0.0/8")
    with serve_in_thread(ASGIApp.from_config(app, config), config) as server:
        scope = httpx.get(server.url + "/scope", headers=FORWARDED).json()
    assert scope["client"][0] == "127.0.0.1"
    assert scope["scheme"] == "http"
