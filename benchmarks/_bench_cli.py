"""Command-line options shared by httpy's benchmark commands (httpy_h2.py, websocket_echo.py).

The interleaved-rounds options every command has (`--rounds`, `--duration`, `--seed`), their
checks, and a comma-separated choice of names (`--servers httpy,hypercorn`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

__all__ = ["add_round_options", "add_servers_option", "check_positive", "comma_names"]


def comma_names(known: Sequence[str]) -> Callable[[str], list[str]]:
    """An argparse `type=` taking some of `known`, comma-separated, in order, each once."""

    def parse(value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"{', '.join(unknown) or 'no name'} given; choose from {', '.join(known)}"
            )
        return list(dict.fromkeys(names))

    return parse


def add_round_options(parser: argparse.ArgumentParser, duration_help: str) -> None:
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help=duration_help)
    parser.add_argument("--seed", type=int, default=2024, help="of the per-round shuffles")


def add_servers_option(parser: argparse.ArgumentParser, servers: Sequence[str]) -> None:
    """`--servers a,b`: some of `servers`, all by default."""
    parser.add_argument(
        "--servers",
        type=comma_names(servers),
        default=list(servers),
        help=f"comma-separated, of {','.join(servers)} (default: all)",
    )


def check_positive(
    parser: argparse.ArgumentParser, arguments: argparse.Namespace, *counts: str
) -> None:
    """Refuse a zero or negative `--duration` or count (`"rounds"`, `"clients"`...)."""
    if min(getattr(arguments, name) for name in counts) < 1:
        flags = [f"--{name.replace('_', '-')}" for name in counts]
        parser.error(f"{', '.join(flags[:-1])} and {flags[-1]} must be at least 1")
    if arguments.duration <= 0:
        parser.error("--duration must be positive")
