"""Which server each protocol of a run talks to, started (and stopped) for the run.

Cleartext protocols (h1, h2c) go to the run's plain server: httpy answers HTTP/1.1 and, to a
client that opens with the HTTP/2 preface, h2c on the same port. TLS protocols (h1-tls, h2,
h3) go to a second server with a certificate from a CA made for the run: HTTP/1.1 and HTTP/2
by ALPN on TCP, and, when h3 is measured, HTTP/3 on the same port number over UDP. Clients
verify against that CA. Only the servers some protocol needs are started.

With `--url`, every protocol goes to that URL (its scheme must fit the protocols, which the
configuration checks), verified by the system's CAs or `--ca-file`.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.protocols import TlsMaterial, is_tls
from http_benchmark.server import ExternalServer, ServerProvider
from http_benchmark.server_selection import select_server

__all__ = ["Endpoints", "start_endpoints"]


@dataclass
class Endpoints:
    """Base URL per protocol, what clients verify TLS with, and what each server is."""

    urls: dict[str, str]
    verify: bool | str
    servers: list[dict[str, Any]] = field(default_factory=list)


def _verify(configuration: BenchmarkConfiguration, tls: TlsMaterial | None) -> bool | str:
    if not configuration.verify:
        return False  # the user's explicit --no-verify, stated in the stored configuration
    if tls is not None:
        return str(tls.ca_file)
    return str(configuration.ca_file) if configuration.ca_file is not None else True


def start_endpoints(
    configuration: BenchmarkConfiguration,
    stack: ExitStack,
    plain: ServerProvider,
    tls_server: tuple[ServerProvider, TlsMaterial] | None = None,
    *,
    protocols: list[str] | None = None,
) -> Endpoints:
    """Start what the run's protocols need on `stack` (closed by the caller).

    `plain` serves the cleartext protocols; `tls_server`, when given, the TLS ones (a server
    and the CA material it was started with) instead of one chosen as `plain` was.
    """
    protocols = protocols or list(configuration.protocols)
    if configuration.url is not None:
        parts = urlsplit(configuration.url)
        server = ExternalServer(f"{parts.scheme}://{parts.netloc}")
        base = stack.enter_context(server)
        return Endpoints(
            urls=dict.fromkeys(protocols, base),
            verify=_verify(configuration, None),
            servers=[server.describe()],
        )
    urls: dict[str, str] = {}
    servers: list[dict[str, Any]] = []
    if any(not is_tls(name) for name in protocols):
        base = stack.enter_context(plain)
        urls |= {name: base for name in protocols if not is_tls(name)}
        servers.append(plain.describe())
    material = None
    if any(is_tls(name) for name in protocols):
        if tls_server is None:
            material = stack.enter_context(TlsMaterial.create())
            choice = select_server(configuration, tls=material, http3="h3" in protocols)
            if choice.note is not None:
                logger.warning("TLS {}", choice.note)
            provider = choice.provider
        else:
            provider, material = tls_server
        base = stack.enter_context(provider)
        urls |= {name: base for name in protocols if is_tls(name)}
        servers.append(provider.describe())
    return Endpoints(urls=urls, verify=_verify(configuration, material), servers=servers)
