"""The documentation site's own pages: every Python example runs as pasted, as the READMEs' do.

Each package's guide is its README, included whole (pymdownx.snippets), so those examples are
run by packages/*/tests/test_readme.py; the pages written for the site (docs/**/*.md) are run
here the same way: the fenced ```python blocks, executed in a fresh namespace, each starting
its own httpbin on loopback. mkdocs.yml's --strict build (`nox -s docs`) checks links.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
INCLUDE = re.compile(r'^--8<-- "([^":]+)(?::[\w-]+)?"$', re.MULTILINE)
PAGES = sorted(DOCS.rglob("*.md"))
EXAMPLES = [
    pytest.param(source, id=f"{page.relative_to(DOCS)}:{number}")
    for page in PAGES
    for number, source in enumerate(FENCE.findall(page.read_text(encoding="utf-8")))
]
PACKAGE_GUIDES = {
    "requestx/index.md": "packages/requestx/README.md",
    "aresilient/index.md": "packages/aresilient/README.md",
    "httpy/index.md": "packages/httpy/README.md",
    "http-benchmark/index.md": "packages/http_benchmark/README.md",
}


def test_the_written_guides_have_examples() -> None:
    guides = {page.relative_to(DOCS).as_posix() for page in PAGES if FENCE.search(page.read_text())}
    assert {
        "guides/migrating-from-requests.md",
        "guides/from-httpx-stamina-tenacity.md",
        "guides/deploying-httpy.md",
    } <= guides


@pytest.mark.parametrize("source", EXAMPLES)
def test_example_runs(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(source, "docs example", "exec"), namespace)  # noqa: S102
    assert capsys.readouterr().out  # every example prints what it shows


@pytest.mark.parametrize(("page", "readme"), PACKAGE_GUIDES.items())
def test_each_package_guide_is_its_readme(page: str, readme: str) -> None:
    # The README's examples are the guide's, and its package's test_readme.py runs them.
    assert INCLUDE.findall((DOCS / page).read_text(encoding="utf-8")) == [readme]
    assert (ROOT / readme).is_file()


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s+([\w/.-]+\.md)$", nav, re.MULTILINE))
    assert listed == {page.relative_to(DOCS).as_posix() for page in PAGES}


def test_the_performance_page_shows_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- --8<-- [start:bench-table] -->", "<!-- --8<-- [end:bench-table] -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert "sequential · sync" in table
    assert "concurrent · async" in table
    assert '--8<-- "README.md:bench-table"' in (DOCS / "performance.md").read_text()
