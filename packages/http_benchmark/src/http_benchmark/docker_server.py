"""`DockerHttpyServer`: the benchmark app served by the httpy image, run with testcontainers.

The container runs the image's own command (`httpy run`) with the benchmark app
(`http_benchmark.server_app`, which needs nothing but httpy) mounted read-only into its working
directory and named by HTTPY_APP. It is started, waited on until Docker reports it healthy, and
removed at the end, on errors and on Ctrl-C too.

Networking, and why host networking is the default:

- ``host``: the container shares the host's network stack and httpy binds 127.0.0.1 on a free
  port. The clients talk to the server over loopback exactly as they would to a local process:
  nothing between them, nothing leaves 127.0.0.1.
- ``bridge``: the container gets its own network namespace, and its port 8080 is published on
  127.0.0.1:<free port>. Docker then relays every connection through docker-proxy (a userland
  TCP proxy) into the container's bridge address, so a benchmark measures the proxy as much as
  the server. Offered for isolation; not what the numbers should come from.

Ryuk, testcontainers' reaper container, is an image this machine may not have (and pulling it
is not this tool's call): unless TESTCONTAINERS_RYUK_DISABLED says otherwise it is turned off,
and this module cleans up itself. Every container carries labels naming its owner (host, pid,
process start time); `remove_leftovers` removes the ones whose owner is gone (a run killed by
SIGKILL), and every `start()` calls it first.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import psutil
from loguru import logger

from http_benchmark.docker_engine import connect, require_image
from http_benchmark.server import (
    SERVER_CPU,
    ServerError,
    StartedServer,
    can_pin,
    free_port,
    readiness_connection,
)

if TYPE_CHECKING:
    import docker
    from testcontainers.core.container import DockerContainer

    from http_benchmark.protocols import TlsMaterial

__all__ = [
    "CONTAINER_PORT",
    "DEFAULT_IMAGE",
    "LABEL_ROLE",
    "ROLE",
    "DockerHttpyServer",
    "NetworkMode",
    "find_leftovers",
    "owner_labels",
    "remove_leftovers",
]

NetworkMode = Literal["host", "bridge"]

#: What `docker build -t http-toolkit/httpy packages/httpy` and `nox -s images` produce.
DEFAULT_IMAGE = "http-toolkit/httpy:latest"
#: The port the image serves on in its own network namespace (bridge mode).
CONTAINER_PORT = 8080
LABEL_ROLE = "io.http-toolkit.role"
ROLE = "http-benchmark-server"
LABEL_HOST = "io.http-toolkit.owner-host"
LABEL_PID = "io.http-toolkit.owner-pid"
LABEL_STARTED = "io.http-toolkit.owner-started"
_APP_MODULE = "http_benchmark_app"
_APP_IN_CONTAINER = f"/app/{_APP_MODULE}.py"
_CERTS_IN_CONTAINER = "/certs"
_NANOSECONDS = 1_000_000_000


def owner_labels() -> dict[str, str]:
    """Labels naming this process as the container's owner."""
    return {
        LABEL_ROLE: ROLE,
        LABEL_HOST: socket.gethostname(),
        LABEL_PID: str(os.getpid()),
        LABEL_STARTED: f"{psutil.Process().create_time():.2f}",
    }


def _owner_alive(labels: dict[str, str]) -> bool:
    try:
        pid, started = int(labels[LABEL_PID]), float(labels[LABEL_STARTED])
        process = psutil.Process(pid)
        # A recycled pid belongs to a process that started later than the owner did.
        return abs(process.create_time() - started) < 1.0
    except (KeyError, ValueError, psutil.Error):
        return False


def find_leftovers(client: docker.DockerClient) -> list[Any]:
    """This host's benchmark containers whose owning process is gone (runs still going, and
    other machines' containers on a shared engine, are not leftovers)."""
    # ignore_removed: a container removed between the listing and its inspection (a run
    # ending meanwhile) is skipped, not a docker.errors.NotFound for this caller.
    found = client.containers.list(
        all=True, filters={"label": f"{LABEL_ROLE}={ROLE}"}, ignore_removed=True
    )
    return [
        container
        for container in found
        if (container.labels or {}).get(LABEL_HOST) == socket.gethostname()
        and not _owner_alive(container.labels or {})
    ]


def remove_leftovers(client: docker.DockerClient) -> list[str]:
    """Remove the containers `find_leftovers` finds; their names."""
    import docker.errors  # noqa: PLC0415 - the SDK loads only when containers are used

    removed = []
    for container in find_leftovers(client):
        try:
            container.remove(force=True, v=True)
        except docker.errors.NotFound:
            continue  # removed meanwhile
        logger.warning(
            "removed container {} left by an earlier run (pid {})",
            container.name,
            (container.labels or {}).get(LABEL_PID),
        )
        removed.append(str(container.name))
    return removed


def _disable_ryuk() -> None:
    # Only when nobody chose: someone with Ryuk's image may want it on.
    if "TESTCONTAINERS_RYUK_DISABLED" not in os.environ:
        from testcontainers.core.config import testcontainers_config  # noqa: PLC0415

        testcontainers_config.ryuk_disabled = True


class DockerHttpyServer(StartedServer):
    """The httpy image serving the benchmark app, for as long as the `with` block lasts."""

    def __init__(  # noqa: PLR0913 - keyword-only settings of one container
        self,
        *,
        image: str = DEFAULT_IMAGE,
        network: NetworkMode = "host",
        pin: bool = True,
        startup_timeout: float = 60.0,
        health_interval: float = 1.0,
        tls: TlsMaterial | None = None,
        http3: bool = False,
    ) -> None:
        if network not in ("host", "bridge"):
            raise ValueError(f"network must be host or bridge, not {network!r}")
        if http3 and tls is None:
            raise ValueError("HTTP/3 needs TLS: give the server a TlsMaterial")
        if http3 and network != "host":
            # QUIC is UDP: the bridge mode publishes TCP only.
            raise ValueError("HTTP/3 in a container needs the host network")
        self.tls, self.http3 = tls, http3
        self.image, self.network, self.pin = image, network, pin
        self.startup_timeout, self.health_interval = startup_timeout, health_interval
        self.port = 0
        self.image_id = ""
        self._container: DockerContainer | None = None

    @property
    def base_url(self) -> str:
        scheme = "http" if self.tls is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}"

    def container_options(self) -> dict[str, Any]:
        """The docker `create` arguments besides image, environment and mounts."""
        options: dict[str, Any] = {
            "labels": owner_labels(),
            # The image's HEALTHCHECK, polled faster so the run starts within a second or so.
            "healthcheck": {
                "interval": int(self.health_interval * _NANOSECONDS),
                "start_period": int(self.startup_timeout * _NANOSECONDS),
            },
        }
        if self.tls is not None:
            # The image's check speaks cleartext HTTP, which a TLS port refuses: readiness is
            # asked from here instead, over TLS and verified by the run's CA.
            options["healthcheck"] = {"test": ["NONE"]}
        if self.network == "host":
            options["network_mode"] = "host"
        if self.pin and can_pin():
            options["cpuset_cpus"] = str(SERVER_CPU)
        return options

    def environment(self) -> dict[str, str]:
        if self.network == "host":
            host, port = "127.0.0.1", self.port
        else:  # every address of the container's own namespace; published on loopback only
            host, port = "0.0.0.0", CONTAINER_PORT  # noqa: S104
        environment = {
            "HTTPY_APP": f"{_APP_MODULE}:app",
            "HTTPY_HOST": host,
            "HTTPY_PORT": str(port),
            "HTTPY_LOG_LEVEL": "warning",
        }
        if self.tls is not None:
            environment["HTTPY_CERTFILE"] = f"{_CERTS_IN_CONTAINER}/{self.tls.cert_file.name}"
            environment["HTTPY_KEYFILE"] = f"{_CERTS_IN_CONTAINER}/{self.tls.key_file.name}"
        if self.http3:
            environment["HTTPY_HTTP3"] = "1"
        return environment

    def start(self) -> str:
        from testcontainers.core.container import DockerContainer  # noqa: PLC0415

        client = connect()
        try:
            self.image_id = require_image(client, self.image)
            remove_leftovers(client)
        finally:
            client.close()
        _disable_ryuk()
        self.port = free_port()
        spec = importlib.util.find_spec("http_benchmark.server_app")
        if spec is None or spec.origin is None:  # pragma: no cover - part of this package
            raise ServerError("http_benchmark.server_app cannot be found")
        container = DockerContainer(self.image, **self.container_options())
        container.with_envs(**self.environment())
        container.with_volume_mapping(str(Path(spec.origin)), _APP_IN_CONTAINER, "ro")
        if self.tls is not None:
            container.with_volume_mapping(str(self.tls.folder), _CERTS_IN_CONTAINER, "ro")
        if self.network == "bridge":
            # Published on loopback only: testcontainers' own helper would bind every interface.
            ports: dict[str, Any] = container.ports
            ports[f"{CONTAINER_PORT}/tcp"] = ("127.0.0.1", self.port)
        self._container = container
        logger.info("starting {} ({} network) for {}", self.image, self.network, self.base_url)
        try:
            container.start()
            self._wait_until_healthy(container)
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _answers_over_tls(self) -> bool:
        try:
            connection = readiness_connection("127.0.0.1", self.port, self.tls)
            try:
                connection.request("GET", "/")
                return connection.getresponse().status == 200
            finally:
                connection.close()
        except OSError:
            return False

    def _wait_until_healthy(self, container: DockerContainer) -> None:
        wrapped = container.get_wrapped_container()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            wrapped.reload()
            state: dict[str, Any] = wrapped.attrs.get("State", {})
            health = (state.get("Health") or {}).get("Status")
            if health == "healthy" or (self.tls is not None and self._answers_over_tls()):
                return
            if state.get("Status") in {"exited", "dead"} or health == "unhealthy":
                logs = wrapped.logs(tail=20).decode(errors="replace").strip()
                raise ServerError(
                    f"the httpy container {state.get('Status')} ({health or 'no health'}, "
                    f"exit code {state.get('ExitCode')}): {logs or 'no output'}"
                )
            if time.monotonic() > deadline:
                raise ServerError(
                    f"the httpy container was not healthy within {self.startup_timeout} s "
                    f"(health: {health})"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        import docker.errors  # noqa: PLC0415

        container, self._container = self._container, None
        if container is None:
            return
        try:
            container.stop()  # docker rm --force --volumes
        except docker.errors.NotFound:
            pass  # already gone
        except docker.errors.DockerException as error:
            # The next run's remove_leftovers() takes it: its owner (we) will be gone.
            logger.error("could not remove the httpy container: {}", error)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": f"httpy container ({self.network} network, testcontainers)",
            "image": self.image,
            "image_id": self.image_id,
            "url": self.base_url,
            "cpu": SERVER_CPU if self.pin and can_pin() else None,
            "tls": self.tls is not None,
            "http3": self.http3,
        }
