"""`python -m requestx.help`: the versions to paste in a bug report, as `requests.help` gives."""

from __future__ import annotations

import json
import platform
import ssl
import sys
from types import ModuleType
from typing import Any

from requestx import __version__

__all__ = ["info", "main"]


def _optional(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


# Module attributes (not locals) so callers and tests can swap them, as with requests.
idna = _optional("idna")
chardet = _optional("chardet")
charset_normalizer = _optional("charset_normalizer")
cryptography = _optional("cryptography")


def _implementation() -> dict[str, str]:
    name = platform.python_implementation()
    if name == "PyPy":
        pypy = sys.pypy_version_info  # type: ignore[attr-defined]
        version = f"{pypy.major}.{pypy.minor}.{pypy.micro}"
        if pypy.releaselevel != "final":
            version += pypy.releaselevel
    else:
        version = platform.python_version()
    return {"name": name, "version": version}


def _version_of(module: ModuleType | object | None) -> dict[str, str]:
    return {"version": getattr(module, "__version__", "") if module is not None else ""}


def info() -> dict[str, Any]:
    try:
        platform_info = {"system": platform.system(), "release": platform.release()}
    except OSError:
        platform_info = {"system": "Unknown", "release": "Unknown"}
    return {
        "platform": platform_info,
        "implementation": _implementation(),
        "system_ssl": {"version": f"{ssl.OPENSSL_VERSION_NUMBER:x}"},
        # The engine's TLS is rustls, not the interpreter's OpenSSL.
        "tls_backend": "rustls",
        "using_pyopenssl": False,
        "pyOpenSSL": {"version": None, "openssl_version": ""},
        "urllib3": {"version": getattr(_optional("urllib3"), "__version__", "")},
        "chardet": _version_of(chardet),
        "charset_normalizer": _version_of(charset_normalizer),
        "using_charset_normalizer": chardet is None,
        "cryptography": _version_of(cryptography),
        "idna": _version_of(idna),
        "requests": {"version": __version__},
        "requestx": {"version": __version__},
    }


def main() -> None:
    print(json.dumps(info(), sort_keys=True, indent=2))  # noqa: T201 - a command


if __name__ == "__main__":
    main()
