"""Stored runs out of SQLite: JSON (everything, samples included) or CSV (one row per cell).

JSON is the runs as `http-benchmark show` knows them (pydantic's dump of each `StoredRun`);
CSV is flat, for spreadsheets and pandas: one row per cell with its summary, or with
`samples=True` one row per measured round.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from http_benchmark.storage import StoredRun

__all__ = ["CELL_COLUMNS", "SAMPLE_COLUMNS", "ExportFormat", "export_runs"]

ExportFormat = Literal["json", "csv"]

_RUN_COLUMNS = ["run_id", "run_name", "run_kind", "started_at", "git_commit"]
_KEY_COLUMNS = ["scenario", "protocol", "client", "mode", "concurrency"]
CELL_COLUMNS = [
    *_RUN_COLUMNS, *_KEY_COLUMNS, "status", "reason", "rounds", "rps_median", "rps_min",
    "rps_max", "rps_ci_low", "rps_ci_high", "p50_ms", "p90_ms", "p99_ms", "p999_ms",
    "cpu_us_per_request", "rss_peak_bytes", "errors", "verdict",
]  # fmt: skip
SAMPLE_COLUMNS = [
    *_RUN_COLUMNS, *_KEY_COLUMNS, "round", "ok", "errors", "elapsed_s", "rps", "p50_ms",
    "p99_ms", "cpu_us_per_request", "rss_peak_bytes",
]  # fmt: skip


def _run_fields(stored: StoredRun) -> dict[str, Any]:
    run = stored.run
    return {
        "run_id": run.id,
        "run_name": run.name,
        "run_kind": run.configuration.get("kind", "clients"),
        "started_at": run.started_at.isoformat(),
        "git_commit": run.git_commit or "",
    }


def _cell_rows(stored: StoredRun) -> list[dict[str, Any]]:
    rows = []
    for result in stored.results:
        spread, latency = result.requests_per_second, result.latency
        rows.append({
            **_run_fields(stored), **result.key.model_dump(),
            "status": result.status, "reason": result.reason or "", "rounds": result.rounds,
            "rps_median": spread and spread.median, "rps_min": spread and spread.minimum,
            "rps_max": spread and spread.maximum, "rps_ci_low": spread and spread.ci_low,
            "rps_ci_high": spread and spread.ci_high,
            "p50_ms": latency and latency.p50, "p90_ms": latency and latency.p90,
            "p99_ms": latency and latency.p99, "p999_ms": latency and latency.p999,
            "cpu_us_per_request": result.cpu_us_per_request,
            "rss_peak_bytes": result.rss_peak,
            "errors": sum(result.errors.values()),
            "verdict": result.verdict.value if result.verdict else "",
        })  # fmt: skip
    return rows


def _sample_rows(stored: StoredRun) -> list[dict[str, Any]]:
    rows = []
    for result in stored.results:
        for sample in result.samples:
            latency = sample.latency
            rows.append({
                **_run_fields(stored), **result.key.model_dump(),
                "round": sample.round, "ok": sample.ok, "errors": sum(sample.errors.values()),
                "elapsed_s": sample.elapsed, "rps": sample.requests_per_second,
                "p50_ms": latency and latency.p50, "p99_ms": latency and latency.p99,
                "cpu_us_per_request": sample.resources.cpu_us_per_request,
                "rss_peak_bytes": sample.resources.rss_peak,
            })  # fmt: skip
    return rows


def export_runs(
    runs: Sequence[StoredRun], export_format: ExportFormat, *, samples: bool = False
) -> str:
    """The runs as text in `export_format`; `samples` (CSV) gives one row per round."""
    if export_format == "json":
        return json.dumps([json.loads(run.model_dump_json()) for run in runs], indent=2) + "\n"
    if export_format != "csv":
        raise ValueError(f"unknown export format {export_format!r} (json or csv)")
    columns = SAMPLE_COLUMNS if samples else CELL_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for run in runs:
        writer.writerows(_sample_rows(run) if samples else _cell_rows(run))
    return buffer.getvalue()
