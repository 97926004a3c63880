"""The README's Starlette example, served by httpy as the README says, answers as it says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from httpy.asgi import ASGIApp
from httpy.testing import serve_in_thread

README = Path(__file__).parents[2] / "README.md"


def starlette_example() -> Any:
    examples = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    (source,) = [example for example in examples if "Starlette(" in example]
    namespace: dict[str, Any] = {"__name__": "readme_starlette"}
    exec(compile(source, "README.md (ASGI apps)", "exec"), namespace)  # noqa: S102
    return namespace["app"]


def test_the_starlette_example_answers_as_documented() -> None:
    with (
        serve_in_thread(ASGIApp(starlette_example())) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        assert client.get("/hello/ada").json() == {"hello": "ada"}
        assert client.post("/upload", content=iter([b"ab", b"cd"])).json() == {"received": 4}
        assert client.get("/count").text == "0\n1\n2\n"
