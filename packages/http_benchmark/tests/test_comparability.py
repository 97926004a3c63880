"""`compare` refuses runs not measured alike, and says why; --force compares with a warning."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.comparability import comparability_problems
from http_benchmark.storage import Storage

runner = CliRunner()
BASE: dict[str, Any] = {
    "cpu": "Test CPU @ 2.80GHz",
    "cpus": 2,
    "memory_bytes": 4 * 2**30,
    "implementation": "CPython",
    "server": {"kind": "local httpy process", "url": "http://127.0.0.1:1"},
    "clients": {"requests": {"version": "2.32.5"}, "httpx": {"version": "0.28.1"}},
}


def _changed(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    environment = copy.deepcopy(BASE)
    target = environment
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return environment


def _problems(tmp_path: Path, store_run: Callable[..., int], **second: Any) -> list[str]:
    with Storage(tmp_path / "runs.db") as storage:
        a = store_run(storage, "a", {"requests": 1000, "httpx": 800}, environment=BASE)
        b = store_run(storage, "b", {"requests": 1000, "httpx": 800}, **second)
        return comparability_problems(storage.load_run(a), storage.load_run(b))


def test_runs_measured_alike_are_comparable(tmp_path: Path, store_run: Callable[..., int]) -> None:
    # Only the URL (a fresh port each run) differs: that does not matter.
    environment = _changed(("server", "url"), "http://127.0.0.1:2")
    assert _problems(tmp_path, store_run, environment=environment) == []


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ({"environment": _changed(("server", "kind"), "docker")}, "server:"),
        ({"environment": _changed(("cpu",), "Other CPU")}, "machine cpu: 'Test CPU @ 2.80GHz'"),
        ({"environment": _changed(("cpus",), 8)}, "machine cpus: 2 vs 8"),
        ({"configuration": {"protocol": "h2"}}, "protocol protocol: None vs 'h2'"),
        (
            {"environment": _changed(("clients", "httpx", "version"), "0.27.0")},
            "client httpx version: 0.28.1 vs 0.27.0",
        ),
        ({"configuration": {"kind": "servers"}, "environment": BASE}, "run kind: clients vs"),
    ],
)
def test_each_difference_is_named(
    tmp_path: Path, store_run: Callable[..., int], second: dict[str, Any], expected: str
) -> None:
    second.setdefault("environment", BASE)
    problems = _problems(tmp_path, store_run, **second)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_client_runs_list_of_servers_is_not_read_as_versions(
    tmp_path: Path, store_run: Callable[..., int]
) -> None:
    """A client run stores the servers it ran (one per protocol) as a list under "servers";
    a server run stores versions by server name there. Two client runs compare."""
    environment = {**BASE, "servers": [{"kind": "local httpy process", "protocols": ["h1"]}]}
    with Storage(tmp_path / "runs.db") as storage:
        a = store_run(storage, "a", {"requests": 1000}, environment=environment)
        b = store_run(storage, "b", {"requests": 900}, environment=environment)
        assert comparability_problems(storage.load_run(a), storage.load_run(b)) == []


def test_a_client_version_only_counts_when_both_runs_measured_it(
    tmp_path: Path, store_run: Callable[..., int]
) -> None:
    environment = _changed(("clients", "aiohttp"), {"version": "3.11"})
    assert _problems(tmp_path, store_run, environment=environment) == []


def test_the_cli_refuses_then_forces_with_a_loud_warning(
    tmp_path: Path, store_run: Callable[..., int]
) -> None:
    database = tmp_path / "runs.db"
    with Storage(database) as storage:
        store_run(storage, "a", {"requests": 1000}, environment=BASE)
        store_run(storage, "b", {"requests": 1001}, environment=_changed(("cpus",), 8))
    result = runner.invoke(app, ["compare", "a", "b", "--db", str(database)])
    assert result.exit_code == 2
    assert "runs 1 and 2 were not measured alike" in result.output
    assert "machine cpus: 2 vs 8" in result.output
    assert "--force" in result.output
    result = runner.invoke(app, ["compare", "a", "b", "--db", str(database), "--force"])
    assert result.exit_code == 0, result.output
    assert "WARNING: runs 1 and 2 were not measured alike" in result.output
    assert "unchanged" in result.output
