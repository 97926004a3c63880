"""`history`: each cell across stored runs, and the report's trend plots."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.history import cell_histories, history_html, history_svg, load_history
from http_benchmark.storage import Storage

runner = CliRunner()
WIDE = {"COLUMNS": "220"}


def _database(tmp_path: Path, store_run: Callable[..., int]) -> Path:
    database = tmp_path / "runs.db"
    with Storage(database) as storage:
        store_run(storage, "bench", {"requests": 1000, "httpx": 800})
        store_run(storage, "other", {"requests": 50})
        store_run(storage, "bench", {"requests": 1100, "httpx": 800})
        store_run(storage, "bench", {"requests": 1200})  # httpx not measured this time
        # A run that never finished gives no point.
        storage.create_run("bench", {}, {}, None)
    return database


def test_histories_follow_each_cell_in_run_order(
    tmp_path: Path, store_run: Callable[..., int]
) -> None:
    with Storage(_database(tmp_path, store_run)) as storage:
        histories = {h.key.client: h for h in load_history(storage, name="bench")}
        assert [p.run_id for p in histories["requests"].points] == [1, 3, 4]
        assert [p.median for p in histories["requests"].points] == [1000, 1100, 1200]
        assert [p.run_id for p in histories["httpx"].points] == [1, 3]
        assert histories["requests"].change == pytest.approx(0.2)
        assert histories["httpx"].change == 0.0
        # --last 2 and until= (a report of run 3 shows no later run)
        last_two = {h.key.client: h for h in load_history(storage, name="bench", last=2)}
        assert [p.run_id for p in last_two["requests"].points] == [4]  # the 5th never ended
        until = {h.key.client: h for h in load_history(storage, name="bench", until=3)}
        assert [p.run_id for p in until["requests"].points] == [1, 3]
        everything = cell_histories([storage.load_run(i) for i in (1, 2, 3)])
        assert [p.median for p in everything[1].points] == [1000, 50, 1100]


def test_one_point_has_no_change() -> None:
    assert cell_histories([]) == []


def test_trend_plot_has_a_point_per_run(tmp_path: Path, store_run: Callable[..., int]) -> None:
    with Storage(_database(tmp_path, store_run)) as storage:
        (requests,) = [h for h in load_history(storage, name="bench") if h.key.client == "requests"]
    svg = history_svg(requests)
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count("<circle") == 3
    assert "run 4 bench" in svg
    assert "sweep/h1/requests/sync/c1" in svg
    assert history_html([]) == ""
    assert history_html([requests]).count("<svg") == 1


def test_cli_history_table(tmp_path: Path, store_run: Callable[..., int]) -> None:
    database = _database(tmp_path, store_run)
    result = runner.invoke(app, ["history", "--db", str(database), "--name", "bench"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert re.search(
        r"sweep/h1/requests/sync/c1\s+│\s+1,000\s+│\s+1,100\s+│\s+1,200\s+│\s+\+20\.0%",
        result.output,
    )
    assert re.search(
        r"sweep/h1/httpx/sync/c1\s+│\s+800\s+│\s+800\s+│\s+-\s+│\s+\+0\.0%", result.output
    )
    result = runner.invoke(app, ["history", "--db", str(database), "--name", "nope"], env=WIDE)
    assert result.exit_code == 1
    assert "no finished run named 'nope'" in result.output


def test_report_adds_the_history_section(tmp_path: Path, store_run: Callable[..., int]) -> None:
    database = _database(tmp_path, store_run)
    target = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "4", "--html", str(target), "--db", str(database)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert '<section id="history">' in page
    assert page.index('<section id="history">') < page.index("</body>")
    result = runner.invoke(
        app, ["report", "4", "--html", str(target), "--db", str(database), "--no-history"]
    )
    assert result.exit_code == 0
    assert "history" not in target.read_text(encoding="utf-8")
