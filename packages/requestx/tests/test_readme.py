"""Every Python example in the README runs as pasted (each serves httpbin on loopback)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = {"__name__": f"readme_example_{index}"}
    exec(compile(EXAMPLES[index], f"README.md example {index}", "exec"), namespace)  # noqa: S102
    assert capsys.readouterr().out  # every example prints what it shows
