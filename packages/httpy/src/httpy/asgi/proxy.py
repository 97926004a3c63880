"""Who the client really is behind a trusted proxy: ``X-Forwarded-For/Proto``, ``Forwarded``.

Invariants:
- Nothing is read from a request whose direct peer is not in the trusted set: a client that
  talks to the server directly cannot forge its address or scheme.
- Of a chain of addresses (``client, proxy1, proxy2``), the client is the right-most entry
  that is not itself a trusted proxy (each proxy appends the peer it saw); when every entry is
  trusted, the left-most one.
- ``X-Forwarded-*`` wins over ``Forwarded`` (RFC 7239); ``Forwarded`` is read only when no
  ``X-Forwarded-For``/``X-Forwarded-Proto`` is present, and only in its simple form
  (``for=`` and ``proto=`` pairs); anything it cannot parse is ignored, never an error.
"""

from __future__ import annotations

import re

from httpy.addresses import TrustedPeers

__all__ = ["ProxyHeaders"]

_SCHEMES = frozenset({"http", "https", "ws", "wss"})
# An IPv4/IPv6 address or an obfuscated identifier ("_hidden", "unknown").
_NODE = re.compile(r"[A-Za-z0-9._:-]+")


class ProxyHeaders:
    """Rewrites a request's client address and scheme from the headers a trusted proxy set."""

    __slots__ = ("_trusted",)

    def __init__(self, forwarded_allow_ips: str | tuple[str, ...] = "127.0.0.1") -> None:
        self._trusted = TrustedPeers(forwarded_allow_ips)

    def trusts(self, host: str) -> bool:
        return host in self._trusted

    def resolve(
        self,
        headers: list[tuple[bytes, bytes]],
        client: tuple[str, int] | None,
        scheme: str,
    ) -> tuple[tuple[str, int] | None, str]:
        """The (client, scheme) to put in the scope: as given unless the peer is trusted."""
        if client is None or client[0] not in self._trusted:
            return client, scheme
        forwarded_for: list[bytes] = []
        forwarded_proto = b""
        forwarded = b""
        for name, value in headers:
            if name == b"x-forwarded-for":
                forwarded_for.append(value)  # repeated fields are one comma-separated list
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
            elif name == b"forwarded":
                forwarded = forwarded + b"," + value if forwarded else value
        if forwarded_for or forwarded_proto:
            hosts = [part.strip() for part in b",".join(forwarded_for).decode("latin-1").split(",")]
            # The proxy nearest to us appended last: its value is the one to believe.
            proto = forwarded_proto.decode("latin-1").rsplit(",", 1)[-1].strip().lower()
        elif forwarded:
            parsed = _parse_forwarded(forwarded.decode("latin-1"))
            if parsed is None:
                return client, scheme
            hosts, proto = parsed
        else:
            return client, scheme
        if proto in _SCHEMES:
            scheme = _for_connection(proto, scheme)
        host = self._client_of([host for host in hosts if host])
        if host is not None:
            client = (host, 0)  # the proxies do not pass the client's port on
        return client, scheme

    def _client_of(self, hosts: list[str]) -> str | None:
        for host in reversed(hosts):
            if host not in self._trusted:
                return host
        return hosts[0] if hosts else None


def _for_connection(proto: str, current: str) -> str:
    """The forwarded scheme in the connection's own family (ws/wss for WebSocket scopes)."""
    secure = proto in {"https", "wss"}
    if current in {"ws", "wss"}:
        return "wss" if secure else "ws"
    return "https" if secure else "http"


def _parse_forwarded(value: str) -> tuple[list[str], str] | None:
    """``for=`` hosts and the last ``proto=`` of a simple ``Forwarded`` value; None if odd."""
    hosts: list[str] = []
    proto = ""
    for element in value.split(","):
        for pair in element.split(";"):
            key, equals, raw = pair.strip().partition("=")
            if not equals:
                if key:
                    return None  # not key=value: not the simple form we read
                continue
            key = key.strip().lower()
            text = raw.strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1]
            if key == "for":
                host = _node_host(text)
                if host is None:
                    return None
                hosts.append(host)
            elif key == "proto":
                proto = text.lower()
    return hosts, proto


def _node_host(node: str) -> str | None:
    """The address of a ``for=`` node: ``[v6]:port`` and ``v4:port`` lose the port; None
    for anything else than an address or an obfuscated name (RFC 7239 §6)."""
    if node.startswith("["):
        inside, closed, _ = node[1:].partition("]")
        node = inside if closed else ""
    elif node.count(":") == 1:
        node = node.split(":", 1)[0]
    return node if _NODE.fullmatch(node) else None
