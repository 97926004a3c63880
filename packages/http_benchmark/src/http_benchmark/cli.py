"""`http-benchmark`: run, list, show, compare and report benchmarks of Python HTTP clients."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from http_benchmark.adapters import CLIENT_NAMES, get_adapter
from http_benchmark.comparability import comparability_problems
from http_benchmark.compare import Change, compare_runs
from http_benchmark.config import BenchmarkConfiguration, ConfigurationError
from http_benchmark.history import history_html, load_history
from http_benchmark.logs import configure_logging
from http_benchmark.protocols import PROTOCOLS
from http_benchmark.report import render_html
from http_benchmark.runner import RunError, Runner
from http_benchmark.scenarios import SCENARIOS
from http_benchmark.server import ServerError
from http_benchmark.server_selection import select_server
from http_benchmark.servers import is_server_run
from http_benchmark.storage import Storage, StorageError, StoredRun
from http_benchmark.summary import summary_tables
from http_benchmark.tables import (
    comparison_table,
    methodology_lines,
    run_tables,
    runs_table,
    samples_table,
)

__all__ = ["app"]

app = typer.Typer(
    name="http-benchmark",
    help="Fair, repeatable benchmarks of Python HTTP clients.",
    no_args_is_help=True,
    add_completion=False,
)
# Piped into a file or CI log, rich would cut the wide result tables to 80 columns; there the
# width is wide enough for them (COLUMNS still wins when set).
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 220)
DEFAULT_DB = Path("http-benchmark.db")

DbOption = Annotated[Path, typer.Option("--db", help="SQLite file with the runs.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


class _ProgressObserver:
    """Runner events on a rich progress bar; each finished step is printed above it."""

    def __init__(self, progress: Progress, *, echo: bool) -> None:
        self.progress, self.echo = progress, echo
        self.task = progress.add_task("starting", total=None)

    def started(self, total_steps: int) -> None:
        self.progress.update(self.task, total=total_steps)

    def step(self, description: str) -> None:
        self.progress.update(self.task, description=description)

    def done(self, message: str) -> None:
        self.progress.advance(self.task)
        if self.echo:
            self.progress.console.print(f"[dim]{message}[/]", highlight=False)


@app.callback()
def main(
    *,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More logs.")] = 0,
) -> None:
    configure_logging(verbose)


def _settings(**values: Any) -> dict[str, Any]:
    """Only what was given on the command line: the rest comes from env, TOML or defaults."""
    return {key: value for key, value in values.items() if value not in (None, [], ())}


@app.command()
def run(  # noqa: PLR0913 - one option per setting is the command's interface
    *,
    url: Annotated[
        str | None,
        typer.Option(help="Target URL; without it an httpy server is started (see --server)."),
    ] = None,
    client: Annotated[
        list[str] | None, typer.Option("--client", "-c", help="Client to measure (repeat).")
    ] = None,
    scenario: Annotated[
        list[str] | None, typer.Option("--scenario", "-s", help="Named scenario (repeat).")
    ] = None,
    use_async: Annotated[
        bool, typer.Option("--async", help="Measure the async mode (asyncio tasks).")
    ] = False,
    mode: Annotated[
        list[str] | None, typer.Option("--mode", help="sync and/or async (repeat for both).")
    ] = None,
    method: Annotated[str | None, typer.Option(help="HTTP method.")] = None,
    body: Annotated[str | None, typer.Option(help="Request body (text).")] = None,
    body_file: Annotated[Path | None, typer.Option(help="Request body from a file.")] = None,
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="'Name: value' (repeat).")
    ] = None,
    concurrency: Annotated[
        str | None, typer.Option(help="Comma-separated levels, e.g. 1,16,64.")
    ] = None,
    requests: Annotated[int | None, typer.Option(help="Counted requests per round.")] = None,
    duration: Annotated[float | None, typer.Option(help="Seconds per round.")] = None,
    rounds: Annotated[int | None, typer.Option(help="Rounds per cell.")] = None,
    warmup: Annotated[int | None, typer.Option(help="Warm-up requests per round.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Per-request timeout (s).")] = None,
    verify: Annotated[bool | None, typer.Option("--verify/--no-verify", help="TLS.")] = None,
    retries: Annotated[int | None, typer.Option(help="Retries, where clients have them.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seeds the rounds' order.")] = None,
    baseline: Annotated[str | None, typer.Option(help="Ratios are relative to it.")] = None,
    expected_status: Annotated[int | None, typer.Option(help="Status to expect.")] = None,
    expected_length: Annotated[int | None, typer.Option(help="Body length to expect.")] = None,
    check_length: Annotated[
        bool | None, typer.Option("--check-length/--no-check-length", help="Check body length.")
    ] = None,
    ceiling: Annotated[str | None, typer.Option(help="auto, wrk, client or off.")] = None,
    ceiling_duration: Annotated[
        float | None, typer.Option(help="Seconds of each ceiling probe.")
    ] = None,
    pin: Annotated[bool | None, typer.Option("--pin/--no-pin", help="taskset pinning.")] = None,
    server: Annotated[
        str | None,
        typer.Option(help="auto (docker if an engine has the image, else local), docker, local."),
    ] = None,
    image: Annotated[
        str | None, typer.Option(help="httpy image for --server docker.", show_default=False)
    ] = None,
    docker_network: Annotated[
        str | None, typer.Option(help="host (default: no proxy) or bridge (docker-proxy).")
    ] = None,
    startup_timeout: Annotated[
        float | None, typer.Option(help="Seconds the server gets to come up.")
    ] = None,
    health_interval: Annotated[
        float | None, typer.Option(help="Seconds between the container's health checks.")
    ] = None,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file (default http-benchmark.db).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name stored with the run.")] = None,
    config: Annotated[Path | None, typer.Option(help="TOML file with settings.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-round lines.")] = False,
    protocol: Annotated[
        list[str] | None,
        typer.Option("--protocol", "-p", help="h1, h1-tls, h2, h2c or h3 (repeat)."),
    ] = None,
    tls: Annotated[
        bool | None, typer.Option("--tls/--no-tls", help="h1 over TLS (h2, h3 imply TLS).")
    ] = None,
    ca_file: Annotated[
        Path | None, typer.Option(help="CA bundle for an https --url's certificate.")
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="Open loop: requests/s on a fixed schedule.")
    ] = None,
    max_error_rate: Annotated[
        float | None, typer.Option(help="Above this failed share: verdict 'errors'.")
    ] = None,
    client_python: Annotated[
        list[str] | None,
        typer.Option("--client-python", help="CLIENT=PYTHON: a client's own interpreter."),
    ] = None,
) -> None:
    """Measure clients (each round of each cell in a fresh process) and store the run."""
    if use_async and mode:
        raise _fail("give --async or --mode, not both")
    values = _settings(
        url=url, clients=client, scenarios=scenario, modes=["async"] if use_async else mode,
        method=method, body=body, body_file=body_file, headers=header, concurrency=concurrency,
        requests=requests, duration=duration, rounds=rounds, warmup=warmup, timeout=timeout,
        verify=verify, retries=retries, seed=seed, baseline=baseline,
        expected_status=expected_status, expected_length=expected_length,
        check_length=check_length, ceiling=ceiling, ceiling_duration=ceiling_duration,
        pin_cpus=pin, db=db, name=name, server=server, image=image,
        docker_network=docker_network, startup_timeout=startup_timeout,
        health_interval=health_interval, protocols=protocol, tls=tls, ca_file=ca_file,
        rate=rate, max_error_rate=max_error_rate, client_python=client_python,
    )  # fmt: skip
    try:
        configuration = BenchmarkConfiguration.load(config, **values)
    except ConfigurationError as error:
        raise _fail(str(error)) from None
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    )  # fmt: skip
    choice = select_server(configuration)
    if choice.note is not None:
        console.print(f"[bold yellow]{choice.note}[/]", highlight=False)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with Storage(configuration.db) as storage, progress:
            observer = _ProgressObserver(progress, echo=not quiet)
            runner = Runner(configuration, storage, server=choice.provider, observer=observer)
            stored = runner.run()
    except (RunError, ServerError, StorageError, RuntimeError) as error:
        raise _fail(str(error), 1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    _print_run(stored, configuration.baseline)
    if any(result.status == "failed" for result in stored.results):
        raise typer.Exit(1)


def _interrupt(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal API
    # SIGTERM (`kill`, `docker stop`, CI timeouts) unwinds like Ctrl-C: the run is stored as
    # interrupted and its server, container included, is stopped and removed.
    raise KeyboardInterrupt


def _print_run(stored: StoredRun, baseline: str) -> None:
    if is_server_run(stored):
        from http_benchmark.cli_more import print_server_run  # noqa: PLC0415 - it imports us

        print_server_run(stored)
        return
    console.print(run_tables(stored, baseline=baseline))
    for line in methodology_lines(stored):
        console.print(f"[dim]{line}[/]", highlight=False)


def _open(db: Path) -> Storage:
    if not db.exists():
        raise _fail(f"{db} does not exist (run `http-benchmark run` first, or give --db)")
    try:
        return Storage(db)
    except StorageError as error:
        raise _fail(str(error)) from None


def _load(storage: Storage, reference: str) -> StoredRun:
    try:
        return storage.load_run(reference)
    except StorageError as error:
        raise _fail(str(error)) from None


@app.command("list")
def list_runs(*, db: DbOption = DEFAULT_DB) -> None:
    """The runs stored in the database."""
    with _open(db) as storage:
        console.print(runs_table(storage.list_runs()))


@app.command()
def show(
    *,
    run_ref: Annotated[str, typer.Argument(metavar="RUN", help="Run id, name, or 'latest'.")],
    db: DbOption = DEFAULT_DB,
    baseline: Annotated[str, typer.Option(help="Ratios are relative to it.")] = "requests",
    samples: Annotated[bool, typer.Option("--samples", help="Also every raw round.")] = False,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="Only req/s and ratio: a client per row, a protocol per column."
        ),
    ] = False,
) -> None:
    """One run's table (ratios to the baseline, spread, verdict) and its methodology."""
    with _open(db) as storage:
        stored = _load(storage, run_ref)
    if summary and not is_server_run(stored):
        console.print(summary_tables(stored, baseline=baseline))
        for line in methodology_lines(stored)[:2]:
            console.print(f"[dim]{line}[/]", highlight=False)
    else:
        _print_run(stored, baseline)
    if samples:
        console.print(samples_table(stored))


@app.command()
def compare(  # noqa: PLR0913 - one option per setting
    *,
    run_a: Annotated[str, typer.Argument(metavar="RUN_A", help="The reference run.")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B", help="The run compared to it.")],
    db: DbOption = DEFAULT_DB,
    threshold: Annotated[
        float, typer.Option(help="Smallest relative change that counts (0.05 = 5 %).")
    ] = 0.05,
    alpha: Annotated[float, typer.Option(help="Significance level of the U test.")] = 0.05,
    force: Annotated[
        bool, typer.Option("--force", help="Compare runs that were not measured alike.")
    ] = False,
) -> None:
    """Per cell: improved, regressed, unchanged or unstable. Exit status 1 on a regression.

    Runs measured differently (kind, server, machine, protocol, client/server/tool versions)
    are refused with the reasons (exit status 2) unless --force, which warns loudly instead.
    """
    with _open(db) as storage:
        a, b = _load(storage, run_a), _load(storage, run_b)
    problems = comparability_problems(a, b)
    if problems:
        reasons = "".join(f"\n  - {problem}" for problem in problems)
        if not force:
            raise _fail(
                f"runs {a.run.id} and {b.run.id} were not measured alike:{reasons}\n"
                "their ratios would measure those differences; --force compares anyway"
            )
        console.print(
            f"[bold red]WARNING: runs {a.run.id} and {b.run.id} were not measured alike "
            f"(compared anyway, --force):{reasons}[/]",
            highlight=False,
        )
    comparisons = compare_runs(a, b, threshold=threshold, alpha=alpha)
    console.print(comparison_table(comparisons, f"run {a.run.id}", f"run {b.run.id}"))
    counts = {change: sum(c.change == change for c in comparisons) for change in Change}
    console.print(
        ", ".join(f"{count} {change.value}" for change, count in counts.items() if count)
        + f" (threshold {threshold:.0%}, Mann-Whitney U p < {alpha})",
        highlight=False,
    )
    if counts[Change.REGRESSED]:
        raise typer.Exit(1)


@app.command()
def report(
    *,
    run_ref: Annotated[str, typer.Argument(metavar="RUN", help="Run id, name, or 'latest'.")],
    html: Annotated[Path, typer.Option("--html", help="Where to write the report.")],
    db: DbOption = DEFAULT_DB,
    with_history: Annotated[
        bool,
        typer.Option("--history/--no-history", help="Add each cell's trend over runs of its name."),
    ] = True,
) -> None:
    """A self-contained HTML report (inline SVG plots, no external resources)."""
    with _open(db) as storage:
        stored = _load(storage, run_ref)
        histories = (
            load_history(storage, name=stored.run.name, until=stored.run.id) if with_history else []
        )
    page = render_html(stored)
    if any(len(history.points) > 1 for history in histories):
        page = page.replace("</body>", history_html(histories) + "</body>", 1)
    html.write_text(page, encoding="utf-8")
    console.print(f"wrote {html}", highlight=False)


@app.command()
def clients() -> None:
    """Every client adapter, its modes and whether it can run here."""
    table = Table(title="clients")
    for column in ("client", "modes", "protocols", "retries", "version", "status"):
        table.add_column(column)
    for client_name in CLIENT_NAMES:
        adapter = get_adapter(client_name)
        reason = adapter.unavailable_reason()
        table.add_row(
            client_name,
            ", ".join(sorted(adapter.modes)),
            ", ".join(name for name in PROTOCOLS if name in adapter.protocols),
            adapter.retries or "none",
            adapter.version() if reason is None else "-",
            "available" if reason is None else f"unavailable: {reason}",
        )
    console.print(table)


@app.command()
def scenarios() -> None:
    """The named scenarios."""
    table = Table(title="scenarios")
    for column in ("name", "request", "concurrency", "protocols", "description"):
        table.add_column(column)
    for item in SCENARIOS.values():
        levels = ",".join(map(str, item.concurrency)) if item.concurrency else "--concurrency"
        protocols = ",".join(item.protocols) if item.protocols else "--protocol"
        table.add_row(item.name, f"{item.method} {item.path}", levels, protocols, item.description)
    console.print(table)


# `servers`, `history` and `export` live in their own module and register on `app` here.
from http_benchmark import cli_more  # noqa: E402, F401
