"""Which server a run gets, and the container's settings, decided without a Docker engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from http_benchmark.config import BenchmarkConfiguration, ConfigurationError
from http_benchmark.docker_server import (
    CONTAINER_PORT,
    DEFAULT_IMAGE,
    LABEL_HOST,
    LABEL_PID,
    LABEL_ROLE,
    LABEL_STARTED,
    ROLE,
    DockerHttpyServer,
    _owner_alive,
    owner_labels,
)
from http_benchmark.server import ExternalServer, LocalHttpyServer
from http_benchmark.server_selection import select_server


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_BENCHMARK_SERVER", "HTTP_BENCHMARK_IMAGE"):
        monkeypatch.delenv(name, raising=False)


def _never_asked(image: str) -> str | None:
    raise AssertionError(f"Docker was consulted about {image}")


def test_a_url_is_an_external_server_whatever_the_server_setting() -> None:
    config = BenchmarkConfiguration.load(url="http://127.0.0.1:9/get", server="docker")
    choice = select_server(config, docker_problem=_never_asked)
    assert isinstance(choice.provider, ExternalServer)
    assert choice.provider.base_url == "http://127.0.0.1:9"
    assert choice.note is None


def test_local_is_local_without_asking_docker() -> None:
    choice = select_server(BenchmarkConfiguration.load(server="local"), docker_problem=_never_asked)
    assert isinstance(choice.provider, LocalHttpyServer)
    assert choice.note is None


def test_docker_is_docker_with_the_configured_knobs() -> None:
    config = BenchmarkConfiguration.load(
        server="docker", image="example/httpy:1", docker_network="bridge",
        startup_timeout=12, health_interval=0.5, pin_cpus=False,
    )  # fmt: skip
    provider = select_server(config, docker_problem=_never_asked).provider
    assert isinstance(provider, DockerHttpyServer)
    assert (provider.image, provider.network, provider.pin) == ("example/httpy:1", "bridge", False)
    assert (provider.startup_timeout, provider.health_interval) == (12, 0.5)


def test_auto_is_the_default_and_takes_docker_when_it_can_serve() -> None:
    config = BenchmarkConfiguration.load()
    assert (config.server, config.image) == ("auto", DEFAULT_IMAGE)
    asked: list[str] = []

    def fine(image: str) -> str | None:
        asked.append(image)
        return None

    choice = select_server(config, docker_problem=fine)
    assert isinstance(choice.provider, DockerHttpyServer)
    assert asked == [DEFAULT_IMAGE]
    assert choice.note is None


def test_auto_falls_back_to_a_local_process_and_says_why() -> None:
    choice = select_server(
        BenchmarkConfiguration.load(), docker_problem=lambda _image: "no Docker engine answers"
    )
    assert isinstance(choice.provider, LocalHttpyServer)
    assert choice.note == (
        "server: a local httpy process, not the Docker image, because no Docker engine answers"
    )


def test_the_cli_says_so_when_it_falls_back(tmp_path: Path) -> None:
    # A DOCKER_HOST where nothing listens (a socket file that does not exist): no engine.
    environment = {
        **os.environ,
        "DOCKER_HOST": "unix:///nonexistent/docker.sock",
        "COLUMNS": "200",
    }
    environment.pop("HTTP_BENCHMARK_IMAGE", None)
    result = subprocess.run(
        [sys.executable, "-m", "http_benchmark", "run", "--client", "null", "--rounds", "1",
         "--requests", "50", "--ceiling", "off", "--no-pin", "--db", f"{tmp_path}/x.db"],
        capture_output=True, text=True, timeout=120, check=False, env=environment,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "server: a local httpy process, not the Docker image, because no Docker engine" in (
        result.stdout
    )
    assert "server: local httpy process http://127.0.0.1:" in result.stdout


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("server", "podman", "server: Input should be 'auto', 'docker' or 'local'"),
        ("docker_network", "overlay", "docker_network: Input should be 'host' or 'bridge'"),
        ("health_interval", 0, "health_interval: must be more than 0 seconds"),
    ],
)
def test_bad_server_settings_are_refused(setting: str, value: object, message: str) -> None:
    values: dict[str, Any] = {setting: value}
    with pytest.raises(ConfigurationError, match=message):
        BenchmarkConfiguration.load(**values)


def test_host_network_binds_loopback_on_the_chosen_port() -> None:
    server = DockerHttpyServer(image="x", pin=False, health_interval=2.0, startup_timeout=30)
    server.port = 41234
    options = server.container_options()
    assert options["network_mode"] == "host"
    assert "cpuset_cpus" not in options
    assert options["healthcheck"] == {"interval": 2_000_000_000, "start_period": 30_000_000_000}
    assert options["labels"][LABEL_ROLE] == ROLE
    environment = server.environment()
    assert (environment["HTTPY_HOST"], environment["HTTPY_PORT"]) == ("127.0.0.1", "41234")
    assert environment["HTTPY_APP"] == "http_benchmark_app:app"
    assert server.base_url == "http://127.0.0.1:41234"


def test_bridge_network_serves_8080_inside_and_is_reached_on_loopback() -> None:
    server = DockerHttpyServer(image="x", network="bridge", pin=False)
    server.port = 41235
    assert "network_mode" not in server.container_options()
    environment = server.environment()
    assert environment["HTTPY_HOST"] == "0.0.0.0"  # noqa: S104 - the container's own namespace
    assert environment["HTTPY_PORT"] == str(CONTAINER_PORT)
    assert server.base_url == "http://127.0.0.1:41235"


def test_an_unknown_network_is_refused() -> None:
    with pytest.raises(ValueError, match="host or bridge"):
        DockerHttpyServer(network="overlay")  # type: ignore[arg-type]


def test_owner_labels_name_this_process_and_only_it() -> None:
    labels = owner_labels()
    assert labels[LABEL_PID] == str(os.getpid())
    assert labels[LABEL_HOST]
    assert _owner_alive(labels)
    # A recycled pid: same number, later start.
    assert not _owner_alive({**labels, LABEL_STARTED: str(float(labels[LABEL_STARTED]) - 60)})
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    assert not _owner_alive({**labels, LABEL_PID: finished.stdout.strip()})
    assert not _owner_alive({LABEL_ROLE: ROLE})
