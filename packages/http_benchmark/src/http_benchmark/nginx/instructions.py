"""Instructions per small synchronous GET, counted by callgrind: requestx against pycurl.

    http-benchmark instructions [--clients requestx,pycurl,...] [--https]

CPU time on a shared VM swings by tens of percent between runs; the instructions a request
executes in user space barely move, so they show where a change helps even when timings
cannot. Each client runs the nginx worker's sync scenario (the same session and checks
as `nginx-clients`) under `valgrind --tool=callgrind` twice, with SHORT and LONG timed requests
after the same warm-up; the difference of the two totals over the difference in requests is
the cost of one request on a kept-alive connection, start-up and warm-up cancelled out.

`--https` runs the https-sync scenario instead (TLS 1.3, HTTP/1.1, the CA verified).

Needs valgrind and nginx. Reported, never asserted; kernel time (system calls) is not in it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from http_benchmark.nginx.nginx import Nginx, find_nginx, run_nginx
from http_benchmark.nginx.protocol import Job, Outcome, Scenario

__all__ = ["main"]

WORKER = "http_benchmark.nginx.worker"
SHORT, LONG = 1_000, 3_000
WARMUP = 500
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _instructions(client: str, server: Nginx, requests: int, *, https: bool) -> int:
    """User-space instructions of one worker run (callgrind's total)."""
    scenario: Scenario = "https-sync" if https else "sync"
    job = Job(
        scenario=scenario, client=client,
        base_url=server.https_url if https else server.base_url, requests=requests,
        warmup=WARMUP, concurrency=1, pool_size=1,
        ca_file=str(server.tls.ca_file) if server.tls else None,
    )  # fmt: skip
    finished = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", WORKER, job.to_json(),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = _COLLECTED.search(finished.stderr)
    lines = finished.stdout.strip().splitlines()
    outcome = Outcome.from_json(lines[-1]) if lines else Outcome(error="no outcome printed")
    if outcome.skipped:
        raise RuntimeError(f"{client}: skipped ({outcome.skipped})")
    if finished.returncode != 0 or found is None or outcome.error:
        raise RuntimeError(
            f"{client}: the run under callgrind failed: {outcome.error}\n{finished.stderr[-2000:]}"
        )
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", default="requestx,pycurl", help="comma-separated")
    parser.add_argument("--https", action="store_true", help="over TLS 1.3 (HTTP/1.1)")
    arguments = parser.parse_args(argv)
    nginx = find_nginx()
    if shutil.which("valgrind") is None or nginx is None:
        print("needs valgrind and nginx (Debian: apt-get install valgrind nginx)")
        return 1
    clients = [name.strip() for name in arguments.clients.split(",") if name.strip()]
    per_request: dict[str, float] = {}
    https = bool(arguments.https)
    with (
        tempfile.TemporaryDirectory() as root,
        run_nginx(nginx, Path(root), None, tls=https) as server,
    ):
        for client in clients:
            short = _instructions(client, server, SHORT, https=https)
            long = _instructions(client, server, LONG, https=https)
            per_request[client] = (long - short) / (LONG - SHORT)
            print(f"{client:10} {per_request[client]:10,.0f} instructions per request")
    if "requestx" in per_request and "pycurl" in per_request:
        ratio = per_request["requestx"] / per_request["pycurl"]
        print(f"requestx / pycurl: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
