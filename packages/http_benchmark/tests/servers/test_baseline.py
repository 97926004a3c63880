"""httpy's sources at a git ref, exported for `--httpy-baseline`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from http_benchmark.servers.baseline import BaselineError, export_httpy

HERE = Path(__file__).resolve().parent


def test_head_is_exported_as_an_importable_package(tmp_path: Path) -> None:
    sources = export_httpy("HEAD", tmp_path, checkout=HERE)
    assert (sources / "httpy" / "__init__.py").is_file()
    assert (sources / "httpy" / "protocol").is_dir()


def test_an_unknown_ref_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot export httpy at 'no-such-ref-xyz'"):
        export_httpy("no-such-ref-xyz", tmp_path, checkout=HERE)


def _old_layout_checkout(root: Path) -> Path:
    """A git checkout whose httpy is published as `httpy` (the name before the rename) and
    reads its version from that distribution's metadata, as httpy did then."""
    package = root / "packages" / "httpy"
    (package / "src" / "httpy").mkdir(parents=True)
    (package / "pyproject.toml").write_text('[project]\nname = "httpy"\nversion = "0.0.7"\n')
    (package / "src" / "httpy" / "__init__.py").write_text(
        "from importlib.metadata import version\n__version__ = version('httpy')\n"
    )
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "old layout"], check=True)
    return root


def test_sources_from_before_the_rename_find_their_distribution_metadata(tmp_path: Path) -> None:
    checkout = _old_layout_checkout(tmp_path / "checkout")
    sources = export_httpy("HEAD", tmp_path / "export", checkout=checkout)
    version = subprocess.run(
        [sys.executable, "-c", "import httpy; print(httpy.__version__)"],
        env={**os.environ, "PYTHONPATH": str(sources)},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    assert version == "0.0.7"
