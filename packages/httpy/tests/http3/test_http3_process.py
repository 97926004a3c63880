"""HTTP/3 from the command line: workers (one serves QUIC, all advertise it), the knobs as
flags, and the fallback when aioquic is missing (one clear message; the rest unchanged)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from cli_process import needs_fork, running_cli
from h3_client import h3_client

from httpy import Config
from httpy.cli import build_parser

TESTS = Path(__file__).parent.parent
# Makes `import aioquic` fail as it does where the extra is not installed.
_BLOCKER = textwrap.dedent(
    """
    import sys

    class _NoAioquic:
        def find_spec(self, name, path=None, target=None):
            if name == "aioquic" or name.startswith("aioquic."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NoAioquic())
    """
)


@pytest.fixture
def without_aioquic(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python cannot import aioquic (a sitecustomize blocks it)."""
    folder = tmp_path / "blocker"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(_BLOCKER, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def test_the_blocker_really_hides_aioquic(without_aioquic: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import aioquic"],
        env=without_aioquic, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "No module named 'aioquic'" in result.stderr


def test_http3_without_aioquic_fails_with_one_clear_message(
    without_aioquic: dict[str, str], tls_files: tuple[Path, Path, Path]
) -> None:
    certfile, keyfile, _ = tls_files
    result = subprocess.run(
        [
            sys.executable, "-m", "httpy", "run", "e2e_apps:app", "--port", "0", "--http3",
            "--certfile", str(certfile), "--keyfile", str(keyfile),
        ],
        cwd=TESTS / "server", env=without_aioquic, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "httpy: error: HTTP/3 needs aioquic, which is not installed: pip install 'htk-httpy[http3]'"
    ]


@pytest.mark.timeout(900)  # the whole rest of httpy's suite runs inside it
def test_everything_else_works_without_aioquic(without_aioquic: dict[str, str]) -> None:
    """httpy imports whole, and its whole suite but the HTTP/3 tests passes, with no aioquic."""
    script = "import httpy, httpy.server, httpy.protocol, httpy.cli, httpy.httpbin"
    imported = subprocess.run(
        [sys.executable, "-c", script],
        env=without_aioquic, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=http3", "."],
        cwd=TESTS, env=without_aioquic, capture_output=True, text=True, timeout=800,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None
    assert int(passed.group(1)) > 1000  # the suite itself, not a handful of files


@needs_fork
def test_workers_one_serves_http3_all_advertise_it(
    tmp_path: Path, tls_files: tuple[Path, Path, Path]
) -> None:
    certfile, keyfile, ca_file = tls_files
    args = ["--certfile", str(certfile), "--keyfile", str(keyfile), "--http3", "--workers", "2"]
    with running_cli(tmp_path, "e2e_apps:app", *args) as server:
        verify = ssl.create_default_context(cafile=str(ca_file))
        url = f"https://127.0.0.1:{server.port}/pid"
        advertised: set[str] = set()
        tcp_pids: set[int] = set()
        deadline = time.monotonic() + 20
        while len(tcp_pids) < 2 and time.monotonic() < deadline:
            # A new connection each time, so the kernel may hand it to either worker.
            with httpx.Client(verify=verify) as client:
                response = client.get(url)
            advertised.add(response.headers["alt-svc"])
            tcp_pids.add(response.json()["pid"])
        assert len(tcp_pids) == 2
        assert advertised == {f'h3=":{server.port}"; ma=86400'}

        async def over_http3() -> set[int]:
            pids = set()
            for _ in range(6):  # each its own QUIC connection: all reach the one worker
                async with h3_client(server.port, ca_file) as client:
                    response = await client.request("GET", "/pid")
                    assert response.status == 200
                    pids.add(json.loads(response.body)["pid"])
            return pids

        quic_pids = asyncio.run(over_http3())
        assert len(quic_pids) == 1
        assert quic_pids <= tcp_pids
        assert server.stop() == 0


def test_http3_flags_reach_the_config(tls_files: tuple[Path, Path, Path]) -> None:
    parser = build_parser(environ={"HTTPY_HTTP3_MAX_STREAMS": "7"})
    arguments = parser.parse_args(
        [
            "run", "m:app", "--http3", "--quic-port", "8443", "--http3-idle-timeout", "5",
            "--http3-stream-window", "65536", "--http3-0rtt", "--http3-retry",
        ]
    )  # fmt: skip
    assert arguments.http3 is True
    assert arguments.quic_port == 8443
    assert arguments.http3_idle_timeout == 5.0
    assert arguments.http3_max_streams == 7
    assert arguments.http3_stream_window == 65536
    assert arguments.http3_0rtt is True
    assert arguments.http3_retry is True
    defaults = build_parser(environ={}).parse_args(["run", "m:app"])
    assert (defaults.http3, defaults.http3_0rtt, defaults.http3_retry) == (False, False, False)


def test_config_checks_http3_settings(tls_files: tuple[Path, Path, Path]) -> None:
    certfile, keyfile, _ = tls_files
    with pytest.raises(ValueError, match="http3 needs TLS"):
        Config(http3=True)
    with pytest.raises(ValueError, match="quic_port"):
        Config(certfile=certfile, keyfile=keyfile, http3=True, quic_port=70000)
    with pytest.raises(ValueError, match="http3_max_streams"):
        Config(http3_max_streams=0)
    with pytest.raises(ValueError, match="http3_idle_timeout"):
        Config(http3_idle_timeout=0)
    assert Config().http3 is False
    assert Config().http3_0rtt is False
