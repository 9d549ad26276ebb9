"""Import one publication of a list as a new version of its source.

The order matters for safety: hash the files first (an unchanged publication
costs a hash and a lookup, no parse), parse completely before touching the
store, refuse a publication that would silently drop a large share of the
serving list, then write the version and switch to it in one transaction.
A failed or refused import leaves the previous version serving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tripwire.lists.canonical import canonical_json, content_hash, entity_refs
from tripwire.model.entity import ListEntity
from tripwire.parsers.base import FormatError, ListParser, ParseContext, ParseIssue
from tripwire.parsers.registry import detect_format, get_parser
from tripwire.store import NewVersion, Store

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")

Outcome = Literal["imported", "unchanged", "refused", "failed"]
Progress = Callable[[int], None]

DEFAULT_MAX_SHRINK = 0.20


@dataclass(slots=True)
class ImportResult:
    """What happened to one publication, for the CLI, the updater and the logs."""

    source: str
    outcome: Outcome
    message: str
    format: str = ""
    files: list[str] = field(default_factory=list)
    version_id: int | None = None
    previous_version_id: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    issues: list[ParseIssue] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome in ("imported", "unchanged")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "message": self.message,
            "format": self.format,
            "files": self.files,
            "version_id": self.version_id,
            "previous_version_id": self.previous_version_id,
            "summary": self.summary,
            "issues": [_issue(i) for i in self.issues],
            "seconds": round(self.seconds, 3),
        }


def _issue(issue: ParseIssue) -> dict[str, str]:
    return {
        "file": issue.file,
        "record": issue.record,
        "field": issue.field,
        "message": issue.message,
        "severity": issue.severity,
    }


def publication_files(path: Path, parser: type[ListParser]) -> list[Path]:
    return [path, *parser.companions(path)]


def digest_files(paths: list[Path]) -> tuple[str, list[dict[str, Any]]]:
    """Combined sha256 of a publication (names and contents) and one entry per file."""
    combined = hashlib.sha256()
    files = []
    for path in paths:
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        combined.update(path.name.lower().encode() + b"\0" + digest.hexdigest().encode())
        files.append({"name": path.name, "sha256": digest.hexdigest(), "size": size})
    return combined.hexdigest(), files


def parse_publication(
    parser: type[ListParser], path: Path, source: str, progress: Progress | None = None
) -> tuple[list[ListEntity], ParseContext]:
    """Run a parser to the end; merge entities that share an id, report conflicting ones."""
    ctx = ParseContext(source=source, files=publication_files(path, parser))
    by_id: dict[str, ListEntity] = {}
    for count, entity in enumerate(parser().parse(path, ctx), start=1):
        previous = by_id.get(entity.id)
        if previous is None:
            by_id[entity.id] = entity
        elif previous.schema != entity.schema and not _compatible(previous, entity):
            ctx.issue(
                path,
                entity.id,
                "id",
                f"id used by both {previous.schema} and {entity.schema}",
                "error",
            )
        else:
            previous.proxy.merge(entity.proxy)
            previous.source_ref = previous.source_ref or entity.source_ref
            previous.annotations.update(entity.annotations)
        if progress is not None and count % 500 == 0:
            progress(count)
    # Entities sharing an id were merged: count what is stored, not what was yielded.
    ctx.counts = Counter(e.schema for e in by_id.values())
    return list(by_id.values()), ctx


def _compatible(a: ListEntity, b: ListEntity) -> bool:
    try:
        a.proxy.schema.model.common_schema(a.proxy.schema, b.proxy.schema)
    except Exception:
        return False
    return True


def import_publication(
    store: Store,
    path: Path,
    *,
    format: str | None = None,
    source: str | None = None,
    force: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    published: dt.date | None = None,
    origin: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``path`` (and its companion files) as a new version, if it is new and sound."""
    started = time.perf_counter()
    try:
        parser = get_parser(format) if format else detect_format(path)
    except (FormatError, KeyError, OSError) as exc:
        return ImportResult(source or "?", "failed", str(exc).strip("'\""), files=[str(path)])
    source = source or parser.default_source(path)
    if not _SOURCE_NAME.match(source):
        return ImportResult(
            source[:64],
            "failed",
            f"source name {source!r} must be 1-64 letters, digits, '_' or '-'",
            files=[str(path)],
        )
    files = publication_files(path, parser)
    result = ImportResult(source, "failed", "", format=parser.NAME, files=[str(p) for p in files])
    try:
        digest, file_info = digest_files(files)
    except OSError as exc:
        result.message = f"{path}: cannot read: {exc}"
        return _finish(store, result, started)
    current = store.current_version(source)
    result.previous_version_id = current.id if current else None
    if current is not None and current.sha256 == digest and not force:
        result.outcome, result.version_id = "unchanged", current.id
        result.message = f"{source}: unchanged since version {current.id} (sha256 {digest[:12]})"
        return _finish(store, result, started)
    try:
        entities, ctx = parse_publication(parser, path, source, progress)
    except FormatError as exc:
        result.message = str(exc)
        return _finish(store, result, started)
    except (OSError, EOFError, zlib.error, UnicodeError, ValueError) as exc:
        # EOFError / zlib.error: a cut or corrupt .gz file.
        result.message = (
            f"{path}: could not be parsed as {parser.NAME}: {exc or type(exc).__name__}"
        )
        return _finish(store, result, started)
    result.summary = ctx.summary()
    result.issues = list(ctx.issues)
    parties = sum(1 for e in entities if e.primary)
    result.summary["parties"] = parties
    if parties == 0:
        result.outcome = "refused"
        result.message = f"{path}: no listed entries found; the serving version is kept"
        return _finish(store, result, started)
    if current is not None and not force and parties < (1 - max_shrink) * current.parties:
        lost = 1 - parties / current.parties
        result.outcome = "refused"
        result.message = (
            f"{source}: new publication has {parties} listed entries against {current.parties} "
            f"in version {current.id} ({lost:.0%} fewer, limit {max_shrink:.0%}); "
            "version kept (use --force to accept)"
        )
        return _finish(store, result, started)
    newer_published = ctx.published or published
    if (
        current is not None
        and not force
        and newer_published is not None
        and current.published is not None
        and newer_published < current.published
    ):
        result.outcome = "refused"
        result.message = (
            f"{source}: publication of {newer_published} is older than the serving version "
            f"{current.id} ({current.published}); version kept (use --force to roll back)"
        )
        return _finish(store, result, started)
    rows = []
    for entity in entities:
        text = canonical_json(entity)
        rows.append(
            (
                entity.id,
                entity.schema,
                entity.caption,
                entity.primary,
                text,
                content_hash(text),
                entity_refs(entity),
            )
        )
    new = NewVersion(
        source=source,
        format=parser.NAME,
        published=ctx.published or published,
        sha256=digest,
        files=file_info,
        origin=origin or str(path.resolve()),
        records_read=ctx.records_read,
        records_rejected=ctx.records_rejected,
        counts=dict(sorted(ctx.counts.items())),
        entities=rows,
        issues=[(i.file, i.record, i.field, i.message, i.severity) for i in ctx.issues],
    )
    with store.writing(source) as conn:
        latest = store.current_version(source, conn)
        if latest is not None and latest.sha256 == digest and not force:
            result.outcome, result.version_id = "unchanged", latest.id
            result.message = f"{source}: imported meanwhile as version {latest.id}"
            store.log_event(conn, source, result.outcome, result.message, result.version_id)
        else:
            result.version_id = store.add_version(conn, new)
            result.outcome = "imported"
            result.message = (
                f"{source}: version {result.version_id} with {parties} listed entries "
                f"({len(rows)} entities, {result.summary['warnings']} warnings, "
                f"{result.summary['errors']} errors)"
            )
            store.log_event(conn, source, result.outcome, result.message, result.version_id)
    result.seconds = time.perf_counter() - started
    return result


def _finish(store: Store, result: ImportResult, started: float) -> ImportResult:
    result.seconds = time.perf_counter() - started
    with store.writing(result.source) as conn:
        store.log_event(conn, result.source, result.outcome, result.message, result.version_id)
    return result
