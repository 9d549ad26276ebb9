"""``tripwire graph``: import ownership edges (CSV, FtM) and show what was imported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from tripwire.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.ownership.importer import import_graph
from tripwire.ownership.resolve import MIN_SCORE, Resolver, ScreenerResolver
from tripwire.ownership.store import OwnershipStore
from tripwire.screening.engine import Screener
from tripwire.settings import Settings

graph_app = typer.Typer(
    help="Ownership and control edges: import CSV or FtM files, show the imports.",
    no_args_is_help=True,
)


@graph_app.command("import")
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="CSV (owner, owned, share, kind, valid_from, valid_to) or FtM JSON lines"
        ),
    ],
    source: Annotated[
        str | None, typer.Option("--source", help="source name (default graph_<file name>)")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or ftm (default: detect)")
    ] = None,
    resolve: Annotated[
        bool, typer.Option("--resolve/--no-resolve", help="resolve names to list entities")
    ] = True,
    min_score: Annotated[
        float, typer.Option("--min-score", help="lowest screening score that resolves a name")
    ] = MIN_SCORE,
    json_output: bool = JSON_OPTION,
) -> None:
    """Import ownership edges; bad rows are reported by line and the rest imports."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        err_console.print(f"no such file: {', '.join(missing)}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    if source and len(files) > 1:
        err_console.print("--source names one file's edges: give one file", markup=False)
        raise typer.Exit(EXIT_USAGE)
    settings = Settings.from_env()
    results = []
    with open_store(settings) as store:
        resolver: Resolver | None = None
        if resolve and store.current_versions():
            screener = Screener.from_store(store, settings.home / "index")
            resolver = ScreenerResolver(screener, threshold=min_score)
        elif resolve:
            err_console.print("no list imported: names are kept unresolved", markup=False)
        for path in files:
            try:
                results.append(import_graph(store, path, source=source, resolver=resolver, fmt=fmt))
            except ValueError as exc:
                err_console.print(f"{path}: {exc}", markup=False)
                raise typer.Exit(EXIT_USAGE) from None
            except SQLAlchemyError as exc:  # nothing of this file was stored (one transaction)
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                err_console.print(
                    f"{path}: not imported, the store refused it: {reason}", markup=False
                )
                raise typer.Exit(EXIT_USAGE) from None
    if json_output:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            console.print(
                f"{r.source}: {r.edges} edges, {r.parties} parties ({r.resolved} resolved to "
                f"list entities) from {r.rows_read} rows; {r.rejected} rejected",
                highlight=False,
                markup=False,
            )
            for issue in r.issues:
                err_console.print(f"  {issue}", highlight=False, markup=False)
    failed = any(r.edges == 0 and r.issues for r in results)
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


@graph_app.command("show")
def show_command(json_output: bool = JSON_OPTION) -> None:
    """The imported edge files: source, rows, rejected rows."""
    with open_store() as store:
        imports = OwnershipStore(store).imports()
    if json_output:
        print_json(imports)
        return
    table = Table("source", "format", "rows", "rejected", "imported", "origin")
    for item in imports:
        table.add_row(
            item["source"],
            item["format"],
            str(item["rows_read"]),
            str(item["rows_rejected"]),
            str(item["imported_at"])[:19],
            item["origin"],
        )
    console.print(table)
