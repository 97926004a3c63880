"""The changelog's fragments (changes/) and the sections the GitHub release takes its notes from."""

from __future__ import annotations

from pathlib import Path

import pytest
from changelog import (
    FRAGMENT_TYPES,
    ChangelogError,
    check_fragments,
    configured_types,
    main,
    section,
)

ROOT = Path(__file__).resolve().parents[1]

CHANGELOG = """# Changelog

<!-- towncrier release notes start -->

## 0.3.0 (2027-01-10)

### Fixed

- A fix.

## 0.2.0 (2026-12-20)

### Added

- A feature ([#19](https://example.org/19)).
"""


def test_towncrier_and_the_checker_agree_on_the_types() -> None:
    assert configured_types() == FRAGMENT_TYPES


def test_the_repository_fragments_are_well_formed() -> None:
    assert check_fragments(ROOT / "changes") == []
    assert main(["check"]) == 0


@pytest.mark.parametrize(
    "name", ["19.added.md", "+faster-cookies.fixed.md", "7.security.md", "19.changed.2.md"]
)
def test_good_fragment_names(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("Something users should know.\n")
    assert check_fragments(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("19.feature.md", "unknown type 'feature'"),
        ("notes.md", "name it <issue>.<type>.md"),
        ("19.added.rst", "name it <issue>.<type>.md"),
        ("+Bad_Slug.added.md", "name it <issue>.<type>.md"),
    ],
)
def test_bad_fragment_names_are_reported(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / name).write_text("text\n")
    (message,) = check_fragments(tmp_path)
    assert problem in message


def test_an_empty_fragment_is_reported(tmp_path: Path) -> None:
    (tmp_path / "3.fixed.md").write_text("\n  \n")
    assert check_fragments(tmp_path) == ["3.fixed.md: empty fragment"]


def test_a_release_section_is_its_own_text_only() -> None:
    assert section(CHANGELOG, "0.2.0") == (
        "### Added\n\n- A feature ([#19](https://example.org/19)).\n"
    )
    assert section(CHANGELOG, "0.3.0") == "### Fixed\n\n- A fix.\n"


def test_a_missing_or_empty_section_is_an_error() -> None:
    with pytest.raises(ChangelogError, match=r"no section for 0\.2\.1"):
        section(CHANGELOG, "0.2.1")
    with pytest.raises(ChangelogError, match=r"no section for 0\.2:"):
        section(CHANGELOG, "0.2")  # a prefix of 0.2.0 is not 0.2.0
    with pytest.raises(ChangelogError, match="is empty"):
        section("## 1.0.0 (2027-01-01)\n\n## 0.9.0\n\n- x\n", "1.0.0")
