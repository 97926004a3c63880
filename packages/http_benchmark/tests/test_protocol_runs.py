"""Whole runs across protocols and the new scenarios, through the CLI, with tiny counts.

A local httpy process serves cleartext; a second one, with a certificate from a CA made for
the run, serves HTTP/1.1 and HTTP/2 over TLS (and HTTP/3 when measured).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.runner import Runner
from http_benchmark.storage import Storage


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "260"})
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def protocol_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("protocols") / "runs.db"
    code, output = _invoke(
        "run", "--server", "local", "--client", "httpx", "--client", "requests",
        "--client", "pycurl", "--scenario", "sequential", "--protocol", "h1",
        "--protocol", "h1-tls", "--protocol", "h2", "--rounds", "2", "--requests", "30",
        "--warmup", "3", "--ceiling", "off", "--no-pin", "--db", str(db), "--name", "protocols",
        "--quiet",
    )  # fmt: skip
    assert code == 0, output
    return db, output


def test_each_protocol_is_a_table(protocol_run: tuple[Path, str]) -> None:
    _, output = protocol_run
    for title in ("sequential · HTTP/1.1 · sync", "sequential · HTTP/1.1 over TLS · sync",
                  "sequential · HTTP/2 over TLS · sync"):  # fmt: skip
        assert title in output
    assert re.search(r"requests\s+│ unavailable: no HTTP/2", output)
    assert "server: local httpy process https://127.0.0.1:" in output


def test_every_protocol_cell_is_measured_where_the_client_has_it(
    protocol_run: tuple[Path, str],
) -> None:
    db, _ = protocol_run
    with Storage(db) as storage:
        run = storage.load_run("protocols")
    status = {(r.key.client, r.key.protocol): r.status for r in run.results}
    assert status == {
        ("httpx", "h1"): "ok", ("requests", "h1"): "ok", ("pycurl", "h1"): "ok",
        ("httpx", "h1-tls"): "ok", ("requests", "h1-tls"): "ok", ("pycurl", "h1-tls"): "ok",
        ("httpx", "h2"): "ok", ("requests", "h2"): "unavailable", ("pycurl", "h2"): "ok",
    }  # fmt: skip
    assert all(r.error_rate == 0.0 for r in run.results if r.status == "ok")
    assert run.run.environment["protocols"]["h2"] == "HTTP/2 over TLS"
    assert len(run.run.environment["servers"]) == 2


def test_an_open_loop_run_reports_tail_percentiles_and_plots_them(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    code, output = _invoke(
        "run", "--server", "local", "--client", "httpx", "--mode", "async", "--rate", "200",
        "--requests", "40", "--rounds", "2", "--warmup", "3", "--concurrency", "4",
        "--ceiling", "off", "--no-pin", "--db", str(db), "--name", "open", "--quiet",
    )  # fmt: skip
    assert code == 0, output
    assert "p99.99 ms" in output
    assert "open loop: 200 requests/s on a fixed schedule" in output
    html = tmp_path / "open.html"
    code, output = _invoke("report", "open", "--html", str(html), "--db", str(db))
    assert code == 0, output
    text = html.read_text(encoding="utf-8")
    assert "open-loop latency by percentile" in text
    assert "p99.99" in text


def test_the_new_scenarios_run(tmp_path: Path) -> None:
    config = BenchmarkConfiguration.load(
        # Not httpx: its sync client is not thread-safe over HTTP/2 (encode/httpx#3072), and
        # h2-multiplex puts 16 threads on one connection; test_protocols.py covers it.
        clients=["requests", "requestx", "pycurl"], modes=["sync"], server="local",
        scenarios=["tls-new-connection", "stream-64m", "upload-16m", "h2-multiplex"],
        protocols=["h1"], rounds=1, requests=2, warmup=1, ceiling="off", pin_cpus=False,
        db=tmp_path / "runs.db",
    )  # fmt: skip
    with Storage(config.db) as storage:
        run = Runner(config, storage).run()
    cells = {(r.key.scenario, r.key.protocol, r.key.client): r for r in run.results}
    # A cleartext run still measures the TLS handshake scenario on its own protocol.
    assert cells["tls-new-connection", "h1-tls", "requestx"].status == "ok"
    assert cells["stream-64m", "h1", "requestx"].status == "ok"
    assert cells["stream-64m", "h1", "pycurl"].samples[0].ok == 2
    assert cells["upload-16m", "h1", "requests"].status == "ok"
    # h2-multiplex shares one connection: requestx can, pycurl (a handle per thread) cannot.
    assert cells["h2-multiplex", "h2", "requestx"].status == "ok"
    assert cells["h2-multiplex", "h2", "requestx"].key.concurrency == 16
    assert cells["h2-multiplex", "h2", "pycurl"].reason == "no multiplexing on one connection"
    for result in run.results:
        if result.status == "ok":
            assert result.error_rate == 0.0, result.errors


def test_protocol_flags_are_checked() -> None:
    code, output = _invoke("run", "--protocol", "h2c", "--tls", "--db", "/nonexistent/x.db")
    assert code == 2
    assert "h2c is HTTP/2 on cleartext" in output
    code, output = _invoke("run", "--url", "http://127.0.0.1:9/", "--protocol", "h2")
    assert code == 2
    assert "does not match the http URL" in output


def test_clients_lists_protocols_and_retries() -> None:
    code, output = _invoke("clients")
    assert code == 0
    assert re.search(r"niquests .* h1, h1-tls, h2, h2c, h3", output)
    assert re.search(r"aiohttp .* none", output)
