"""The layers point one way: protocol/ knows only itself, server/ knows protocol/ and the few
shared modules, never the framework (it runs any StreamApp)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import httpy

PACKAGE = Path(httpy.__file__).parent
# What each layer may import from httpy (modules or packages, by prefix).
ALLOWED = {
    "protocol": ("httpy.protocol",),
    "server": ("httpy.server", "httpy.protocol", "httpy.config", "httpy.body", "httpy.exceptions"),
    # The ASGI adapter is an app side of its own: it runs on the server, never on the framework.
    "asgi": (
        "httpy.asgi",
        "httpy.server",
        "httpy.protocol",
        "httpy.config",
        "httpy.addresses",
        "httpy.exceptions",
    ),
}


def httpy_imports(path: Path) -> set[str]:
    """Every httpy module `path` imports, at run time or for type checking."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name == "httpy" or name.startswith("httpy.")}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_is_below_it(layer: str) -> None:
    modules = sorted((PACKAGE / layer).glob("*.py"))
    assert modules
    wrong = {
        f"{module.name} imports {name}"
        for module in modules
        for name in httpy_imports(module)
        if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED[layer])
    }
    assert not wrong, sorted(wrong)
