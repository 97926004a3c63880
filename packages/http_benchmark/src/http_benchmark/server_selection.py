"""Which server a run measures against, from its configuration, and what to tell the user.

`--url` targets that server. Otherwise `--server docker` runs the httpy image
(`DockerHttpyServer`), `--server local` an httpy process (`LocalHttpyServer`), and the default,
`auto`, the image when a Docker engine answers and has it, else the local process, with a note
saying why, so a run never measures something other than what its output claims.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.docker_engine import image_problem
from http_benchmark.docker_server import DockerHttpyServer
from http_benchmark.server import ExternalServer, LocalHttpyServer, ServerProvider

if TYPE_CHECKING:
    from http_benchmark.protocols import TlsMaterial

__all__ = ["ServerChoice", "select_server"]


@dataclass(frozen=True)
class ServerChoice:
    provider: ServerProvider
    #: Said before the run when the choice is not what was asked for (auto fell back).
    note: str | None = None


def select_server(
    configuration: BenchmarkConfiguration,
    *,
    docker_problem: Callable[[str], str | None] = image_problem,
    tls: TlsMaterial | None = None,
    http3: bool = False,
) -> ServerChoice:
    """The provider for `configuration`; `docker_problem(image)` says why Docker cannot serve.

    With `tls`, the server serves HTTPS (HTTP/1.1 and HTTP/2 by ALPN) with its certificate,
    and with `http3` HTTP/3 on the same port number over UDP too.
    """
    if configuration.url is not None:
        parts = urlsplit(configuration.url)
        return ServerChoice(ExternalServer(f"{parts.scheme}://{parts.netloc}"))
    local = LocalHttpyServer(
        pin=configuration.pin_cpus,
        startup_timeout=configuration.startup_timeout,
        tls=tls,
        http3=http3,
    )
    if configuration.server == "local":
        return ServerChoice(local)
    docker = DockerHttpyServer(
        image=configuration.image,
        network=configuration.docker_network,
        pin=configuration.pin_cpus,
        startup_timeout=configuration.startup_timeout,
        health_interval=configuration.health_interval,
        tls=tls,
        http3=http3,
    )
    if configuration.server == "docker":
        return ServerChoice(docker)
    problem = docker_problem(configuration.image)
    if problem is None:
        return ServerChoice(docker)
    return ServerChoice(
        local, note=f"server: a local httpy process, not the Docker image, because {problem}"
    )
