"""A whole run through the CLI against the container: measured, stored, compared, reported.

No `--server` flag: the default (auto) must pick the Docker image when an engine has it, which
is what `nox -s bench` and users get. HTTP_BENCHMARK_IMAGE names the image under test.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.storage import Storage

CLIENTS = ["requestx", "httpx", "aiohttp", "pycurl"]
# Two whole runs (16 cells, 2 rounds, each with its harness-overhead workers) on a shared
# 2-core machine: bounded, but longer than the suite's default 120 s per test.
pytestmark = pytest.mark.timeout(900)


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "240"})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def recorded(
    httpy_image: str,
    tmp_path_factory: pytest.TempPathFactory,
    benchmark_containers: Callable[[int | None], list[str]],
) -> tuple[Path, list[str]]:
    """Two short runs of two scenarios, sync and async, into one database."""
    db = tmp_path_factory.mktemp("e2e") / "bench.db"
    # The runs happen in this process: its containers after them must be those before them.
    before = benchmark_containers(os.getpid())
    outputs = []
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("HTTP_BENCHMARK_IMAGE", httpy_image)
    try:
        for name in ("first", "second"):
            code, output = _invoke(
                "run", *(f"--client={client}" for client in CLIENTS),
                "--scenario", "sequential", "--scenario", "concurrent",
                "--mode", "sync", "--mode", "async", "--rounds", "2", "--requests", "150",
                "--warmup", "20", "--ceiling-duration", "0.5", "--health-interval", "1",
                "--no-pin", "--db", str(db), "--name", name, "--quiet",
            )  # fmt: skip
            assert code == 0, output
            outputs.append(output)
    finally:
        monkeypatch.undo()
    assert benchmark_containers(os.getpid()) == before
    return db, outputs


def test_the_run_is_served_by_the_container_and_says_so(recorded: tuple[Path, list[str]]) -> None:
    db, outputs = recorded
    assert "server: httpy container (host network, testcontainers) http://127.0.0.1:" in outputs[0]
    assert "local httpy process" not in outputs[0]
    with Storage(db) as storage:
        run = storage.load_run("first")
    server = run.run.environment["server"]
    assert server["kind"].startswith("httpy container")
    assert server["image_id"].startswith("sha256:")


def test_every_cell_is_measured_and_stored(recorded: tuple[Path, list[str]]) -> None:
    db, _ = recorded
    with Storage(db) as storage:
        run = storage.load_run("second")
    assert run.run.status == "finished"
    measured = {
        (r.key.scenario, r.key.client, r.key.mode, r.key.concurrency)
        for r in run.results
        if r.status != "unavailable"
    }
    # requestx and httpx in both modes, aiohttp async only, pycurl sync only; c1 and c16.
    assert len(measured) == 12
    assert ("concurrent", "aiohttp", "async", 16) in measured
    assert ("sequential", "pycurl", "sync", 1) in measured
    for result in run.results:
        if result.status != "unavailable":
            assert len(result.samples) == 2
            assert all(sample.errors == {} for sample in result.samples)
    with sqlite3.connect(db) as connection:
        (count,) = connection.execute("SELECT COUNT(*) FROM samples").fetchone()
    assert count == 2 * 12 * 2


def test_the_table_compares_the_clients(recorded: tuple[Path, list[str]]) -> None:
    _, outputs = recorded
    for scenario in ("sequential", "concurrent"):
        for mode in ("sync", "async"):
            assert f"{scenario} · HTTP/1.1 · {mode}" in outputs[1]
    assert re.search(r"│\s+16 │ requestx\s+│\s+[\d,]+ │", outputs[1])


def test_the_runs_compare(recorded: tuple[Path, list[str]]) -> None:
    db, _ = recorded
    code, output = _invoke("compare", "first", "second", "--db", str(db))
    assert code in {0, 1}, output  # 1 when a cell regressed: noise between two short runs
    assert "threshold 5%" in output
    assert len(re.findall(r"improved|regressed|unchanged|unstable", output)) >= 12


def test_the_report_is_written(recorded: tuple[Path, list[str]], tmp_path: Path) -> None:
    db, _ = recorded
    html = tmp_path / "report.html"
    code, output = _invoke("report", "second", "--html", str(html), "--db", str(db))
    assert code == 0, output
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for client in CLIENTS:
        assert client in text
    assert "httpy container" in text
