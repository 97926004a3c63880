"""The httpy image and the container lifecycle: what runs, as whom, and that nothing is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from http_benchmark.docker_engine import ImageMissingError, connect
from http_benchmark.docker_server import (
    LABEL_PID,
    DockerHttpyServer,
    owner_labels,
    remove_leftovers,
)

Lister = Callable[[int | None], list[str]]


def test_the_image_is_configured_as_the_issue_asks(httpy_image: str) -> None:
    client = connect()
    try:
        config = client.images.get(httpy_image).attrs["Config"]
    finally:
        client.close()
    environment = dict(item.split("=", 1) for item in config["Env"])
    assert config["User"] == "httpy"
    assert "8080/tcp" in config["ExposedPorts"]
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert config["Cmd"] == ["httpy", "run"]
    assert environment["HTTPY_APP"] == "httpy.httpbin:app"
    assert (environment["HTTPY_HOST"], environment["HTTPY_PORT"]) == ("0.0.0.0", "8080")  # noqa: S104


def test_the_default_command_serves_httpbin_on_8080_inside(httpy_image: str) -> None:
    # No network at all (only the container's own loopback): the image's defaults, unchanged.
    client = connect()
    container = client.containers.run(
        httpy_image, detach=True, network_mode="none", labels=owner_labels(),
        healthcheck={"interval": 500_000_000},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            container.reload()
            if container.attrs["State"]["Health"]["Status"] == "healthy":
                break
            time.sleep(0.2)
        assert container.attrs["State"]["Health"]["Status"] == "healthy"
        probe = (
            "import urllib.request; "
            "print(urllib.request.urlopen('http://127.0.0.1:8080/get').read().decode())"
        )
        code, output = container.exec_run(["python", "-c", probe])
        assert code == 0
        assert json.loads(output)["url"] == "http://127.0.0.1:8080/get"
        code, output = container.exec_run(["id", "-u"])
        assert output.decode().strip() == "10001"
    finally:
        container.remove(force=True)
        client.close()


def test_the_benchmark_container_is_healthy_unprivileged_and_on_the_host_network(
    container: DockerHttpyServer,
) -> None:
    client = connect()
    try:
        (found,) = client.containers.list(
            filters={"label": f"{LABEL_PID}={os.getpid()}"}, ignore_removed=True
        )
        attrs = found.attrs
    finally:
        client.close()
    assert attrs["State"]["Health"]["Status"] == "healthy"
    assert attrs["HostConfig"]["NetworkMode"] == "host"
    assert attrs["Config"]["User"] == "httpy"
    assert f"HTTPY_PORT={container.port}" in attrs["Config"]["Env"]
    assert container.describe()["kind"].startswith("httpy container (host network")


def test_the_container_is_removed_after_the_block_even_on_errors(
    httpy_image: str, benchmark_containers: Lister
) -> None:
    before = benchmark_containers(os.getpid())
    server = DockerHttpyServer(image=httpy_image, pin=False, health_interval=1.0)
    during: list[str] = []

    def fail_inside() -> None:
        with server:
            during.extend(benchmark_containers(os.getpid()))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert len(during) == len(before) + 1
    assert benchmark_containers(os.getpid()) == before


def test_a_missing_image_is_a_clear_error_and_no_container_starts(
    benchmark_containers: Lister,
) -> None:
    before = benchmark_containers(os.getpid())
    server = DockerHttpyServer(image="http-toolkit/httpy:no-such-tag-here")
    with pytest.raises(ImageMissingError, match="nox -s images"):
        server.start()
    assert benchmark_containers(os.getpid()) == before


def _start_in_a_child(httpy_image: str, tmp_path: Path) -> subprocess.Popen[str]:
    """A process that starts a container, prints its port, then sleeps until killed."""
    script = tmp_path / "owner.py"
    script.write_text(
        textwrap.dedent(f"""
        import time
        from http_benchmark.docker_server import DockerHttpyServer
        server = DockerHttpyServer(image={httpy_image!r}, pin=False, health_interval=1.0)
        with server:
            print(server.port, flush=True)
            time.sleep(600)
    """)
    )
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    child.stdout.close()  # the port was all it had to say
    assert line.strip().isdigit(), "the child's container did not start"
    return child


# `python -m http_benchmark`, with Python's own Ctrl-C handler installed first: a job started in
# the background by a non-interactive shell (as a CI job may be) inherits SIGINT ignored, and
# Python then leaves it ignored, so the SIGINT case would send a signal nobody handles.
WITH_CTRL_C = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('http_benchmark', run_name='__main__', alter_sys=True)"
)


# Bounds sized for a loaded 2-core machine: the run's worker, the container's stop and its
# removal all wait on the other jobs there (60 s was not enough once, under a build).
@pytest.mark.timeout(360)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_cli_run_removes_its_container(
    httpy_image: str, tmp_path: Path, benchmark_containers: Lister, signum: int
) -> None:
    command = [
        sys.executable, "-c", WITH_CTRL_C, "run", "--server", "docker",
        "--image", httpy_image, "--client", "requests", "--requests", "100000",
        "--rounds", "1", "--ceiling", "off", "--no-pin", "--health-interval", "1",
        "--db", str(tmp_path / "runs.db"),
    ]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while not benchmark_containers(child.pid) and time.monotonic() < deadline:
            assert child.poll() is None, child.communicate()[0]
            time.sleep(0.2)
        assert benchmark_containers(child.pid), "the run never started its container"
        time.sleep(3)  # into the measured rounds
        child.send_signal(signum)
        output = child.communicate(timeout=180)[0]
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0, output
    assert benchmark_containers(child.pid) == []


def test_leftovers_of_a_killed_owner_are_removed_by_the_next_start(
    httpy_image: str, tmp_path: Path, benchmark_containers: Lister
) -> None:
    child = _start_in_a_child(httpy_image, tmp_path)
    child.kill()  # SIGKILL: no cleanup runs in the owner
    child.wait(10)
    assert len(benchmark_containers(child.pid)) == 1
    client = connect()
    try:
        removed = remove_leftovers(client)
    finally:
        client.close()
    assert len(removed) >= 1
    assert benchmark_containers(child.pid) == []


def test_containers_of_a_live_owner_are_kept(
    httpy_image: str, tmp_path: Path, benchmark_containers: Lister
) -> None:
    child = _start_in_a_child(httpy_image, tmp_path)
    try:
        client = connect()
        try:
            remove_leftovers(client)
        finally:
            client.close()
        assert len(benchmark_containers(child.pid)) == 1
    finally:
        child.terminate()  # SIGTERM: Python exits without cleanup, so sweep below
        child.wait(10)
        client = connect()
        try:
            remove_leftovers(client)
        finally:
            client.close()
    assert benchmark_containers(child.pid) == []
