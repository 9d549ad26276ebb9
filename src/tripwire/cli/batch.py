"""``tripwire batch``: a whole customer file (CSV, JSON lines, Parquet) screened as one job.

Unlike ``screen FILE`` it is made for millions of rows: streamed in chunks
with bounded memory, on every core (or on Spark), resumable after a kill, with
every input row accounted for in the output or the rejects file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tripwire.batch.inputs import BatchInput, InputFileError
from tripwire.batch.job import CHUNK_SIZE, BatchJob, run_local
from tripwire.batch.parts import ResumeError, output_format
from tripwire.batch.records import ColumnMap, MappingError, Options
from tripwire.cli.common import EXIT_USAGE, JSON_OPTION, console, err_console, print_json
from tripwire.cli.screen import WORKERS_OPTION, load_screener
from tripwire.screening import Query, QueryError


def _usage(message: str) -> typer.Exit:
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def batch_command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="Records to screen: *.csv, *.jsonl or *.parquet, with an id and a name column "
            "(and optionally schema, birth_date, country, identifier).",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Results: *.csv, *.jsonl or *.parquet; one row per match, and one 'clear' "
            "row per record without a match.",
        ),
    ],
    rejects: Annotated[
        Path | None,
        typer.Option(help="Rejected records, CSV (default: OUTPUT with .rejects.csv)."),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Input column holding the record id.")
    ] = None,
    name_column: Annotated[
        str | None, typer.Option("--name-column", help="Input column holding the name.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help='JSON column mapping, e.g. {"id": "customer_no", "name": "full_name", '
            '"birth_date": "dob", "country": "nationality"}.'
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(help="Schema of records without one (Person, Company, Vessel, ...)."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="At most this many matches per record, plus any that tie with the last "
            "(equal scores have no order). Default: every match at or above the threshold.",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score reported (default: the model's)."),
    ] = None,
    hits_only: Annotated[
        bool, typer.Option("--hits-only", help="Leave 'clear' rows out of the output.")
    ] = False,
    workers: Annotated[int | None, WORKERS_OPTION] = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Records per chunk (the unit of checkpointing).")
    ] = CHUNK_SIZE,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart", help="Discard the checkpoint of an unfinished run instead of resuming."
        ),
    ] = False,
    engine: Annotated[
        str, typer.Option(help="local (this machine, every core) or spark.")
    ] = "local",
    master: Annotated[
        str | None,
        typer.Option(help="Spark master URL (default: local[*]); with --engine spark."),
    ] = None,
    json_output: bool = JSON_OPTION,
) -> None:
    """Screen a file of records against the serving lists as one resumable batch job.

    Killed (even with SIGKILL), the same command run again continues from the
    last finished chunk: no record lost, none written twice. Exit 0 whether or
    not anything matched; 2 for a bad file or option; 3 when no list is imported.
    """
    if engine not in ("local", "spark"):
        raise _usage(f"--engine must be local or spark, not {engine!r}")
    if master and engine != "spark":
        raise _usage("--master is for --engine spark")
    rejects_path = rejects or output.with_name(f"{output.stem}.rejects.csv")
    paths = {input_path.resolve(), output.resolve(), rejects_path.resolve()}
    if len(paths) < 3:
        raise _usage("INPUT, --output and --rejects must be three different files")
    try:
        output_format(output)
        columns = (
            ColumnMap.from_file(mapping, id_column=id_column, name_column=name_column)
            if mapping
            else ColumnMap.create(id_column=id_column, name_column=name_column)
        )
        source = BatchInput(input_path, columns)
    except (ValueError, MappingError, InputFileError) as exc:
        raise _usage(str(exc)) from None
    if schema:
        try:
            Query.create("x", schema=schema)
        except QueryError as exc:
            raise _usage(f"--schema: {exc.reason}") from None
    screener = load_screener(json_output)
    options = Options(
        limit=limit,
        threshold=screener.threshold if threshold is None else threshold,
        default_schema=schema,
        hits_only=hits_only,
    )
    job = BatchJob(input_path, output, rejects_path, columns, options, chunk_size)
    try:
        if engine == "spark":
            from tripwire.batch.spark import run_spark

            summary = run_spark(job, screener, master=master)
        else:
            summary = _run_with_progress(job, screener, source.total, workers, restart, json_output)
    except ResumeError as exc:
        raise _usage(str(exc)) from None
    except InputFileError as exc:
        raise _usage(str(exc)) from None
    if json_output:
        print_json(summary)
        return
    _print_summary(summary)


def _run_with_progress(
    job: BatchJob,
    screener: Any,
    total: int,
    workers: int | None,
    restart: bool,
    json_output: bool,
) -> dict[str, Any]:
    interactive = not json_output and err_console.is_terminal
    with Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("records"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not interactive,
    ) as bar:
        task = bar.add_task("batch", total=max(total, 1))
        return run_local(
            job,
            screener,
            workers=workers,
            restart=restart,
            progress=lambda done: bar.update(task, completed=done),
        )


def _print_summary(summary: dict[str, Any]) -> None:
    resumed = summary["resumed_rows"]
    console.print(
        f"{summary['rows_read']} records read, {summary['screened']} screened, "
        f"{summary['rejected']} rejected, {summary['with_hits']} with hits in "
        f"{summary['seconds']:.1f}s ({summary['rows_per_second']:.0f} records/s, "
        f"{summary['engine']} engine)" + (f"; {resumed} done by an earlier run" if resumed else ""),
        highlight=False,
        soft_wrap=True,
    )
    if summary["hits_by_source"]:
        table = Table(title=f"hits at or above {summary['threshold']:.3f} by list")
        table.add_column("list")
        table.add_column("hits", justify="right")
        for source, count in summary["hits_by_source"].items():
            table.add_row(source, str(count))
        console.print(table)
    if summary["rejected_by_field"]:
        reasons = ", ".join(f"{k}: {v}" for k, v in summary["rejected_by_field"].items())
        console.print(f"[yellow]rejected by field[/] {reasons}; see {summary['rejects']}")
    console.print(f"results: {summary['output']}", highlight=False, soft_wrap=True)
