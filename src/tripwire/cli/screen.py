"""``tripwire screen`` and ``tripwire compare``: names and customer files against the lists.

Both commands go through the one scorer of :mod:`tripwire.screening`, so a
score printed here is the score a batch, a review or the benchmark sees.

Batch files are checked before anything is screened (UTF-8, header, required
columns), every row that cannot be screened is written to an errors file with
the field and the reason (nothing is dropped silently), and results are written
under a temporary name and renamed only once complete, so a crash or Ctrl-C
never leaves a partial file that looks like a finished one.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import secrets
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from tripwire.batch.inputs import InputFileError, scan_utf8
from tripwire.batch.records import compact_json, split_multi
from tripwire.cli.common import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.screening import Match, Query, QueryError, Screener
from tripwire.settings import Settings

NO_LISTS = "no lists imported: tripwire lists import FILE... or tripwire lists update"

#: Columns of a query file; ``id`` and ``name`` are required, any other column is ignored.
QUERY_REQUIRED = ("id", "name")
QUERY_OPTIONAL = ("schema", "birth_date", "country", "identifier")
#: Columns of a pairs file for ``compare --pairs``.
PAIRS_REQUIRED = ("id", "left_name", "right_name")
PAIRS_OPTIONAL = ("schema",)

RESULT_COLUMNS = (
    "query_id",
    "rank",
    "score",
    "entity_id",
    "source",
    "source_ref",
    "schema",
    "matched_name",
    "list_name",
    "explanation",
)
PAIR_COLUMNS = ("id", "score", "explanation")
ERROR_COLUMNS = ("line", "id", "field", "reason")


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row that was not screened, as written to the errors file."""

    line: int
    id: str
    field: str
    reason: str

    def row(self) -> list[str]:
        return [str(self.line), self.id, self.field, self.reason]


@dataclass(slots=True)
class Counts:
    """What a batch did; printed as the summary so that rejected rows cannot go unnoticed."""

    read: int = 0
    done: int = 0
    rejected: int = 0
    with_hits: int = 0
    blank: int = 0
    seconds: float = 0.0
    hits: list[tuple[str, str, Match]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


# -- reading batch files -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvInput:
    """A checked CSV batch file: where its known columns are and how many lines it has."""

    path: Path
    columns: dict[str, int]
    width: int
    header_line: int
    lines: int

    @classmethod
    def open(cls, path: Path, required: Sequence[str], optional: Sequence[str]) -> CsvInput:
        """Check encoding and header; raises InputFileError naming the file and what is wrong."""
        try:
            lines = scan_utf8(path)
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                header: list[str] | None = None
                for record in reader:
                    if any(cell.strip() for cell in record):
                        header = record
                        break
                header_line = reader.line_num
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        except csv.Error as exc:
            raise InputFileError(f"{path}: not a readable CSV file: {exc}") from None
        if header is None:
            raise InputFileError(
                f"{path} is empty: a CSV file with a header line ({','.join(required)},...) "
                "is expected"
            )
        names = [cell.strip().lower() for cell in header]
        missing = [c for c in required if c not in names]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise InputFileError(
                f"{path}: missing column{plural} {', '.join(repr(c) for c in missing)} "
                f"(header line {header_line}: {','.join(header)}); "
                f"required: {','.join(required)}; optional: {','.join(optional)}"
            )
        known = (*required, *optional)
        doubled = sorted({n for n in names if n in known and names.count(n) > 1})
        if doubled:
            raise InputFileError(
                f"{path}: column {', '.join(repr(c) for c in doubled)} appears more than once "
                "in the header; which one to use would be a guess"
            )
        columns = {name: index for index, name in enumerate(names) if name in known}
        return cls(path, columns, len(header), header_line, lines)

    def rows(self) -> Iterator[tuple[int, dict[str, str] | Rejected | None]]:
        """(line, values of the known columns) per record; Rejected if malformed, None if blank.

        ``line`` is the line the record starts on (the header is line 1 in an
        ordinary file). A record with fewer fields than the header, or with
        more that are not empty, is rejected rather than guessed at: an
        unquoted comma in a name shifts every later column (a birth date would
        be read as a country). Empty trailing fields, as spreadsheets sometimes
        export them, are harmless. Wholly blank records hold nobody and are
        skipped; they are counted.
        """
        id_col = self.columns["id"]
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            previous = 0
            try:
                for record in reader:
                    line, previous = previous + 1, reader.line_num
                    if line <= self.header_line:
                        continue
                    if not any(cell.strip() for cell in record):
                        yield line, None
                        continue
                    if len(record) < self.width or any(c.strip() for c in record[self.width :]):
                        ident = record[id_col].strip() if id_col < len(record) else ""
                        yield (
                            line,
                            Rejected(
                                line,
                                ident,
                                "row",
                                f"{len(record)} fields where the header has {self.width} "
                                "(an unquoted comma or a missing one?)",
                            ),
                        )
                        continue
                    yield line, {name: record[i].strip() for name, i in self.columns.items()}
            except csv.Error as exc:
                raise InputFileError(
                    f"{self.path}, line {previous + 1}: not readable as CSV: {exc}"
                ) from None


# -- writing ---------------------------------------------------------------------------------


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that appears under ``path`` only when the block completes.

    Written beside the target (same file system, so the rename is atomic) and
    created like any other file (umask applies); on any error or interrupt the
    temporary file is removed and an older ``path`` is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("x", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def query_dict(query: Query) -> dict[str, Any]:
    return {
        "names": list(query.names),
        "schema": query.schema or None,
        "birth_date": query.birth_date,
        "countries": list(query.countries),
        "identifiers": list(query.identifiers),
    }


# -- shared pieces of the commands ---------------------------------------------------------


def _interactive(json_output: bool) -> bool:
    """Progress and spinners only for a person at a terminal, never in JSON mode or in logs."""
    return not json_output and err_console.is_terminal


def _check_schema(schema: str | None) -> None:
    """A --schema for a whole file is checked once, before any row is read."""
    if schema:
        try:
            Query.create("x", schema=schema)
        except QueryError as exc:
            raise _usage(f"--schema: {exc.reason}") from None


def _usage(message: str) -> typer.Exit:
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def load_screener(json_output: bool) -> Screener:
    """The screener over the serving lists; exit 3 when no list is imported.

    Screening against nothing would report "no hits" for everybody, which
    reads like a clean result; refusing makes the missing lists impossible to
    overlook.
    """
    settings = Settings.from_env()
    with open_store(settings) as store:
        if not store.current_versions():
            err_console.print(NO_LISTS, highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_NOT_FOUND)
        status: AbstractContextManager[Any] = (
            err_console.status("loading the screening index (built once per list version)")
            if _interactive(json_output)
            else nullcontext()
        )
        with status:
            return Screener.from_store(store, settings.home / "index")


def _progress(json_output: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lines"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not _interactive(json_output),
    )


def _open_batch(
    path: Path, required: Sequence[str], optional: Sequence[str], output: Path, errors: Path
) -> CsvInput:
    """Check a batch's file arguments before the (slow) index is loaded."""
    if output.resolve() == path.resolve():
        raise _usage(f"--output {output} is the input file; it would be overwritten")
    if errors.resolve() in (output.resolve(), path.resolve()):
        raise _usage(f"--errors {errors} must differ from the input and the output file")
    try:
        return CsvInput.open(path, required, optional)
    except InputFileError as exc:
        raise _usage(str(exc)) from None


#: Rows handed to the workers at a time (results are written back in file order).
CHUNK = 256
WORKERS_OPTION = typer.Option(
    "--workers",
    "-w",
    min=1,
    help="Processes screening a file (default: one per CPU core).",
)

Compute = Callable[[int, dict[str, str]], Any]
Emit = Callable[[TextIO, int, dict[str, str], Any, Counts], "Rejected | None"]

_COMPUTE: Compute | None = None


@dataclass(frozen=True, slots=True)
class _Raised:
    """A BaseException (an interrupt) met in a worker, to be raised again in the parent."""

    error: BaseException


def _apply(item: tuple[int, dict[str, str]]) -> Any:
    assert _COMPUTE is not None
    try:
        return _COMPUTE(*item)
    except BaseException as exc:  # noqa: BLE001 - carried to the parent, raised there
        return _Raised(exc)


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool and discards the output."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _unwrap(results: list[Any]) -> list[Any]:
    for result in results:
        if isinstance(result, _Raised):
            raise result.error
    return results


@contextmanager
def _mapper(
    compute: Compute, workers: int
) -> Iterator[Callable[[list[tuple[int, dict[str, str]]]], list[Any]]]:
    """Map ``compute`` over a chunk of rows, in worker processes when asked for.

    Workers are forked after the screener is loaded, so they share its index
    (copy-on-write) instead of loading it again; results come back in order.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda chunk: [compute(*item) for item in chunk]
        return
    global _COMPUTE
    _COMPUTE = compute
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker) as pool:
            yield lambda chunk: _unwrap(
                pool.map(_apply, chunk, chunksize=max(1, len(chunk) // (workers * 4)))
            )
    finally:
        _COMPUTE = None


def _run_batch(
    source: CsvInput,
    output: Path,
    errors: Path,
    label: str,
    json_output: bool,
    step: tuple[Compute, Emit],
    header: Sequence[str] | None,
    workers: int = 1,
) -> Counts:
    """Feed every row of ``source`` through ``step``; rejected rows go to the errors file.

    ``step`` is (compute, emit): compute validates and screens one row (in worker
    processes when ``workers`` > 1), emit writes its result in file order. Both
    files are written atomically; the errors file always exists after a run
    (empty but for its header when all rows were fine), so a stale one from an
    earlier run cannot be mistaken for this run's.
    """
    compute, emit = step
    counts = Counts()
    seen: dict[str, int] = {}
    started = time.perf_counter()
    try:
        with (
            atomic_text(output) as out,
            atomic_text(errors) as err,
            _progress(json_output) as progress,
            _mapper(compute, workers) as mapper,
        ):
            if header is not None:
                csv.writer(out, lineterminator="\n").writerow(header)
            err_writer = csv.writer(err, lineterminator="\n")
            err_writer.writerow(ERROR_COLUMNS)
            task = progress.add_task(label, total=max(source.lines, 1))
            chunk: list[tuple[int, dict[str, str]]] = []

            def flush() -> None:
                for (line, values), result in zip(chunk, mapper(chunk), strict=True):
                    problem = emit(out, line, values, result, counts)
                    if problem is None:
                        counts.done += 1
                    else:
                        counts.rejected += 1
                        err_writer.writerow(problem.row())
                if chunk:
                    progress.update(task, completed=chunk[-1][0])
                chunk.clear()

            for line, values in source.rows():
                if values is None:
                    counts.blank += 1
                    continue
                counts.read += 1
                problem: Rejected | None = None
                if isinstance(values, Rejected):
                    problem = values
                else:
                    ident = values["id"]
                    if not ident:
                        problem = Rejected(line, "", "id", "empty id")
                    elif ident in seen:
                        problem = Rejected(
                            line, ident, "id", f"duplicate id (first on line {seen[ident]})"
                        )
                    else:
                        seen[ident] = line
                        chunk.append((line, values))
                        if len(chunk) >= CHUNK:
                            flush()
                if problem is not None:
                    counts.rejected += 1
                    err_writer.writerow(problem.row())
            flush()
    except InputFileError as exc:
        raise _usage(str(exc)) from None
    except OSError as exc:
        raise _usage(f"{exc.filename or output}: {exc.strerror or exc}") from None
    counts.seconds = time.perf_counter() - started
    return counts


def _summary(
    counts: Counts, verb: str, output: Path, errors: Path, extra: Mapping[str, Any]
) -> dict[str, Any]:
    """The batch summary as JSON: what was read, done, rejected, and how fast."""
    return {
        "read": counts.read,
        verb: counts.done,
        "rejected": counts.rejected,
        **extra,
        "blank_lines": counts.blank,
        "seconds": round(counts.seconds, 3),
        "per_second": round(counts.rate, 1),
        "output": str(output),
        "errors": str(errors),
    }


def _print_summary(
    counts: Counts, noun: str, verb: str, output: Path, errors: Path, hits: bool
) -> None:
    """One line of counts, then where the results and the rejected rows are."""
    parts = [f"{counts.read} {noun} read", f"{counts.done} {verb}"]
    style = "yellow" if counts.rejected else "green"
    parts.append(f"[{style}]{counts.rejected} rejected[/]")
    if hits:
        parts.append(f"{counts.with_hits} with hits")
    if counts.blank:
        parts.append(f"{counts.blank} blank line{'s' if counts.blank > 1 else ''} skipped")
    console.print(
        f"{', '.join(parts)} in {counts.seconds:.1f}s ({counts.rate:.0f} {noun}/s)",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"results: {escape(str(output))}", highlight=False, soft_wrap=True)
    if counts.rejected:
        console.print(
            f"[yellow]rejected rows[/] (line,id,field,reason): {escape(str(errors))}",
            highlight=False,
            soft_wrap=True,
        )


# -- explanations --------------------------------------------------------------------------


def explanation_lines(explanation: Mapping[str, Any], features: int = 4) -> list[str]:
    """A short reading of a match explanation: names, aligned tokens, main features, dates.

    Reads the explanation defensively (``.get``): it is the scorer's to
    extend, and a new or missing key must not break the command.
    """
    lines = [
        f"{explanation.get('query_name', '?')!r} vs {explanation.get('list_name', '?')!r}"
        + (f" ({explanation['list_name_kind']})" if explanation.get("list_name_kind") else "")
    ]
    aligned = [
        f"{a.get('query')} = {a.get('list')}"
        if a.get("similarity") == 1.0
        else f"{a.get('query')} ~ {a.get('list')} ({a.get('similarity')}, {a.get('how')})"
        for a in explanation.get("aligned", [])
    ]
    if aligned:
        lines.append("aligned: " + ", ".join(aligned))
    for key, label in (
        ("unmatched_query_tokens", "not in the list name"),
        ("unmatched_list_tokens", "not in the query"),
    ):
        if explanation.get(key):
            lines.append(f"{label}: {' '.join(str(t) for t in explanation[key])}")
    for key, value in (explanation.get("compared") or {}).items():
        lines.append(f"{key}: {value}")
    contributions = explanation.get("features") or []
    if contributions:
        shown = ", ".join(
            f"{c.get('feature')} {c.get('contribution', 0):+.2f}" for c in contributions[:features]
        )
        more = f" (+{len(contributions) - features} more)" if len(contributions) > features else ""
        bias = explanation.get("bias")
        lines.append(
            f"log-odds: {shown}{more}" + (f", bias {bias:+.2f}" if bias is not None else "")
        )
    return lines


def _print_explanation(title: str, explanation: Mapping[str, Any]) -> None:
    console.print(title, highlight=False)
    for line in explanation_lines(explanation):
        console.print(Text("  " + line))


def _matches_table(matches: Sequence[Match], title: str) -> Table:
    table = Table(title=title)
    for column in ("rank", "score", "source", "ref", "schema", "list name", "entity id", "caption"):
        table.add_column(
            column,
            justify="right" if column in ("rank", "score") else "left",
            no_wrap=column in ("score", "source", "ref", "entity id"),
        )
    for rank, m in enumerate(matches, 1):
        table.add_row(
            str(rank),
            f"{m.score:.3f}",
            m.source,
            Text(m.source_ref),
            m.schema,
            Text(m.list_name),
            Text(m.entity_id),
            Text(m.caption),
        )
    return table


def _hits_table(hits: Sequence[tuple[str, str, Match]], threshold: float) -> Table:
    table = Table(title=f"Hits (score >= {threshold:.3f})")
    for column in ("id", "query", "rank", "score", "source", "ref", "schema", "list name"):
        table.add_column(
            column,
            justify="right" if column in ("rank", "score") else "left",
            no_wrap=column in ("id", "score", "source", "ref"),
        )
    rank = 0
    previous = None
    for ident, name, m in hits:
        rank = rank + 1 if ident == previous else 1
        previous = ident
        table.add_row(
            Text(ident) if rank == 1 else "",
            Text(name) if rank == 1 else "",
            str(rank),
            f"{m.score:.3f}",
            m.source,
            Text(m.source_ref),
            m.schema,
            Text(m.list_name),
        )
    return table


# -- tripwire screen -------------------------------------------------------------------------


def _screen_row(
    screener: Screener,
    default_schema: str | None,
    limit: int,
    threshold: float,
    jsonl: bool,
    show: bool,
) -> tuple[Compute, Emit]:
    """The per-row step of a query file: validate and screen (compute), write (emit)."""

    def compute(line: int, values: dict[str, str]) -> Rejected | list[Match]:
        ident = values["id"]
        try:
            query = Query.create(
                values.get("name", ""),
                schema=values.get("schema") or default_schema,
                birth_date=values.get("birth_date"),
                countries=split_multi(values.get("country")),
                identifiers=split_multi(values.get("identifier")),
            )
        except QueryError as exc:
            return Rejected(line, ident, exc.field, exc.reason)
        try:
            return screener.screen(query, limit=limit, threshold=threshold)
        except Exception as exc:  # one bad row must not sink a whole batch
            return Rejected(line, ident, "name", f"screening failed: {type(exc).__name__}: {exc}")

    def emit(
        out: TextIO, line: int, values: dict[str, str], result: Any, counts: Counts
    ) -> Rejected | None:
        if isinstance(result, Rejected):
            return result
        ident = values["id"]
        matches: list[Match] = result
        if matches:
            counts.with_hits += 1
            if show:
                counts.hits.extend((ident, values.get("name", ""), m) for m in matches)
        if jsonl:
            record: dict[str, Any] = {"id": ident, "name": values.get("name", "")}
            record["matches"] = [m.to_dict() for m in matches]
            out.write(compact_json(record) + "\n")
        else:
            writer = csv.writer(out, lineterminator="\n")
            for rank, m in enumerate(matches, 1):
                writer.writerow(
                    [
                        ident,
                        rank,
                        f"{round(m.score, 4)}",
                        m.entity_id,
                        m.source,
                        m.source_ref,
                        m.schema,
                        m.caption,
                        m.list_name,
                        compact_json(m.explanation),
                    ]
                )
        return None

    return compute, emit


def _screen_name(
    screener: Screener,
    name: str,
    schema: str | None,
    birth_date: str | None,
    countries: list[str],
    identifiers: list[str],
    limit: int,
    threshold: float,
    json_output: bool,
) -> None:
    try:
        query = Query.create(
            name,
            schema=schema,
            birth_date=birth_date,
            countries=countries,
            identifiers=identifiers,
        )
    except QueryError as exc:
        raise _usage(f"bad query: {exc.field}: {exc.reason}") from None
    matches = screener.screen(query, limit=limit, threshold=threshold)
    notes = _ownership_notes(matches)
    if json_output:
        print_json(
            {
                "query": query_dict(query),
                "threshold": threshold,
                "matches": [{**m.to_dict(), "ownership": notes.get(m.entity_id)} for m in matches],
            }
        )
        return
    if not matches:
        console.print(
            Text(f"no match for {name!r} at or above threshold {threshold:.3f}"), soft_wrap=True
        )
        return
    console.print(
        _matches_table(matches, f"Matches for {name!r} (score >= {threshold:.3f})"),
    )
    top = matches[0]
    _print_explanation(
        f"Why #1 ({escape(top.source)} {escape(top.source_ref)}, score {top.score:.3f}):",
        top.explanation,
    )
    for match in matches:
        note = notes.get(match.entity_id)
        if note:
            console.print(
                f"[bold red]ownership[/] {escape(match.entity_id)}: {escape(note['summary'])} "
                f"(proof: {escape(note['see'])})",
                soft_wrap=True,
            )


def _ownership_notes(matches: Sequence[Match]) -> dict[str, dict[str, Any]]:
    """For matched parties that no list names but ownership reaches, what blocks them and how.

    A company from an ownership source (an FtM registry file, say) is not
    sanctioned itself, yet may be blocked as owned by listed persons; the
    screening result says so and points to the proof.
    """
    from tripwire.model.sources import SOURCES
    from tripwire.ownership import exposure_note

    notes: dict[str, dict[str, Any]] = {}
    # A party of a sanctions list is listed itself; only other sources can be reached.
    unlisted = [m for m in matches if m.source not in SOURCES]
    if not unlisted:
        return notes
    with open_store() as store:
        for match in unlisted:
            note = exposure_note(store, match.entity_id)
            if note:
                notes[match.entity_id] = note
    return notes


def screen_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_FILE",
            help="A name to screen, or a CSV query file (id,name[,schema,birth_date,country,"
            "identifier]; other columns are ignored).",
        ),
    ],
    schema: Annotated[
        str | None,
        typer.Option(
            help="Person, Organization, Company, LegalEntity, Vessel or Airplane "
            "(for a file: the default for rows without one)."
        ),
    ] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Country name or ISO code; repeatable.")
    ] = None,
    identifier: Annotated[
        list[str] | None,
        typer.Option("--identifier", help="IMO, passport, INN, BIC, LEI...; repeatable."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Matches per query.")] = 5,
    threshold: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Lowest score reported (default: the model's)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Results of a query file: CSV, or JSON lines if *.jsonl."
        ),
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(help="Rejected rows of a query file (default: OUTPUT.errors.csv)."),
    ] = None,
    show: Annotated[
        bool, typer.Option("--show", help="After a query file, print its hits as a table.")
    ] = False,
    workers: Annotated[int | None, WORKERS_OPTION] = None,
    json_output: bool = JSON_OPTION,
) -> None:
    """Screen a name, or a CSV file of customers, against the serving lists.

    Exit 0 whether or not anything matched (a hit is a result, not an
    error); 2 for a bad query or file, 3 when no list is imported.
    """
    path = Path(target)
    is_file = path.is_file()
    if path.is_dir():
        raise _usage(f"{target} is a directory; give a name or a CSV query file")
    if not is_file and path.suffix.lower() in (".csv", ".tsv", ".txt", ".jsonl"):
        raise _usage(f"no such file: {target} (to screen it as a name, drop the extension)")
    countries, identifiers = country or [], identifier or []
    if not is_file:
        for flag, value in (("--output", output), ("--errors", errors), ("--show", show or None)):
            if value is not None:
                raise _usage(f"{flag} is for query files; {target!r} is screened as a name")
        screener = load_screener(json_output)
        cutoff = screener.threshold if threshold is None else threshold
        _screen_name(
            screener,
            target,
            schema,
            birth_date,
            countries,
            identifiers,
            limit,
            cutoff,
            json_output,
        )
        return
    for flag, given in (
        ("--birth-date", birth_date),
        ("--country", countries),
        ("--identifier", identifiers),
    ):
        if given:
            raise _usage(f"{flag} applies to a single name; a query file has a column for it")
    if output is None:
        raise _usage(f"screening the file {target} needs --output FILE (CSV, or *.jsonl)")
    _check_schema(schema)
    errors_path = errors or output.with_suffix(".errors.csv")
    source = _open_batch(path, QUERY_REQUIRED, QUERY_OPTIONAL, output, errors_path)
    screener = load_screener(json_output)
    cutoff = screener.threshold if threshold is None else threshold
    jsonl = output.suffix.lower() == ".jsonl"
    counts = _run_batch(
        source,
        output,
        errors_path,
        f"screening {path.name}",
        json_output,
        _screen_row(screener, schema, limit, cutoff, jsonl, show),
        None if jsonl else RESULT_COLUMNS,
        workers or os.cpu_count() or 1,
    )
    summary = _summary(
        counts,
        "screened",
        output,
        errors_path,
        {
            "with_hits": counts.with_hits,
            "threshold": cutoff,
            "limit": limit,
            "index_seconds": round(screener.load_seconds, 3),
        },
    )
    if json_output:
        print_json({"input": str(path), **summary})
        return
    _print_summary(counts, "queries", "screened", output, errors_path, hits=True)
    if show:
        if counts.hits:
            console.print(_hits_table(counts.hits, cutoff))
        else:
            console.print(f"no hits at or above threshold {cutoff:.3f}")


# -- tripwire compare ------------------------------------------------------------------------


def _pair_row(screener: Screener, default_schema: str | None) -> tuple[Compute, Emit]:
    """The per-row step of a pairs file: both names validated and scored, then written."""

    def compute(line: int, values: dict[str, str]) -> Rejected | tuple[float, str]:
        ident = values["id"]
        schema = values.get("schema") or default_schema
        queries = []
        for column in ("left_name", "right_name"):
            try:
                queries.append(Query.create(values.get(column, ""), schema=schema))
            except QueryError as exc:
                where = column if exc.field == "name" else exc.field
                return Rejected(line, ident, where, exc.reason)
        try:
            scored = screener.compare(queries[0], queries[1])
        except Exception as exc:  # one bad row must not sink a whole batch
            return Rejected(line, ident, "row", f"scoring failed: {type(exc).__name__}: {exc}")
        return scored.score, compact_json(scored.explanation(screener.model))

    def emit(
        out: TextIO, line: int, values: dict[str, str], result: Any, counts: Counts
    ) -> Rejected | None:
        if isinstance(result, Rejected):
            return result
        score, explanation = result
        csv.writer(out, lineterminator="\n").writerow(
            [values["id"], f"{round(score, 4)}", explanation]
        )
        return None

    return compute, emit


def compare_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[LEFT RIGHT]", help="Two names to score against each other."),
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(
            "--pairs", help="CSV of pairs: id,left_name,right_name[,schema]; others ignored."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Scores of --pairs: CSV id,score,...")
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(help="Rejected pairs (default: OUTPUT.errors.csv)."),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(help="Schema of both sides (for --pairs: rows without one)."),
    ] = None,
    workers: Annotated[int | None, WORKERS_OPTION] = None,
    json_output: bool = JSON_OPTION,
) -> None:
    """Score two names with the screening scorer, or every pair of a CSV file.

    LEFT is scored as the query and RIGHT as the listed name; token rarity
    comes from the imported lists, exactly as in screening.
    """
    given = names or []
    if pairs is not None and given:
        raise _usage("give two names or --pairs FILE, not both")
    if pairs is None and len(given) != 2:
        raise _usage(
            f"give exactly two names (got {len(given)}), or --pairs FILE --output FILE: "
            'tripwire compare "name one" "name two"'
        )
    if pairs is None:
        if output is not None or errors is not None:
            raise _usage("--output and --errors are for --pairs")
        left_name, right_name = given
        try:
            left = Query.create(left_name, schema=schema)
            right = Query.create(right_name, schema=schema)
        except QueryError as exc:
            raise _usage(f"bad query: {exc.field}: {exc.reason}") from None
        screener = load_screener(json_output)
        scored = screener.compare(left, right)
        explanation = scored.explanation(screener.model)
        is_match = scored.score >= screener.threshold
        if json_output:
            print_json(
                {
                    "left": left_name,
                    "right": right_name,
                    "schema": schema,
                    "score": round(scored.score, 4),
                    "threshold": screener.threshold,
                    "match": is_match,
                    "explanation": explanation,
                }
            )
            return
        verdict = "[green]match[/]" if is_match else "[yellow]no match[/]"
        console.print(
            f"score [bold]{scored.score:.3f}[/]: {verdict} (threshold {screener.threshold:.3f})",
            highlight=False,
        )
        _print_explanation("Why:", explanation)
        return
    if not pairs.is_file():
        raise _usage(f"no such file: {pairs}")
    if output is None:
        raise _usage("--pairs needs --output FILE (CSV id,score,explanation)")
    _check_schema(schema)
    errors_path = errors or output.with_suffix(".errors.csv")
    source = _open_batch(pairs, PAIRS_REQUIRED, PAIRS_OPTIONAL, output, errors_path)
    screener = load_screener(json_output)
    counts = _run_batch(
        source,
        output,
        errors_path,
        f"scoring {pairs.name}",
        json_output,
        _pair_row(screener, schema),
        PAIR_COLUMNS,
        workers or os.cpu_count() or 1,
    )
    summary = _summary(counts, "scored", output, errors_path, {})
    if json_output:
        print_json({"input": str(pairs), **summary})
        return
    _print_summary(counts, "pairs", "scored", output, errors_path, hits=False)
