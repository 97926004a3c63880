"""The runner end to end: a local httpy process, wrk or a client as the ceiling, workers."""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path

import pytest

from http_benchmark.ceiling import parse_wrk, probe_client, wrk_lua
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.models import HTTPRequest, Mode, Verdict
from http_benchmark.runner import RunError, Runner, measure_harness_overhead
from http_benchmark.server import ExternalServer, LocalHttpyServer
from http_benchmark.storage import Storage
from httpy.testing import RunningServer


class Log:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.total = 0

    def started(self, total_steps: int) -> None:
        self.total = total_steps

    def step(self, description: str) -> None:
        self.steps.append(description)

    def done(self, message: str) -> None:
        self.steps.append(f"done: {message}")


def test_local_server_serves_the_benchmark_app_and_stops() -> None:
    server = LocalHttpyServer(pin=False)
    with server as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        connection.request("GET", "/payload/1000")
        response = connection.getresponse()
        assert (response.status, len(response.read())) == (200, 1000)
        connection.request("POST", "/upload", body=b"z" * 70_000)
        assert connection.getresponse().read() == b"70000"
        connection.request("GET", "/get")  # httpbin answers the rest
        assert connection.getresponse().status == 200
        connection.close()
        assert server.describe()["kind"] == "local httpy process"
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", server.port, timeout=2).request("GET", "/")


def test_run_end_to_end(tmp_path: Path) -> None:
    config = BenchmarkConfiguration.load(
        clients=["urllib3", "aiohttp", "null"],
        modes=["sync", "async"],
        concurrency=[3],
        rounds=2,
        requests=40,
        warmup=5,
        ceiling_duration=1,
        db=tmp_path / "runs.db",
        name="e2e",
        seed=11,
        # CPU 1 may be busy with other work on a shared test machine; pinning is for real runs.
        pin_cpus=False,
        # The local process is what this test is about (the container has its own tests).
        server="local",
    )
    log = Log()
    with Storage(config.db) as storage:
        stored = Runner(config, storage, observer=log).run()
    assert stored.run.status == "finished"
    cells = {(r.key.client, r.key.mode): r for r in stored.results}
    assert len(cells) == 6
    # Modes a client does not have are reported, not run.
    unsupported: list[tuple[str, Mode]] = [("urllib3", "async"), ("aiohttp", "sync")]
    for client, mode in unsupported:
        assert cells[client, mode].status == "unavailable"
        assert cells[client, mode].reason == f"no {mode} mode"
    measured = [r for r in stored.results if r.status != "unavailable"]
    assert len(measured) == 4
    for result in measured:
        assert result.status == "ok", result
        assert [s.round for s in result.samples] == [1, 2]
        assert all(s.ok == 40 and not s.errors for s in result.samples)
        assert result.verdict is Verdict.UNSTABLE  # two rounds cannot show stability
        assert result.latency is not None
        assert result.cpu_us_per_request
    assert cells["aiohttp", "async"].connect_ms is not None  # aiohttp exposes it
    assert cells["urllib3", "sync"].connect_ms is None  # urllib3 does not
    # One ceiling for the one (scenario, concurrency), by wrk when installed, else a client.
    [ceiling] = stored.ceilings
    assert (ceiling.scenario, ceiling.concurrency) == ("request", 3)
    assert ceiling.requests_per_second
    assert ceiling.detail is not None
    assert ceiling.detail.startswith("rounds: ")  # probed in each round, the highest kept
    probed = [float(v) for v in ceiling.detail.split(";")[0][len("rounds: ") :].split(", ")]
    assert len(probed) == 2
    assert ceiling.requests_per_second == pytest.approx(max(probed), abs=0.5)
    assert ceiling.tool.startswith("wrk" if shutil.which("wrk") else "client")
    # Rounds are interleaved in a (seeded) random order: round 2 is not round 1 again.
    rounds = [[s[len("round n/2 ") :] for s in log.steps if s.startswith(f"round {n}/2")]
              for n in (1, 2)]  # fmt: skip
    assert sorted(rounds[0]) == sorted(rounds[1])
    assert len(rounds[0]) == 4
    assert rounds[0] != rounds[1]
    assert log.total == 1 + 2 + 4 * 2  # overhead, a ceiling probe per round, the cells
    overhead = stored.run.environment["harness_overhead_us"]
    assert set(overhead) == {"sync/c1", "sync/c3", "async/c1", "async/c3"}
    assert stored.run.configuration["clients"] == ["urllib3", "aiohttp", "null"]
    assert stored.run.environment["clients"]["aiohttp"]["version"]


def test_scenarios_on_an_external_server(bench_server: RunningServer, tmp_path: Path) -> None:
    config = BenchmarkConfiguration.load(
        url=bench_server.url,
        scenarios=["download-64k", "upload-64k", "aresilient-vs-httpx", "sequential"],
        clients=["httpx", "aresilient", "urllib3"],
        concurrency=[2],
        rounds=1,
        requests=20,
        warmup=2,
        ceiling="off",
        db=tmp_path / "runs.db",
        pin_cpus=False,
    )
    with Storage(config.db) as storage:
        stored = Runner(config, storage, server=ExternalServer(bench_server.url)).run()
    keys = {(r.key.scenario, r.key.client, r.key.concurrency) for r in stored.results}
    assert keys == {
        ("download-64k", "httpx", 2), ("download-64k", "aresilient", 2),
        ("download-64k", "urllib3", 2), ("upload-64k", "httpx", 2),
        ("upload-64k", "aresilient", 2), ("upload-64k", "urllib3", 2),
        # Only the two clients it is about, at the run's concurrency.
        ("aresilient-vs-httpx", "httpx", 2), ("aresilient-vs-httpx", "aresilient", 2),
        # Sequential is one at a time, whatever the run's concurrency.
        ("sequential", "httpx", 1), ("sequential", "aresilient", 1), ("sequential", "urllib3", 1),
    }  # fmt: skip
    for result in stored.results:
        assert result.status == "ok", result
        assert result.samples[0].ok == 20
    assert stored.ceilings == []


def test_a_target_that_answers_wrong_stops_the_run_before_it_starts(
    httpbin: RunningServer, tmp_path: Path
) -> None:
    config = BenchmarkConfiguration.load(
        url=httpbin.url + "/status/404", clients=["urllib3"], db=tmp_path / "x.db"
    )
    with Storage(config.db) as storage, pytest.raises(RunError, match="answered 404, expected 200"):
        Runner(config, storage).run()


def test_ad_hoc_length_is_learned_and_checked(httpbin: RunningServer, tmp_path: Path) -> None:
    config = BenchmarkConfiguration.load(
        url=httpbin.url + "/bytes/777?seed=3", clients=["requests"], rounds=1, requests=10,
        warmup=0, ceiling="off", db=tmp_path / "x.db", pin_cpus=False,
    )  # fmt: skip
    with Storage(config.db) as storage:
        runner = Runner(config, storage)
        [cell] = runner.plan(httpbin.url)
    assert cell.request.expected_length == 777


def test_harness_overhead_is_small_and_reported() -> None:
    """The no-I/O client's cost per request is the harness's own: it must be far below any
    real request (~100 us and up on loopback), or the harness would distort the results."""
    overhead = measure_harness_overhead(["sync", "async"], [1, 16])
    assert set(overhead) == {"sync/c1", "sync/c16", "async/c1", "async/c16"}
    print("harness overhead, us per request:", overhead)  # noqa: T201 - reported with -s
    assert all(0 < value < 50 for value in overhead.values()), overhead


def test_wrk_helpers() -> None:
    output = (
        "Running 1s test @ http://127.0.0.1:1/\n  1 threads and 4 connections\n"
        "  Socket errors: connect 0, read 2, write 0, timeout 0\n"
        "  Non-2xx or 3xx responses: 5\nRequests/sec:   6138.05\nTransfer/sec: 1.12MB\n"
    )
    rate, note = parse_wrk(output)
    assert rate == 6138.05
    assert note == "Socket errors: connect 0, read 2, write 0, timeout 0; 5 non-2xx/3xx responses"
    assert parse_wrk("garbage") == (None, None)
    script = wrk_lua(HTTPRequest(method="POST", url="http://x/", body=b"1"), Path("body.bin"))
    assert 'wrk.method = "POST"' in script
    assert 'io.open("body.bin", "rb")' in script
    assert probe_client(1) is not None
