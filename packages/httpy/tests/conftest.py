"""Shared by httpy's test folders: their helper modules, and the CLI server fixture."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helper modules (raw-socket client, test apps, wire builders) sit beside the tests that
# use them; test files import them by name.
for folder in ("server", "protocol", "asgi"):
    helpers = str(Path(__file__).parent / folder)
    if helpers not in sys.path:
        sys.path.insert(0, helpers)

from cli_process import ServerProcess, running_cli  # noqa: E402 - needs the path above


@pytest.fixture
def cli_server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_cli(tmp_path, "e2e_apps:app") as server:
        yield server
