"""`http-benchmark servers` end to end, tiny and bounded: real servers, real load tools.

One round of one second per server (no warm-up), httpy against the reference servers that
are installed with the `servers` extra. Numbers are not checked (this is no benchmark), only
that each server was measured, every answer checked, stored, shown and compared.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from http_benchmark.cli import app
from http_benchmark.storage import Storage

runner = CliRunner()
WIDE = {"COLUMNS": "240"}
TINY = ["--rounds", "1", "--duration", "1", "--warmup", "0", "--quiet"]

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (apt)")
needs_h2load = pytest.mark.skipif(
    shutil.which("h2load") is None, reason="h2load not installed (apt: nghttp2-client)"
)


def _servers(database: Path, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["servers", *TINY, "--db", str(database), *arguments], env=WIDE)
    return result.exit_code, result.output


@needs_wrk
@pytest.mark.timeout(180)
def test_http11_under_wrk_is_stored_and_compared(tmp_path: Path) -> None:
    database = tmp_path / "servers.db"
    for name in ("first", "second"):
        code, output = _servers(
            database, "--suite", "h1", "--server", "httpy", "--server", "uvicorn",
            "--server", "hypercorn", "--server", "granian", "--connections", "4", "--name", name,
            # httpy as committed (HEAD) beside the installed one, and a short stress run.
            "--httpy-baseline", "HEAD", "--stress-duration", "1", "--stress-connections", "8",
        )  # fmt: skip
        assert code == 0, output
    assert re.search(r"h1 · HTTP/1.1 keep-alive, JSON route \(conc 4\)", output)
    assert re.search(r"httpy over h1: [\d.]+x uvicorn, [\d.]+x granian, [\d.]+x httpy@HEAD", output)
    assert re.search(r"stress: wrk -t2 -c8 -d1s against httpy: [\d,]+ req/s", output)
    with Storage(database) as storage:
        stored = storage.load_run("second")
    assert stored.run.configuration["kind"] == "servers"
    assert stored.run.environment["servers"]["uvicorn"] is not None
    assert stored.run.environment["stress"]["ok"] > 0
    by_server = {result.key.client: result for result in stored.results}
    assert set(by_server) == {"httpy", "httpy@HEAD", "uvicorn", "hypercorn", "granian"}
    for result in by_server.values():
        assert result.status == "ok", result
        assert result.key.mode == "server"
        assert result.errors == {}
        (sample,) = result.samples
        assert sample.ok > 0
        assert sample.latency is not None  # wrk's percentiles, from its Lua report
        assert sample.resources.cpu_us_per_request > 0  # the server's own CPU
    compared = runner.invoke(app, ["compare", "first", "second", "--db", str(database)], env=WIDE)
    assert compared.exit_code in (0, 1), compared.output  # comparable: no refusal
    assert "h1" in compared.output
    shown = runner.invoke(app, ["show", "first", "--db", str(database)], env=WIDE)
    assert shown.exit_code == 0
    assert "httpy over h1" in shown.output
    assert "server run: 1 rounds x 1.0 s per server" in shown.output
    page = tmp_path / "report.html"
    reported = runner.invoke(
        app, ["report", "second", "--html", str(page), "--db", str(database)], env=WIDE
    )
    assert reported.exit_code == 0, reported.output
    html = page.read_text(encoding="utf-8")
    assert "h1 · HTTP/1.1 · server" in html
    assert "server run: 1 rounds" in html  # the server run's methodology, not a client run's
    assert '<section id="history">' not in html  # "second" has no earlier run of its name


@needs_h2load
@pytest.mark.timeout(180)
def test_http2_both_ways_websocket_and_http3(tmp_path: Path) -> None:
    database = tmp_path / "servers.db"
    code, output = _servers(
        database, "--suite", "h2c", "--suite", "h2", "--suite", "ws", "--suite", "h3",
        "--server", "httpy", "--server", "hypercorn", "--server", "uvicorn", "--server", "granian",
        "--connections", "2", "--streams", "2", "--ws-processes", "1",
    )  # fmt: skip
    assert code == 0, output
    with Storage(database) as storage:
        stored = storage.load_run("latest")
    cells = {(result.key.scenario, result.key.client): result for result in stored.results}
    # Each server only where it speaks the protocol: uvicorn in the WebSocket suite only,
    # granian in the HTTP/2 ones.
    assert set(cells) == {
        (suite, server) for suite in ("h2c", "h2", "ws", "h3") for server in ("httpy", "hypercorn")
    } | {("ws", "uvicorn"), ("h2c", "granian"), ("h2", "granian")}
    for key, result in cells.items():
        assert result.status == "ok", (key, result)
        assert result.samples[0].ok > 0
        assert "mean_latency_ms" in result.samples[0].detail
    assert cells["h2c", "httpy"].key.concurrency == 4  # 2 connections x 2 streams
    assert cells["h2", "httpy"].latency is not None  # from h2load's per-request log
    assert "load_cpu" in cells["ws", "httpy"].samples[0].detail
    for suite in ("h2c", "h2", "ws", "h3"):
        assert re.search(rf"httpy over {suite}: [\d.]+x", output), output


def test_a_missing_tool_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty PATH: neither wrk nor h2load can be found, as on a machine without them.
    monkeypatch.setenv("PATH", str(tmp_path))
    database = tmp_path / "servers.db"
    code, output = _servers(
        database, "--suite", "h1", "--suite", "h2c", "--server", "httpy", "--server", "uvicorn"
    )
    assert code == 0, output
    assert "h1 httpy: unavailable: wrk not installed" in output
    assert "h2c httpy: unavailable: h2load not installed" in output
    with Storage(database) as storage:
        stored = storage.load_run("latest")
    assert {result.status for result in stored.results} == {"unavailable"}
    # h2c has no uvicorn: only the suite's own servers are planned.
    assert {(r.key.scenario, r.key.client) for r in stored.results} == {
        ("h1", "httpy"), ("h1", "uvicorn"), ("h2c", "httpy"),
    }  # fmt: skip


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    code, output = _servers(tmp_path / "x.db", "--suite", "h4")
    assert code == 2
    assert "unknown suite h4" in output
    code, output = _servers(tmp_path / "x.db", "--suite", "h1", "--connections", "0")
    assert code == 2
    assert "connections and streams must be >= 1" in output
    assert not (tmp_path / "x.db").exists()
