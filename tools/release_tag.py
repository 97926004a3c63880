"""Does a pushed tag name the release train's version? The release workflow's first job.

    python tools/release_tag.py v0.2.0       # prints version=0.2.0 and prerelease=false

The tag must be `v` + the PEP 440 version every pyproject carries (`nox -s bump` wrote it), the
crate must carry its SemVer spelling, and a final release must have its CHANGELOG.md section
(`nox -s changelog`). Pre-releases (a, b, rc) go to TestPyPI and take their notes from a
towncrier draft, so they need no section. Output lines are `key=value`, for $GITHUB_OUTPUT.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from changelog import ChangelogError, section
from release_version import PURE_PACKAGES, cargo_version, pep440_to_cargo

__all__ = ["ReleaseTagError", "check_tag", "main"]

ROOT = Path(__file__).resolve().parent.parent


class ReleaseTagError(ValueError):
    """The tag cannot be released: the message says what disagrees."""


def _pyproject_version(root: Path, package: str) -> str:
    text = (root / "packages" / package / "pyproject.toml").read_text(encoding="utf-8")
    return str(tomllib.loads(text)["project"]["version"])


def check_tag(root: Path, tag: str) -> tuple[str, bool]:
    """(version, is a pre-release) for `tag`, or ReleaseTagError saying what disagrees."""
    if not tag.startswith("v"):
        raise ReleaseTagError(f"tag {tag!r} does not start with 'v' (v1.2.3, v1.2.3rc1)")
    version = tag[1:]
    try:
        cargo = pep440_to_cargo(version)
    except ValueError as error:
        raise ReleaseTagError(f"tag {tag!r}: {error}") from None
    if cargo_version(root) != cargo:
        raise ReleaseTagError(
            f"tag {tag!r} but rust/Cargo.toml says {cargo_version(root)!r}: "
            f"run `nox -s bump -- {version}` and commit before tagging"
        )
    for package in PURE_PACKAGES:
        declared = _pyproject_version(root, package)
        if declared != version:
            raise ReleaseTagError(f"tag {tag!r} but packages/{package} says {declared!r}")
    prerelease = version != cargo  # only pre-releases are spelled differently for Cargo
    if not prerelease:
        try:
            section((root / "CHANGELOG.md").read_text(encoding="utf-8"), version)
        except ChangelogError as error:
            raise ReleaseTagError(str(error)) from None
    return version, prerelease


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: release_tag.py TAG", file=sys.stderr)
        return 2
    try:
        version, prerelease = check_tag(ROOT, arguments[0])
    except ReleaseTagError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    print(f"version={version}")
    print(f"prerelease={'true' if prerelease else 'false'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
