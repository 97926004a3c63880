"""httpy's sources at a git ref, exported for `--httpy-baseline`."""

from __future__ import annotations

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
