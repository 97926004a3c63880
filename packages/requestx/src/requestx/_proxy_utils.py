"""Proxy helpers of ``requests.utils`` that do not read the environment themselves.

Re-exported by :mod:`requestx.utils`; import them from there. The functions that consult the
environment (``should_bypass_proxies``, ``get_environ_proxies``, ``resolve_proxies``) live in
``requestx.utils`` itself, so that tests and users can patch ``requestx.utils.proxy_bypass``
or ``requestx.utils.getproxies`` as they do with requests.

Nothing here resolves host names: ``no_proxy`` entries are compared as text and IPv4
addresses/networks, and the platform lookup (:func:`proxy_bypass`) reads the environment on
Linux and the registry on Windows. Only macOS's system configuration, reached through the
standard library when no proxy variable is set, may resolve a name to compare it with IP
exceptions. ``socket`` and ``urllib.request`` are imported on first use, not with requestx.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

__all__ = [
    "address_in_network",
    "dotted_netmask",
    "environment_ca_bundle",
    "environment_proxies",
    "environment_proxy_names",
    "getproxies",
    "host_in_no_proxy",
    "is_ipv4_address",
    "is_valid_cidr",
    "no_proxy_variables",
    "proxy_bypass",
    "proxy_bypass_registry",
    "select_proxy",
]


def _inet_aton(address: str) -> bytes:
    # The C library's parser, as requests uses: it also takes the short forms ("127.1",
    # "0x7f.1") that curl and browsers accept in no_proxy and URLs.
    import socket  # noqa: PLC0415  # only proxy handling pays for the import

    return socket.inet_aton(address)


def dotted_netmask(mask: int) -> str:
    """The dotted-quad form of a ``/mask`` prefix length: ``24`` gives ``"255.255.255.0"``.

    :raises ValueError: if ``mask`` is not between 0 and 32.
    :rtype: str
    """
    if not 0 <= mask <= 32:
        raise ValueError(f"netmask must be between 0 and 32, not {mask}")
    bits = (0xFFFFFFFF << (32 - mask)) & 0xFFFFFFFF
    return ".".join(str((bits >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _ipv4_int(address: str) -> int:
    return int.from_bytes(_inet_aton(address), "big")


def address_in_network(ip: str, net: str) -> bool:
    """Whether IPv4 address ``ip`` lies in network ``net`` (``"192.168.1.0/24"``).

    :raises OSError: if ``ip`` or the network address is not an IPv4 address.
    :raises ValueError: if ``net`` is not ``address/prefix``.
    :rtype: bool
    """
    network, prefix = net.split("/")
    netmask = _ipv4_int(dotted_netmask(int(prefix)))
    return (_ipv4_int(ip) & netmask) == (_ipv4_int(network) & netmask)


def is_ipv4_address(string_ip: str) -> bool:
    """Whether ``string_ip`` is an IPv4 address (short forms such as ``"127.1"`` included).

    :rtype: bool
    """
    try:
        _inet_aton(string_ip)
    except OSError:
        return False
    return True


def is_valid_cidr(string_network: str) -> bool:
    """Whether ``string_network`` is an IPv4 network in ``address/prefix`` form, prefix 1-32.

    This is the simple check requests applies to ``no_proxy`` entries.

    :rtype: bool
    """
    if string_network.count("/") != 1:
        return False
    address, _, prefix = string_network.partition("/")
    try:
        mask = int(prefix)
    except ValueError:
        return False
    if not 1 <= mask <= 32:
        return False
    return is_ipv4_address(address)


def host_in_no_proxy(hostname: str, port: int | None, no_proxy: str) -> bool:
    """Whether ``hostname`` (with ``port``) matches an entry of a ``no_proxy`` list.

    Entries are comma-separated. An IPv4 host matches an equal address or a network in CIDR
    form. A name matches an entry equal to it, with or without ``:port``, or an entry it is
    a subdomain of; a leading dot on an entry changes nothing, and ``example.com`` does not
    match ``badexample.com`` (the domain-boundary rule of CPython bpo-39057, as requests
    2.33 applies it).
    """
    entries = [entry for entry in no_proxy.replace(" ", "").split(",") if entry]
    if is_ipv4_address(hostname):
        return any(
            address_in_network(hostname, entry) if is_valid_cidr(entry) else hostname == entry
            for entry in entries
        )
    host_with_port = f"{hostname}:{port}" if port else hostname
    for entry in entries:
        domain = entry.lstrip(".")
        if domain in (hostname, host_with_port):
            return True
        suffix = "." + domain
        if hostname.endswith(suffix) or host_with_port.endswith(suffix):
            return True
    return False


def select_proxy(url: str, proxies: Mapping[str, str] | None) -> str | None:
    """The proxy for ``url`` from a requests-style ``proxies`` mapping, or None.

    Keys are tried from the most to the least specific: ``"scheme://host"``, ``"scheme"``,
    ``"all://host"``, ``"all"``. A URL without a host uses ``"scheme"`` or ``"all"``.

    :param url: the URL the request is for.
    :param proxies: scheme (or scheme and host) to proxy URL.
    """
    proxies = proxies or {}
    parts = urlparse(url)
    if parts.hostname is None:
        return proxies.get(parts.scheme, proxies.get("all"))
    for key in (
        f"{parts.scheme}://{parts.hostname}",
        parts.scheme,
        f"all://{parts.hostname}",
        "all",
    ):
        if key in proxies:
            return proxies[key]
    return None


def getproxies() -> dict[str, str]:
    """The proxies the platform configures: environment variables, or the system settings.

    :func:`urllib.request.getproxies`, except on Linux and the BSDs, where it only reads the
    environment: :func:`environment_proxies` does that without decoding every variable.
    """
    if sys.platform in ("win32", "darwin"):
        from urllib.request import getproxies as platform_getproxies  # noqa: PLC0415

        return platform_getproxies()
    return environment_proxies()


# The environment's variable names the last time none of them named a proxy.
_QUIET_NAMES: frozenset[bytes] | None = None


def no_proxy_variables() -> bool:
    """True when no ``*_proxy`` variable but ``no_proxy`` is set, cheaply if nothing changed.

    Every request of a Session with ``trust_env`` asks; comparing the set of names with the
    last quiet one costs a fraction of scanning them. Values cannot matter while no such
    name exists, so the names alone are enough. ``no_proxy`` alone changes nothing.
    """
    global _QUIET_NAMES  # noqa: PLW0603 - a one-entry cache
    raw = getattr(os.environ, "_data", None)
    if not isinstance(raw, dict):
        return not any(name.lower() != "no_proxy" for name in environment_proxy_names(os.environ))
    if _QUIET_NAMES is not None and raw.keys() == _QUIET_NAMES:
        return True
    if any(key[-6:].lower() == b"_proxy" and key.lower() != b"no_proxy" for key in raw):
        return False
    _QUIET_NAMES = frozenset(raw)
    return True


def environment_proxy_names(environ: Mapping[str, str]) -> list[str]:
    return [name for name in environ if name[-6:].lower() == "_proxy"]


def environment_ca_bundle() -> str | None:
    """``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, as requests reads them; None if unset."""
    raw = getattr(os.environ, "_data", None)
    if isinstance(raw, dict):  # POSIX: two dict lookups, no key encoding
        value = raw.get(b"REQUESTS_CA_BUNDLE") or raw.get(b"CURL_CA_BUNDLE")
        return os.fsdecode(value) if value else None
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def environment_proxies() -> dict[str, str]:
    """``*_proxy`` variables as urllib reads them, at a fraction of the cost.

    urllib.request.getproxies_environment decodes every variable's name and value, twice;
    every request reads the proxies, so here only names ending in ``_proxy`` are looked at.
    Same rules: lower-case names win over upper-case, an empty lower-case one removes the
    proxy, and under CGI (REQUEST_METHOD set) HTTP_PROXY is ignored (httpoxy).
    """
    environ = os.environ
    # The raw bytes keys (POSIX): no decoding of the ~50-100 names that are not proxies.
    raw = getattr(environ, "_data", None)
    if isinstance(raw, dict):
        names = [os.fsdecode(key) for key in raw if key[-6:].lower() == b"_proxy"]
    else:
        names = environment_proxy_names(environ)
    if not names:
        return {}
    proxies: dict[str, str] = {}
    for name in names:
        value = environ.get(name)
        if value:
            proxies[name[:-6].lower()] = value
    if "REQUEST_METHOD" in environ:
        proxies.pop("http", None)
    for name in names:
        if name[-6:] == "_proxy":
            value = environ.get(name)
            if value:
                proxies[name[:-6].lower()] = value
            else:
                proxies.pop(name[:-6].lower(), None)
    return proxies


def proxy_bypass(host: str) -> bool:
    """Whether the platform's settings say ``host`` is reached without a proxy.

    With proxy environment variables set, ``no_proxy`` decides (on every platform). Without
    them, Windows consults the Internet Settings registry (:func:`proxy_bypass_registry`,
    which resolves nothing) and macOS its system configuration.
    """
    import urllib.request  # noqa: PLC0415  # only proxy handling pays for the import

    if sys.platform == "win32":
        if urllib.request.getproxies_environment():
            # Defined on every platform, but missing from typeshed (python/cpython#145331).
            return bool(urllib.request.proxy_bypass_environment(host))  # type: ignore[attr-defined]
        return proxy_bypass_registry(host)
    if sys.platform == "darwin":
        return bool(urllib.request.proxy_bypass(host))
    # Elsewhere only the environment counts; urllib's proxy_bypass would scan all of it again.
    if not environment_proxies():
        return False
    return bool(urllib.request.proxy_bypass_environment(host))  # type: ignore[attr-defined]


def proxy_bypass_registry(host: str) -> bool:
    """Whether Windows' Internet Settings (``ProxyOverride``) exempt ``host`` from proxies.

    Each ``;``-separated override is a pattern where ``*`` matches any run of characters and
    ``?`` one character, compared with the whole host, ignoring case; ``<local>`` matches
    names without a dot. False when proxies are disabled, the values are missing or
    malformed, or the platform has no registry.
    """
    try:
        # Imported by name: the module exists on Windows only, and this keeps the function
        # importable (and testable with a stand-in module) everywhere.
        winreg: Any = importlib.import_module("winreg")
    except ImportError:
        return False
    try:
        settings = winreg.OpenKey(
            winreg.HKEY_CURRENT_USER,
            r"Software\Microsoft\Windows\CurrentVersion\Internet Settings",
        )
        # ProxyEnable is a REG_DWORD on most machines and a REG_SZ on some.
        enabled = int(winreg.QueryValueEx(settings, "ProxyEnable")[0])
        overrides = winreg.QueryValueEx(settings, "ProxyOverride")[0]
    except (OSError, ValueError):
        return False
    if not enabled or not overrides or not isinstance(overrides, str):
        return False
    for pattern in filter(None, overrides.split(";")):
        if pattern == "<local>":
            if "." not in host:
                return True
            continue
        if _override_regex(pattern).fullmatch(host):
            return True
    return False


def _override_regex(pattern: str) -> re.Pattern[str]:
    # Everything but the two wildcards is literal; requests escapes only dots and matches a
    # prefix, which also exempts "172.16.1.12" for an override "172.16.1.1".
    wildcards = {"*": ".*", "?": "."}
    pieces = re.split(r"([*?])", pattern)
    translated = "".join(wildcards.get(piece) or re.escape(piece) for piece in pieces)
    return re.compile(translated, re.IGNORECASE)
