"""The toolkit's container images, built offline from wheels made on this host, cached by content.

    python tools/images.py httpy                 # the httpy server image: build or reuse
    python tools/images.py httpy bench           # and docker-compose's http-benchmark image
    python tools/images.py httpy --tag-file f.json --if-docker

Each image is `http-toolkit/<name>:<hash>`, the hash taken over everything that goes into it:
the Dockerfile, the packages' sources, the locked dependency pins (uv.lock), the base image's id
and the build arguments. When that tag exists, nothing is built. It is also tagged `:latest`,
the name docker-compose.yml and `http-benchmark --image` use by default.

The build itself reaches no network (the engine builds with networking off): the project's
wheels are built here (`uv build`), their dependencies' wheels fetched here from PyPI at the
locked versions (`pip download`), and both handed to the Dockerfile in the build context.

The base image, PYTHON_IMAGE (python:3.11-slim), is used when the engine has it; pulled only
when allowed (`--pull` or HTTP_TOOLKIT_PULL=1: this tool makes no registry request unasked);
otherwise an equivalent one is made here with debootstrap (tools/debian_base.py).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from debian_base import BaseImageError, ensure_base_image

if TYPE_CHECKING:
    import docker

__all__ = [
    "RECIPES",
    "BaseImage",
    "ImageBuildError",
    "Recipe",
    "content_hash",
    "ensure_image",
    "main",
    "resolve_base",
]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYTHON_IMAGE = "python:3.11-slim"
#: Bump when the build steps below change in a way the hashed inputs do not show.
RECIPE_VERSION = "1"
LABEL_INPUTS = "io.http-toolkit.inputs"
#: The Dockerfiles' `wheels` stages carry it: their images are only steps of a build.
LABEL_STAGE = "io.http-toolkit.build-stage=wheels"
BUILD_TIMEOUT = 1800
_SKIPPED = {"__pycache__", ".pytest_cache", ".mypy_cache", "target"}

Log = Callable[[str], None]


class ImageBuildError(RuntimeError):
    """An image could not be built; the message says which step failed and why."""


def _log(message: str) -> None:
    print(f"[images] {message}", file=sys.stderr, flush=True)


def _version(package_dir: str) -> str:
    project = tomllib.loads((ROOT / package_dir / "pyproject.toml").read_text(encoding="utf-8"))
    return str(project["project"]["version"])


@dataclass(frozen=True)
class Recipe:
    """How one image is made: its Dockerfile, the wheels it installs, what its hash covers."""

    name: str
    dockerfile: str
    #: Files copied into the build context beside the Dockerfile: context path -> repo path.
    context_files: dict[str, str]
    #: Folder of the build context the wheels go into (the Dockerfile's wheelhouse).
    wheel_dir: str
    #: Workspace packages whose wheels are built here (`uv build --package`).
    packages: tuple[str, ...]
    #: `uv export` arguments naming the dependencies to fetch (workspace members excluded).
    export: tuple[str, ...]
    #: Build argument carrying the requirement the Dockerfile installs, and its value.
    requirement_arg: str
    requirement: Callable[[], str]
    #: Globs (from the repository root) of the sources the wheels are made from.
    inputs: tuple[str, ...]
    #: Extra environment for `uv build` (none: the release build, as users install it).
    build_env: dict[str, str] = field(default_factory=dict)
    #: Debian packages the image installs with dpkg, fetched here from this host's apt
    #: sources (`apt-get download`) into `<wheel_dir>/debs/`: the build has no network, and the
    #: base image (python:3.11-slim, or its debootstrapped stand-in) is the host's release.
    debs: tuple[str, ...] = ()

    @property
    def repository(self) -> str:
        return f"http-toolkit/{self.name}"


_PACKAGE_SOURCES = ("pyproject.toml", "README.md", "src/**/*")

RECIPES: dict[str, Recipe] = {
    "httpy": Recipe(
        name="httpy",
        dockerfile="packages/httpy/Dockerfile",
        context_files={"docker/healthcheck.py": "packages/httpy/docker/healthcheck.py"},
        wheel_dir="wheelhouse",
        packages=("htk-httpy",),
        export=("--package", "htk-httpy", "--extra", "speed", "--extra", "http3"),
        requirement_arg="HTTPY_REQUIREMENT",
        requirement=lambda: f"htk-httpy[speed,http3]=={_version('packages/httpy')}",
        inputs=tuple(f"packages/httpy/{pattern}" for pattern in _PACKAGE_SOURCES),
    ),
    "http-benchmark": Recipe(
        name="http-benchmark",
        dockerfile="packages/http_benchmark/Dockerfile",
        context_files={},
        wheel_dir="dist",
        packages=("htk-requestx", "htk-aresilient", "htk-httpy", "htk-http-benchmark"),
        export=("--package", "htk-http-benchmark", "--extra", "pycurl"),
        requirement_arg="BENCH_REQUIREMENT",
        requirement=lambda: f"htk-http-benchmark[pycurl]=={_version('packages/http_benchmark')}",
        # wrk, for the server-ceiling probe and `http-benchmark servers` inside the image.
        debs=("wrk", "libluajit-5.1-2", "libluajit-5.1-common"),
        inputs=(
            *(
                f"packages/{folder}/{pattern}"
                for folder in ("requestx", "aresilient", "httpy", "http_benchmark")
                for pattern in _PACKAGE_SOURCES
            ),
            "rust/Cargo.toml",
            "rust/Cargo.lock",
            "rust/requestx/Cargo.toml",
            "rust/requestx/src/**/*",
        ),
    ),
}
ALIASES = {"bench": "http-benchmark"}


@dataclass(frozen=True)
class BaseImage:
    reference: str
    image_id: str
    #: major.minor, the `python3.X` the Dockerfiles call and the wheels are fetched for.
    python_version: str


def _files(patterns: tuple[str, ...]) -> Iterator[Path]:
    for pattern in patterns:
        for path in sorted(ROOT.glob(pattern)):
            skipped = _SKIPPED.intersection(path.relative_to(ROOT).parts)
            if path.is_file() and not skipped and path.suffix not in {".pyc", ".so", ".pyd"}:
                yield path


def content_hash(recipe: Recipe, base: BaseImage, build_args: dict[str, str], pins: str) -> str:
    """sha256 over every input of the image, in a fixed order."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("recipe", f"{RECIPE_VERSION} {recipe.name} {recipe.requirement()}".encode())
    add("debs", " ".join(recipe.debs).encode())
    add("base", base.image_id.encode())
    add("args", json.dumps(build_args, sort_keys=True).encode())
    add("pins", pins.encode())
    add("Dockerfile", (ROOT / recipe.dockerfile).read_bytes())
    for name, source in sorted(recipe.context_files.items()):
        add(f"context:{name}", (ROOT / source).read_bytes())
    for path in _files(recipe.inputs):
        add(str(path.relative_to(ROOT)), path.read_bytes())
    return digest.hexdigest()


def _python_version(image: Any) -> str | None:
    for variable in image.attrs.get("Config", {}).get("Env") or []:
        name, _, value = str(variable).partition("=")
        if name == "PYTHON_VERSION" and value.count(".") >= 1:
            return ".".join(value.split(".")[:2])
    return None


def resolve_base(
    client: docker.DockerClient, python_image: str, *, allow_pull: bool, log: Log = _log
) -> BaseImage:
    """The engine's `python_image`; pulled if allowed; else the debootstrapped stand-in."""
    import docker.errors  # noqa: PLC0415 - the SDK is only needed with an engine

    reference = python_image
    try:
        image = client.images.get(python_image)
    except docker.errors.ImageNotFound:
        image = None
    if image is None and allow_pull:
        log(f"pulling {python_image}")
        try:
            image = client.images.pull(python_image)
        except docker.errors.APIError as error:
            log(f"cannot pull {python_image} ({str(error).strip()[:200]}); building a base here")
    if image is None:
        if not allow_pull:
            log(f"{python_image} is not on this engine (and pulling was not allowed: --pull)")
        try:
            reference = ensure_base_image(client)
        except BaseImageError as error:
            raise ImageBuildError(f"no base image: {error}") from None
        image = client.images.get(reference)
    version = _python_version(image)
    if version is None:
        raise ImageBuildError(
            f"cannot tell the Python version of {reference}: it sets no PYTHON_VERSION"
        )
    return BaseImage(reference=reference, image_id=str(image.id), python_version=version)


def _run(command: list[str], step: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    result = subprocess.run(  # noqa: S603 - uv, pip and apt-get, arguments built here
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=BUILD_TIMEOUT,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise ImageBuildError(f"{step} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise ImageBuildError("uv is not on the PATH (python3 -m pip install uv)")
    return uv


def locked_pins(recipe: Recipe) -> str:
    """The recipe's third-party requirements at uv.lock's versions, one per line."""
    return _run(
        [
            _uv(), "export", "--frozen", "--no-hashes", "--no-header", "--no-annotate",
            "--no-emit-workspace", "--no-default-groups", *recipe.export,
        ],
        "uv export",
    )  # fmt: skip


def _wheelhouse(recipe: Recipe, pins: str, python_version: str, folder: Path, log: Log) -> None:
    folder.mkdir(parents=True)
    for package in recipe.packages:  # `uv build` takes one --package at a time
        log(f"building the wheel of {package}")
        _run(
            [_uv(), "build", "--wheel", "--out-dir", str(folder), "--package", package],
            f"uv build --package {package}",
            env=recipe.build_env,
        )
    requirements = folder.parent / "requirements.txt"
    requirements.write_text(pins, encoding="utf-8")
    log(f"fetching {len(pins.splitlines())} dependency wheels for Python {python_version}")
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--python-version", python_version,
            "--dest", str(folder), "--requirement", str(requirements),
        ],
        "pip download",
    )  # fmt: skip
    for stray in folder.iterdir():
        if stray.suffix != ".whl":  # uv build leaves a .gitignore
            stray.unlink()


def _debs(recipe: Recipe, folder: Path, log: Log) -> None:
    """The recipe's Debian packages as .deb files in `folder` (from this host's apt sources)."""
    folder.mkdir(parents=True)
    if not recipe.debs:
        return
    if shutil.which("apt-get") is None:
        raise ImageBuildError(
            f"the {recipe.name} image installs {', '.join(recipe.debs)} from .deb files fetched "
            "with apt-get, and this host has no apt-get"
        )
    log(f"fetching {', '.join(recipe.debs)} (.deb) with apt-get download")
    _run(["apt-get", "download", *recipe.debs], "apt-get download", cwd=folder)


def _context(recipe: Recipe, wheels: Path, debs: Path | None = None) -> io.BytesIO:
    """The build context as a tar: Dockerfile, the recipe's files, the wheelhouse, the .debs."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(ROOT / recipe.dockerfile, arcname="Dockerfile")
        for name, source in recipe.context_files.items():
            archive.add(ROOT / source, arcname=name)
        for wheel in sorted(wheels.iterdir()):
            archive.add(wheel, arcname=f"{recipe.wheel_dir}/{wheel.name}")
        for deb in sorted(debs.iterdir()) if debs is not None else ():
            archive.add(deb, arcname=f"{recipe.wheel_dir}/debs/{deb.name}")
    buffer.seek(0)
    return buffer


def _build(
    client: docker.DockerClient,
    context: io.BytesIO,
    *,
    tag: str,
    build_args: dict[str, str],
    labels: dict[str, str],
) -> Iterator[str]:
    """Build `tag`, yielding Docker's step lines; ImageBuildError with the output's tail."""
    output: list[str] = []
    for chunk in client.api.build(
        fileobj=context,
        custom_context=True,
        tag=tag,
        buildargs=build_args,
        labels=labels,
        # Everything the build installs is in the context: it needs, and gets, no network.
        network_mode="none",
        pull=False,
        rm=True,
        forcerm=True,
        decode=True,
    ):
        if "error" in chunk:
            tail = "".join(output[-15:])
            raise ImageBuildError(f"docker build of {tag} failed: {chunk['error']}\n{tail}")
        text = str(chunk.get("stream", ""))
        if text.strip():
            output.append(text)
            if text.startswith("Step "):
                yield text.strip()


def ensure_image(
    client: docker.DockerClient,
    recipe: Recipe,
    base: BaseImage,
    *,
    rebuild: bool = False,
    log: Log = _log,
) -> str:
    """The image's content-addressed tag: reused when present, else built now (offline)."""
    import docker.errors  # noqa: PLC0415

    build_args = {
        "PYTHON_IMAGE": base.reference,
        "PYTHON_VERSION": base.python_version,
        "PIP_NO_INDEX": "1",
        recipe.requirement_arg: recipe.requirement(),
    }
    pins = locked_pins(recipe)
    digest = content_hash(recipe, base, build_args, pins)
    tag = f"{recipe.repository}:{digest[:12]}"
    try:
        existing = None if rebuild else client.images.get(tag)
    except docker.errors.ImageNotFound:
        existing = None
    if existing is None:
        with tempfile.TemporaryDirectory(prefix=f"image-{recipe.name}-") as scratch:
            wheels = Path(scratch) / "wheels"
            _wheelhouse(recipe, pins, base.python_version, wheels, log)
            debs = Path(scratch) / "debs"
            _debs(recipe, debs, log)
            log(f"building {tag} from {base.reference} (network off)")
            context = _context(recipe, wheels, debs)
            labels = {LABEL_INPUTS: digest}
            for step in _build(client, context, tag=tag, build_args=build_args, labels=labels):
                log(step)
        # The legacy builder keeps each finished `wheels` stage as an untagged image; the
        # tags are content-addressed, so a later build seldom reuses it: drop it.
        client.images.prune(filters={"dangling": True, "label": LABEL_STAGE})
        existing = client.images.get(tag)
        log(f"built {tag}")
    else:
        log(f"reusing {tag}")
    existing.tag(recipe.repository, "latest")
    return tag


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    names = [*RECIPES, *ALIASES]
    parser.add_argument("images", nargs="+", choices=names, help="images to build or reuse")
    parser.add_argument(
        "--python-image", default=os.environ.get("PYTHON_IMAGE", DEFAULT_PYTHON_IMAGE),
        help="the base image (default: $PYTHON_IMAGE or python:3.11-slim)",
    )  # fmt: skip
    parser.add_argument(
        "--pull",
        action="store_true",
        default=os.environ.get("HTTP_TOOLKIT_PULL") == "1",
        help="let the engine pull the base image when it lacks it (or HTTP_TOOLKIT_PULL=1)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build even if the tag exists")
    parser.add_argument("--tag-file", type=Path, help="write {image: tag} here as JSON")
    parser.add_argument(
        "--if-docker",
        action="store_true",
        help="without a Docker engine, say so and succeed (the caller falls back)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    # http-benchmark is installed wherever this runs (nox sessions, the dev venv).
    from http_benchmark.docker_engine import DockerUnavailableError, connect  # noqa: PLC0415

    try:
        client = connect()
    except DockerUnavailableError as error:
        if arguments.if_docker:
            _log(f"{error}: no image built")
            return 0
        print(f"error: {error}", file=sys.stderr)
        return 1
    tags: dict[str, str] = {}
    try:
        base = resolve_base(client, arguments.python_image, allow_pull=arguments.pull)
        for name in dict.fromkeys(ALIASES.get(image, image) for image in arguments.images):
            tags[name] = ensure_image(client, RECIPES[name], base, rebuild=arguments.rebuild)
    except ImageBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if arguments.tag_file is not None:
        arguments.tag_file.write_text(json.dumps(tags, indent=2) + "\n", encoding="utf-8")
    for tag in tags.values():
        print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
