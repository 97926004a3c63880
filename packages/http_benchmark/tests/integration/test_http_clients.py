"""Each client adapter, in each of its modes, against the httpy server in its container.

Every round runs as it does in a real benchmark: a fresh worker process, a pool sized to the
concurrency, every response checked (status and body length), errors counted by type.
"""

from __future__ import annotations

import os
import random

import pytest

from http_benchmark.adapters import MEASURED_CLIENTS, get_adapter
from http_benchmark.docker_server import DockerHttpyServer
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.runner import reference_request, run_worker_process
from http_benchmark.worker import WorkerJob

# niquests runs under its own interpreter (`nox -s tests` makes it; see test_niquests.py).
SIDE = os.environ.get("HTTP_BENCHMARK_NIQUESTS_PYTHON")
PAIRS = [
    pytest.param(
        name,
        mode,
        marks=[pytest.mark.skipif(SIDE is None, reason="no niquests interpreter")]
        if name == "niquests"
        else [],
    )
    for name in MEASURED_CLIENTS
    for mode in ("sync", "async")
    if mode in get_adapter(name).modes
]


def _round(client: str, mode: Mode, request: HTTPRequest, *, concurrency: int) -> None:
    job = WorkerJob(
        client=client,
        mode=mode,
        request=request,
        concurrency=concurrency,
        requests=120,
        warmup=10,
        timeout=10,
    )
    outcome = run_worker_process(job, pin=False, python=SIDE if client == "niquests" else None)
    assert outcome.status == "ok", outcome.reason
    assert outcome.sample is not None
    assert outcome.sample.errors == {}
    assert outcome.sample.ok == 120
    assert outcome.sample.requests_per_second > 0


def test_the_container_serves_on_loopback(container: DockerHttpyServer) -> None:
    assert container.base_url.startswith("http://127.0.0.1:")
    request = HTTPRequest(url=container.base_url + "/get")
    assert reference_request(request, timeout=5, verify=True)[0] == 200


@pytest.mark.parametrize(("client", "mode"), PAIRS)
def test_client_downloads_from_the_container(
    container: DockerHttpyServer, client: str, mode: Mode
) -> None:
    request = HTTPRequest(url=container.base_url + "/payload/4096", expected_length=4096)
    _round(client, mode, request, concurrency=4)


@pytest.mark.parametrize(("client", "mode"), PAIRS)
def test_client_uploads_to_the_container(
    container: DockerHttpyServer, client: str, mode: Mode
) -> None:
    body = random.Random(7).randbytes(64 * 1024)  # noqa: S311 - filler bytes
    request = HTTPRequest(
        method="POST",
        url=container.base_url + "/upload",
        body=body,
        expected_length=len(str(len(body))),
    )
    _round(client, mode, request, concurrency=2)


def test_a_wrong_length_is_counted_as_an_error(container: DockerHttpyServer) -> None:
    # The check is real: the container's 64-byte answer against an expectation of 65.
    request = HTTPRequest(url=container.base_url + "/payload/64", expected_length=65)
    job = WorkerJob(client="requestx", mode="sync", request=request, concurrency=1,
                    requests=20, warmup=0, timeout=10)  # fmt: skip
    outcome = run_worker_process(job, pin=False)
    assert outcome.sample is not None
    assert outcome.sample.errors == {"body-length": 20}
