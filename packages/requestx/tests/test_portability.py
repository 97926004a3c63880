"""The engine must build for Windows too (release wheels): platform APIs stay behind `cfg`.

No Windows compiler runs here, so this is a static guard over the Rust sources: every use
of a Unix- or Windows-only standard library API sits in an item gated by a `#[cfg(...)]`
naming the platform, a few lines above it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ENGINE_SOURCES = Path(__file__).resolve().parents[3] / "rust" / "requestx" / "src"
PLATFORM_ONLY = re.compile(r"std::os::(unix|fd|windows)|\bAs(Raw)?(Fd|Socket)\b|UnixStream")
PLATFORM_GATE = re.compile(r"#\[cfg(_attr)?\(.*\b(unix|windows)\b")
# How far above a use its gate may be: the attribute, a doc comment line or two, the item.
GATE_REACH = 4


def platform_uses_without_a_gate() -> list[str]:
    found = []
    for source in sorted(ENGINE_SOURCES.glob("*.rs")):
        lines = source.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.lstrip().startswith("//") or not PLATFORM_ONLY.search(line):
                continue
            above = lines[max(0, number - GATE_REACH) : number + 1]
            if not any(PLATFORM_GATE.search(candidate) for candidate in above):
                found.append(f"{source.name}:{number + 1}: {line.strip()}")
    return found


def test_the_engine_sources_exist() -> None:
    assert (ENGINE_SOURCES / "lib.rs").is_file()


def test_platform_only_apis_are_behind_cfg() -> None:
    assert platform_uses_without_a_gate() == []


def test_requestx_imports_without_fork_support() -> None:
    """Windows' `os` has no `register_at_fork`: importing requestx must not need it."""
    # As on Windows: neither fork nor the hook exists (the standard library checks `fork`).
    script = (
        "import os; del os.fork, os.register_at_fork; import requestx; print(requestx.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "requestx"
