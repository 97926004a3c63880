"""`export --format json|csv`: stored runs out, every number as stored."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.export import CELL_COLUMNS, SAMPLE_COLUMNS, export_runs
from http_benchmark.storage import Storage, StoredRun

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, store_run: Callable[..., int]) -> Path:
    path = tmp_path / "runs.db"
    with Storage(path) as storage:
        store_run(storage, "one", {"requests": 1000, "httpx": 800})
        store_run(storage, "two", {"requests": 1100})
    return path


def test_json_round_trips_to_the_stored_runs(database: Path) -> None:
    with Storage(database) as storage:
        runs = [storage.load_run(1), storage.load_run(2)]
    exported = json.loads(export_runs(runs, "json"))
    assert [StoredRun.model_validate(item) for item in exported] == runs


def test_csv_has_one_row_per_cell_or_per_round(database: Path) -> None:
    with Storage(database) as storage:
        runs = [storage.load_run(1), storage.load_run(2)]
    rows = list(csv.DictReader(io.StringIO(export_runs(runs, "csv"))))
    assert list(rows[0]) == CELL_COLUMNS
    assert [(r["run_name"], r["client"], r["rps_median"]) for r in rows] == [
        ("one", "requests", "1000.0"), ("one", "httpx", "800.0"), ("two", "requests", "1100.0"),
    ]  # fmt: skip
    assert rows[0]["run_kind"] == "clients"
    assert rows[0]["status"] == "ok"
    samples = list(csv.DictReader(io.StringIO(export_runs(runs, "csv", samples=True))))
    assert list(samples[0]) == SAMPLE_COLUMNS
    assert len(samples) == 15  # 3 cells x 5 rounds
    assert float(samples[0]["rps"]) == pytest.approx(980.0)


def test_unknown_format_is_refused(database: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_runs([], "xml")  # type: ignore[arg-type]
    result = runner.invoke(app, ["export", "1", "--format", "xml", "--db", str(database)])
    assert result.exit_code == 2
    assert "--format must be json or csv" in result.output


def test_cli_writes_to_stdout_or_a_file(database: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "one", "two", "--format", "csv", "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(",".join(CELL_COLUMNS) + "\n")
    assert result.output.count("\n") == 4
    target = tmp_path / "runs.json"
    result = runner.invoke(app, ["export", "latest", "-o", str(target), "--db", str(database)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))[0]["run"]["name"] == "two"
    result = runner.invoke(app, ["export", "nope", "--db", str(database)])
    assert result.exit_code == 2
    assert "no run 'nope'" in result.output
