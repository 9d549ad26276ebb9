"""One batch record in, its result rows out: the step every engine (local, Spark) runs.

Pure: a record is a row number and the values of the mapped columns; the
result is plain tuples in :data:`OUTPUT_COLUMNS` order, so the local engine
and Spark write byte-identical results from the very same function.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tripwire.screening import Match, Query, QueryError, Screener
from tripwire.screening.model import ScoringModel

#: One row per (record, match), and one ``clear`` row for a record without a match,
#: so that every screened record is in the output.
OUTPUT_COLUMNS = (
    "row",
    "query_id",
    "status",
    "rank",
    "score",
    "entity_id",
    "source",
    "source_ref",
    "schema",
    "caption",
    "matched_name",
    "list_name",
    "explanation",
)
REJECT_COLUMNS = ("row", "query_id", "field", "reason")
FIELDS = ("id", "name", "schema", "birth_date", "country", "identifier")
FIELDS_DEFAULT = {f: f for f in FIELDS}
#: Several countries or identifiers in one cell are separated by this.
MULTI_SEPARATOR = ";"

OutputRow = tuple[int, str, str, int, float | None, str, str, str, str, str, str, str, str]
RejectRow = tuple[int, str, str, str]


class MappingError(ValueError):
    """A column mapping that cannot be used (unknown field, unreadable file)."""


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which input column holds each query field (``id`` and ``name`` are required)."""

    columns: tuple[tuple[str, str], ...] = tuple((f, f) for f in FIELDS)

    @classmethod
    def create(
        cls,
        mapping: Mapping[str, str] | None = None,
        *,
        id_column: str | None = None,
        name_column: str | None = None,
    ) -> ColumnMap:
        merged = dict(FIELDS_DEFAULT)
        for key, value in (mapping or {}).items():
            if key not in FIELDS:
                raise MappingError(
                    f"unknown field {key!r} in the column mapping; fields: {', '.join(FIELDS)}"
                )
            if not isinstance(value, str) or not value.strip():
                raise MappingError(f"field {key!r}: the column name must be a non-empty string")
            merged[key] = value.strip()
        if id_column:
            merged["id"] = id_column
        if name_column:
            merged["name"] = name_column
        return cls(tuple((f, merged[f]) for f in FIELDS))

    @classmethod
    def from_file(cls, path: Path, **overrides: str | None) -> ColumnMap:
        """A JSON object ``{"id": "customer_no", "name": "full_name", ...}``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MappingError(f"{path}: not a readable JSON column mapping: {exc}") from None
        if not isinstance(data, dict):
            raise MappingError(f"{path}: the column mapping must be a JSON object")
        return cls.create(data, **overrides)

    def column(self, field_name: str) -> str:
        return dict(self.columns)[field_name]

    def as_dict(self) -> dict[str, str]:
        return dict(self.columns)


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that cannot be read (wrong field count, invalid JSON): rejected, not guessed."""

    id: str
    field: str
    reason: str


Record = tuple[int, "Mapping[str, str] | BadRecord"]


@dataclass(frozen=True, slots=True)
class Options:
    """What decides a batch's results (kept in its checkpoint: a resume must not change it)."""

    limit: int | None = None  # every match at or above the threshold
    threshold: float = field(default_factory=lambda: ScoringModel.load().threshold)
    default_schema: str | None = None
    hits_only: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "threshold": self.threshold,
            "default_schema": self.default_schema,
            "hits_only": self.hits_only,
        }


@dataclass(slots=True)
class ChunkResult:
    """The result rows, rejected rows and counts of one chunk of records."""

    index: int
    rows: list[OutputRow] = field(default_factory=list)
    rejects: list[RejectRow] = field(default_factory=list)
    read: int = 0
    screened: int = 0
    with_hits: int = 0
    hits_by_source: Counter[str] = field(default_factory=Counter)
    rejected_by_field: Counter[str] = field(default_factory=Counter)
    last_row: int = 0


def split_multi(value: str | None) -> list[str]:
    """A cell holding several countries or identifiers, ``;``-separated."""
    return [part.strip() for part in (value or "").split(MULTI_SEPARATOR) if part.strip()]


def to_query(values: Mapping[str, str], default_schema: str | None) -> Query:
    """The query of one record (values keyed by field); raises QueryError naming the field."""
    return Query.create(
        values.get("name", ""),
        schema=values.get("schema") or default_schema,
        birth_date=values.get("birth_date"),
        countries=split_multi(values.get("country")),
        identifiers=split_multi(values.get("identifier")),
    )


def compact_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def match_row(row: int, query_id: str, rank: int, match: Match) -> OutputRow:
    return (
        row,
        query_id,
        "hit",
        rank,
        round(match.score, 4),
        match.entity_id,
        match.source,
        match.source_ref,
        match.schema,
        match.caption,
        match.query_name,
        match.list_name,
        compact_json(match.explanation),
    )


def screen_chunk(
    screener: Screener,
    index: int,
    records: Sequence[Record],
    options: Options,
) -> ChunkResult:
    """Validate and screen one chunk; a record that cannot be screened becomes a reject row."""
    result = ChunkResult(index)
    queries: list[Query] = []
    kept: list[tuple[int, str]] = []
    for row, values in records:
        result.read += 1
        result.last_row = max(result.last_row, row)
        if isinstance(values, BadRecord):
            result.rejects.append((row, values.id, values.field, values.reason))
            result.rejected_by_field[values.field] += 1
            continue
        ident = (values.get("id") or "").strip()
        if not ident:
            result.rejects.append((row, "", "id", "empty id"))
            result.rejected_by_field["id"] += 1
            continue
        try:
            queries.append(to_query(values, options.default_schema))
        except QueryError as exc:
            result.rejects.append((row, ident, exc.field, exc.reason))
            result.rejected_by_field[exc.field] += 1
            continue
        kept.append((row, ident))
    try:
        found: list[list[Match] | str] = list(
            screener.screen_many(
                queries, limit=options.limit, threshold=options.threshold, ties=True
            )
        )
    except Exception:  # find the record at fault; the rest of the chunk is screened
        found = [_screen_one(screener, query, options) for query in queries]
    for (row, ident), matches in zip(kept, found, strict=True):
        if isinstance(matches, str):
            result.rejects.append((row, ident, "name", matches))
            result.rejected_by_field["name"] += 1
            continue
        result.screened += 1
        if not matches:
            if not options.hits_only:
                result.rows.append((row, ident, "clear", 0, None, "", "", "", "", "", "", "", ""))
            continue
        result.with_hits += 1
        for rank, match in enumerate(matches, 1):
            result.rows.append(match_row(row, ident, rank, match))
            result.hits_by_source[match.source] += 1
    return result


def _screen_one(screener: Screener, query: Query, options: Options) -> list[Match] | str:
    try:
        return screener.screen(query, limit=options.limit, threshold=options.threshold, ties=True)
    except Exception as exc:  # one bad record must not sink a whole batch
        return f"screening failed: {type(exc).__name__}: {exc}"
