"""tools/images.py and tools/debian_base.py: what an image's tag covers, and no pull unasked."""

from __future__ import annotations

import dataclasses
import shutil
import tarfile
from pathlib import Path
from typing import Any

import docker.errors
import images
import pytest
from apt_sources import BootstrapSource
from debian_base import base_image_tag
from images import RECIPES, BaseImage, content_hash, locked_pins, resolve_base

ROOT = Path(__file__).resolve().parents[1]
BASE = BaseImage(reference="example/python:3.11", image_id="sha256:aaa", python_version="3.11")
ARGS = {"PYTHON_IMAGE": BASE.reference, "PIP_NO_INDEX": "1"}


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipes_name_files_that_exist(name: str) -> None:
    recipe = RECIPES[name]
    assert (ROOT / recipe.dockerfile).is_file()
    for source in recipe.context_files.values():
        assert (ROOT / source).is_file()
    for pattern in recipe.inputs:
        assert list(ROOT.glob(pattern)), f"{pattern} matches nothing"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of what the httpy image is made from, as the tool's root."""
    for relative in ("packages/httpy/Dockerfile", "packages/httpy/docker/healthcheck.py",
                     "packages/httpy/pyproject.toml", "packages/httpy/README.md",
                     "packages/httpy/src/httpy/__init__.py"):  # fmt: skip
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    monkeypatch.setattr(images, "ROOT", tmp_path)
    return tmp_path


def test_the_hash_is_stable_and_moves_with_every_input(tree: Path) -> None:
    recipe = RECIPES["httpy"]
    first = content_hash(recipe, BASE, ARGS, "httptools==0.9.0\n")
    assert content_hash(recipe, BASE, ARGS, "httptools==0.9.0\n") == first
    # Caches and compiled files are not inputs.
    cache = tree / "packages/httpy/src/httpy/__pycache__/__init__.cpython-311.pyc"
    cache.parent.mkdir()
    cache.write_bytes(b"\0")
    assert content_hash(recipe, BASE, ARGS, "httptools==0.9.0\n") == first
    changes = [
        content_hash(recipe, BASE, ARGS, "httptools==0.9.1\n"),
        content_hash(recipe, BaseImage("example/python:3.11", "sha256:bbb", "3.11"), ARGS,
                     "httptools==0.9.0\n"),
        content_hash(recipe, BASE, {**ARGS, "PIP_NO_INDEX": "0"}, "httptools==0.9.0\n"),
    ]  # fmt: skip
    source = tree / "packages/httpy/src/httpy/__init__.py"
    source.write_text(source.read_text() + "\n# changed\n")
    changes.append(content_hash(recipe, BASE, ARGS, "httptools==0.9.0\n"))
    healthcheck = tree / "packages/httpy/docker/healthcheck.py"
    healthcheck.write_text(healthcheck.read_text() + "\n")
    changes.append(content_hash(recipe, BASE, ARGS, "httptools==0.9.0\n"))
    # The Debian packages an image installs are inputs too.
    with_wrk = dataclasses.replace(recipe, debs=("wrk",))
    changes.append(content_hash(with_wrk, BASE, ARGS, "httptools==0.9.0\n"))
    assert len({first, *changes}) == 1 + len(changes)


def test_the_benchmark_image_gets_wrk_as_debs_in_its_context(tmp_path: Path) -> None:
    recipe = RECIPES["http-benchmark"]
    assert "wrk" in recipe.debs
    wheels, debs = tmp_path / "wheels", tmp_path / "debs"
    wheels.mkdir()
    debs.mkdir()
    (wheels / "x-1.0-py3-none-any.whl").write_bytes(b"wheel")
    (debs / "wrk_4.1.0_amd64.deb").write_bytes(b"deb")
    with tarfile.open(fileobj=images._context(recipe, wheels, debs)) as archive:
        names = set(archive.getnames())
    assert {"Dockerfile", "dist/x-1.0-py3-none-any.whl", "dist/debs/wrk_4.1.0_amd64.deb"} <= names
    dockerfile = (ROOT / recipe.dockerfile).read_text(encoding="utf-8")
    assert "dpkg --install /tmp/debs/*.deb" in dockerfile
    assert "command -v wrk" in dockerfile  # the build fails if wrk did not get in


def test_the_pins_are_the_locked_third_party_wheels() -> None:
    pins = locked_pins(RECIPES["httpy"])
    names = {line.split("==")[0] for line in pins.splitlines() if line and line[0] != "#"}
    assert {"httptools", "python-multipart", "uvloop"} <= names
    members = {"htk-httpy", "htk-requestx", "htk-aresilient", "htk-http-benchmark"}
    # Nor their import names: on PyPI those are other people's projects.
    assert not names & (members | {"httpy", "requestx", "aresilient", "http-benchmark"})
    assert all("==" in line for line in pins.splitlines() if line and line[0] != "#")


def test_the_base_tag_is_derived_from_the_recipe() -> None:
    source = BootstrapSource("http://m.example/debian", "bookworm", ("main",), None)
    tag = base_image_tag(source)
    assert tag.startswith("http-toolkit/debian-python:bookworm-")
    assert base_image_tag(source) == tag
    assert base_image_tag(BootstrapSource("http://n.example/debian", "bookworm", ("main",),
                                          None)) != tag  # fmt: skip
    assert base_image_tag(source, ("python3",)) != tag


class FakeImage:
    def __init__(self, image_id: str, env: list[str]) -> None:
        self.id = image_id
        self.attrs: dict[str, Any] = {"Config": {"Env": env}}


class FakeImages:
    def __init__(self, present: dict[str, FakeImage]) -> None:
        self.present = present
        self.pulled: list[str] = []

    def get(self, name: str) -> FakeImage:
        if name not in self.present:
            raise docker.errors.ImageNotFound(name)
        return self.present[name]

    def pull(self, name: str) -> FakeImage:
        self.pulled.append(name)
        raise docker.errors.APIError("no registry here")


class FakeClient:
    def __init__(self, present: dict[str, FakeImage]) -> None:
        self.images = FakeImages(present)


def test_a_present_base_is_used_as_it_is() -> None:
    client = FakeClient({"python:3.11-slim": FakeImage("sha256:1", ["PYTHON_VERSION=3.11.14"])})
    base = resolve_base(client, "python:3.11-slim", allow_pull=False)
    assert base == BaseImage("python:3.11-slim", "sha256:1", "3.11")
    assert client.images.pulled == []


def test_a_missing_base_is_never_pulled_unasked(monkeypatch: pytest.MonkeyPatch) -> None:
    made = FakeImage("sha256:2", ["PATH=/usr/bin", "PYTHON_VERSION=3.11.2"])
    client = FakeClient({"http-toolkit/debian-python:bookworm-x": made})
    monkeypatch.setattr(
        images, "ensure_base_image", lambda _client: "http-toolkit/debian-python:bookworm-x"
    )
    base = resolve_base(client, "python:3.11-slim", allow_pull=False, log=lambda _: None)
    assert base == BaseImage("http-toolkit/debian-python:bookworm-x", "sha256:2", "3.11")
    assert client.images.pulled == []


def test_a_failed_pull_falls_back_to_the_made_base(monkeypatch: pytest.MonkeyPatch) -> None:
    made = FakeImage("sha256:3", ["PYTHON_VERSION=3.11.2"])
    client = FakeClient({"http-toolkit/debian-python:bookworm-y": made})
    monkeypatch.setattr(
        images, "ensure_base_image", lambda _client: "http-toolkit/debian-python:bookworm-y"
    )
    base = resolve_base(client, "python:3.11-slim", allow_pull=True, log=lambda _: None)
    assert client.images.pulled == ["python:3.11-slim"]
    assert base.reference == "http-toolkit/debian-python:bookworm-y"


def test_a_base_without_a_python_version_is_refused() -> None:
    client = FakeClient({"busybox": FakeImage("sha256:4", ["PATH=/bin"])})
    with pytest.raises(images.ImageBuildError, match="sets no PYTHON_VERSION"):
        resolve_base(client, "busybox", allow_pull=False)
