"""Whether two stored runs can be compared cell by cell, and if not, every reason why.

A ratio between two runs means something only when what changed is the thing under test.
Runs differ in ways that move the numbers on their own: the kind of run (clients or servers),
the server the clients talked to (a container, a local process, another URL), the machine
(CPU model, core count, memory), the protocols (plaintext, TLS, HTTP/2...), and the version of
any client, server or load tool that both runs measured. `compare` refuses such pairs unless
told to go on (`--force`), and then says loudly what differs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from http_benchmark.storage import StoredRun

__all__ = ["comparability_problems"]

# The machine: the same model and count of cores and the same memory size.
_MACHINE = ("cpu", "cpus", "memory_bytes", "implementation")
# Settings that say which protocol a run spoke (client runs: `protocol` and `tls` where the
# run recorded them; server runs: their suites).
_PROTOCOL = ("protocol", "protocols", "tls", "suites")


def _kind(run: StoredRun) -> str:
    return str(run.run.configuration.get("kind", "clients"))


def _server_kind(run: StoredRun) -> Any:
    server = run.run.environment.get("server")
    if not isinstance(server, dict):
        return None
    # The kind (container, local process, external URL) and app, not the image tag or URL:
    # those change with every build of httpy and every free port, the kind of server does not.
    return {key: server.get(key) for key in ("kind", "app") if key in server}


def _measured(run: StoredRun) -> set[str]:
    return {result.key.client for result in run.results if result.status != "unavailable"}


def _versions(run: StoredRun, section: str) -> dict[str, Any]:
    entries = run.run.environment.get(section)
    if not isinstance(entries, dict):
        # A client run's "servers" is the list of servers it ran (one per protocol), not
        # versions by name: those are compared by `_server_kind`.
        return {}
    versions: dict[str, Any] = {}
    for name, value in entries.items():
        versions[name] = value.get("version") if isinstance(value, dict) else value
    return versions


def _differences(
    label: str, a: dict[str, Any], b: dict[str, Any], keys: Iterable[str]
) -> list[str]:
    return [
        f"{label} {key}: {a.get(key)!r} vs {b.get(key)!r}"
        for key in keys
        if a.get(key) != b.get(key)
    ]


def comparability_problems(a: StoredRun, b: StoredRun) -> list[str]:
    """Every way in which run `b` was not measured like run `a` (empty: comparable)."""
    if _kind(a) != _kind(b):
        return [f"run kind: {_kind(a)} vs {_kind(b)} (a client run and a server run)"]
    problems: list[str] = []
    if _server_kind(a) != _server_kind(b):
        problems.append(f"server: {_server_kind(a)!r} vs {_server_kind(b)!r}")
    problems += _differences("machine", a.run.environment, b.run.environment, _MACHINE)
    problems += _differences("protocol", a.run.configuration, b.run.configuration, _PROTOCOL)
    both = _measured(a) & _measured(b)
    for section, label in (("clients", "client"), ("servers", "server")):
        versions_a, versions_b = _versions(a, section), _versions(b, section)
        problems += [
            f"{label} {name} version: {versions_a.get(name)} vs {versions_b.get(name)}"
            for name in sorted(both)
            if name in versions_a and name in versions_b
            and versions_a[name] != versions_b[name]
        ]  # fmt: skip
    tools_a, tools_b = _versions(a, "tools"), _versions(b, "tools")
    problems += _differences("load tool", tools_a, tools_b, sorted(set(tools_a) & set(tools_b)))
    if a.run.environment.get("wrk") != b.run.environment.get("wrk") and _kind(a) == "clients":
        problems.append(
            f"ceiling tool: {a.run.environment.get('wrk')!r} vs {b.run.environment.get('wrk')!r}"
        )
    return problems
