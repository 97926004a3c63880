"""The machine, interpreter and library versions a run was measured with."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psutil

from http_benchmark.adapters import CLIENT_NAMES, get_adapter

__all__ = ["capture_environment", "git_commit", "wrk_version"]


def git_commit(directory: Path | None = None) -> str | None:
    """HEAD of the checkout `directory` (default: this package's), with `+dirty` if modified."""
    git = shutil.which("git")
    if git is None:
        return None
    where = directory or Path(__file__).resolve().parent
    try:
        head = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+dirty" if dirty else head


def wrk_version() -> str | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    # `wrk -v` prints its version (and usage) and exits non-zero.
    output = subprocess.run(  # noqa: S603 - wrk with a fixed argument
        [wrk, "-v"], capture_output=True, text=True, check=False
    )
    first = (output.stdout or output.stderr).strip().splitlines()
    return first[0] if first else "wrk"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def capture_environment() -> dict[str, Any]:
    clients = {}
    for name in CLIENT_NAMES:
        adapter = get_adapter(name)
        reason = adapter.unavailable_reason()
        clients[name] = {"version": adapter.version() if reason is None else None, "reason": reason}
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "clients": clients,
        "wrk": wrk_version(),
    }
