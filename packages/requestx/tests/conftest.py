"""Fixtures shared by requestx's test modules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme


@dataclass(frozen=True)
class ServerTlsFiles:
    """A loopback server's certificate (chain, key included), its key, and the CA to trust."""

    cert: Path
    key: Path
    ca: Path


@pytest.fixture(scope="session")
def server_tls_files(tmp_path_factory: pytest.TempPathFactory) -> ServerTlsFiles:
    """One trustme CA and a certificate for 127.0.0.1 and localhost, written once per run."""
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("server-tls")
    issued = ca.issue_cert("127.0.0.1", "localhost")
    files = ServerTlsFiles(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")
    issued.private_key_and_cert_chain_pem.write_to_path(str(files.cert))
    issued.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    return files
