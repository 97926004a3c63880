"""`http-benchmark server-instructions`: every kind is driven in memory and its answers checked.

The worker runs without valgrind here for every kind (a few dozen requests: the harness and
the checks), and one kind once under callgrind with tiny counts, through the command, to prove
the counting path end to end. Counts are printed, never checked.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.servers import instructions_worker
from http_benchmark.servers.instructions import (
    check_output,
    client_batches,
    run_worker,
    worker_input,
)
from http_benchmark.servers.instructions_worker import KINDS


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_answers_every_request(kind: str) -> None:
    if kind.startswith(("uvicorn", "hypercorn")):
        pytest.importorskip(kind.partition("-")[0])
    assert run_worker(kind, 25, valgrind=False) is None  # raises when an answer is wrong


def test_a_missing_answer_is_caught(tmp_path: Path) -> None:
    # Two requests fed, the check told to expect three: the run must be refused.
    batches, client = client_batches("httpy-h2c", 2)
    given, written = tmp_path / "in", tmp_path / "out"
    given.write_bytes(pickle.dumps(worker_input(batches)))
    subprocess.run(
        [sys.executable, "-P", instructions_worker.__file__, "httpy-h2c", str(given), str(written)],
        check=True,
    )
    assert check_output("httpy-h2c", 2, written.read_bytes(), client) is None
    _, client = client_batches("httpy-h2c", 3)
    fault = check_output("httpy-h2c", 3, written.read_bytes(), client)
    assert fault is not None
    assert "for 3 requests" in fault


def test_h2_batches_keep_ten_streams_in_flight() -> None:
    batches, _ = client_batches("httpy-h2c", 25)
    assert [count for _, count in batches] == [10, 10, 5]
    h1, client = client_batches("httpy-h1", 3)
    assert client is None
    assert [count for _, count in h1] == [1, 1, 1]


def test_options_go_to_the_command() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["server-instructions", "--help"])
    assert result.exit_code == 0, result.output
    assert "usage:" in result.output
    result = runner.invoke(app, ["server-instructions", "--kinds", "nginx-h9"])
    assert result.exit_code == 2
    assert "unknown kinds: nginx-h9" in result.output


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind not installed")
@pytest.mark.timeout(600)
def test_a_count_under_callgrind() -> None:
    result = CliRunner().invoke(
        app, ["server-instructions", "--kinds", "httpy-h1", "--requests", "5,15"]
    )
    assert result.exit_code == 0, result.output
    assert "httpy-h1" in result.output
    assert "instructions per request" in result.output
