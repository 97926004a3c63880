"""The httpy image and a container of it for the integration tests.

The image is HTTP_BENCHMARK_IMAGE when set (`nox -s tests` builds it first) or else built or
reused here by tools/images.py, as nox would. Every test of this folder needs a Docker engine:
without one they are skipped, with the engine's answer as the reason. An engine that answers
but cannot build the image fails them: that is a bug, not a missing tool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from http_benchmark.docker_engine import connect, engine_problem
from http_benchmark.docker_server import LABEL_PID, LABEL_ROLE, ROLE, DockerHttpyServer

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="session")
def httpy_image(tmp_path_factory: pytest.TempPathFactory) -> str:
    problem = engine_problem()
    if problem is not None:
        pytest.skip(f"the integration tests run the httpy image, and {problem}")
    image = os.environ.get("HTTP_BENCHMARK_IMAGE")
    if image:
        return image
    tag_file = tmp_path_factory.mktemp("images") / "tags.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "images.py"), "httpy", "--tag-file", str(tag_file)],
        capture_output=True, text=True, timeout=1800, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"tools/images.py could not build the httpy image:\n{result.stderr[-3000:]}")
    tag: str = json.loads(tag_file.read_text())["httpy"]
    return tag


@pytest.fixture(scope="session")
def container(httpy_image: str) -> Iterator[DockerHttpyServer]:
    """One container for the session: host network, httpy on 127.0.0.1, health every second."""
    # Unpinned: CPU 0 may be busy with other tests' servers; pinning is for real runs.
    server = DockerHttpyServer(image=httpy_image, pin=False, health_interval=1.0)
    with server:
        yield server


@pytest.fixture(scope="session")
def benchmark_containers() -> Callable[[int | None], list[str]]:
    """Lists the benchmark's containers on the engine, all or those of one owner pid."""
    return _benchmark_containers


def _benchmark_containers(pid: int | None = None) -> list[str]:
    """Names of the benchmark's containers on the engine (of one owner pid, if given)."""
    client = connect()
    try:
        label = f"{LABEL_ROLE}={ROLE}"
        found = client.containers.list(all=True, filters={"label": label}, ignore_removed=True)
        return [
            str(item.name)
            for item in found
            if pid is None or (item.labels or {}).get(LABEL_PID) == str(pid)
        ]
    finally:
        client.close()
