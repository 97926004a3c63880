"""Server commands per protocol, and what makes a server unavailable."""

from __future__ import annotations

from pathlib import Path

import pytest

from http_benchmark.servers.apps import write_apps
from http_benchmark.servers.commands import server_command, server_unavailable, server_version
from http_benchmark.servers.suites import SUITES, get_suite
from http_benchmark.servers.tls import Tls


def test_every_suite_server_has_a_command() -> None:
    tls = Tls(Path("cert.pem"), Path("key.pem"))
    for suite in SUITES.values():
        for server in suite.servers:
            command = server_command(server, suite.name, "python", 8000, tls if suite.tls else None)
            assert command[0] == "python"
            assert "8000" in " ".join(command)
            if suite.tls:
                assert "cert.pem" in command


def test_protocol_specific_flags() -> None:
    assert "--http3" in server_command("httpy", "h3", "python", 1, Tls(Path("c"), Path("k")))
    assert "--quic-bind" in server_command(
        "hypercorn", "h3", "python", 1, Tls(Path("c"), Path("k"))
    )
    assert "ws_httpy_app:app" in server_command("httpy", "ws", "python", 1, None)
    assert "--ws" not in server_command("uvicorn", "h1", "python", 1, None)
    assert "websockets-sansio" in server_command("uvicorn-sansio", "ws", "python", 1, None)
    granian_h1 = server_command("granian", "h1", "python", 1, None)
    assert granian_h1[granian_h1.index("--http") + 1] == "1"


@pytest.mark.parametrize("protocol", ["h2c", "h2", "h3"])
def test_hypercorn_keeps_its_connections_over_multiplexed_protocols(
    protocol: str, tmp_path: Path
) -> None:
    """h2load and the HTTP/3 load never reconnect: hypercorn's default cap of 1,000 requests
    per connection would end its run early and understate it."""
    tls = None if protocol == "h2c" else Tls(Path("c"), Path("k"))
    command = server_command("hypercorn", protocol, "python", 1, tls)
    config = command[command.index("--config") + 1]
    write_apps(tmp_path)
    assert (tmp_path / config).read_text() == "keep_alive_max_requests = 1000000000\n"
    assert "--config" not in server_command("hypercorn", "h1", "python", 1, None)


def test_unknown_servers_and_suites_are_refused() -> None:
    assert server_unavailable("nginx", "h1") == "unknown server 'nginx'"
    with pytest.raises(ValueError, match="unknown server"):
        server_command("nginx", "h1", "python", 1, None)
    with pytest.raises(ValueError, match="unknown suite 'h4'"):
        get_suite("h4")


def test_installed_servers_are_available_with_their_version() -> None:
    # httpy is a dependency of http_benchmark: always there.
    assert server_unavailable("httpy", "h1") is None
    assert server_version("httpy") == server_version("httpy-asgi")
    assert server_version("httpy") is not None
