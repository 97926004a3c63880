"""A throwaway certificate for 127.0.0.1 (trustme's CA), for the TLS servers of a run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOST", "Tls", "make_tls"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Tls:
    certfile: Path
    keyfile: Path


def make_tls(workdir: Path) -> Tls:
    """Certificate chain and its key in PKCS#8 (granian reads no other), written to `workdir`.

    The load tools do not verify it (h2load never does; the HTTP/3 client is told not to).
    """
    # Imported here: trustme and cryptography come with the `servers` extra.
    import trustme  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
        Encoding,
        NoEncryption,
        PrivateFormat,
        load_pem_private_key,
    )

    leaf = trustme.CA().issue_cert(HOST, "localhost")
    certfile = workdir / "cert.pem"
    certfile.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key = load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
    keyfile = workdir / "key.pem"
    keyfile.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return Tls(certfile, keyfile)
