"""niquests under an interpreter of its own (its urllib3-future replaces urllib3 where it is
installed): every protocol, sync and async, against real httpy processes on loopback.

The side interpreter is HTTP_BENCHMARK_NIQUESTS_PYTHON, which `nox -s tests` makes from the
lock (`bench-niquests` group). Without it, only the checks that need no niquests run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from http_benchmark.adapters import COMMON_HEADERS, get_adapter
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.protocols import PROTOCOLS, TlsMaterial, is_tls
from http_benchmark.runner import check_interpreter, run_worker_process
from http_benchmark.server import LocalHttpyServer
from http_benchmark.storage import Storage
from http_benchmark.worker import WorkerJob
from httpy import App, Request, Response
from httpy.testing import serve_in_thread

SIDE = os.environ.get("HTTP_BENCHMARK_NIQUESTS_PYTHON")
needs_side = pytest.mark.skipif(
    SIDE is None, reason="HTTP_BENCHMARK_NIQUESTS_PYTHON is not set (nox -s tests sets it)"
)


def test_niquests_is_not_in_the_main_environment() -> None:
    # urllib3-future would replace urllib3 under the urllib3 and requests adapters.
    reason = get_adapter("niquests").unavailable_reason()
    assert reason == "niquests is not installed"


def test_a_missing_interpreter_is_refused_before_the_run(tmp_path: Path) -> None:
    from http_benchmark.config import ConfigurationError  # noqa: PLC0415

    with pytest.raises(ConfigurationError, match=r"interpreter .* does not exist"):
        BenchmarkConfiguration.load(client_python=[f"niquests={tmp_path / 'python'}"])


def test_an_interpreter_without_niquests_says_so(tmp_path: Path) -> None:
    import sys  # noqa: PLC0415

    reason = check_interpreter(Path(sys.executable), "niquests")
    assert reason == f"niquests is not installed (under {sys.executable})"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str, Path]]:
    with (
        TlsMaterial.create() as tls,
        LocalHttpyServer(pin=False, tls=tls, http3=True) as secure,
        LocalHttpyServer(pin=False) as plain,
    ):
        yield plain, secure, tls.ca_file


@needs_side
def test_the_side_interpreter_has_niquests() -> None:
    assert SIDE is not None
    assert check_interpreter(Path(SIDE), "niquests") is None


@needs_side
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_niquests_speaks_every_protocol(
    servers: tuple[str, str, Path], protocol: str, mode: Mode
) -> None:
    plain, secure, ca_file = servers
    base = secure if is_tls(protocol) else plain
    request = HTTPRequest(url=base + "/payload/2048", expected_length=2048, protocol=protocol)
    job = WorkerJob(client="niquests", mode=mode, request=request, concurrency=2, requests=30,
                    warmup=4, timeout=10, verify=str(ca_file))  # fmt: skip
    outcome = run_worker_process(job, pin=False, python=SIDE)
    assert outcome.status == "ok", outcome.reason
    assert outcome.sample is not None
    assert (outcome.sample.ok, outcome.sample.errors) == (30, {})


@needs_side
def test_a_run_measures_niquests_beside_the_others(tmp_path: Path) -> None:
    from http_benchmark.runner import Runner  # noqa: PLC0415

    assert SIDE is not None
    config = BenchmarkConfiguration.load(
        clients=["niquests", "httpx"], modes=["sync"], scenarios=["sequential"], rounds=1,
        requests=20, warmup=2, ceiling="off", pin_cpus=False, server="local",
        client_python=[f"niquests={SIDE}"], db=tmp_path / "runs.db",
    )  # fmt: skip
    with Storage(config.db) as storage:
        run = Runner(config, storage).run()
    statuses = {result.key.client: result.status for result in run.results}
    assert statuses == {"niquests": "ok", "httpx": "ok"}
    assert run.run.environment["client_python"] == {"niquests": SIDE}
    # The stored versions are the side interpreter's, not "not installed" from this one.
    niquests = run.run.environment["clients"]["niquests"]
    assert niquests["reason"] is None
    assert niquests["version"][0].isdigit()


class _Recorder:
    """An httpy app that keeps each request's headers and body size."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str], int]] = []
        self.app = App()
        self.app.route("/record", methods=["GET", "POST"])(self.record)

    async def record(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.seen.append((request.method, headers, len(body)))
        return Response(b"0123456789", media_type="application/octet-stream")


@needs_side
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_niquests_sends_the_same_request_as_every_client(mode: Mode) -> None:
    # The in-process check of test_adapters.py, through the side interpreter.
    recorder = _Recorder()
    with serve_in_thread(recorder.app) as server:
        request = HTTPRequest(method="POST", url=server.url + "/record", body=b"x" * 3000,
                              headers={"X-Bench": "1"}, expected_length=10)  # fmt: skip
        job = WorkerJob(client="niquests", mode=mode, request=request, concurrency=1,
                        requests=2, warmup=0, timeout=10)  # fmt: skip
        outcome = run_worker_process(job, pin=False, python=SIDE)
    assert outcome.status == "ok", outcome.reason
    expected = {key.lower(): value for key, value in COMMON_HEADERS.items()}
    expected |= {
        "x-bench": "1",
        "content-type": "application/octet-stream",
        "content-length": "3000",
        "host": f"127.0.0.1:{server.port}",
    }
    assert len(recorder.seen) >= 2  # the counted requests, then the protocol check's
    for method, headers, body_length in recorder.seen:
        assert (method, body_length) == ("POST", 3000)
        assert headers == expected
