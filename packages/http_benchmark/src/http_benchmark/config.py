"""`BenchmarkConfiguration`: every knob of a run, from arguments, the environment or a TOML file.

Precedence, highest first: values passed in (the CLI's flags), `HTTP_BENCHMARK_*` environment
variables, the TOML file, the defaults. List-valued settings accept a comma-separated string in
every source (`HTTP_BENCHMARK_CONCURRENCY=1,16,64`), so the environment stays readable.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from http_benchmark.adapters.registry import CLIENT_NAMES, MEASURED_CLIENTS
from http_benchmark.docker_server import DEFAULT_IMAGE
from http_benchmark.models import Mode
from http_benchmark.protocols import ProtocolName, is_tls, normalize
from http_benchmark.scenarios import SCENARIOS

__all__ = ["BenchmarkConfiguration", "ConfigurationError", "format_validation_error"]

# RFC 9110 token characters: what a method name may contain.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
MAX_CONCURRENCY = 1024
# The TOML file of the `load` call in progress; pydantic-settings asks for sources per class,
# so the path travels beside the call instead of being baked into a subclass.
_TOML_FILE: ContextVar[Path | None] = ContextVar("_TOML_FILE", default=None)


class ConfigurationError(ValueError):
    """A configuration that cannot run; the message says which setting and why."""


def _sync_only() -> list[Mode]:
    return ["sync"]


def _h1_only() -> list[ProtocolName]:
    return ["h1"]


def _split(value: Any) -> Any:
    """'a, b' -> ['a', 'b']; lists pass through so every source may use either form."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class BenchmarkConfiguration(BaseSettings):
    """What to measure, how hard and how often; validated before anything starts."""

    model_config = SettingsConfigDict(
        env_prefix="HTTP_BENCHMARK_",
        extra="forbid",
        validate_default=True,
    )

    #: Stored with the run; defaults to the scenarios and clients measured.
    name: str | None = None
    #: The target. None: a local httpy server is started for the run and the scenarios'
    #: paths are used. A URL without a path plus scenarios: the scenarios' paths on that server.
    url: str | None = None
    method: str = "GET"
    #: Extra request headers, sent by every client (on top of the common set).
    headers: dict[str, str] = Field(default_factory=dict)
    #: Request body as text, or `body_file` for bytes from a file (not both).
    body: str | None = None
    body_file: Path | None = None
    concurrency: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [1])
    #: Counted requests per round, or `duration` seconds per round (not both; 1000 if neither).
    requests: int | None = None
    duration: float | None = None
    clients: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(MEASURED_CLIENTS))
    modes: Annotated[list[Mode], NoDecode] = Field(default_factory=_sync_only)
    #: Named scenarios; empty means one ad-hoc scenario ("request") made of the settings above.
    scenarios: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timeout: float = 30.0
    verify: bool = True
    #: Retries for the clients that have them (urllib3, requests, httpx, aresilient...); 0 keeps
    #: every client at exactly one attempt per request.
    retries: int = 0
    rounds: int = 5
    #: Requests sent before each round's timed part (new connections, caches, JIT-free warm-up).
    warmup: int = 100
    #: Seeds the order of the rounds (and the bootstrap), so a run can be repeated exactly.
    seed: int = 2024
    #: The client the table's ratios are relative to.
    baseline: str = "requests"
    #: Expected status of every counted response; its body length is learned from one
    #: reference request unless `expected_length` is given, or `check_length` is off.
    expected_status: int = 200
    expected_length: int | None = None
    check_length: bool = True
    #: SQLite file the run is stored in.
    db: Path = Path("http-benchmark.db")
    #: Where the server comes from when `url` is not set: "docker" (the httpy image, run by
    #: testcontainers), "local" (an httpy process), or "auto": docker when an engine answers
    #: and has the image, else local (and the run says why).
    server: Literal["auto", "docker", "local"] = "auto"
    #: The httpy image for `server` docker.
    image: str = DEFAULT_IMAGE
    #: "host": the container shares the host's network, httpy on 127.0.0.1 (the default: no
    #: proxy between clients and server); "bridge": its own network, port 8080 published on
    #: 127.0.0.1 through docker-proxy (isolation, at the proxy's cost).
    docker_network: Literal["host", "bridge"] = "host"
    #: Seconds the server (process or container) gets to answer / become healthy.
    startup_timeout: float = 60.0
    #: Seconds between the container's health checks (each costs a process start in it).
    health_interval: float = 5.0
    #: Server-ceiling probe: wrk if installed ("auto"), always wrk, the fastest client, or none.
    ceiling: Literal["auto", "wrk", "client", "off"] = "auto"
    ceiling_duration: float = 2.0
    #: A cell at or above this fraction of the server's ceiling is server-bound.
    server_bound_fraction: float = 0.85
    #: A cell whose bootstrap CI is wider than this fraction of its median is unstable.
    unstable_spread: float = 0.15
    #: Pin the server and the clients to different CPUs (needs taskset and 2 CPUs).
    pin_cpus: bool = True
    #: Wire protocols measured, each a dimension of the table: h1, h1-tls, h2, h2c, h3
    #: (`http_benchmark.protocols`). With `tls`, h1 means h1-tls; h2 and h3 are TLS anyway.
    protocols: Annotated[list[ProtocolName], NoDecode] = Field(default_factory=_h1_only)
    tls: bool = False
    #: CA bundle for an https `url` whose certificate the system does not trust (the run's
    #: own server uses a CA made for the run).
    ca_file: Path | None = None
    #: Open loop: requests per second sent on a fixed schedule (wrk2-style), latency counted
    #: from each request's scheduled time. None: closed loop (as fast as the answers come).
    rate: float | None = None
    #: A cell whose failed share of requests is above this gets the "errors" verdict.
    max_error_rate: float = 0.01
    #: Interpreter per client, for clients that cannot share this environment (niquests:
    #: its urllib3-future replaces urllib3). "niquests=/path/bin/python" pairs.
    client_python: Annotated[dict[str, Path], NoDecode] = Field(default_factory=dict)

    @classmethod
    def load(cls, toml_file: Path | None = None, **values: Any) -> Self:
        """Build from `values` > environment > `toml_file` > defaults; ConfigurationError if bad."""
        if toml_file is not None and not toml_file.is_file():
            raise ConfigurationError(f"configuration file {toml_file} does not exist")
        token = _TOML_FILE.set(toml_file)
        try:
            return cls(**values)
        except ValidationError as error:
            raise ConfigurationError(format_validation_error(error)) from None
        finally:
            _TOML_FILE.reset(token)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 - no .env files: explicit only
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = _TOML_FILE.get()
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    # --- field checks ---------------------------------------------------------------------

    @field_validator("concurrency", "clients", "modes", "scenarios", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("headers", mode="before")
    @classmethod
    def _header_lines(cls, value: Any) -> Any:
        # "Name: value" strings (the CLI's --header) as well as a mapping.
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            headers: dict[str, str] = {}
            for line in value:
                name, separator, text = str(line).partition(":")
                if not separator or not name.strip():
                    raise ValueError(f"header {line!r} is not 'Name: value'")
                headers[name.strip()] = text.strip()
            return headers
        return value

    @field_validator("protocols", mode="before")
    @classmethod
    def _protocol_names(cls, value: Any) -> Any:
        return [str(name).strip().lower() for name in _split(value)]

    @field_validator("client_python", mode="before")
    @classmethod
    def _client_pythons(cls, value: Any) -> Any:
        # "client=path" strings (flag, environment) as well as a mapping (TOML).
        if isinstance(value, str):
            value = _split(value)
        if isinstance(value, list):
            pairs: dict[str, str] = {}
            for item in value:
                client, separator, path = str(item).partition("=")
                if not separator or not client.strip() or not path.strip():
                    raise ValueError(f"{item!r} is not 'client=/path/to/python'")
                pairs[client.strip()] = path.strip()
            return pairs
        return value

    @field_validator("client_python")
    @classmethod
    def _check_client_pythons(cls, value: dict[str, Path]) -> dict[str, Path]:
        for client, python in value.items():
            if client not in CLIENT_NAMES:
                raise ValueError(f"unknown client {client} (known: {', '.join(CLIENT_NAMES)})")
            if not python.is_file():
                raise ValueError(f"{client}'s interpreter {python} does not exist")
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
        return value

    @field_validator("method")
    @classmethod
    def _check_method(cls, value: str) -> str:
        if not _TOKEN.match(value):
            raise ValueError(f"{value!r} is not an HTTP method name")
        return value.upper()

    @field_validator("concurrency")
    @classmethod
    def _check_concurrency(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("give at least one concurrency level")
        for level in value:
            if not 1 <= level <= MAX_CONCURRENCY:
                raise ValueError(f"concurrency {level} is outside 1..{MAX_CONCURRENCY}")
        return list(dict.fromkeys(value))

    @field_validator("clients")
    @classmethod
    def _check_clients(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one client")
        unknown = [name for name in value if name not in CLIENT_NAMES]
        if unknown:
            raise ValueError(
                f"unknown client {', '.join(unknown)} (known: {', '.join(CLIENT_NAMES)})"
            )
        return list(dict.fromkeys(value))

    @field_validator("modes")
    @classmethod
    def _check_modes(cls, value: list[Mode]) -> list[Mode]:
        if not value:
            raise ValueError("give at least one mode (sync, async)")
        return list(dict.fromkeys(value))

    @field_validator("scenarios")
    @classmethod
    def _check_scenarios(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in SCENARIOS]
        if unknown:
            raise ValueError(
                f"unknown scenario {', '.join(unknown)} (known: {', '.join(SCENARIOS)})"
            )
        return list(dict.fromkeys(value))

    @field_validator("requests", "rounds")
    @classmethod
    def _at_least_one(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("warmup", "retries")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator(
        "duration", "timeout", "ceiling_duration", "startup_timeout", "health_interval"
    )
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("must be more than 0 seconds")
        return value

    @field_validator("rate")
    @classmethod
    def _positive_rate(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("must be more than 0 requests per second")
        return value

    @field_validator("server_bound_fraction", "unstable_spread", "max_error_rate")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError("must be a fraction in (0, 1]")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Self:
        if self.requests is not None and self.duration is not None:
            raise ValueError("give either requests or duration per round, not both")
        if self.requests is None and self.duration is None:
            self.requests = 1000
        if self.body is not None and self.body_file is not None:
            raise ValueError("give either body or body_file, not both")
        if self.body_file is not None and not self.body_file.is_file():
            raise ValueError(f"body_file {self.body_file} does not exist")
        self.protocols = self._normalized_protocols()
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} does not exist")
        if self.url is not None:
            https = urlsplit(self.url).scheme == "https"
            wrong = [name for name in self.protocols if is_tls(name) != https]
            if wrong:
                raise ValueError(
                    f"protocol {', '.join(wrong)} does not match the {urlsplit(self.url).scheme}"
                    " URL (an https URL needs h1-tls/h2/h3, an http one h1/h2c)"
                )
        if self.url is not None and self.scenarios and urlsplit(self.url).path not in {"", "/"}:
            raise ValueError(
                "scenarios bring their own paths: give --url as a server origin "
                "(http://host:port) or drop --scenario"
            )
        return self

    def _normalized_protocols(self) -> list[ProtocolName]:
        if not self.protocols:
            raise ValueError("give at least one protocol (h1, h1-tls, h2, h2c, h3)")
        return list(dict.fromkeys(normalize(name, tls=self.tls) for name in self.protocols))

    def request_body(self) -> bytes | None:
        """The ad-hoc request's body as bytes (the file is read here, when the run starts)."""
        if self.body_file is not None:
            return self.body_file.read_bytes()
        return None if self.body is None else self.body.encode()


def format_validation_error(error: ValidationError) -> str:
    """One line per problem: `setting: what is wrong`, with the value given when useful."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "configuration"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
