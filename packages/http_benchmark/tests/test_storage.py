"""SQLite round trips, the schema version, and a run killed with SIGKILL halfway."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, LatencySummary, ResourceMetrics, RoundSample
from http_benchmark.storage import _MIGRATIONS, SCHEMA_VERSION, Ceiling, Storage, StorageError

KEY = CellKey(scenario="sweep", client="requests", mode="sync", concurrency=16)


def _sample(round_number: int, rps: float) -> RoundSample:
    return RoundSample(
        round=round_number, ok=500, errors={"ReadTimeout": 1}, elapsed=500 / rps,
        requests_per_second=rps,
        latency=LatencySummary(avg=1.5, p50=1.2, p90=2.0, p99=4.0, p999=9.0, max=12.0),
        resources=ResourceMetrics(cpu_us_per_request=80.5, rss_start=30_000_000,
                                  rss_peak=31_000_000, rss_growth=4096,
                                  rss_peak_method="VmHWM after reset"),
        connect_ms=0.25,
    )  # fmt: skip


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    with Storage(tmp_path / "runs.db") as storage:
        run_id = storage.create_run(
            "nightly", {"rounds": 2, "clients": ["requests"]}, {"python": "3.11"}, "abc123"
        )
        storage.add_ceiling(run_id, Ceiling(scenario="sweep", concurrency=16, tool="wrk",
                                            requests_per_second=9000.0))  # fmt: skip
        cell_id = storage.add_cell(run_id, KEY, 2)
        samples = [_sample(1, 1000.0), _sample(2, 1100.0)]
        for sample in samples:
            storage.add_sample(cell_id, sample)
        result = summarize(KEY, samples, rounds_planned=2, ceiling=9000.0)
        storage.finish_cell(cell_id, result)
        unavailable = CellKey(scenario="sweep", client="pycurl", mode="async", concurrency=16)
        storage.add_cell(run_id, unavailable, 2, status="unavailable", reason="no async mode")
        storage.finish_run(run_id, "finished")

    with Storage(tmp_path / "runs.db") as storage:
        [record] = storage.list_runs()
        assert (record.name, record.status, record.git_commit) == ("nightly", "finished", "abc123")
        assert record.configuration == {"rounds": 2, "clients": ["requests"]}
        stored = storage.load_run("nightly")
        assert stored.run.id == run_id
        assert stored.ceiling_for("sweep", 16) == 9000.0
        loaded, missing = stored.results
        assert loaded == result
        assert loaded.samples == samples
        assert (missing.status, missing.reason) == ("unavailable", "no async mode")
        assert storage.resolve("latest") == storage.resolve(str(run_id)) == run_id
        with pytest.raises(StorageError, match="no run 'other'"):
            storage.resolve("other")


def test_wal_and_schema_version(tmp_path: Path) -> None:
    with Storage(tmp_path / "runs.db") as storage:
        assert storage.schema_version == SCHEMA_VERSION
    connection = sqlite3.connect(tmp_path / "runs.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StorageError, match="schema version 3; this http_benchmark knows up to 2"):
        Storage(tmp_path / "runs.db")


def test_unfinished_cells_are_summed_up_from_their_samples(tmp_path: Path) -> None:
    with Storage(tmp_path / "runs.db") as storage:
        run_id = storage.create_run("cut", {"rounds": 5}, {}, None)
        cell_id = storage.add_cell(run_id, KEY, 5)
        storage.add_sample(cell_id, _sample(1, 900.0))
        storage.add_sample(cell_id, _sample(2, 950.0))
        other = storage.add_cell(run_id, KEY.model_copy(update={"client": "httpx"}), 5)
        storage.set_cell_errors(other, {"worker-timeout": 1})
        stored = storage.load_run(run_id)
    first, second = stored.results
    assert first.status == "partial"
    assert first.rounds == 2
    assert first.requests_per_second is not None
    assert first.requests_per_second.median == 925.0
    assert second.status == "partial"
    assert second.errors == {"worker-timeout": 1}


def test_a_run_killed_halfway_keeps_what_it_measured(tmp_path: Path) -> None:
    database = tmp_path / "killed.db"
    command = [
        sys.executable, "-m", "http_benchmark", "run", "--db", str(database),
        "--client", "null", "--client", "urllib3", "--concurrency", "1,2",
        "--rounds", "40", "--requests", "50", "--warmup", "5", "--ceiling", "off",
        "--no-pin", "--name", "doomed", "--quiet",
        # The local process, which dies with its parent; a container outlives a SIGKILLed
        # owner until the next run's sweep (tests/integration/test_docker_server.py).
        "--server", "local",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        stored_samples = 0
        while time.monotonic() < deadline and stored_samples < 5:
            time.sleep(0.2)
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            if database.exists():
                with sqlite3.connect(database) as connection:
                    try:
                        stored_samples = connection.execute(
                            "SELECT COUNT(*) FROM samples"
                        ).fetchone()[0]
                    except sqlite3.OperationalError:  # tables not created yet
                        stored_samples = 0
        assert stored_samples >= 5
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if process.stderr:
            process.stderr.close()
    with Storage(database) as storage:
        stored = storage.load_run("doomed")
    # The httpy server it started dies with it (PR_SET_PDEATHSIG), nothing is left behind.
    assert _server_gone(stored.run.environment)
    assert stored.run.status == "running"  # nobody could mark it finished
    measured = [result for result in stored.results if result.samples]
    assert sum(len(result.samples) for result in measured) >= 5
    assert {result.status for result in stored.results} == {"partial"}
    for result in measured:
        assert result.requests_per_second is not None
        assert result.requests_per_second.median > 0


def _server_gone(environment: dict[str, object]) -> bool:
    server = environment.get("server")
    assert isinstance(server, dict)
    port = str(server["url"]).rsplit(":", 1)[1]
    survivors = [
        process
        for process in psutil.process_iter(["cmdline"])
        if "httpy" in (process.info["cmdline"] or []) and port in process.info["cmdline"]
    ]
    _, alive = psutil.wait_procs(survivors, timeout=15)
    for process in alive:  # started by this test: stop it, but fail
        process.kill()
    return not alive


def _run_named(storage: Storage, name: str) -> int:
    return storage.create_run(name, {}, {}, None)


def test_a_run_named_with_digits_is_found_by_name_not_as_an_id(tmp_path: Path) -> None:
    with Storage(tmp_path / "runs.db") as storage:
        first = _run_named(storage, "first")
        named = _run_named(storage, "1")  # a name that looks like the first run's id
        year = _run_named(storage, "2024")
        assert storage.resolve("1") == named
        assert storage.resolve("2024") == year
        assert storage.resolve("id:1") == first
        assert storage.resolve(str(year)) == year  # digits naming no run: an id
        with pytest.raises(StorageError, match="no run 'id:2024'"):
            storage.resolve("id:2024")


def test_a_version_1_database_is_migrated_and_keeps_its_cells_and_samples(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    connection.executescript(_MIGRATIONS[0])
    connection.execute(
        "INSERT INTO runs VALUES (1, 'old', 'finished', '2026-01-01T00:00:00+00:00', NULL, "
        "NULL, '{}', '{}')"
    )
    connection.execute(
        "INSERT INTO cells (id, run_id, scenario, client, mode, concurrency, rounds_planned,"
        " status) VALUES (7, 1, 'sequential', 'httpx', 'sync', 1, 1, 'pending')"
    )
    sample = _sample_json()
    connection.execute(
        "INSERT INTO samples VALUES (7, 1, 100.0, ?, '2026-01-01T00:00:00+00:00')", (sample,)
    )
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with Storage(path) as storage:
        assert storage.schema_version == SCHEMA_VERSION
        run = storage.load_run("old")
    (result,) = run.results
    assert result.key.protocol == "h1"
    assert len(result.samples) == 1
    assert json.loads(sample)["ok"] == result.samples[0].ok


def _sample_json() -> str:
    return RoundSample(
        round=1,
        ok=10,
        elapsed=0.1,
        requests_per_second=100.0,
        latency=None,
        resources=ResourceMetrics(
            cpu_us_per_request=1, rss_start=1, rss_peak=1, rss_growth=0, rss_peak_method="t"
        ),
    ).model_dump_json()


def test_two_protocols_of_one_cell_are_two_cells(tmp_path: Path) -> None:
    with Storage(tmp_path / "runs.db") as storage:
        run_id = _run_named(storage, "protocols")
        for protocol in ("h1", "h2"):
            key = CellKey(scenario="s", client="httpx", mode="sync", concurrency=1,
                          protocol=protocol)  # fmt: skip
            storage.add_cell(run_id, key, 1)
        run = storage.load_run(run_id)
    assert sorted(result.key.protocol for result in run.results) == ["h1", "h2"]
