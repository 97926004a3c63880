"""The `http-benchmark` command through typer's CliRunner: run, list, show, compare, report."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.storage import Storage
from httpy.testing import RunningServer

runner = CliRunner()
WIDE = {"COLUMNS": "220"}


def _invoke(*arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, list(arguments), env=WIDE)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, bench_server: RunningServer) -> Path:
    """One real run through the CLI, shared by the read-only commands below."""
    database = tmp_path_factory.mktemp("cli") / "runs.db"
    code, output = _invoke(
        "run", "--url", bench_server.url + "/payload/2048", "--client", "requests",
        "--client", "null", "--concurrency", "1,2", "--rounds", "3",
        "--requests", "30", "--warmup", "3", "--ceiling", "client", "--ceiling-duration", "0.3",
        "--no-pin", "--db", str(database), "--name", "first", "--quiet",
    )  # fmt: skip
    assert code == 0, output
    return database


def test_run_prints_the_table_with_ratios_and_verdicts(recorded: Path) -> None:
    code, output = _invoke("show", "first", "--db", str(recorded))
    assert code == 0, output
    assert "request · HTTP/1.1 · sync" in output
    assert "vs requests (95% CI)" in output
    # The baseline's ratio to itself is exactly 1, and every client row has a verdict.
    assert re.search(r"requests\s+│\s+[\d,]+\s+│\s+[\d,]+-[\d,]+\s+│\s+1\.00x", output)
    table = output.split("\nrun 1 'first'")[0]
    verdicts = re.findall(r"│ (client-bound|server-bound|unstable)\s+│", table)
    assert len(verdicts) == 4
    assert "server ceiling" in output
    assert "harness overhead (no-I/O client): sync/c1" in output
    assert "3 rounds x 30 requests per cell" in output


def test_show_samples_lists_every_round(recorded: Path) -> None:
    code, output = _invoke("show", "latest", "--db", str(recorded), "--samples")
    assert code == 0
    assert output.count("request/h1/requests/sync/c2") == 3


def test_list(recorded: Path) -> None:
    code, output = _invoke("list", "--db", str(recorded))
    assert code == 0
    assert re.search(r"│ 1\s+│ first\s+│ finished", output)


def test_report_is_one_self_contained_file(recorded: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, output = _invoke("report", "first", "--html", str(target), "--db", str(recorded))
    assert code == 0, output
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 3  # throughput + latency at concurrency 1 and 2
    assert "latency percentiles (log)" in html
    assert "Methodology" in html
    assert "server ceiling" in html
    # Nothing is fetched: no scripts, stylesheets or images from anywhere.
    assert not re.search(r"<(script|link|img)\b", html)
    assert not re.search(r"(src|href)=", html)


def test_compare_exits_1_on_a_regression(tmp_path: Path, store_run: Callable[..., int]) -> None:
    database = tmp_path / "compare.db"
    with Storage(database) as storage:
        store_run(storage, "before", {"requests": 1000, "httpx": 800})
        store_run(storage, "after", {"requests": 780, "httpx": 805})
        store_run(storage, "same", {"requests": 1003, "httpx": 798})
    code, output = _invoke("compare", "before", "after", "--db", str(database))
    assert code == 1
    assert re.search(r"requests.*-22\.0%.*regressed", output)
    assert re.search(r"httpx.*\+0\.6%.*unchanged", output)
    code, output = _invoke("compare", "before", "same", "--db", str(database))
    assert code == 0
    assert "2 unchanged" in output


def test_invalid_options_are_explained(tmp_path: Path) -> None:
    code, output = _invoke(
        "run", "--client", "curl", "--concurrency", "0", "--db", str(tmp_path / "x.db")
    )
    assert code == 2
    assert "invalid configuration:" in output
    assert "unknown client curl" in output
    assert "concurrency 0 is outside 1..1024" in output
    assert not (tmp_path / "x.db").exists()


def test_missing_database_and_run(tmp_path: Path, recorded: Path) -> None:
    code, output = _invoke("list", "--db", str(tmp_path / "none.db"))
    assert code == 2
    assert "does not exist" in output
    code, output = _invoke("show", "nope", "--db", str(recorded))
    assert code == 2
    assert "no run 'nope'" in output


def test_clients_and_scenarios() -> None:
    code, output = _invoke("clients")
    assert code == 0
    assert re.search(r"aiohttp\s+│ async\s+│", output)
    assert re.search(r"requestx\s+│ async, sync", output)
    code, output = _invoke("scenarios")
    assert code == 0
    for name in ("sequential", "concurrent", "new-connection", "sweep", "download-1m",
                 "upload-64k", "aresilient-vs-httpx"):  # fmt: skip
        assert name in output
