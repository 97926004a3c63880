"""tools/release_tag.py: a tag is released only when it names the train's version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from release_tag import ReleaseTagError, check_tag, main
from release_version import set_version

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def train(tmp_path: Path) -> Path:
    """A copy of the files that carry the version, at 1.2.3, with a changelog section."""
    shutil.copytree(ROOT / "rust", tmp_path / "rust", ignore=shutil.ignore_patterns("target"))
    shutil.copytree(ROOT / "packages", tmp_path / "packages", ignore=shutil.ignore_patterns(
        "tests", "target", "__pycache__"))  # fmt: skip
    set_version(tmp_path, "1.2.3")
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n<!-- towncrier release notes start -->\n\n"
        "## 1.2.3 (2026-12-05)\n\n### Added\n\n- Something.\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_final_release(train: Path) -> None:
    assert check_tag(train, "v1.2.3") == ("1.2.3", False)


def test_a_prerelease_needs_no_changelog_section(train: Path) -> None:
    set_version(train, "1.3.0rc1")
    assert check_tag(train, "v1.3.0rc1") == ("1.3.0rc1", True)


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("1.2.3", "does not start with 'v'"),
        ("v1.2", "is not a release version"),
        ("v1.2.3-rc.1", "is not a release version"),
        ("v1.2.4", "rust/Cargo.toml says '1.2.3'"),
    ],
)
def test_a_tag_that_is_not_the_train_version_is_refused(
    train: Path, tag: str, message: str
) -> None:
    with pytest.raises(ReleaseTagError, match=message):
        check_tag(train, tag)


def test_a_package_left_behind_is_named(train: Path) -> None:
    pyproject = train / "packages" / "httpy" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.2.3"', 'version = "1.2.2"'))
    with pytest.raises(ReleaseTagError, match=r"packages/httpy says '1\.2\.2'"):
        check_tag(train, "v1.2.3")


def test_a_final_release_without_its_changelog_section_is_refused(train: Path) -> None:
    (train / "CHANGELOG.md").write_text("# Changelog\n", encoding="utf-8")
    with pytest.raises(ReleaseTagError, match=r"no section for 1\.2\.3"):
        check_tag(train, "v1.2.3")


def test_the_command_prints_github_outputs_or_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["v0.0.0-not-a-version"]) == 1
    assert "::error::" in capsys.readouterr().err
    assert main([]) == 2
