"""The changelog kept with the code: towncrier fragments in changes/, released into CHANGELOG.md.

    python tools/changelog.py check              # every fragment is well named and not empty
    python tools/changelog.py section 0.2.0      # that release's section (the GitHub release body)

A fragment is `changes/<issue>.<type>.md` (or `+<slug>.<type>.md` when there is no issue), one
change per file, written for users; <type> is one of Keep a Changelog's kinds (FRAGMENT_TYPES,
the same list as [tool.towncrier] in pyproject.toml). `nox -s changelog` folds them into
CHANGELOG.md at release time (RELEASING.md); lint runs `check` and a towncrier draft.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

__all__ = [
    "FRAGMENT_TYPES",
    "ChangelogError",
    "check_fragments",
    "configured_types",
    "section",
]

ROOT = Path(__file__).resolve().parent.parent
FRAGMENT_TYPES = ("added", "changed", "deprecated", "removed", "fixed", "security")
_FRAGMENT = re.compile(r"^(?:\d+|\+[a-z0-9][a-z0-9-]*)\.(?P<type>[a-z]+)(?:\.\d+)?\.md$")
# towncrier's template and README files that live beside the fragments.
_NOT_FRAGMENTS = {".gitignore", "README.md", "template.md"}


class ChangelogError(ValueError):
    """A fragment or the changelog itself is not what the release train expects."""


def configured_types(root: Path = ROOT) -> tuple[str, ...]:
    """The fragment types [tool.towncrier] declares, in its order."""
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return tuple(kind["directory"] for kind in config["tool"]["towncrier"]["type"])


def check_fragments(directory: Path) -> list[str]:
    """Every problem with the fragments in `directory`, one sentence each (empty: all good)."""
    problems: list[str] = []
    for path in sorted(directory.iterdir()):
        if path.name in _NOT_FRAGMENTS:
            continue
        match = _FRAGMENT.match(path.name)
        if match is None:
            problems.append(
                f"{path.name}: name it <issue>.<type>.md or +<slug>.<type>.md "
                f"(type one of {', '.join(FRAGMENT_TYPES)})"
            )
        elif match["type"] not in FRAGMENT_TYPES:
            problems.append(
                f"{path.name}: unknown type {match['type']!r} (one of {', '.join(FRAGMENT_TYPES)})"
            )
        elif not path.read_text(encoding="utf-8").strip():
            problems.append(f"{path.name}: empty fragment")
    return problems


def section(changelog: str, version: str) -> str:
    """The body of `version`'s section in CHANGELOG.md's text (its `## <version>` heading)."""
    heading = re.compile(rf"^## \[?{re.escape(version)}\]?(?:\s|\(|$)", re.MULTILINE)
    found = heading.search(changelog)
    if found is None:
        raise ChangelogError(f"CHANGELOG.md has no section for {version}: run `nox -s changelog`")
    start = changelog.index("\n", found.start()) + 1
    following = re.compile(r"^## ", re.MULTILINE).search(changelog, start)
    body = changelog[start : following.start() if following else len(changelog)].strip()
    if not body:
        raise ChangelogError(f"CHANGELOG.md's section for {version} is empty")
    return body + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check the fragments in changes/")
    show = commands.add_parser("section", help="print one release's section of CHANGELOG.md")
    show.add_argument("version")
    arguments = parser.parse_args(argv)
    if arguments.command == "check":
        if configured_types() != FRAGMENT_TYPES:
            print("[tool.towncrier] types differ from FRAGMENT_TYPES", file=sys.stderr)
            return 1
        problems = check_fragments(ROOT / "changes")
        for problem in problems:
            print(f"changes/{problem}", file=sys.stderr)
        return 1 if problems else 0
    try:
        text = section((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), arguments.version)
    except ChangelogError as error:
        print(error, file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
