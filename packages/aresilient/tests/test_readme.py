"""Every Python example in the README runs as pasted, against httpy's httpbin on loopback.

The examples name http://127.0.0.1:8000 (where the README tells readers to start httpbin);
here each one runs against a fresh httpbin on a free port, with ARESILIENT_NO_WAIT=1 so their
retries do not wait. Their own asserts check what they claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from httpy.httpbin import app
from httpy.testing import RunningServer, serve_in_thread

README = Path(__file__).parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
README_URL = "http://127.0.0.1:8000"


@pytest.fixture
def fresh_httpbin(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    monkeypatch.setenv("ARESILIENT_NO_WAIT", "1")
    with serve_in_thread(app) as server:
        yield server


def test_the_readme_has_an_example_per_feature() -> None:
    assert len(EXAMPLES) >= 10
    assert all(README_URL in example for example in EXAMPLES if "aresilient" in example)


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index: int, fresh_httpbin: RunningServer) -> None:
    source = EXAMPLES[index].replace(README_URL, fresh_httpbin.url)
    namespace: dict[str, Any] = {"__name__": f"readme_example_{index}"}
    exec(compile(source, f"README.md example {index}", "exec"), namespace)  # noqa: S102
