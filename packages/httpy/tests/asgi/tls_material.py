"""TLS material from a throwaway CA (trustme), for the ASGI tests over HTTPS and h2."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import trustme


class TLSFiles(NamedTuple):
    certfile: Path
    keyfile: Path
    ca_file: Path


def issue(folder: Path) -> TLSFiles:
    """A certificate for 127.0.0.1 and localhost, its key, and the CA that signed it."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TLSFiles(folder / "cert.pem", folder / "key.pem", folder / "ca.pem")
    cert.private_key_and_cert_chain_pem.write_to_path(str(files.certfile))
    cert.private_key_pem.write_to_path(str(files.keyfile))
    ca.cert_pem.write_to_path(str(files.ca_file))
    return files
