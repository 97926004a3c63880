"""Every Python example in the README runs as pasted (each serves httpbin on loopback).

Each runs as a program of its own in a new interpreter: one example calls
`requestx.install()`, which changes what `import requests` gives for the whole process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index: int) -> None:
    # The same imports as this process: requestx and httpy from wherever they come here.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("REQUESTX_MODE", None)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", EXAMPLES[index]],
        capture_output=True,
        text=True,
        env=env,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, f"README.md example {index}:\n{done.stderr}"
    assert done.stdout  # every example prints what it shows
