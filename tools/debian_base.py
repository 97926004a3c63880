"""A Python base image made here, for Docker engines that cannot pull `python:3.11-slim`.

debootstrap builds a minimal Debian root file system (minbase, plus python3 and its venv
module) from the mirror and suite this host's apt already uses (tools/apt_sources.py), and
`docker import` turns it into an image that stands in for the public one: `python3.X` on the
PATH, `python3.X -m venv` working offline, `PYTHON_VERSION` in its environment as the official
images have it. The tag carries a hash of the recipe (mirror, suite, packages, this file's
recipe version), so a second run finds the image and builds nothing.

    python tools/debian_base.py            # build or reuse; prints the image tag
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from apt_sources import BootstrapSource, choose_bootstrap_source, host_codename, read_apt_sources

if TYPE_CHECKING:
    import docker

__all__ = [
    "PACKAGES",
    "REPOSITORY",
    "BaseImageError",
    "base_image_tag",
    "ensure_base_image",
    "ensure_debootstrap",
]

REPOSITORY = "http-toolkit/debian-python"
#: On top of debootstrap's minbase: the interpreter, its venv module (with the bundled pip that
#: installs wheels offline) and CA certificates, as in the official slim images.
PACKAGES = ("python3", "python3-venv", "ca-certificates")
#: Bump when the recipe below changes in a way the inputs do not show.
RECIPE_VERSION = "1"
LABEL_INPUTS = "io.http-toolkit.inputs"
#: A bootstrap fetches ~40 MB and unpacks ~100 packages: minutes, not hours.
DEBOOTSTRAP_TIMEOUT = float(os.environ.get("HTTP_TOOLKIT_DEBOOTSTRAP_TIMEOUT", "1800"))

Log = Callable[[str], None]


class BaseImageError(RuntimeError):
    """The base image could not be made; the message says which step and what to do."""


def _log(message: str) -> None:
    print(f"[base image] {message}", file=sys.stderr, flush=True)


def base_image_tag(source: BootstrapSource, packages: tuple[str, ...] = PACKAGES) -> str:
    """`http-toolkit/debian-python:bookworm-<hash>`: the same inputs give the same tag."""
    recipe = "\n".join(
        [RECIPE_VERSION, source.key(), " ".join(sorted(packages)), platform.machine()]
    )
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    return f"{REPOSITORY}:{source.suite}-{digest}"


def ensure_debootstrap(log: Log = _log) -> str:
    """The debootstrap command, installed from apt when missing (root only)."""
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() != 0:
        raise BaseImageError(
            "debootstrap is not installed and this is not root: run "
            "`sudo apt-get install debootstrap` (or `docker pull python:3.11-slim`), then retry"
        )
    if shutil.which("apt-get") is None:
        raise BaseImageError(
            "debootstrap is missing and there is no apt-get to install it: on this system, "
            "pull the public image instead (`docker pull python:3.11-slim`)"
        )
    log("installing debootstrap with apt-get")
    _run(["apt-get", "update", "-qq"], "apt-get update", timeout=900)
    _run(["apt-get", "install", "-y", "-qq", "debootstrap"], "installing debootstrap", timeout=900)
    found = shutil.which("debootstrap", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if found is None:
        raise BaseImageError("apt-get installed debootstrap, yet it is not on the PATH")
    return found


def _run(command: list[str], step: str, *, timeout: float) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - fixed programs, arguments built here
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise BaseImageError(f"{step}: `{command[0]}` ran over {timeout:.0f} s") from None
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BaseImageError(f"{step} failed (exit {result.returncode}):\n{tail}")
    return result.stdout


def _bootstrap(debootstrap: str, source: BootstrapSource, rootfs: Path, log: Log) -> None:
    command = [
        debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}",
        f"--components={','.join(source.components)}",
    ]  # fmt: skip
    if source.keyring is not None and Path(source.keyring).is_file():
        command.append(f"--keyring={source.keyring}")
    command += [source.suite, str(rootfs), source.uri]
    log(f"debootstrap {source.suite} from {source.uri} (minbase + {', '.join(PACKAGES)})")
    _run(command, "debootstrap", timeout=DEBOOTSTRAP_TIMEOUT)


def _python_version(rootfs: Path) -> str:
    code = "import platform; print(platform.python_version())"
    version = _run(
        ["chroot", str(rootfs), "python3", "-c", code],
        "reading the bootstrapped Python's version",
        timeout=60,
    ).strip()
    if not version:
        raise BaseImageError("the bootstrapped python3 printed no version")
    return version


def _slim(rootfs: Path) -> None:
    """Drop what an image does not need: downloaded .debs, package lists, the host's names."""
    for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for path in (rootfs / folder).glob("*"):
            if path.is_file():
                path.unlink()
    for name in ("etc/hostname", "etc/resolv.conf"):
        (rootfs / name).unlink(missing_ok=True)  # Docker provides both at run time


def _import(
    client: docker.DockerClient, rootfs: Path, tag: str, python_version: str, inputs: str
) -> None:
    repository, _, version_tag = tag.rpartition(":")
    archive = rootfs.parent / "rootfs.tar"
    _run(
        ["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(archive), "."],
        "packing the root file system",
        timeout=600,
    )
    changes = [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        f"ENV PYTHON_VERSION={python_version}",
        f"LABEL {LABEL_INPUTS}={inputs}",
        (
            'LABEL org.opencontainers.image.description="Debian minbase with python3, '
            'made by debootstrap (http-toolkit tools/debian_base.py)"'
        ),
        'CMD ["python3"]',
    ]
    client.api.import_image_from_file(
        str(archive), repository=repository, tag=version_tag, changes=changes
    )


def ensure_base_image(
    client: docker.DockerClient,
    *,
    root: Path = Path("/"),
    rebuild: bool = False,
    log: Log = _log,
) -> str:
    """The base image's tag: found by its content hash, or bootstrapped and imported now."""
    import docker.errors  # noqa: PLC0415 - only callers with an engine need the SDK

    source = choose_bootstrap_source(read_apt_sources(root), host_codename(root))
    tag = base_image_tag(source)
    if not rebuild:
        try:
            client.images.get(tag)
        except docker.errors.ImageNotFound:
            pass
        else:
            log(f"reusing {tag}")
            return tag
    if platform.system() != "Linux":
        raise BaseImageError("debootstrap needs Linux: pull python:3.11-slim instead")
    debootstrap = ensure_debootstrap(log)
    # Under /var/tmp: a root file system with device nodes does not belong on a small /tmp.
    scratch = Path(tempfile.mkdtemp(prefix="http-toolkit-rootfs-", dir="/var/tmp"))
    try:
        rootfs = scratch / "rootfs"
        _bootstrap(debootstrap, source, rootfs, log)
        version = _python_version(rootfs)
        _slim(rootfs)
        log(f"importing the root file system (Python {version}) as {tag}")
        _import(client, rootfs, tag, version, tag.rpartition("-")[2])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log(f"built {tag}")
    return tag


def main() -> int:
    import docker  # noqa: PLC0415

    try:
        print(ensure_base_image(docker.from_env(), rebuild="--rebuild" in sys.argv[1:]))
    except BaseImageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
