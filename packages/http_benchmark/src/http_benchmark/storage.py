"""SQLite storage: runs (with their environment and git commit), cells, and every round's sample.

The schema is versioned with `PRAGMA user_version` and migrated forward on open. The database
runs in WAL mode and every write is its own committed transaction: each sample is on disk when
its round ends and each cell's summary when its last round ends, so a run killed halfway
keeps everything it measured (and shows as "interrupted").
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from pydantic import BaseModel

from http_benchmark.metrics import summarize
from http_benchmark.models import BenchmarkResult, CellKey, RoundSample

__all__ = [
    "SCHEMA_VERSION",
    "Ceiling",
    "RunRecord",
    "Storage",
    "StorageError",
    "StoredRun",
    "ceiling_key",
]

SCHEMA_VERSION = 2
RunStatus = Literal["running", "finished", "interrupted", "failed"]

# Each entry moves the schema from version `index` to `index + 1`.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        git_commit TEXT,
        configuration TEXT NOT NULL,
        environment TEXT NOT NULL
    );
    CREATE TABLE ceilings (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scenario TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        tool TEXT NOT NULL,
        requests_per_second REAL,
        detail TEXT,
        PRIMARY KEY (run_id, scenario, concurrency)
    );
    CREATE TABLE cells (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scenario TEXT NOT NULL,
        client TEXT NOT NULL,
        mode TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        rounds_planned INTEGER NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        errors TEXT NOT NULL DEFAULT '{}',
        result TEXT,
        finished_at TEXT,
        UNIQUE (run_id, scenario, client, mode, concurrency)
    );
    CREATE TABLE samples (
        cell_id INTEGER NOT NULL REFERENCES cells(id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        requests_per_second REAL NOT NULL,
        data TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (cell_id, round)
    );
    """,
    # 2: cells get a protocol (h1, h1-tls, h2, h2c, h3); earlier runs were all h1. SQLite
    # cannot change a UNIQUE constraint in place, so the table is rebuilt (foreign keys are
    # off during migrations: samples keep pointing at the same cell ids).
    """
    CREATE TABLE cells_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        scenario TEXT NOT NULL,
        client TEXT NOT NULL,
        mode TEXT NOT NULL,
        concurrency INTEGER NOT NULL,
        protocol TEXT NOT NULL DEFAULT 'h1',
        rounds_planned INTEGER NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        errors TEXT NOT NULL DEFAULT '{}',
        result TEXT,
        finished_at TEXT,
        UNIQUE (run_id, scenario, protocol, client, mode, concurrency)
    );
    INSERT INTO cells_new (id, run_id, scenario, client, mode, concurrency, rounds_planned,
        status, reason, errors, result, finished_at)
        SELECT id, run_id, scenario, client, mode, concurrency, rounds_planned, status, reason,
        errors, result, finished_at FROM cells;
    DROP TABLE cells;
    ALTER TABLE cells_new RENAME TO cells;
    """,
]


def ceiling_key(scenario: str, protocol: str) -> str:
    """The ceilings table's scenario column: the scenario, plus the protocol unless h1 (so
    runs stored before protocols existed read the same)."""
    return scenario if protocol == "h1" else f"{scenario} [{protocol}]"


class StorageError(RuntimeError):
    """A database this version cannot use, or a run that does not exist."""


class Ceiling(BaseModel):
    """The server's own limit for one scenario and concurrency, and how it was measured."""

    scenario: str
    concurrency: int
    tool: str
    requests_per_second: float | None
    detail: str | None = None


class RunRecord(BaseModel):
    id: int
    name: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    git_commit: str | None
    configuration: dict[str, Any]
    environment: dict[str, Any]


class StoredRun(BaseModel):
    run: RunRecord
    ceilings: list[Ceiling]
    results: list[BenchmarkResult]

    def ceiling_for(self, scenario: str, concurrency: int, protocol: str = "h1") -> float | None:
        key = ceiling_key(scenario, protocol)
        for ceiling in self.ceilings:
            if ceiling.scenario == key and ceiling.concurrency == concurrency:
                return ceiling.requests_per_second
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Storage:
    """One SQLite file; use as a context manager or call `close()`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit (isolation_level=None): each statement is durable when it returns.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} has schema version {version}; this http_benchmark knows "
                f"up to {SCHEMA_VERSION} (upgrade http_benchmark to read it)"
            )
        if version == SCHEMA_VERSION:
            return
        # Table rebuilds must not cascade-delete through the foreign keys (a no-op inside a
        # transaction, so set around them).
        self._db.execute("PRAGMA foreign_keys=OFF")
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                with self._transaction():
                    for statement in _MIGRATIONS[target - 1].split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    # PRAGMA takes no parameters; `target` is an int from the range above.
                    self._db.execute(f"PRAGMA user_version = {int(target)}")
        finally:
            self._db.execute("PRAGMA foreign_keys=ON")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- writing, as the run goes ------------------------------------------------------------

    def create_run(
        self,
        name: str,
        configuration: dict[str, Any],
        environment: dict[str, Any],
        git_commit: str | None,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (name, status, started_at, git_commit, configuration, environment)"
            " VALUES (?, 'running', ?, ?, ?, ?)",
            (name, _now(), git_commit, json.dumps(configuration), json.dumps(environment)),
        )
        assert cursor.lastrowid is not None  # noqa: S101 - an INSERT always sets it
        return cursor.lastrowid

    def update_environment(self, run_id: int, environment: dict[str, Any]) -> None:
        self._db.execute(
            "UPDATE runs SET environment = ? WHERE id = ?", (json.dumps(environment), run_id)
        )

    def add_ceiling(self, run_id: int, ceiling: Ceiling) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO ceilings VALUES (?, ?, ?, ?, ?, ?)",
            (
                run_id,
                ceiling.scenario,
                ceiling.concurrency,
                ceiling.tool,
                ceiling.requests_per_second,
                ceiling.detail,
            ),
        )

    def add_cell(
        self,
        run_id: int,
        key: CellKey,
        rounds_planned: int,
        *,
        status: str = "pending",
        reason: str | None = None,
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO cells (run_id, scenario, client, mode, concurrency, protocol,"
            " rounds_planned, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                key.scenario,
                key.client,
                key.mode,
                key.concurrency,
                key.protocol,
                rounds_planned,
                status,
                reason,
            ),
        )
        assert cursor.lastrowid is not None  # noqa: S101
        return cursor.lastrowid

    def add_sample(self, cell_id: int, sample: RoundSample) -> None:
        self._db.execute(
            "INSERT INTO samples VALUES (?, ?, ?, ?, ?)",
            (cell_id, sample.round, sample.requests_per_second, sample.model_dump_json(), _now()),
        )

    def set_cell_errors(self, cell_id: int, errors: dict[str, int]) -> None:
        """Failures outside any sample (a worker that crashed or hung), kept with the cell."""
        self._db.execute("UPDATE cells SET errors = ? WHERE id = ?", (json.dumps(errors), cell_id))

    def finish_cell(self, cell_id: int, result: BenchmarkResult) -> None:
        summary = result.model_dump_json(exclude={"samples"})
        self._db.execute(
            "UPDATE cells SET status = ?, reason = ?, result = ?, finished_at = ? WHERE id = ?",
            (result.status, result.reason, summary, _now(), cell_id),
        )

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        self._db.execute(
            "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, _now(), run_id)
        )

    # --- reading ------------------------------------------------------------------------------

    def _record(self, row: sqlite3.Row) -> RunRecord:
        return RunRecord(
            id=row["id"],
            name=row["name"],
            status=row["status"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            git_commit=row["git_commit"],
            configuration=json.loads(row["configuration"]),
            environment=json.loads(row["environment"]),
        )

    def list_runs(self) -> list[RunRecord]:
        rows = self._db.execute("SELECT * FROM runs ORDER BY id").fetchall()
        return [self._record(row) for row in rows]

    def resolve(self, reference: str) -> int:
        """A run name (its latest run), a run id, `id:N`, or "latest"; StorageError if none.

        A name wins over an id: a run named "2024" is that run, not run number 2024 (`id:2024`
        says the id). Digits that name no run are taken as an id.
        """
        if reference.startswith("id:") and reference[3:].isdigit():
            row = self._db.execute("SELECT id FROM runs WHERE id = ?", (int(reference[3:]),))
            return self._found(row.fetchone(), reference)
        row = self._db.execute(
            "SELECT id FROM runs WHERE name = ? ORDER BY id DESC LIMIT 1", (reference,)
        ).fetchone()
        if row is None and reference in {"latest", "last"}:
            row = self._db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        elif row is None and reference.isdigit():
            row = self._db.execute("SELECT id FROM runs WHERE id = ?", (int(reference),)).fetchone()
        return self._found(row, reference)

    def _found(self, row: sqlite3.Row | None, reference: str) -> int:
        if row is None:
            raise StorageError(f"no run {reference!r} in {self.path}")
        run_id: int = row["id"]
        return run_id

    def load_run(self, reference: str | int) -> StoredRun:
        """A run with its ceilings and cells; unfinished cells are summed up from their samples."""
        run_id = reference if isinstance(reference, int) else self.resolve(reference)
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StorageError(f"no run {run_id} in {self.path}")
        record = self._record(row)
        ceilings = [
            Ceiling(
                scenario=ceiling["scenario"],
                concurrency=ceiling["concurrency"],
                tool=ceiling["tool"],
                requests_per_second=ceiling["requests_per_second"],
                detail=ceiling["detail"],
            )
            for ceiling in self._db.execute(
                "SELECT * FROM ceilings WHERE run_id = ? ORDER BY scenario, concurrency", (run_id,)
            )
        ]
        stored = StoredRun(run=record, ceilings=ceilings, results=[])
        cells = self._db.execute("SELECT * FROM cells WHERE run_id = ? ORDER BY id", (run_id,))
        stored.results = [self._result(cell, stored, record) for cell in cells.fetchall()]
        return stored

    def _result(self, cell: sqlite3.Row, stored: StoredRun, record: RunRecord) -> BenchmarkResult:
        key = CellKey(
            scenario=cell["scenario"],
            client=cell["client"],
            mode=cell["mode"],
            concurrency=cell["concurrency"],
            protocol=cell["protocol"],
        )
        samples = [
            RoundSample.model_validate_json(row["data"])
            for row in self._db.execute(
                "SELECT data FROM samples WHERE cell_id = ? ORDER BY round", (cell["id"],)
            )
        ]
        if cell["result"] is not None:
            result = BenchmarkResult.model_validate_json(cell["result"])
            result.samples = samples
            return result
        if cell["status"] == "unavailable":
            return BenchmarkResult(key=key, status="unavailable", reason=cell["reason"])
        # Never finished (the run stopped first): sum up what was measured, marked partial.
        errors = json.loads(cell["errors"])
        if not samples:
            return BenchmarkResult(
                key=key,
                status="partial",
                reason="the run stopped before this cell's first round",
                errors=errors,
            )
        configuration = record.configuration
        result = summarize(
            key,
            samples,
            rounds_planned=cell["rounds_planned"],
            ceiling=stored.ceiling_for(key.scenario, key.concurrency, key.protocol),
            extra_errors=errors,
            server_bound_fraction=configuration.get("server_bound_fraction", 0.85),
            unstable_spread=configuration.get("unstable_spread", 0.15),
        )
        if result.status == "ok":
            result.status = "partial"  # every round is in, but the summary never was
        return result
