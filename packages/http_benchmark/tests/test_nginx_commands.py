"""The nginx benchmarks moved in from requestx and aresilient, as http-benchmark commands.

Options after the command go to its own parser; a tiny bounded run of each (one round, a few
dozen requests) against Debian's nginx proves the moved code runs end to end. Numbers are
printed, never checked.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.nginx.clients import run_job
from http_benchmark.nginx.nginx import find_nginx, run_nginx
from http_benchmark.nginx.protocol import Job

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
    headings = (
        "sync: 20 sequential GETs",
        "async: 20 GETs",
        "https-sync: 20 sequential GETs",
        "https-async: 20 GETs",
        "h2-threads: 20 GETs per round from 16 threads",
        "download: 1 MiB",
    )
    for heading in headings:
        assert heading in result.output
    assert "requestx" in result.output
    assert "ERROR" not in result.output


@needs_nginx
@pytest.mark.timeout(240)
def test_scenarios_can_be_chosen() -> None:
    result = runner.invoke(
        app,
        ["nginx-clients", "--rounds", "1", "--requests", "20", "--clients", "requestx",
         "--scenarios", "h2-threads", "--threads", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "h2-threads: 20 GETs per round from 4 threads" in result.output
    assert "sync: 20 sequential" not in result.output
    # requestx's four threads share one HTTP/2 connection.
    assert "conns 1" in result.output
    result = runner.invoke(app, ["nginx-clients", "--scenarios", "nope"])
    assert result.exit_code == 2
    assert "unknown scenarios nope" in result.output


TLS_CLIENTS = [
    ("https-sync", "requestx"),
    ("https-sync", "requests"),
    ("https-sync", "urllib3"),
    ("https-sync", "httpx"),
    ("https-sync", "pycurl"),
    ("https-async", "requestx"),
    ("https-async", "aiohttp"),
    ("https-async", "httpx"),
    ("h2-threads", "requestx"),
    ("h2-threads", "pycurl"),
]


@needs_nginx
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("scenario", "client"), TLS_CLIENTS)
def test_every_client_verifies_nginx_certificate(
    tmp_path: Path, scenario: str, client: str
) -> None:
    """Each client succeeds with the CA that signed nginx's certificate and fails with
    another one: verification is on in every TLS scenario."""
    if importlib.util.find_spec(client) is None:
        pytest.skip(f"{client} is not installed")
    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    binary = find_nginx()
    assert binary is not None
    # Not under tmp_path: nginx's unprivileged worker must reach the files (see run_nginx).
    with (
        tempfile.TemporaryDirectory(prefix="requestx-bench-") as root,
        run_nginx(binary, Path(root), None, tls=True) as server,
    ):
        assert server.tls is not None
        base_url = server.h2_url if scenario == "h2-threads" else server.https_url
        job = Job(
            scenario=scenario,  # type: ignore[arg-type]
            client=client,
            base_url=base_url,
            requests=8,
            warmup=4,
            concurrency=4,
            pool_size=4,
            ca_file=str(server.tls.ca_file),
        )
        trusted, _, served = run_job(server, job)
        distrusted, _, _ = run_job(server, replace(job, ca_file=str(other_ca)))
    assert trusted.error is None, trusted.error
    assert trusted.sent == served == 1 + 4 + 8
    assert distrusted.error is not None


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
