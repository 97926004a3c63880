"""BenchmarkConfiguration from arguments, HTTP_BENCHMARK_* variables and TOML, validated."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from http_benchmark.config import BenchmarkConfiguration, ConfigurationError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HTTP_BENCHMARK_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    config = BenchmarkConfiguration.load()
    assert config.requests == 1000
    assert config.duration is None
    assert config.modes == ["sync"]
    assert "null" not in config.clients
    assert set(config.clients) == {
        "requests", "requestx", "httpx", "aiohttp", "urllib3", "pycurl", "aresilient",
        "niquests",
    }  # fmt: skip


def test_environment_with_comma_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_BENCHMARK_CONCURRENCY", "1,16,64")
    monkeypatch.setenv("HTTP_BENCHMARK_CLIENTS", "requests, httpx")
    monkeypatch.setenv("HTTP_BENCHMARK_ROUNDS", "7")
    monkeypatch.setenv("HTTP_BENCHMARK_HEADERS", '{"X-Token": "t"}')
    config = BenchmarkConfiguration.load()
    assert config.concurrency == [1, 16, 64]
    assert config.clients == ["requests", "httpx"]
    assert config.rounds == 7
    assert config.headers == {"X-Token": "t"}


def test_toml_then_environment_then_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "bench.toml"
    toml.write_text(
        'url = "http://127.0.0.1:8080/get"\nrounds = 3\nwarmup = 10\n'
        'concurrency = [2, 4]\nmodes = ["sync", "async"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HTTP_BENCHMARK_ROUNDS", "9")
    config = BenchmarkConfiguration.load(toml, warmup=20)
    assert config.url == "http://127.0.0.1:8080/get"
    assert config.concurrency == [2, 4]
    assert config.modes == ["sync", "async"]
    assert config.rounds == 9  # environment beats the file
    assert config.warmup == 20  # arguments beat both


def test_header_lines_from_the_command_line() -> None:
    config = BenchmarkConfiguration.load(headers=["X-A: 1", "Authorization: Bearer x:y"])
    assert config.headers == {"X-A": "1", "Authorization": "Bearer x:y"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"requests": 10, "duration": 5}, "either requests or duration per round, not both"),
        ({"concurrency": "1,0"}, "concurrency: concurrency 0 is outside 1..1024"),
        ({"clients": ["requests", "curl"]}, "clients: unknown client curl (known: requests,"),
        ({"url": "ftp://example"}, "url: 'ftp://example' is not an http:// or https:// URL"),
        ({"method": "GE T"}, "method: 'GE T' is not an HTTP method name"),
        ({"rounds": 0}, "rounds: must be at least 1"),
        ({"modes": ["sync", "threads"]}, "modes.1: Input should be 'sync' or 'async'"),
        ({"scenarios": ["nope"]}, "scenarios: unknown scenario nope (known: sequential,"),
        ({"headers": ["no colon"]}, "headers: header 'no colon' is not 'Name: value'"),
        ({"body": "x", "body_file": "f"}, "either body or body_file, not both"),
        ({"timeout": 0}, "timeout: must be more than 0 seconds"),
        ({"url": "http://127.0.0.1:1/get", "scenarios": ["sweep"]}, "scenarios bring their own"),
        ({"rouns": 3}, "rouns: Extra inputs are not permitted"),
    ],
)
def test_invalid_settings_say_which_and_why(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        BenchmarkConfiguration.load(**values)
    assert str(caught.value).startswith("invalid configuration:")
    assert message in str(caught.value)


def test_missing_toml_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        BenchmarkConfiguration.load(tmp_path / "nope.toml")


def test_body_file_is_read_as_bytes(tmp_path: Path) -> None:
    body = tmp_path / "body.bin"
    body.write_bytes(b"\x00\xffdata")
    assert BenchmarkConfiguration.load(body_file=body).request_body() == b"\x00\xffdata"
    assert BenchmarkConfiguration.load(body="é").request_body() == "é".encode()


def test_protocols_and_client_interpreters_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    python = tmp_path / "python"
    python.write_text("")
    monkeypatch.setenv("HTTP_BENCHMARK_PROTOCOLS", "h1,h2, h3")
    monkeypatch.setenv("HTTP_BENCHMARK_TLS", "true")
    monkeypatch.setenv("HTTP_BENCHMARK_CLIENT_PYTHON", f"niquests={python}")
    config = BenchmarkConfiguration.load()
    assert config.protocols == ["h1-tls", "h2", "h3"]
    assert config.client_python == {"niquests": python}
    with pytest.raises(ConfigurationError, match="'niquests' is not 'client=/path/to/python'"):
        BenchmarkConfiguration.load(client_python=["niquests"])
    with pytest.raises(ConfigurationError, match="rate: must be more than 0"):
        BenchmarkConfiguration.load(rate=0)
