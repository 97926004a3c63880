"""The release train's one version: where it is written, how to read it and how to move it.

rust/Cargo.toml ([workspace.package] version) is the source: the crate and the requestx wheel
take it from there. The three hatchling packages repeat it in their pyproject.toml, and
http_benchmark pins its siblings to it exactly; `nox -s bump -- X.Y.Z` rewrites all of them and
tests/test_release_train.py fails when any disagrees.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

__all__ = [
    "PURE_PACKAGES",
    "SIBLINGS",
    "SIBLING_PINNING_PACKAGE",
    "cargo_version",
    "pep440_to_cargo",
    "python_version",
    "set_version",
]

PURE_PACKAGES = ("aresilient", "httpy", "http_benchmark")
SIBLING_PINNING_PACKAGE = "http_benchmark"
SIBLINGS = ("htk-aresilient", "htk-httpy", "htk-requestx")

# PEP 440 releases we ship, and their SemVer spelling for Cargo (maturin maps it back).
_RELEASE = re.compile(r"^(?P<base>\d+\.\d+\.\d+)(?:(?P<kind>a|b|rc)(?P<number>\d+))?$")
_CARGO_PRERELEASE = {"a": "alpha", "b": "beta", "rc": "rc"}


def cargo_version(root: Path) -> str:
    """The train's version as written in rust/Cargo.toml."""
    manifest = tomllib.loads((root / "rust" / "Cargo.toml").read_text(encoding="utf-8"))
    version: str = manifest["workspace"]["package"]["version"]
    return version


def python_version(root: Path) -> str:
    """The train's PEP 440 version, as the pure packages' pyproject.toml files carry it."""
    text = (root / "packages" / PURE_PACKAGES[0] / "pyproject.toml").read_text(encoding="utf-8")
    version: str = tomllib.loads(text)["project"]["version"]
    return version


def pep440_to_cargo(version: str) -> str:
    """`1.2.3` -> `1.2.3`, `1.2.3rc1` -> `1.2.3-rc.1`; anything else is refused."""
    match = _RELEASE.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a release version like 1.2.3, 1.2.3a1 or 1.2.3rc1")
    if match["kind"] is None:
        return match["base"]
    return f"{match['base']}-{_CARGO_PRERELEASE[match['kind']]}.{match['number']}"


def set_version(root: Path, version: str) -> None:
    """Write `version` (PEP 440) into every file that carries the train's version."""
    cargo = pep440_to_cargo(version)
    _rewrite(
        root / "rust" / "Cargo.toml",
        r'(\[workspace\.package\][^\[]*?\nversion = ")[^"]*(")',
        cargo,
    )
    for package in PURE_PACKAGES:
        _rewrite(
            root / "packages" / package / "pyproject.toml", r'(\nversion = ")[^"]*(")', version
        )
    pinning = root / "packages" / SIBLING_PINNING_PACKAGE / "pyproject.toml"
    for sibling in SIBLINGS:
        # Every pin of it, with or without extras (`htk-httpy[http3]==...` too).
        _rewrite(pinning, rf'("{sibling}(?:\[[^\]"]*\])?==)[^"]*(")', version, every=True)


def _rewrite(path: Path, pattern: str, value: str, *, every: bool = False) -> None:
    """Put `value` between the two groups of `pattern`'s match: the first match only, or
    with `every` each of them; at least one must be there."""
    text = path.read_text(encoding="utf-8")
    updated, count = re.subn(
        pattern, lambda m: f"{m[1]}{value}{m[2]}", text, count=0 if every else 1
    )
    if count < 1:
        raise LookupError(f"{path}: no version matching {pattern!r} to rewrite")
    path.write_text(updated, encoding="utf-8")
