"""Is there a Docker engine, and does it hold an image? One place answers, with the reason.

The engine is whatever the docker SDK finds (DOCKER_HOST, else the local socket). A missing
socket, a daemon that does not answer and a missing SDK all become `DockerUnavailableError`
with a message a person can act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from http_benchmark.server import ServerError

if TYPE_CHECKING:
    import docker

__all__ = [
    "ENGINE_TIMEOUT",
    "DockerUnavailableError",
    "ImageMissingError",
    "connect",
    "engine_problem",
    "image_problem",
    "require_image",
]

#: Seconds an engine gets to answer a ping (and each API call after it).
ENGINE_TIMEOUT = 30.0
_PING_TIMEOUT = 5.0


class DockerUnavailableError(ServerError):
    """No Docker engine answers here."""


class ImageMissingError(ServerError):
    """The engine answers but does not have the image."""


def connect(timeout: float = ENGINE_TIMEOUT) -> docker.DockerClient:
    """A client whose engine has just answered a ping; DockerUnavailableError otherwise."""
    try:
        import docker  # noqa: PLC0415 - the SDK loads only when a container is wanted
        import docker.errors  # noqa: PLC0415
        import requests  # noqa: PLC0415 - the SDK's transport
    except ImportError as error:  # pragma: no cover - a dependency of http-benchmark
        raise DockerUnavailableError(f"the docker SDK is not installed ({error})") from None
    try:
        probe = docker.from_env(timeout=int(_PING_TIMEOUT))
        probe.ping()
        probe.close()
        return docker.from_env(timeout=int(timeout))
    except (docker.errors.DockerException, requests.RequestException, OSError) as error:
        raise DockerUnavailableError(f"no Docker engine answers ({_first_line(error)})") from None


def engine_problem() -> str | None:
    """None when an engine answers, else why not (for "falling back to..." messages)."""
    try:
        connect(_PING_TIMEOUT).close()
    except DockerUnavailableError as error:
        return str(error)
    return None


def image_problem(image: str) -> str | None:
    """None when an engine answers and holds `image`, else why it cannot serve it."""
    try:
        client = connect(_PING_TIMEOUT)
    except DockerUnavailableError as error:
        return str(error)
    try:
        require_image(client, image)
    except ImageMissingError as error:
        return str(error)
    finally:
        client.close()
    return None


def require_image(client: docker.DockerClient, image: str) -> str:
    """The image's id; ImageMissingError (never a pull) when the engine lacks it."""
    import docker.errors  # noqa: PLC0415

    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        raise ImageMissingError(
            f"the Docker image {image} is not on this engine. Build it from a checkout of the "
            "toolkit with `nox -s images` (offline-capable), or `docker build -t "
            f"{image} packages/httpy`; or pass --server local"
        ) from None
    return str(found.id)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
