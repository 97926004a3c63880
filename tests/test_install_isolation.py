"""A same-named project on an index cannot stand in for the train's own packages.

A package index is served on 127.0.0.1 holding impostors: `htk-requestx`, `htk-aresilient`,
`htk-httpy` and `htk-http-benchmark` at the train's own version and at 99.0.0, whose modules
say ORIGIN = "index". A local dist/ holds the genuine four (ORIGIN = "dist"), http-benchmark's
wheel requiring its siblings with the pins of packages/http_benchmark/pyproject.toml. pip then
runs the installs the READMEs and `nox -s build` document, in a fresh venv, with that index as
its only index. The first test shows the impostors do win where pip is free to choose, so the
others could fail.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from release_version import cargo_version

ROOT = Path(__file__).resolve().parents[1]
TRAIN = cargo_version(ROOT)
MODULES = {
    "htk-requestx": "requestx",
    "htk-aresilient": "aresilient",
    "htk-httpy": "httpy",
    "htk-http-benchmark": "http_benchmark",
}


def _sibling_pins() -> list[str]:
    text = (ROOT / "packages" / "http_benchmark" / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = tomllib.loads(text)["project"]["dependencies"]
    return [pin for pin in dependencies if Requirement(pin).name in MODULES]


def write_wheel(folder: Path, dist: str, version: str, origin: str, requires: list[str]) -> Path:
    """A minimal pure wheel of `dist` whose module records where it came from."""
    stem = f"{dist.replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    files = {
        f"{MODULES[dist]}/__init__.py": f'ORIGIN = "{origin}"\n__version__ = "{version}"\n',
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = folder / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PEP 503 simple index on loopback, serving the impostors."""
    root = tmp_path_factory.mktemp("index")
    files = root / "files"
    files.mkdir()
    for dist in MODULES:
        wheels = [write_wheel(files, dist, version, "index", []) for version in (TRAIN, "99.0.0")]
        page = root / "simple" / dist
        page.mkdir(parents=True)
        links = "".join(f'<a href="/files/{wheel.name}">{wheel.name}</a>\n' for wheel in wheels)
        (page / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    handler = lambda *args: _Quiet(*args, directory=str(root))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The genuine four at the train's version, as `nox -s build` leaves them in dist/."""
    folder = tmp_path_factory.mktemp("dist")
    for name in MODULES:
        requires = _sibling_pins() if name == "htk-http-benchmark" else []
        write_wheel(folder, name, TRAIN, "dist", requires)
    return folder


@dataclass
class Venv:
    python: Path

    def pip_install(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        # pip's own configuration is set aside: this machine's PIP_FIND_LINKS, for one.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
        command = [str(self.python), "-m", "pip", "install", "--disable-pip-version-check",
                   "--no-cache-dir", *arguments]  # fmt: skip
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    def origins(self) -> dict[str, str]:
        code = (
            "import importlib, json, sys\n"
            "found = {}\n"
            "for name in sys.argv[1:]:\n"
            "    try:\n"
            "        module = importlib.import_module(name)\n"
            "    except ImportError:\n"
            "        continue\n"
            "    found[name] = f'{module.ORIGIN} {module.__version__}'\n"
            "print(json.dumps(found))\n"
        )
        command = [str(self.python), "-c", code, *MODULES.values()]
        output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
        found: dict[str, str] = json.loads(output.stdout)
        return found


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    scripts = "Scripts" if os.name == "nt" else "bin"
    return Venv(folder / scripts / ("python.exe" if os.name == "nt" else "python"))


def test_where_pip_may_choose_the_index_impostor_wins(
    venv: Venv, index_url: str, dist: Path
) -> None:
    # What `pip install --find-links dist ...` with the index on did: the higher version wins.
    result = venv.pip_install("--index-url", index_url, "--find-links", str(dist), "htk-requestx")
    assert result.returncode == 0, result.stderr
    assert venv.origins() == {"requestx": "index 99.0.0"}


def test_the_wheel_files_named_on_the_command_line_are_what_installs(
    venv: Venv, index_url: str, dist: Path
) -> None:
    # packages/http_benchmark/README.md: `pip install dist/htk_*.whl`
    readme = (ROOT / "packages" / "http_benchmark" / "README.md").read_text(encoding="utf-8")
    assert "pip install dist/htk_*.whl" in readme
    wheels = sorted(str(path) for path in dist.glob("htk_*.whl"))
    result = venv.pip_install("--index-url", index_url, *wheels)
    assert result.returncode == 0, result.stderr
    assert venv.origins() == dict.fromkeys(MODULES.values(), f"dist {TRAIN}")


def test_by_name_with_the_index_off_only_dist_is_seen(
    venv: Venv, index_url: str, dist: Path
) -> None:
    # `nox -s build` installs each wheel by name: --no-index --find-links dist ...
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert 'offline = ["--no-index", "--find-links", str(DIST)' in noxfile
    result = venv.pip_install(
        "--no-index", "--index-url", index_url, "--find-links", str(dist), "htk-http-benchmark"
    )
    assert result.returncode == 0, result.stderr
    assert venv.origins() == dict.fromkeys(MODULES.values(), f"dist {TRAIN}")


def test_a_sibling_missing_from_dist_fails_rather_than_come_from_the_index(
    venv: Venv, index_url: str, dist: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    for wheel in dist.glob("*.whl"):
        if not wheel.name.startswith("htk_httpy-"):
            (partial / wheel.name).write_bytes(wheel.read_bytes())
    result = venv.pip_install(
        "--no-index", "--index-url", index_url, "--find-links", str(partial), "htk-http-benchmark"
    )
    assert result.returncode != 0
    assert "htk-httpy" in result.stderr
    assert venv.origins() == {}
