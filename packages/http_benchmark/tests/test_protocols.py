"""Every client on every protocol it declares, against a real httpy process on loopback.

The TLS server has a certificate from a CA made for the test (trustme), and every client
verifies against it; the plain server answers h2c by prior knowledge beside HTTP/1.1. Each
round runs as in a benchmark (a fresh worker process) and the worker checks the HTTP version
one response came with, so a client that quietly fell back to HTTP/1.1 fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from http_benchmark.adapters import CLIENT_NAMES, HARNESS_CLIENT, get_adapter
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.protocols import TlsMaterial, normalize, wire_version
from http_benchmark.runner import run_worker_process
from http_benchmark.server import LocalHttpyServer
from http_benchmark.worker import ProtocolMismatchError, WorkerJob, _check_version

CASES = [
    (client, mode, protocol)
    for client in CLIENT_NAMES
    if client not in {HARNESS_CLIENT, "niquests"}  # niquests: test_niquests.py
    for mode in ("sync", "async")
    if mode in get_adapter(client).modes
    for protocol in ("h1-tls", "h2", "h2c")
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
def tls() -> Iterator[TlsMaterial]:
    with TlsMaterial.create() as material:
        yield material


@pytest.fixture(scope="module")
def tls_server(tls: TlsMaterial) -> Iterator[str]:
    with LocalHttpyServer(pin=False, tls=tls) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def plain_server() -> Iterator[str]:
    with LocalHttpyServer(pin=False) as base_url:
        yield base_url


def _round(job: WorkerJob) -> None:
    outcome = run_worker_process(job, pin=False)
    assert outcome.status == "ok", outcome.reason
    assert outcome.sample is not None
    assert outcome.sample.errors == {}
    assert outcome.sample.ok == job.requests


@pytest.fixture(scope="module")
def servers(tls: TlsMaterial, tls_server: str, plain_server: str) -> tuple[str, str, str]:
    """(cleartext base URL, TLS base URL, the CA file clients verify with)."""
    return plain_server, tls_server, str(tls.ca_file)


@pytest.mark.parametrize(("client", "mode", "protocol"), CASES)
def test_client_speaks_the_protocol(
    client: str, mode: Mode, protocol: str, servers: tuple[str, str, str]
) -> None:
    plain, secure, ca_file = servers
    base = plain if protocol == "h2c" else secure
    request = HTTPRequest(url=base + "/payload/2048", expected_length=2048, protocol=protocol)
    job = WorkerJob(
        client=client, mode=mode, request=request,
        concurrency=concurrency_for(client, mode, protocol), requests=40, warmup=4,
        timeout=10, verify=ca_file,
    )  # fmt: skip
    _round(job)


def test_every_tls_client_verifies_the_certificate(tls_server: str) -> None:
    # The system's CAs do not know the run's CA: verification is on, so every request fails.
    request = HTTPRequest(url=tls_server + "/payload/64", expected_length=64, protocol="h1-tls")
    job = WorkerJob(client="httpx", mode="sync", request=request, concurrency=1, requests=3,
                    warmup=0, timeout=10, verify=True)  # fmt: skip
    outcome = run_worker_process(job, pin=False)
    assert outcome.sample is not None
    assert outcome.sample.ok == 0
    assert outcome.sample.errors == {"ConnectError": 3}
    assert outcome.sample.error_rate == 1.0


def test_a_client_on_the_wrong_protocol_is_caught() -> None:
    job = WorkerJob(client="httpx", mode="sync", concurrency=1, requests=1,
                    request=HTTPRequest(url="https://127.0.0.1/", protocol="h2"))  # fmt: skip
    with pytest.raises(ProtocolMismatchError, match=r"HTTP/1\.1, not HTTP/2"):
        _check_version(job, 11)
    _check_version(job, 20)
    _check_version(job, None)  # a client that does not say is not accused


def test_a_client_without_the_protocol_is_unavailable(plain_server: str) -> None:
    request = HTTPRequest(url=plain_server + "/", protocol="h2c")
    job = WorkerJob(client="requests", mode="sync", request=request, concurrency=1, requests=1)
    outcome = run_worker_process(job, pin=False)
    assert outcome.status == "unavailable"
    assert outcome.reason == "requests has no h2c (HTTP/2 prior knowledge)"


def test_protocol_names() -> None:
    assert normalize("h1", tls=True) == "h1-tls"
    assert normalize("H2", tls=False) == "h2"
    assert wire_version("h3") == 30
    with pytest.raises(ValueError, match="cannot go with --tls"):
        normalize("h2c", tls=True)
    with pytest.raises(ValueError, match="unknown protocol 'spdy'"):
        normalize("spdy", tls=False)


def test_the_tls_material_is_a_ca_and_a_loopback_certificate() -> None:
    with TlsMaterial.create() as material:
        assert material.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert "PRIVATE KEY" in material.key_file.read_text()
        folder = material.folder
    assert not folder.exists()
