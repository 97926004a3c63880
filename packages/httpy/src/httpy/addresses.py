"""Which peers are trusted, from a list of addresses and networks (``forwarded_allow_ips``).

Its own module because both the Config (to refuse a typo at startup) and the ASGI proxy
support (per request) need it, and neither should import the other.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = ["TrustedPeers"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedPeers:
    """``"127.0.0.1, 10.0.0.0/8"`` (or a tuple of entries); ``*`` trusts every peer.

    Raises ValueError naming an entry that is not an address or a network, so a typo fails
    at startup instead of silently trusting nobody.
    """

    __slots__ = ("_cached", "everyone", "networks")

    def __init__(self, value: str | tuple[str, ...]) -> None:
        entries = value.split(",") if isinstance(value, str) else list(value)
        networks: list[_Network] = []
        self.everyone = False
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if entry == "*":
                self.everyone = True
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"forwarded_allow_ips: {entry!r} is not an IP address, a network or '*'"
                ) from None
        self.networks = tuple(networks)
        # Per peer address, not per request: a proxy sends every request from a few addresses.
        self._cached = lru_cache(maxsize=1024)(self._check)

    def __contains__(self, host: str) -> bool:
        return self._cached(host)

    def _check(self, host: str) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])  # without an IPv6 zone
        except ValueError:
            return False  # a name or an obfuscated identifier ("_hidden", "unknown")
        return any(address in network for network in self.networks)
