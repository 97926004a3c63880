"""Install the release's wheels in a fresh venv, as a user would, and use each package once.

    python tools/smoke_test.py WHEELHOUSE VERSION [DIST ...]

For each distribution (default: all four) pip picks the wheel of WHEELHOUSE that fits this
interpreter and platform (`pip download --no-index`: never an index), then installs exactly
those files in a new venv; their third-party dependencies come from the index. Each package is
then imported, its version checked, and used against a server on 127.0.0.1: requestx and
aresilient GET from a stdlib HTTP server, httpy serves its httpbin app, http-benchmark lists its
clients. The release workflow runs it on every platform a wheel is built for.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

__all__ = ["DISTRIBUTIONS", "main", "select_wheels"]

# Distribution -> import name, in dependency order.
DISTRIBUTIONS = {
    "htk-requestx": "requestx",
    "htk-aresilient": "aresilient",
    "htk-httpy": "httpy",
    "htk-http-benchmark": "http_benchmark",
}

# Runs inside the fresh venv: argv = version, then import names.
_CHECKS = r"""
import http.server, json, subprocess, sys, threading, urllib.request

version, modules = sys.argv[1], sys.argv[2:]
BODY = b"smoke test body"

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/"
for name in modules:
    module = __import__(name)
    assert module.__version__ == version, (name, module.__version__, version)
    if name == "requestx":
        response = module.get(url, timeout=10)
        assert (response.status_code, response.content) == (200, BODY), response
        with module.Session() as session:
            assert session.get(url, timeout=10).content == BODY
    elif name == "aresilient":
        with module.Client(timeout=10) as client:
            assert client.get(url).content == BODY
    elif name == "httpy":
        from httpy.httpbin import app
        from httpy.testing import serve_in_thread
        with serve_in_thread(app) as running:
            with urllib.request.urlopen(running.url + "/get", timeout=10) as reply:
                assert reply.status == 200 and "headers" in json.loads(reply.read())
    elif name == "http_benchmark":
        subprocess.run([sys.executable, "-m", "http_benchmark", "clients"], check=True)
    print(f"ok: {name} {module.__version__}")
gil = getattr(sys, "_is_gil_enabled", None)
print(f"python {sys.version.split()[0]}, GIL {'on' if gil is None or gil() else 'off'}")
server.shutdown()
"""


def _python(environment: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return environment / scripts / ("python.exe" if os.name == "nt" else "python")


def _pip(python: Path, *arguments: str, isolated: bool = False) -> None:
    """pip in the venv; `isolated`: without pip's configuration files and PIP_FIND_LINKS (a
    machine-wide folder of wheels would be one more place for a namesake to come from)."""
    env = dict(os.environ)
    if isolated:
        env.pop("PIP_FIND_LINKS", None)
        env["PIP_CONFIG_FILE"] = os.devnull
    command = [str(python), "-m", "pip", "--disable-pip-version-check", *arguments]
    subprocess.run(command, check=True, env=env)  # noqa: S603 - our interpreter and arguments


def select_wheels(python: Path, wheelhouse: Path, version: str, distributions: list[str],
                  into: Path) -> list[Path]:  # fmt: skip
    """The one wheel per distribution that fits `python`, chosen by pip among local files."""
    pins = [f"{dist}=={version}" for dist in distributions]
    _pip(python, "download", "--quiet", "--no-index", "--no-deps", "--only-binary=:all:",
         "--find-links", str(wheelhouse), "--dest", str(into), *pins, isolated=True)  # fmt: skip
    chosen = sorted(into.glob("*.whl"))
    if len(chosen) != len(distributions):
        raise SystemExit(f"expected {len(distributions)} wheels, pip chose {chosen}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheelhouse", type=Path)
    parser.add_argument("version")
    parser.add_argument("distributions", nargs="*", metavar="DIST", help="default: all four")
    arguments = parser.parse_args(argv)
    distributions = arguments.distributions or list(DISTRIBUTIONS)
    unknown = sorted(set(distributions) - set(DISTRIBUTIONS))
    if unknown:
        parser.error(f"unknown distributions {unknown}: choose from {list(DISTRIBUTIONS)}")
    with tempfile.TemporaryDirectory(prefix="smoke-") as scratch:
        environment = Path(scratch) / "venv"
        venv.create(environment, with_pip=True)
        python = _python(environment)
        wheels = select_wheels(
            python, arguments.wheelhouse.resolve(), arguments.version, distributions,
            Path(scratch) / "chosen",
        )  # fmt: skip
        # The chosen files themselves are the requirements: no index can stand in for them.
        _pip(python, "install", "--quiet", *map(str, wheels))
        modules = [DISTRIBUTIONS[dist] for dist in distributions]
        subprocess.run(  # noqa: S603 - the venv's interpreter, our own check script
            [str(python), "-c", _CHECKS, arguments.version, *modules], check=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
