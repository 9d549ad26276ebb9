"""``tripwire monitor ...``: the register of customers re-screened whenever a list changes.

``add`` keeps the register (re-adding a file updates changed records), every list
import or update re-screens only what changed (``tripwire.monitor.delta``), and
``alerts`` lists the new and changed hits, each with its list version and reason.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tripwire.batch.inputs import InputFileError
from tripwire.batch.records import ColumnMap, MappingError
from tripwire.cli.common import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.monitor import Alert, Register, RescreenResult, rescreen
from tripwire.monitor.delta import StaleScreenerError
from tripwire.monitor.records import RegisterFile
from tripwire.screening.engine import Screener
from tripwire.screening.query import Query, QueryError
from tripwire.settings import Settings
from tripwire.store import Store

monitor_app = typer.Typer(
    help="A register of customers re-screened whenever a list changes; alerts on new hits.",
    no_args_is_help=True,
)


def _usage(message: str) -> typer.Exit:
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


#: Times a re-screen loads the screening index again when a list import made it stale.
RESCREEN_ATTEMPTS = 3


def run_rescreen(store: Store, settings: Settings, *, quiet: bool) -> RescreenResult | None:
    """Re-screen the register against the serving lists; None when there is nothing to do
    (no list imported yet). Progress goes to stderr, so JSON on stdout stays clean."""
    if not store.current_versions():
        return None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    )
    with progress:
        tasks: dict[str, TaskID] = {}

        def tick(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                label = "new and changed records" if phase == "forward" else "changed parties"
                tasks[phase] = progress.add_task(f"screening {label}", total=total)
            progress.update(tasks[phase], completed=done)

        attempt = 1
        while True:
            loading = progress.add_task("loading the screening index", total=None)
            screener = Screener.from_store(store, settings.home / "index")
            progress.remove_task(loading)
            try:
                return rescreen(store, screener, progress=tick)
            except StaleScreenerError:
                # A list was imported while the index loaded: load the new one (the
                # re-screen stored nothing, so nothing is screened against the old one).
                if attempt >= RESCREEN_ATTEMPTS:
                    raise
                attempt += 1


def after_list_change(store: Store, *, quiet: bool = False) -> None:
    """Called by ``lists import`` and ``lists update`` after a new version was stored."""
    register = Register(store)
    if not register.count():
        return
    try:
        result = run_rescreen(store, Settings.from_env(), quiet=quiet)
    except Exception as exc:  # the import itself succeeded; nothing is lost, only delayed
        err_console.print(
            f"monitor: re-screening failed ({type(exc).__name__}: {exc}); the register stays "
            "at the versions it was screened against: run tripwire monitor rescreen",
            highlight=False,
            markup=False,
        )
        return
    if result is not None:
        err_console.print(_summary_line(result), highlight=False)


def _summary_line(result: RescreenResult) -> str:
    return (
        f"monitor: {result.parties_added} parties added, {result.parties_changed} changed, "
        f"{result.parties_removed} removed; {result.forward_records} records screened, "
        f"{result.reverse_records} re-checked; {len(result.alerts)} new alerts "
        f"({result.seconds:.1f}s){' - tripwire monitor alerts' if result.alerts else ''}"
    )


def _alerts_table(alerts: list[Alert], title: str) -> Table:
    table = Table(title=title)
    for column in ("alert", "record", "name", "score", "entity", "listed as", "version", "reason"):
        table.add_column(column, justify="right" if column in ("alert", "score") else "left")
    for a in alerts:
        table.add_row(
            str(a.id),
            a.record_id,
            a.record_name,
            f"{a.score:.2f}",
            f"{a.source}:{a.entity_id}",
            a.caption,
            str(a.version_id),
            str(a.reason) + ("" if a.status == "open" else f" ({a.status})"),
        )
    return table


def _write_rejects(path: Path, rows: list[Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row", "id", "field", "reason"])
        for r in rows:
            writer.writerow([r.row, r.record_id, r.field, r.reason])
    tmp.replace(path)


@monitor_app.command("add")
def add_command(
    file: Annotated[Path, typer.Argument(help="Register file: CSV, JSON lines or Parquet.")],
    schema: Annotated[
        str | None, typer.Option("--schema", help="Schema of rows without one (Person...).")
    ] = None,
    id_column: Annotated[str | None, typer.Option(help="Column holding the id.")] = None,
    name_column: Annotated[str | None, typer.Option(help="Column holding the name.")] = None,
    mapping: Annotated[
        Path | None, typer.Option(help='JSON column mapping {"id": "...", "name": "..."}.')
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(help="Rejected rows file (default: FILE name + .errors.csv, if any)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes preparing records (default: one per core, for big files)."),
    ] = None,
    no_screen: Annotated[
        bool, typer.Option("--no-screen", help="Only store; screen at the next rescreen.")
    ] = False,
    json_output: bool = JSON_OPTION,
) -> None:
    """Add or update register records (by id) and screen the new and changed ones."""
    if schema:
        try:
            Query.create("x", schema=schema)
        except QueryError as exc:
            raise _usage(f"--schema: {exc.reason}") from None
    try:
        columns = (
            ColumnMap.from_file(mapping, id_column=id_column, name_column=name_column)
            if mapping
            else ColumnMap.create(id_column=id_column, name_column=name_column)
        )
        source = RegisterFile(file, columns, schema)
    except (InputFileError, MappingError) as exc:
        raise _usage(str(exc)) from None
    settings = Settings.from_env()
    with open_store(settings) as store:
        register = Register(store)
        try:
            # Preparing a query (transliteration) is most of the cost of a large file.
            default = (os.cpu_count() or 1) if source.total >= 20_000 else 1
            added = register.add(source.records(workers or default))
        except InputFileError as exc:
            raise _usage(f"{exc} (the rows before it were added; adding again is safe)") from None
        errors_path = errors or file.with_name(file.name + ".errors.csv")
        if source.rejected:
            _write_rejects(errors_path, source.rejected)
        result = None if no_screen else run_rescreen(store, settings, quiet=json_output)
    data: dict[str, Any] = {
        "file": str(file),
        "read": source.read,
        **added.to_dict(),
        "rejected": len(source.rejected),
        "errors_file": str(errors_path) if source.rejected else None,
        "rescreen": result.to_dict() if result else None,
    }
    if json_output:
        print_json(data)
        return
    console.print(
        f"{source.read} rows read: {len(added.new)} new, {len(added.changed)} changed, "
        f"{added.unchanged} unchanged, {len(source.rejected)} rejected",
        highlight=False,
    )
    for r in source.rejected[:5]:
        console.print(f"  row {r.row} id {r.record_id!r}: {r.field}: {r.reason}", highlight=False)
    if source.rejected:
        console.print(f"  rejected rows written to {errors_path}", highlight=False)
    if result is None:
        console.print(
            "not screened yet (--no-screen, or no list imported): tripwire monitor rescreen"
        )
        return
    console.print(_summary_line(result), highlight=False)
    if result.alerts:
        console.print(_alerts_table(result.alerts, "New alerts"))


@monitor_app.command("rescreen")
def rescreen_command(json_output: bool = JSON_OPTION) -> None:
    """Screen what changed since the last re-screen (lists and register records)."""
    settings = Settings.from_env()
    with open_store(settings) as store:
        result = run_rescreen(store, settings, quiet=json_output)
    if result is None:
        err_console.print(
            "no lists imported: tripwire lists import FILE... or tripwire lists update"
        )
        raise typer.Exit(EXIT_NOT_FOUND)
    if json_output:
        print_json(result.to_dict())
        return
    console.print(_summary_line(result), highlight=False)
    if result.alerts:
        console.print(_alerts_table(result.alerts, "New alerts"))


@monitor_app.command("alerts")
def alerts_command(
    all_alerts: Annotated[bool, typer.Option("--all", help="Closed alerts too.")] = False,
    record: Annotated[str | None, typer.Option(help="Only this record's alerts.")] = None,
    version: Annotated[int | None, typer.Option(help="Only alerts of this list version.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 200,
    json_output: bool = JSON_OPTION,
) -> None:
    """Alerts raised by monitoring (open ones unless --all), newest first."""
    with open_store() as store:
        alerts = Register(store).alerts(
            record_id=record,
            status=None if all_alerts else "open",
            version_id=version,
            limit=limit,
        )
    if json_output:
        print_json({"alerts": [a.to_dict() for a in alerts]})
        return
    if not alerts:
        console.print("No alerts." if all_alerts else "No open alerts.")
        return
    console.print(_alerts_table(alerts, "Alerts" if all_alerts else "Open alerts"))


@monitor_app.command("close")
def close_command(
    ids: Annotated[list[int], typer.Argument(help="Alert ids (from monitor alerts).")],
    reopen: Annotated[bool, typer.Option("--reopen", help="Open them again.")] = False,
) -> None:
    """Mark alerts reviewed (closed), or open them again."""
    with open_store() as store:
        changed = Register(store).set_alert_status(ids, "open" if reopen else "closed")
    if changed < len(set(ids)):
        err_console.print(f"{len(set(ids)) - changed} of the alert ids do not exist")
        raise typer.Exit(EXIT_NOT_FOUND)
    console.print(f"{changed} alerts {'reopened' if reopen else 'closed'}")


@monitor_app.command("show")
def show_command(
    record: Annotated[str | None, typer.Argument(help="A record id (default: a summary).")] = None,
    json_output: bool = JSON_OPTION,
) -> None:
    """The register's size, pending records and screened versions, or one record in full."""
    alerts: list[Alert] = []
    with open_store() as store:
        register = Register(store)
        if record is None:
            data: dict[str, Any] = {
                "records": register.count(),
                "pending": len(register.pending_ids()),
                "screened_versions": register.screened_versions(),
                "active_hits": register.count_active_hits(),
                "open_alerts": register.count_alerts("open"),
            }
        else:
            found = register.records([record])
            if not found:
                err_console.print(f"no record {record!r} in the register")
                raise typer.Exit(EXIT_NOT_FOUND)
            alerts = register.alerts(record_id=record)
            data = {
                **found[0].to_dict(),
                "hits": register.active_hits(record),
                "alerts": [a.to_dict() for a in alerts],
            }
    if json_output:
        print_json(data)
        return
    for key, value in data.items():
        if key != "alerts":
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    if alerts:
        console.print(_alerts_table(alerts, f"Alerts of {record}"))


@monitor_app.command("remove")
def remove_command(
    ids: Annotated[list[str], typer.Argument(help="Record ids to take off the register.")],
    json_output: bool = JSON_OPTION,
) -> None:
    """Take records off the register (their past alerts are kept)."""
    with open_store() as store:
        removed = Register(store).remove(ids)
    if json_output:
        print_json({"removed": removed, "asked": len(set(ids))})
    else:
        console.print(f"{removed} of {len(set(ids))} records removed")
    if removed < len(set(ids)):
        raise typer.Exit(EXIT_NOT_FOUND)
