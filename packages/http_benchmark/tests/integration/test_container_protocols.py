"""Every client on every protocol it declares, against the httpy image.

h2c against the session's cleartext container; HTTP/1.1 and HTTP/2 over TLS, and HTTP/3 over
UDP, against a container given a certificate from a CA made for the test (mounted read-only)
and HTTPY_HTTP3=1. Clients verify against that CA, and the worker checks the HTTP version of
a response, so a fallback to HTTP/1.1 fails the test. niquests runs under its own interpreter
(HTTP_BENCHMARK_NIQUESTS_PYTHON, made by `nox -s tests`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from http_benchmark.adapters import MEASURED_CLIENTS, get_adapter
from http_benchmark.docker_server import DockerHttpyServer
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.protocols import TlsMaterial
from http_benchmark.runner import run_worker_process
from http_benchmark.worker import WorkerJob

SIDE = os.environ.get("HTTP_BENCHMARK_NIQUESTS_PYTHON")
CASES = [
    pytest.param(
        client,
        mode,
        protocol,
        marks=[pytest.mark.skipif(SIDE is None, reason="no niquests interpreter")]
        if client == "niquests"
        else [],
    )
    for client in MEASURED_CLIENTS
    for mode in ("sync", "async")
    if mode in get_adapter(client).modes
    for protocol in ("h1-tls", "h2", "h2c", "h3")
    if protocol in get_adapter(client).protocols
]


def concurrency_for(client: str, mode: str, protocol: str) -> int:
    """2 senders, except httpx's sync client (and aresilient's, its subclass) over HTTP/2:
    httpcore's sync HTTP/2 connection is not thread-safe (encode/httpx#3072: KeyError,
    LocalProtocolError under threads). A benchmark counts those failures against it; a test
    of whether it speaks the protocol uses one sender."""
    racy = client in {"httpx", "aresilient"} and mode == "sync" and protocol in {"h2", "h2c"}
    return 1 if racy else 2


@pytest.fixture(scope="module")
def tls_container(httpy_image: str) -> Iterator[tuple[DockerHttpyServer, Path]]:
    with TlsMaterial.create() as tls:
        server = DockerHttpyServer(image=httpy_image, pin=False, tls=tls, http3=True)
        with server:
            yield server, tls.ca_file


@pytest.mark.parametrize(("client", "mode", "protocol"), CASES)
def test_client_speaks_the_protocol_to_the_container(
    client: str,
    mode: Mode,
    protocol: str,
    container: DockerHttpyServer,
    tls_container: tuple[DockerHttpyServer, Path],
) -> None:
    secure, ca_file = tls_container
    base = container.base_url if protocol == "h2c" else secure.base_url
    request = HTTPRequest(url=base + "/payload/4096", expected_length=4096, protocol=protocol)
    job = WorkerJob(client=client, mode=mode, request=request,
        concurrency=concurrency_for(client, mode, protocol), requests=30,
                    warmup=4, timeout=10, verify=str(ca_file))  # fmt: skip
    outcome = run_worker_process(job, pin=False, python=SIDE if client == "niquests" else None)
    assert outcome.status == "ok", outcome.reason
    assert outcome.sample is not None
    assert (outcome.sample.ok, outcome.sample.errors) == (30, {})


def test_the_tls_container_says_what_it_serves(
    tls_container: tuple[DockerHttpyServer, Path],
) -> None:
    secure, _ = tls_container
    assert secure.base_url.startswith("https://127.0.0.1:")
    description = secure.describe()
    assert (description["tls"], description["http3"]) == (True, True)
