"""Instructions per request under callgrind: aresilient.Client / AsyncClient against bare httpx.

    http-benchmark retry-instructions [--clients httpx,aresilient] [--modes sync,async]

CPU time on a shared machine swings by more than the 2% aresilient's success path is allowed
to cost; the instructions a request executes in user space barely move, so they show where a
change helps even when timings cannot. Each (mode, client) runs retry-overhead's worker (the same
clients, checks and sequential keep-alive GETs of a small JSON body from nginx on loopback)
under `valgrind --tool=callgrind` twice, with SHORT and LONG measured requests after the same
warm-up; the difference of the two totals over the difference in requests is the cost of one
request, start-up and warm-up cancelled out.

Needs valgrind and nginx. Reported, never asserted; kernel time (system calls) is not in it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The worker and its clients are retry-overhead's, nginx the client benchmarks' own.
from http_benchmark.nginx.nginx import find_nginx, run_nginx
from http_benchmark.nginx.protocol import SMALL_PATH
from http_benchmark.nginx.retry_overhead import CLIENTS, MODES, _environment, _names

__all__ = ["main"]

SHORT, LONG = 500, 1_500
WARMUP = 300
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def instructions(name: str, mode: str, url: str, requests: int) -> int:
    """User-space instructions of one worker run (callgrind's total)."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "http_benchmark.nginx.retry_overhead",
        "--worker", name, mode, url, str(requests), str(WARMUP),
    ]  # fmt: skip
    # A fixed hash seed: dict and set layouts, and so the instructions, repeat run to run.
    environment = {**_environment(), "PYTHONHASHSEED": "0"}
    finished = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    found = _COLLECTED.search(finished.stderr)
    lines = finished.stdout.strip().splitlines()
    if finished.returncode != 0 or found is None or not lines:
        raise RuntimeError(f"{name} ({mode}) failed under callgrind:\n{finished.stderr[-2000:]}")
    if json.loads(lines[-1])["bad"]:
        raise RuntimeError(f"{name} ({mode}): a response was not nginx's small JSON")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", default="httpx,aresilient", help="comma-separated")
    parser.add_argument("--modes", default=",".join(MODES), help="sync, async or both")
    arguments = parser.parse_args(argv)
    clients = _names(parser, arguments.clients, CLIENTS, "client")
    modes = _names(parser, arguments.modes, MODES, "mode")
    nginx = find_nginx()
    if shutil.which("valgrind") is None or nginx is None:
        print("needs valgrind and nginx (Debian: apt-get install valgrind nginx)")
        return 1
    with tempfile.TemporaryDirectory() as root, run_nginx(nginx, Path(root), None) as server:
        url = server.base_url + SMALL_PATH
        for mode in modes:
            per_request: dict[str, float] = {}
            for name in clients:
                short = instructions(name, mode, url, SHORT)
                long = instructions(name, mode, url, LONG)
                per_request[name] = (long - short) / (LONG - SHORT)
                ratio = ""
                if "httpx" in per_request and name != "httpx":
                    ratio = f"  ({per_request[name] / per_request['httpx']:.4f}x httpx)"
                print(f"{mode:5} {name:14} {per_request[name]:10,.0f} instructions/request{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
