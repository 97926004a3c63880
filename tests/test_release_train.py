"""One version for the whole train: the crate, four packages, and http_benchmark's sibling pins."""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from release_version import (
    PURE_PACKAGES,
    SIBLING_PINNING_PACKAGE,
    SIBLINGS,
    cargo_version,
    pep440_to_cargo,
    set_version,
)

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = ("htk-requestx", "htk-aresilient", "htk-httpy", "htk-http-benchmark")
TRAIN_VERSION = Version(cargo_version(ROOT))


def _pyproject(package: str, root: Path = ROOT) -> dict[str, object]:
    text = (root / "packages" / package / "pyproject.toml").read_text(encoding="utf-8")
    project: dict[str, object] = tomllib.loads(text)["project"]
    return project


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_package_declares_the_train_version(package: str) -> None:
    assert Version(str(_pyproject(package)["version"])) == TRAIN_VERSION


def test_requestx_takes_its_version_from_the_crate() -> None:
    project = _pyproject("requestx")
    assert "version" not in project
    assert project["dynamic"] == ["version"]


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_installed_distribution_has_the_train_version(distribution: str) -> None:
    assert Version(version(distribution)) == TRAIN_VERSION


def test_http_benchmark_pins_its_siblings_to_the_train_version() -> None:
    pins = {
        requirement.name: requirement.specifier
        for requirement in map(Requirement, requires("htk-http-benchmark") or [])
        if requirement.name in SIBLINGS
    }
    assert set(pins) == set(SIBLINGS)
    for specifier in pins.values():
        assert str(specifier) == f"=={TRAIN_VERSION}"


@pytest.mark.parametrize(
    ("pep440", "cargo"),
    [
        ("0.1.0", "0.1.0"),
        ("2.10.3a4", "2.10.3-alpha.4"),
        ("1.0.0b1", "1.0.0-beta.1"),
        ("1.0.0rc12", "1.0.0-rc.12"),
    ],
)
def test_pep440_versions_map_to_cargo_semver(pep440: str, cargo: str) -> None:
    assert pep440_to_cargo(pep440) == cargo


@pytest.mark.parametrize("bad", ["1.0", "1.0.0.post1", "1.0.0-rc1", "v1.0.0", "1.0.0.dev3"])
def test_versions_we_do_not_ship_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a release version"):
        pep440_to_cargo(bad)


def test_set_version_rewrites_every_place(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rust", tmp_path / "rust", ignore=shutil.ignore_patterns("target"))
    shutil.copytree(ROOT / "packages", tmp_path / "packages")

    set_version(tmp_path, "3.4.5rc2")

    assert cargo_version(tmp_path) == "3.4.5-rc.2"
    for package in PURE_PACKAGES:
        assert _pyproject(package, tmp_path)["version"] == "3.4.5rc2"
    project = _pyproject(SIBLING_PINNING_PACKAGE, tmp_path)
    dependencies = project["dependencies"]
    extras = project["optional-dependencies"]
    assert isinstance(dependencies, list)
    assert isinstance(extras, dict)
    requirements = [*dependencies, *(dep for deps in extras.values() for dep in deps)]
    # Every pin of a sibling, with extras or without (`htk-httpy[http3]==...`), moved.
    pins = [dep for dep in requirements if re.match(r"htk-(requestx|aresilient|httpy)\b", dep)]
    assert {re.sub(r"\[.*\]", "", pin) for pin in pins} == {
        "htk-aresilient==3.4.5rc2",
        "htk-httpy==3.4.5rc2",
        "htk-requestx==3.4.5rc2",
    }
    assert any("[" in pin for pin in pins)  # the case that once went unmatched is covered
    # Nothing else in the crate manifests moved: dependency versions keep their own numbers.
    original = (ROOT / "rust" / "Cargo.toml").read_text(encoding="utf-8")
    rewritten = (tmp_path / "rust" / "Cargo.toml").read_text(encoding="utf-8")
    assert rewritten.replace("3.4.5-rc.2", str(cargo_version(ROOT))) == original
