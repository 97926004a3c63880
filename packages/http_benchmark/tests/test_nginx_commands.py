"""The nginx benchmarks moved in from requestx and aresilient, as http-benchmark commands.

Options after the command go to its own parser; a tiny bounded run of each (one round, a few
dozen requests) against Debian's nginx proves the moved code runs end to end. Numbers are
printed, never checked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app

runner = CliRunner()
needs_nginx = pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx not installed (apt-get install nginx)",
)


@pytest.mark.parametrize("command", ["nginx-clients", "instructions", "retry-overhead"])
def test_options_go_to_the_command(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "usage:" in result.output
    result = runner.invoke(app, [command, "--no-such-option"])
    assert result.exit_code == 2
    assert "unrecognized arguments: --no-such-option" in result.output


@needs_nginx
@pytest.mark.timeout(240)
def test_nginx_clients_runs_every_scenario() -> None:
    result = runner.invoke(
        app,
        ["nginx-clients", "--rounds", "1", "--requests", "20", "--clients", "requestx,requests"],
    )
    assert result.exit_code == 0, result.output
    for heading in ("sync: 20 sequential GETs", "async: 20 GETs", "download: 1 MiB"):
        assert heading in result.output
    assert "requestx" in result.output


@needs_nginx
@pytest.mark.timeout(240)
def test_retry_overhead_runs() -> None:
    result = runner.invoke(
        app,
        ["retry-overhead", "--rounds", "1", "--requests", "50", "--warmup", "5",
         "--clients", "httpx,aresilient", "--modes", "sync"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "aresilient's success-path CPU per request over bare httpx" in result.output
