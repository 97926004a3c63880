"""`HTTPY_*` variables set the `httpy run` options' defaults; flags still win."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from httpy import Config, cli
from httpy.cli import _origins, build_parser


def parse(environ: dict[str, str], *argv: str) -> argparse.Namespace:
    return build_parser(environ).parse_args(["run", *argv])


def test_without_variables_the_config_defaults_stand() -> None:
    arguments = parse({}, "httpy.httpbin:app")
    assert (arguments.host, arguments.port, arguments.access_log) == ("127.0.0.1", 8000, False)


def test_variables_become_defaults_converted_like_flags() -> None:
    arguments = parse(
        {
            "HTTPY_APP": "httpy.httpbin:app",
            "HTTPY_HOST": "0.0.0.0",  # noqa: S104 - only parsed here, nothing binds
            "HTTPY_PORT": "8080",
            "HTTPY_MAX_BODY_SIZE": "65536",
            "HTTPY_KEEP_ALIVE_TIMEOUT": "2.5",
            "HTTPY_ACCESS_LOG": "true",
            "HTTPY_LOG_LEVEL": "warning",
            "HTTPY_CERTFILE": "/tmp/cert.pem",  # noqa: S108 - a path that is only parsed
        }
    )
    assert arguments.app == "httpy.httpbin:app"
    assert (arguments.host, arguments.port) == ("0.0.0.0", 8080)  # noqa: S104
    assert arguments.max_body_size == 65536
    assert arguments.keep_alive_timeout == 2.5
    assert arguments.access_log is True
    assert arguments.log_level == "warning"
    assert arguments.certfile == Path("/tmp/cert.pem")  # noqa: S108


def test_flags_win_over_variables() -> None:
    arguments = parse({"HTTPY_PORT": "8080", "HTTPY_APP": "a:b"}, "c:d", "--port", "9000")
    assert (arguments.app, arguments.port) == ("c:d", 9000)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HTTPY_PORT", "eighty", "invalid int value: 'eighty'"),
        ("HTTPY_LOG_LEVEL", "loud", "HTTPY_LOG_LEVEL='loud': expected one of debug, info"),
        ("HTTPY_ACCESS_LOG", "maybe", "HTTPY_ACCESS_LOG='maybe': expected 1/0"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(
    name: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse({name: value}, "httpy.httpbin:app")
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_app_is_required_from_one_place_or_the_other() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httpy", "run"],
        capture_output=True, text=True, timeout=30, check=False,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "MODULE:APP (or set HTTPY_APP)" in result.stderr


def test_a_server_configured_only_by_variables_serves(tmp_path: Path) -> None:
    # What the container image does: `httpy run` with HTTPY_APP, HTTPY_HOST and HTTPY_PORT.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "httpy", "run"],
            stdout=output, stderr=subprocess.STDOUT,
            env={"HTTPY_APP": "httpy.httpbin:app", "HTTPY_HOST": "127.0.0.1",
                 "HTTPY_PORT": str(port), "HTTPY_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        try:
            answer = _get_when_up(f"http://127.0.0.1:{port}/get?via=env")
            assert answer.json()["args"] == {"via": "env"}
        finally:
            process.terminate()
            process.wait(15)


def _get_when_up(url: str, attempts: int = 200) -> requests.Response:
    for _ in range(attempts):
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answered at {url}")


def test_connection_bounds_have_flags_and_variables() -> None:
    arguments = parse(
        {"HTTPY_LIMIT_CONNECTIONS": "50", "HTTPY_LINGER_TIMEOUT": "0"},
        "a:b", "--write-timeout", "3", "--tls-handshake-timeout", "2.5",
    )  # fmt: skip
    assert arguments.limit_connections == 50
    assert (arguments.write_timeout, arguments.tls_handshake_timeout) == (3.0, 2.5)
    assert arguments.linger_timeout == 0.0
    assert parse({}, "a:b").limit_connections is None  # derived from the descriptor limit


def test_http2_is_on_by_default_and_has_a_switch_and_limits() -> None:
    assert parse({}, "a:b").http2 is True
    assert parse({}, "a:b", "--no-http2").http2 is False
    assert parse({"HTTPY_HTTP2": "0"}, "a:b").http2 is False
    arguments = parse(
        {"HTTPY_HTTP2_MAX_RESETS": "50"}, "a:b", "--http2-max-concurrent-streams", "8"
    )
    assert (arguments.http2_max_concurrent_streams, arguments.http2_max_resets) == (8, 50)


def test_websocket_knobs_have_flags_and_variables() -> None:
    arguments = parse(
        {"HTTPY_WS_PING_INTERVAL": "5", "HTTPY_WS_ALLOWED_ORIGINS": "https://a.test,https://b.test"},
        "a:b", "--ws-max-message-size", "4096", "--no-ws-per-message-deflate",
    )  # fmt: skip
    assert (arguments.ws_ping_interval, arguments.ws_max_message_size) == (5.0, 4096)
    assert arguments.ws_per_message_deflate is False
    assert _origins(arguments.ws_allowed_origins) == ("https://a.test", "https://b.test")
    flagged = parse({}, "a:b", "--ws-allowed-origin", "https://c.test")
    assert _origins(flagged.ws_allowed_origins) == ("https://c.test",)
    assert _origins(parse({}, "a:b").ws_allowed_origins) is None


def test_main_hands_every_flag_to_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[object] = []
    monkeypatch.setattr(cli, "serve_app", lambda _app, config: served.append(config))
    argv = [
        "run", "httpy.httpbin:app", "--max-body-size", "77", "--http2-max-resets", "9",
        "--ws-ping-interval", "1.5", "--linger-timeout", "0", "--limit-connections", "3",
        "--no-http2", "--no-ws-per-message-deflate", "--ws-allowed-origin", "https://a.test",
        "--proxy-headers", "--root-path", "/api",
    ]  # fmt: skip
    assert cli.main(argv) == 0
    (config,) = served
    assert isinstance(config, Config)
    assert (config.max_body_size, config.http2_max_resets, config.ws_ping_interval) == (77, 9, 1.5)
    assert (config.linger_timeout, config.limit_connections, config.http2) == (0.0, 3, False)
    assert config.ws_per_message_deflate is False
    assert config.ws_allowed_origins == ("https://a.test",)
    assert (config.proxy_headers, config.root_path) == (True, "/api")
