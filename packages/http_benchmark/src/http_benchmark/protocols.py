"""The wire protocols a run can measure, and the throwaway TLS material they need.

A protocol is one of `h1` (HTTP/1.1 on cleartext), `h1-tls` (HTTP/1.1 over TLS), `h2` (HTTP/2
over TLS, by ALPN), `h2c` (HTTP/2 on cleartext, by prior knowledge) and `h3` (HTTP/3 over QUIC,
which is always TLS). The CLI's `--protocol h1 --tls` is `h1-tls`; h2 and h3 imply TLS.

For the TLS protocols the server gets a certificate from a CA made for the run (trustme), and
every client verifies against that CA: verification is never turned off to make TLS work.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, get_args

__all__ = [
    "PROTOCOLS",
    "ProtocolName",
    "TlsMaterial",
    "describe",
    "is_tls",
    "normalize",
    "wire_version",
]

ProtocolName = Literal["h1", "h1-tls", "h2", "h2c", "h3"]
PROTOCOLS: tuple[ProtocolName, ...] = get_args(ProtocolName)

_TLS: frozenset[str] = frozenset({"h1-tls", "h2", "h3"})
# What a client reports for a response on each protocol: 11, 20 or 30 (as niquests and
# requestx do; the adapters map their own forms onto these).
_WIRE = {"h1": 11, "h1-tls": 11, "h2": 20, "h2c": 20, "h3": 30}
_LABELS = {
    "h1": "HTTP/1.1",
    "h1-tls": "HTTP/1.1 over TLS",
    "h2": "HTTP/2 over TLS",
    "h2c": "HTTP/2 cleartext (prior knowledge)",
    "h3": "HTTP/3 over QUIC",
}


def is_tls(protocol: str) -> bool:
    return protocol in _TLS


def wire_version(protocol: str) -> int:
    """11, 20 or 30: the version a response on `protocol` must have come with."""
    return _WIRE[protocol]


def describe(protocol: str) -> str:
    return _LABELS.get(protocol, protocol)


def normalize(protocol: str, *, tls: bool) -> ProtocolName:
    """`h1` with `tls` is `h1-tls`; h2 and h3 are TLS anyway; `h2c` cannot be. ValueError if bad."""
    name = protocol.strip().lower()
    if name not in _WIRE:
        raise ValueError(f"unknown protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
    if tls and name == "h2c":
        raise ValueError("h2c is HTTP/2 on cleartext: it cannot go with --tls (use h2)")
    if tls and name == "h1":
        return "h1-tls"
    checked: ProtocolName = name  # type: ignore[assignment]  # membership checked above
    return checked


@dataclass
class TlsMaterial:
    """A CA and a certificate for 127.0.0.1/localhost in a temporary folder, removed on close.

    The files are world-readable (0644) so the httpy image, which runs as an unprivileged
    user, can read them from a read-only mount; the key is a throwaway made for one run.
    """

    folder: Path
    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def create(cls) -> Self:
        import trustme  # noqa: PLC0415 - only runs with a TLS protocol need it

        folder = Path(tempfile.mkdtemp(prefix="http-benchmark-tls-"))
        folder.chmod(0o755)
        ca = trustme.CA()
        certificate = ca.issue_cert("127.0.0.1", "localhost", "::1")
        material = cls(
            folder=folder,
            ca_file=folder / "ca.pem",
            cert_file=folder / "cert.pem",
            key_file=folder / "key.pem",
        )
        ca.cert_pem.write_to_path(str(material.ca_file))
        certificate.cert_chain_pems[0].write_to_path(str(material.cert_file))
        for extra in certificate.cert_chain_pems[1:]:
            extra.write_to_path(str(material.cert_file), append=True)
        certificate.private_key_pem.write_to_path(str(material.key_file))
        for path in (material.ca_file, material.cert_file, material.key_file):
            path.chmod(0o644)
        return material

    def close(self) -> None:
        for path in (self.ca_file, self.cert_file, self.key_file):
            path.unlink(missing_ok=True)
        self.folder.rmdir()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
