"""pytest plugin: httpx's own client tests run with `httpx.Client`/`AsyncClient` = aresilient's.

Loaded with `-p httpx_alias` by `nox -s compat_aresilient`, before any test module imports
httpx, so `httpx.Client(...)` in every test builds an `aresilient.Client` with the default
resilience settings (3 retries on 429/500/502/503/504 and on transport errors). httpx's
module functions (`httpx.get`, ... `httpx.request`) become aresilient's too, so httpx's
tests/test_api.py checks them (`httpx.stream` stays httpx's: aresilient re-exports it as is).

It also refuses any connection that would leave loopback: the suite must stay on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpx

import aresilient

FUNCTIONS = ("request", "get", "options", "head", "post", "put", "patch", "delete")


def alias_clients() -> None:
    httpx.Client = aresilient.Client  # type: ignore[misc]
    httpx.AsyncClient = aresilient.AsyncClient  # type: ignore[misc]
    for name in FUNCTIONS:
        setattr(httpx, name, getattr(aresilient, name))


class NonLoopbackConnectionError(OSError):
    """A test tried to reach an address other than loopback."""


def _check_address(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            is_loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            is_loopback = host == "localhost"
        if not is_loopback:
            raise NonLoopbackConnectionError(f"refused: {address!r} is not a loopback address")


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_address(address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check_address(address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Name lookups would ask the configured resolver, which may be off this machine.
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host not in (None, "localhost"):
        try:
            ipaddress.ip_address(str(host).split("%")[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, f"lookup of {host!r} refused") from None
    return _getaddrinfo(host, *args, **kwargs)


def guard_loopback() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo


alias_clients()
guard_loopback()
