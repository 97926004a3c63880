"""The real CLI in a subprocess: graceful shutdown, workers, access log, help."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cli_process import HERE, ServerProcess, needs_fork, running_cli

from httpy import App, Config
from httpy.cli import build_parser
from httpy.server.serve import run


def test_graceful_shutdown_finishes_the_request_in_flight(cli_server: ServerProcess) -> None:
    outcome: dict[str, requests.Response] = {}

    def slow_request() -> None:
        outcome["response"] = requests.get(f"{cli_server.url}/slow?seconds=1.0", timeout=10)

    worker = threading.Thread(target=slow_request)
    worker.start()
    time.sleep(0.4)  # the request is in the handler now
    started = time.monotonic()
    cli_server.process.send_signal(subprocess.signal.SIGTERM)  # type: ignore[attr-defined]
    time.sleep(0.2)
    # No new connection is accepted once shutdown began.
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{cli_server.url}/", timeout=2)
    worker.join(10)
    response = outcome["response"]
    assert response.status_code == 200
    assert response.json() == {"slept": 1.0}
    assert response.headers["connection"] == "close"
    assert cli_server.process.wait(10) == 0
    assert time.monotonic() - started < 5


def test_shutdown_timeout_cuts_long_requests(tmp_path: Path) -> None:
    with running_cli(tmp_path, "e2e_apps:app", "--shutdown-timeout", "0.5") as server:
        _check_shutdown_timeout(server)


def _check_shutdown_timeout(server: ServerProcess) -> None:
    errors: list[BaseException] = []

    def very_slow_request() -> None:
        try:
            requests.get(f"{server.url}/slow?seconds=30", timeout=20)
        except requests.exceptions.ConnectionError as error:
            errors.append(error)

    worker = threading.Thread(target=very_slow_request)
    worker.start()
    time.sleep(0.4)
    started = time.monotonic()
    assert server.stop(timeout=10) == 0
    worker.join(10)
    assert time.monotonic() - started < 5
    assert len(errors) == 1  # the connection was closed under the unfinished request


@needs_fork
def test_two_workers_share_the_port(tmp_path: Path) -> None:
    with running_cli(tmp_path, "e2e_apps:app", "--workers", "2") as server:
        pids: set[int] = set()
        deadline = time.monotonic() + 20
        while len(pids) < 2 and time.monotonic() < deadline:
            # A new connection each time, so the kernel may hand it to either worker.
            with requests.get(
                f"{server.url}/pid", headers={"Connection": "close"}, timeout=5
            ) as response:
                pids.add(response.json()["pid"])
        assert len(pids) == 2
        assert server.process.pid not in pids
        assert server.stop() == 0


def test_access_log_writes_one_line_per_request(tmp_path: Path) -> None:
    with running_cli(tmp_path, "e2e_apps:app", "--access-log") as server:
        requests.get(f"{server.url}/", timeout=5).close()
        requests.get(f"{server.url}/missing?x=1", timeout=5).close()
        server.stop()
        log = server.log()
    assert '"GET / HTTP/1.1" 200 17' in log
    assert '"GET /missing?x=1 HTTP/1.1" 404' in log


def test_access_log_is_off_by_default(cli_server: ServerProcess) -> None:
    requests.get(f"{cli_server.url}/", timeout=5).close()
    cli_server.stop()
    assert 'HTTP/1.1" 200' not in cli_server.log()


def test_handler_errors_are_logged_with_traceback(tmp_path: Path) -> None:
    with running_cli(tmp_path, "e2e_apps:app") as server:
        with requests.get(f"{server.url}/slow?seconds=not-a-number", timeout=5) as response:
            assert response.status_code == 500
        server.stop()
        log = server.log()
    assert "Traceback" in log
    assert "ValueError" in log


def test_help_documents_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httpy", "run", "--help"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    subcommands = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    run_parser = subcommands.choices["run"]  # type: ignore[index]
    for action in run_parser._actions:
        for option in action.option_strings:
            assert option in result.stdout


def test_a_bad_app_target_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httpy", "run", "no_such_module_here:app"],
        capture_output=True, text=True, cwd=HERE, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "No module named 'no_such_module_here'" in result.stderr


def test_workers_without_fork_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # What Windows sees: no os.fork. The supervisor refuses before binding anything.
    monkeypatch.delattr(os, "fork")
    with pytest.raises(RuntimeError, match=r"--workers needs fork\(\)"):
        run(App(), Config(workers=2))
