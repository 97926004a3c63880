"""Shared by httpy's test folders: their helper modules, and the CLI server fixture."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helper modules (raw-socket client, test apps, wire builders) sit beside the tests that
# use them; test files import them by name.
for folder in ("server", "protocol", "asgi", "http3"):
    helpers = str(Path(__file__).parent / folder)
    if helpers not in sys.path:
        sys.path.insert(0, helpers)

import trustme  # noqa: E402
from cli_process import ServerProcess, running_cli  # noqa: E402 - needs the path above
from h3_server import ThreadedServer, h3_config, threaded_server  # noqa: E402


@pytest.fixture
def cli_server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_cli(tmp_path, "e2e_apps:app") as server:
        yield server


# --- HTTP/3 (tests/http3): the helpers import aioquic only when a test asks for a server ----


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(certificate chain, key, CA) for 127.0.0.1 and localhost."""
    folder = tmp_path_factory.mktemp("h3tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(ca_file))
    return certfile, keyfile, ca_file


@pytest.fixture(scope="session")
def ca_file(tls_files: tuple[Path, Path, Path]) -> Path:
    return tls_files[2]


@pytest.fixture(scope="module")
def h3_server(tls_files: tuple[Path, Path, Path]) -> Iterator[ThreadedServer]:
    """tests/http3/h3_apps.py's app over HTTP/1.1, HTTP/2 and HTTP/3 (64 KiB stream windows)."""
    from h3_apps import app  # noqa: PLC0415 - imports httpy's app only where used

    with threaded_server(app, h3_config(tls_files, http3_stream_window=64 * 1024)) as running:
        yield running
