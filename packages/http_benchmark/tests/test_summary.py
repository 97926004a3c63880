"""`show --summary`: a client per row, a protocol per column, median req/s and the ratio."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, ResourceMetrics, RoundSample
from http_benchmark.report import render_html
from http_benchmark.storage import Storage
from http_benchmark.summary import summary_tables

ENVIRONMENT = {"cpu": "Test CPU", "cpus": 2, "server": {"kind": "local httpy process"}}


def _store(db: Path) -> None:
    """requests and requestx on h1 and h2; requests has no HTTP/2 (an unavailable cell)."""
    medians = {("requests", "h1"): 1000.0, ("requestx", "h1"): 3000.0, ("requestx", "h2"): 2500.0}
    with Storage(db) as storage:
        run_id = storage.create_run("demo", {"rounds": 3}, ENVIRONMENT, "abc1234")
        for (client, protocol), median in medians.items():
            key = CellKey(scenario="sequential", client=client, mode="sync", concurrency=1,
                          protocol=protocol)  # fmt: skip
            cell = storage.add_cell(run_id, key, 3)
            samples = [
                RoundSample(round=n, ok=100, elapsed=1, requests_per_second=median, latency=None,
                            resources=ResourceMetrics(cpu_us_per_request=1, rss_start=1,
                                                      rss_peak=1, rss_growth=0,
                                                      rss_peak_method="test"))
                for n in (1, 2, 3)
            ]  # fmt: skip
            for sample in samples:
                storage.add_sample(cell, sample)
            storage.finish_cell(cell, summarize(key, samples, rounds_planned=3, ceiling=None))
        key = CellKey(scenario="sequential", client="requests", mode="sync", concurrency=1,
                      protocol="h2")  # fmt: skip
        storage.add_cell(run_id, key, 3, status="unavailable", reason="no HTTP/2")
        for protocol in ("h1", "h2"):  # aiohttp has no number at all here
            key = CellKey(scenario="sequential", client="aiohttp", mode="sync", concurrency=1,
                          protocol=protocol)  # fmt: skip
            storage.add_cell(run_id, key, 3, status="unavailable", reason="no sync mode")
        storage.finish_run(run_id, "finished")


def _render(db: Path) -> str:
    with Storage(db) as storage:
        stored = storage.load_run("demo")
    console = Console(width=200, record=True)
    console.print(summary_tables(stored))
    return console.export_text()


def test_one_row_per_client_one_column_per_protocol(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    _store(db)
    lines = _render(db).splitlines()
    assert "sequential · sync · 1 in flight" in lines[0]
    header = next(line for line in lines if "client" in line)
    assert header.index("HTTP/1.1") < header.index("HTTP/2+TLS")
    rows = [line for line in lines if "requestx" in line or "requests " in line]
    # Fastest first; the ratio is to requests on the same protocol, none where it has no number.
    assert "requestx" in rows[0]
    assert "3,000 (3.00x)" in rows[0]
    assert "2,500 " in rows[0]
    assert "2,500 (" not in rows[0]
    assert "1,000 (1.00x)" in rows[1]
    assert "no HTTP/2" in rows[1]


def test_show_summary_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    _store(db)
    result = CliRunner().invoke(app, ["show", "demo", "--db", str(db), "--summary"])
    assert result.exit_code == 0, result.output
    assert "3,000 (3.00x)" in result.output
    assert "p99" not in result.output  # the full tables' columns are not there


def test_a_client_without_any_number_is_a_line_not_a_row(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    _store(db)
    text = _render(db)
    assert "aiohttp: no sync mode" in text
    assert not any(line.startswith("│ aiohttp") for line in text.splitlines())


def test_the_report_starts_with_the_grids(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    _store(db)
    with Storage(db) as storage:
        html = render_html(storage.load_run("demo"))
    glance = html.index("At a glance")
    assert glance < html.index("Methodology")
    assert "3,000 (3.00x)" in html[glance:]
    assert "aiohttp: no sync mode" in html
