"""loguru set-up. The library logs under `http_benchmark` but stays silent until a program
(the CLI) calls `configure_logging`, as loguru recommends for libraries."""

from __future__ import annotations

import sys

from loguru import logger

__all__ = ["configure_logging"]


def _to_stderr(message: str) -> None:
    # Whatever sys.stderr is when the message is written, not when logging was set up: a
    # program run in-process (tests, CliRunner) swaps stderr and closes its stand-in after.
    sys.stderr.write(message)


def configure_logging(verbosity: int = 0) -> None:
    """Warnings to stderr; `-v` adds progress (INFO), `-vv` everything (DEBUG)."""
    level = "WARNING" if verbosity <= 0 else "INFO" if verbosity == 1 else "DEBUG"
    logger.remove()
    logger.add(_to_stderr, level=level, format="<level>{level: <7}</level> {message}")
    logger.enable("http_benchmark")
