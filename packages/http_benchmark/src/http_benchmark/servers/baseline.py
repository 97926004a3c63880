"""httpy as it was at a git ref, measured beside today's httpy in the same run.

`git archive REF packages/httpy/src` is unpacked into a folder put first on the server's
PYTHONPATH: the old sources shadow the installed httpy (with the same dependencies), so only
httpy's own code differs between `httpy` and `httpy@REF`.

httpy reads its version from its distribution's metadata, under the distribution name of its
time (`httpy` before the rename to `htk-httpy`), which the installed distribution may not
have: the export therefore carries a small `.dist-info` for the ref's own name and version, so
the old sources find the metadata they ask for (and report the ref's version, not today's).
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

__all__ = ["BaselineError", "export_httpy"]

_EXPORTED = ("packages/httpy/src", "packages/httpy/pyproject.toml")


class BaselineError(RuntimeError):
    """The ref cannot be exported (no git, not a checkout, unknown ref)."""


def export_httpy(ref: str, into: Path, checkout: Path | None = None) -> Path:
    """httpy's sources at `ref` of the checkout `checkout` (default: the current directory's),
    unpacked under `into`: the folder to put on PYTHONPATH."""
    git = shutil.which("git")
    if git is None:
        raise BaselineError("git is not installed: --httpy-baseline needs it")
    where = checkout or Path.cwd()
    try:
        root = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, "-C", str(where), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        archive = subprocess.run(  # noqa: S603 - the ref is an argument, not a shell string
            [git, "-C", root, "archive", ref, *_EXPORTED],
            capture_output=True, check=True, timeout=120,
        ).stdout  # fmt: skip
    except subprocess.CalledProcessError as error:
        stderr = error.stderr
        message = stderr.decode(errors="replace") if isinstance(stderr, bytes) else str(stderr)
        raise BaselineError(f"cannot export httpy at {ref!r}: {message.strip()}") from None
    into.mkdir(parents=True, exist_ok=True)
    tar = shutil.which("tar")
    if tar is None:
        raise BaselineError("tar is not installed: --httpy-baseline needs it")
    subprocess.run([tar, "-x", "-C", str(into)], input=archive, check=True, timeout=120)  # noqa: S603
    package = into / "packages" / "httpy"
    sources = package / "src"
    _write_distribution_metadata(package / "pyproject.toml", sources)
    return sources


def _write_distribution_metadata(pyproject: Path, sources: Path) -> None:
    """A minimal `<name>-<version>.dist-info` beside the sources, from the ref's pyproject."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    name, version = str(project["name"]), str(project["version"])
    folder = sources / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(exist_ok=True)
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    (folder / "METADATA").write_text(metadata, encoding="utf-8")
