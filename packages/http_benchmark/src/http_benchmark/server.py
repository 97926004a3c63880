"""Where the server under the clients comes from: a `ServerProvider`.

`LocalHttpyServer` starts `http_benchmark.server_app` in an httpy process of its own on a free
loopback port (pinned to its own CPU when it can be) and stops it afterwards; `ExternalServer`
is any URL someone else runs; `docker_server.DockerHttpyServer` runs the httpy image.
"""

from __future__ import annotations

import ctypes
import http.client
import importlib.metadata
import importlib.util
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol

from loguru import logger

if TYPE_CHECKING:
    from http_benchmark.protocols import TlsMaterial

__all__ = [
    "CLIENT_CPU",
    "SERVER_CPU",
    "ExternalServer",
    "LocalHttpyServer",
    "ServerError",
    "ServerProvider",
    "StartedServer",
    "can_pin",
    "child_options",
    "clean_environment",
    "pinned",
    "readiness_connection",
]

# On two cores or more the server gets CPU 0 and every client (and wrk) CPU 1, so the
# scheduler's placement does not decide who wins.
SERVER_CPU = 0
CLIENT_CPU = 1
APP = "http_benchmark.server_app:app"
_PR_SET_PDEATHSIG = 1
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"}


class ServerError(RuntimeError):
    """The server could not be started or did not answer."""


class ServerProvider(Protocol):
    """Gives the run a base URL (scheme://host:port) for as long as the block lasts."""

    def __enter__(self) -> str: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def describe(self) -> dict[str, Any]:
        """What the server is, for the run's methodology header."""
        ...


def can_pin() -> bool:
    return shutil.which("taskset") is not None and (os.cpu_count() or 1) >= 2


def pinned(command: list[str], cpu: int, *, enabled: bool = True) -> list[str]:
    """`command` under `taskset -c cpu` when pinning is possible and enabled."""
    taskset = shutil.which("taskset")
    if not enabled or taskset is None or not can_pin():
        return command
    return [taskset, "-c", str(cpu), *command]


def clean_environment() -> dict[str, str]:
    """This environment without proxy variables: benchmark traffic must go straight there."""
    environment = {
        name: value for name, value in os.environ.items() if name.lower() not in _PROXY_VARIABLES
    }
    environment["NO_PROXY"] = environment["no_proxy"] = "127.0.0.1,localhost,::1"
    return environment


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the parent dies (even by SIGKILL).

    A benchmark killed halfway must not leave its server (or a worker) running.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # no prctl here: the parent's `finally` still stops it
        return


def child_options() -> dict[str, Any]:
    """subprocess arguments for every child of a run (server, workers, wrk)."""
    return {"preexec_fn": _die_with_parent} if sys.platform.startswith("linux") else {}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def readiness_connection(
    host: str, port: int, tls: TlsMaterial | None, timeout: float = 1.0
) -> http.client.HTTPConnection:
    """A stdlib connection to ask a starting server for `/`; over TLS, verified by the run's CA."""
    if tls is None:
        return http.client.HTTPConnection(host, port, timeout=timeout)
    context = ssl.create_default_context(cafile=str(tls.ca_file))
    return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)


class StartedServer(ABC):
    """A server this run starts and stops: the block's URL is `start()`'s, `stop()` at its end."""

    @abstractmethod
    def start(self) -> str:
        """Start the server, wait until it answers, return its base URL."""

    @abstractmethod
    def stop(self) -> None:
        """Stop it and release what it holds; safe to call twice."""

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class ExternalServer:
    """A server someone else started: nothing to do but hand out its URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def __enter__(self) -> str:
        return self.base_url

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": "external", "url": self.base_url}


class LocalHttpyServer(StartedServer):
    """`python -m httpy run http_benchmark.server_app:app` on a free 127.0.0.1 port."""

    def __init__(  # noqa: PLR0913 - keyword-only settings of one process
        self,
        *,
        host: str = "127.0.0.1",
        pin: bool = True,
        startup_timeout: float = 20.0,
        app: str = APP,
        tls: TlsMaterial | None = None,
        http3: bool = False,
    ) -> None:
        if http3 and tls is None:
            raise ValueError("HTTP/3 needs TLS: give the server a TlsMaterial")
        self.host, self.pin, self.app = host, pin, app
        self.startup_timeout = startup_timeout
        self.tls, self.http3 = tls, http3
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: a chatty server must never block on a pipe nobody reads.
        self._stderr: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        scheme = "http" if self.tls is None else "https"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> str:
        self.port = free_port(self.host)
        command = [
            sys.executable, "-m", "httpy", "run", self.app,
            "--host", self.host, "--port", str(self.port), "--log-level", "warning",
        ]  # fmt: skip
        if self.tls is not None:
            command += ["--certfile", str(self.tls.cert_file), "--keyfile", str(self.tls.key_file)]
        if self.http3:
            command.append("--http3")
        logger.info("starting {} on port {}", self.app, self.port)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            pinned(command, SERVER_CPU, enabled=self.pin),
            env=clean_environment(),
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            **child_options(),
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _wait_until_ready(self) -> None:
        assert self._process is not None  # noqa: S101 - set by start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(
                    f"httpy exited with {self._process.returncode}: {self.stderr_text()}"
                )
            try:
                connection = readiness_connection(self.host, self.port, self.tls)
                connection.request("GET", "/")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                time.sleep(0.05)
        raise ServerError(
            f"httpy did not answer on {self.base_url} within {self.startup_timeout} s"
        )

    def stderr_text(self) -> str:
        """What the server wrote to stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # httpy shuts down gracefully on SIGTERM
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "local httpy process",
            "app": self.app,
            "url": self.base_url,
            "httpy": importlib.metadata.version("htk-httpy"),
            "uvloop": importlib.util.find_spec("uvloop") is not None,
            "cpu": SERVER_CPU if self.pin and can_pin() else None,
            "tls": self.tls is not None,
            "http3": self.http3,
        }
