"""The CLI's commands beyond client runs: `servers`, `history`, `export`, and the nginx
client benchmarks (`nginx-clients`, `instructions`, `retry-overhead`, `retry-instructions`).

They register on `cli.app` (imported at the end of cli.py), sharing its console and helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from http_benchmark.cli import DEFAULT_DB, DbOption, _fail, _load, _open, app, console
from http_benchmark.export import ExportFormat, export_runs
from http_benchmark.history import CellHistory, load_history
from http_benchmark.servers import (
    SUITE_NAMES,
    LoadSettings,
    ServerRunner,
    ServerRunSettings,
    ratio_lines,
    server_methodology_lines,
    server_tables,
)
from http_benchmark.storage import Storage, StoredRun

__all__ = ["print_server_run"]


def print_server_run(stored: StoredRun) -> None:
    for table in server_tables(stored):
        console.print(table)
    for line in ratio_lines(stored):
        console.print(f"[bold]{line}[/] (medians of interleaved rounds)", highlight=False)
    environment = stored.run.environment
    for line in server_methodology_lines(stored):
        console.print(f"[dim]{line}[/]", highlight=False)
    stress = environment.get("stress")
    if stress:
        console.print(
            f"stress: wrk -t2 -c{stress['connections']} -d{stress['seconds']:g}s against "
            f"{stress['server']}: {stress['requests_per_second']:,.0f} req/s, {stress['ok']} "
            f"answers, {sum(stress['errors'].values())} errors, RSS "
            f"{stress['rss_start'] / 2**20:.1f} MiB before, "
            f"peak {stress['rss_peak'] / 2**20:.1f} MiB",
            highlight=False,
        )
    for line in environment.get("server_logs") or []:
        console.print(f"[dim]server output (not counted as errors): {line}[/]", highlight=False)


@app.command()
def servers(  # noqa: PLR0913 - one option per setting is the command's interface
    *,
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", help=f"Protocol suite (repeat): {', '.join(SUITE_NAMES)}."),
    ] = None,
    server: Annotated[
        list[str] | None, typer.Option("--server", help="Only these servers (repeat).")
    ] = None,
    rounds: Annotated[int, typer.Option(help="Rounds per server.")] = 5,
    duration: Annotated[float, typer.Option(help="Seconds per load run.")] = 5.0,
    warmup: Annotated[float, typer.Option(help="Seconds of each warm-up run (0: none).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seeds the rounds' order.")] = 2024,
    connections: Annotated[
        int | None, typer.Option(help="Connections (ws: sockets); default per suite.")
    ] = None,
    streams: Annotated[
        int | None, typer.Option(help="Requests in flight per connection (h2, h3).")
    ] = None,
    ws_processes: Annotated[int, typer.Option(help="WebSocket load processes.")] = 2,
    httpy_baseline: Annotated[
        str | None,
        typer.Option(help="Also measure httpy as it was at this git ref (as httpy@REF)."),
    ] = None,
    stress_duration: Annotated[
        float, typer.Option(help="Seconds of an h1 stress run of httpy after the rounds (0: none).")
    ] = 0.0,
    stress_connections: Annotated[int, typer.Option(help="Connections of the stress run.")] = 256,
    pin: Annotated[bool, typer.Option("--pin/--no-pin", help="taskset pinning.")] = True,
    db: DbOption = DEFAULT_DB,
    name: Annotated[str, typer.Option(help="Name stored with the run.")] = "servers",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-round lines.")] = False,
) -> None:
    """httpy vs uvicorn, hypercorn and granian per protocol, in interleaved rounds, stored."""
    try:
        settings = ServerRunSettings(
            suites=tuple(dict.fromkeys(suite or SUITE_NAMES)),
            servers=tuple(dict.fromkeys(server)) if server else None,
            rounds=rounds, duration=duration, warmup=warmup, seed=seed, pin_cpus=pin,
            load=LoadSettings(connections=connections, streams=streams,
                              ws_processes=ws_processes),
            name=name, httpy_baseline=httpy_baseline, stress_duration=stress_duration,
            stress_connections=stress_connections,
        )  # fmt: skip
    except ValueError as error:
        raise _fail(str(error)) from None

    def echo(message: str) -> None:
        if not quiet or "unavailable" in message or "failed" in message:
            console.print(f"[dim]{message}[/]", highlight=False)

    with Storage(db) as storage:
        stored = ServerRunner(settings, storage, echo).run()
    print_server_run(stored)
    if any(result.status == "failed" for result in stored.results):
        raise typer.Exit(1)


def _history_table(histories: list[CellHistory]) -> Table:
    run_ids = sorted({point.run_id for history in histories for point in history.points})
    table = Table(title="history: median req/s per run (oldest first)", title_justify="left")
    table.add_column("cell")
    for run_id in run_ids:
        table.add_column(f"run {run_id}", justify="right")
    table.add_column("last vs first", justify="right")
    for history in histories:
        by_run = {point.run_id: point.median for point in history.points}
        change = history.change
        table.add_row(
            history.key.label(),
            *[f"{by_run[run_id]:,.0f}" if run_id in by_run else "-" for run_id in run_ids],
            "-" if change is None else f"{change:+.1%}",
        )
    return table


@app.command()
def history(
    *,
    db: DbOption = DEFAULT_DB,
    name: Annotated[
        str | None, typer.Option(help="Only runs of this name (default: every run).")
    ] = None,
    last: Annotated[int | None, typer.Option(help="Only the last N of those runs.")] = None,
) -> None:
    """Each cell across stored runs: its median per run and the change, oldest to newest."""
    if last is not None and last < 1:
        raise _fail("--last must be at least 1")
    with _open(db) as storage:
        histories = load_history(storage, name=name, last=last)
    if not histories:
        raise _fail(f"no finished run{f' named {name!r}' if name else ''} in {db}", 1)
    console.print(_history_table(histories))


@app.command()
def export(
    *,
    runs: Annotated[
        list[str], typer.Argument(metavar="RUN...", help="Run ids, names or 'latest'.")
    ],
    export_format: Annotated[
        str, typer.Option("--format", help="json (everything) or csv (one row per cell).")
    ] = "json",
    samples: Annotated[
        bool, typer.Option("--samples", help="CSV: one row per measured round.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Stored runs as JSON or CSV."""
    if export_format not in ("json", "csv"):
        raise _fail(f"--format must be json or csv, not {export_format!r}")
    chosen: ExportFormat = "json" if export_format == "json" else "csv"
    with _open(db) as storage:
        stored = [_load(storage, reference) for reference in runs]
    text = export_runs(stored, chosen, samples=samples)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)


# The nginx benchmarks keep their own argparse options: everything after the command name
# goes to them (`http-benchmark nginx-clients --quick`, `... --help`).
_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command("nginx-clients", context_settings=_PASS_THROUGH, add_help_option=False)
def nginx_clients(context: typer.Context) -> None:
    """requestx vs requests, httpx, urllib3, pycurl, aiohttp on nginx (sync, async, download)."""
    from http_benchmark.nginx.clients import main  # noqa: PLC0415 - only when asked for

    raise typer.Exit(main(context.args))


@app.command("instructions", context_settings=_PASS_THROUGH, add_help_option=False)
def instructions(context: typer.Context) -> None:
    """Instructions per small GET under callgrind (valgrind), requestx vs pycurl, on nginx."""
    from http_benchmark.nginx.instructions import main  # noqa: PLC0415

    raise typer.Exit(main(context.args))


@app.command("server-instructions", context_settings=_PASS_THROUGH, add_help_option=False)
def server_instructions(context: typer.Context) -> None:
    """Instructions per request under callgrind: httpy vs uvicorn and hypercorn, in memory."""
    from http_benchmark.servers.instructions import main  # noqa: PLC0415

    raise typer.Exit(main(context.args))


@app.command("retry-overhead", context_settings=_PASS_THROUGH, add_help_option=False)
def retry_overhead(context: typer.Context) -> None:
    """aresilient's Client/AsyncClient vs bare httpx and other retry layers, on nginx."""
    from http_benchmark.nginx.retry_overhead import main  # noqa: PLC0415

    raise typer.Exit(main(context.args))


@app.command("retry-instructions", context_settings=_PASS_THROUGH, add_help_option=False)
def retry_instructions(context: typer.Context) -> None:
    """Instructions per request under callgrind (valgrind), aresilient vs bare httpx."""
    from http_benchmark.nginx.retry_instructions import main  # noqa: PLC0415

    raise typer.Exit(main(context.args))
