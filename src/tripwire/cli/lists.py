"""``tripwire lists ...``: import, show, diff and update list versions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tripwire.cli.common import (
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.cli.monitor import after_list_change
from tripwire.lists.changes import diff_versions
from tripwire.lists.diff import ListDiff
from tripwire.lists.export import export_lines
from tripwire.lists.importer import ImportResult, import_publication
from tripwire.lists.update import make_client, update_from_folder, update_source
from tripwire.model.sources import SOURCES, get_source
from tripwire.parsers.registry import PARSERS
from tripwire.settings import Settings
from tripwire.store import Store, VersionRow

lists_app = typer.Typer(
    help="Import, inspect, diff and update sanctions lists.", no_args_is_help=True
)

_STYLE = {"imported": "green", "unchanged": "cyan", "refused": "yellow", "failed": "red"}


def _print_result(result: ImportResult, show_issues: int) -> None:
    style = _STYLE.get(result.outcome, "white")
    console.print(
        f"[{style}]{result.outcome:>9}[/] {result.message} [dim]({result.seconds:.1f}s)[/]",
        soft_wrap=True,
    )
    if result.issues and show_issues:
        for issue in result.issues[:show_issues]:
            colour = "red" if issue.severity == "error" else "yellow"
            console.print(f"          [{colour}]{issue.severity}[/] {issue}", highlight=False)
        if len(result.issues) > show_issues:
            console.print(
                f"          ... {len(result.issues) - show_issues} more: "
                f"tripwire lists show {result.source} --issues"
            )


@lists_app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="List files (OFAC CSV, XML, FtM JSON).")],
    format: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"Override detection: {', '.join(PARSERS)}."),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Source name (default: from format).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Import even if unchanged or much smaller.")
    ] = False,
    issues: Annotated[int, typer.Option(help="How many parse issues to print per file.")] = 5,
    json_output: bool = JSON_OPTION,
) -> None:
    """Import list files as new versions (companion files such as OFAC alt/add are found)."""
    if format is not None and format not in PARSERS:
        err_console.print(f"unknown format {format!r}; known: {', '.join(PARSERS)}")
        raise typer.Exit(EXIT_USAGE)
    results = []
    with open_store() as store:
        for path in files:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
                disable=json_output,
            ) as progress:
                task = progress.add_task(f"importing {path.name}", total=None)

                def tick(count: int, task: TaskID = task, name: str = path.name) -> None:
                    progress.update(task, description=f"importing {name}: {count} entities")

                result = import_publication(
                    store, path, format=format, source=source, force=force, progress=tick
                )
            results.append(result)
            if not json_output:
                _print_result(result, issues)
        if any(r.outcome == "imported" for r in results):
            after_list_change(store, quiet=json_output)  # monitoring: re-screen what changed
    if json_output:
        print_json([r.to_dict() for r in results])
    if not all(r.ok for r in results):
        raise typer.Exit(EXIT_FAILED)


def _versions_table(versions: list[VersionRow], title: str) -> Table:
    table = Table(title=title)
    for column in (
        "source",
        "version",
        "published",
        "imported",
        "listed",
        "entities",
        "warnings",
        "errors",
        "sha256",
    ):
        table.add_column(
            column,
            justify="right"
            if column in ("listed", "entities", "warnings", "errors", "version")
            else "left",
            no_wrap=column in ("source", "published"),
        )
    for v in versions:
        table.add_row(
            v.source + (" *" if v.current else ""),
            str(v.id),
            v.published.isoformat() if v.published else "-",
            v.imported_at.strftime("%Y-%m-%d %H:%M"),
            str(v.parties),
            str(v.entities),
            str(v.warnings),
            str(v.errors),
            v.sha256[:12],
        )
    return table


@lists_app.command("show")
def show_command(
    source: Annotated[str | None, typer.Argument(help="Show all versions of this source.")] = None,
    issues: Annotated[
        bool, typer.Option("--issues", help="Also list the parse issues of the serving version.")
    ] = False,
    json_output: bool = JSON_OPTION,
) -> None:
    """Show the serving version of every list, or the version history of one source."""
    with open_store() as store:
        versions = store.versions(source) if source else store.current_versions()
        if source and not versions:
            err_console.print(
                f"no versions of {source!r}; imported sources: "
                f"{', '.join(sorted({v.source for v in store.versions()})) or 'none'}"
            )
            raise typer.Exit(EXIT_NOT_FOUND)
        listed_issues: list[dict[str, object]] = []
        if issues:
            for v in versions:
                if v.current:
                    listed_issues.extend({"version": v.id, **i} for i in store.issues(v.id))
        events = store.events(source, limit=10) if source else []
    if json_output:
        data: dict[str, object] = {"versions": [v.to_dict() for v in versions]}
        if issues:
            data["issues"] = listed_issues
        if source:
            data["events"] = events
        print_json(data)
        return
    if not versions:
        console.print(
            "No lists imported yet: tripwire lists import FILE... or tripwire lists update"
        )
        return
    title = f"Versions of {source} (* = serving)" if source else "Serving list versions"
    console.print(_versions_table(versions, title))
    for event in events:
        console.print(
            f"[dim]{event['at']:%Y-%m-%d %H:%M}[/] {event['outcome']:>9} {event['message']}",
            highlight=False,
        )
    for issue in listed_issues:
        console.print(
            f"{issue['severity']:>7} {issue['file']} record {issue['record']} "
            f"field {issue['field']}: {issue['message']}",
            highlight=False,
        )


def _resolve_pair(store: Store, source: str, old: int | None, new: int | None) -> tuple[int, int]:
    versions = store.versions(source)
    if not versions:
        err_console.print(f"no versions of {source!r}")
        raise typer.Exit(EXIT_NOT_FOUND)
    if (old is None) != (new is None):
        err_console.print("give both OLD and NEW version ids, or neither")
        raise typer.Exit(EXIT_USAGE)
    if old is None or new is None:
        current = next((v for v in versions if v.current), versions[0])
        older = [v for v in versions if v.id < current.id]
        if not older:
            err_console.print(f"{source} has a single version ({current.id}); nothing to diff")
            raise typer.Exit(EXIT_NOT_FOUND)
        return older[0].id, current.id
    ids = {v.id for v in versions}
    for version_id in (old, new):
        if version_id not in ids:
            err_console.print(
                f"version {version_id} is not a version of {source}; versions: "
                f"{', '.join(str(v.id) for v in versions)}"
            )
            raise typer.Exit(EXIT_NOT_FOUND)
    return old, new


def _print_diff(diff: ListDiff, source: str, old: int, new: int, limit: int) -> None:
    console.print(
        f"[bold]{source}[/]: version {old} -> {new}: [green]{len(diff.added)} added[/], "
        f"[red]{len(diff.removed)} removed[/], [yellow]{len(diff.changed)} changed[/]"
    )
    for label, changes in (("added", diff.added), ("removed", diff.removed)):
        if not changes:
            continue
        table = Table(title=f"{label} ({len(changes)})")
        for column in ("id", "ref", "schema", "name"):
            table.add_column(column, no_wrap=column == "id")
        for change in changes[:limit]:
            table.add_row(change.entity_id, change.source_ref or "", change.schema, change.caption)
        console.print(table)
        if len(changes) > limit:
            console.print(f"... {len(changes) - limit} more (--limit, --json)")
    for change in diff.changed[:limit]:
        console.print(
            f"[yellow]changed[/] {change.entity_id} ({change.source_ref}) "
            f"{change.schema} {change.caption}",
            highlight=False,
        )
        for f in change.fields:
            for value in f.removed:
                console.print(f"    [red]- {f.field}[/]: {value}", highlight=False)
            for value in f.added:
                console.print(f"    [green]+ {f.field}[/]: {value}", highlight=False)
    if len(diff.changed) > limit:
        console.print(f"... {len(diff.changed) - limit} more changed (--limit, --json)")


@lists_app.command("diff")
def diff_command(
    source: Annotated[str, typer.Argument(help="Source, e.g. us_ofac_sdn.")],
    old: Annotated[int | None, typer.Argument(help="Older version id.")] = None,
    new: Annotated[int | None, typer.Argument(help="Newer version id.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print per section.")] = 50,
    json_output: bool = JSON_OPTION,
) -> None:
    """Entities added, removed and changed (field by field) between two versions."""
    with open_store() as store:
        old_id, new_id = _resolve_pair(store, source, old, new)
        diff = diff_versions(store, old_id, new_id)
    if json_output:
        print_json({"source": source, "old": old_id, "new": new_id, **diff.to_dict()})
    else:
        _print_diff(diff, source, old_id, new_id, limit)


@lists_app.command("update")
def update_command(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help=f"Sources to update (default all): {', '.join(SOURCES)}."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-download and accept even a much smaller list.")
    ] = False,
    json_output: bool = JSON_OPTION,
) -> None:
    """Download the lists from their publishers (or TRIPWIRE_LISTS_DIR) and import new versions."""
    settings = Settings.from_env()
    names = sources or list(SOURCES)
    try:
        selected = [get_source(name) for name in names]
    except KeyError as exc:
        err_console.print(str(exc).strip("'\""))
        raise typer.Exit(EXIT_USAGE) from None
    results = []
    with open_store(settings) as store, make_client(settings.http_timeout) as client:
        for source in selected:
            with err_console.status(f"updating {source.name}", spinner="dots"):
                if settings.lists_dir is not None:
                    result = update_from_folder(
                        store,
                        source,
                        settings.lists_dir,
                        force=force,
                        max_shrink=settings.max_shrink,
                    )
                else:
                    result = update_source(
                        store,
                        source,
                        downloads=settings.downloads,
                        client=client,
                        mirror=settings.lists_url,
                        force=force,
                        max_shrink=settings.max_shrink,
                        retries=settings.http_retries,
                    )
            results.append(result)
            if not json_output:
                _print_result(result, 3)
        if any(r.outcome == "imported" for r in results):
            after_list_change(store, quiet=json_output)  # monitoring: re-screen what changed
    if json_output:
        print_json([r.to_dict() for r in results])
    if not all(r.ok for r in results):
        raise typer.Exit(EXIT_FAILED)


@lists_app.command("export")
def export_command(
    source: Annotated[str, typer.Argument(help="Source to export, e.g. un_sc.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    version: Annotated[int | None, typer.Option(help="Version id (default: serving).")] = None,
) -> None:
    """Write a list version as FollowTheMoney JSON lines."""
    with open_store() as store:
        try:
            lines = list(export_lines(store, source, version))
        except LookupError as exc:
            err_console.print(str(exc).strip("'\""))
            raise typer.Exit(EXIT_NOT_FOUND) from None
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
        err_console.print(f"{len(lines)} entities written to {output}")
