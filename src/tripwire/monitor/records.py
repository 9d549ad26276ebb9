"""Register records: a user's id with a prepared screening query, its hash and its keys.

A record is kept as the :class:`Query` it was checked into, so re-screening after a
list update never re-reads the user's file or re-runs the transliteration. Its hash
covers exactly what screening looks at: re-adding a file whose row differs only in a
column tripwire ignores leaves the record unchanged (and raises no new alert).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tripwire.batch.inputs import BatchInput
from tripwire.batch.records import BadRecord, ColumnMap, Record, to_query
from tripwire.screening.normalize import LEGAL_FORMS, skeleton
from tripwire.screening.query import Query, QueryError

#: Keys longer than this are cut (a key is a folded word; nothing useful is longer).
MAX_KEY = 128
#: The longest record id the register stores (its column is ``String(255)``).
MAX_ID = 255


def query_to_json(query: Query) -> str:
    """The prepared query as compact JSON (names, their tokens and the other fields)."""
    return json.dumps(
        {
            "names": list(query.names),
            "tokens": [list(t) for t in query.tokens],
            "schema": query.schema,
            "birth_date": query.birth_date,
            "countries": list(query.countries),
            "identifiers": list(query.identifiers),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def query_from_json(text: str) -> Query:
    """The query back from :func:`query_to_json`, without normalising anything again."""
    data: dict[str, Any] = json.loads(text)
    return Query(
        names=tuple(data["names"]),
        tokens=tuple(tuple(t) for t in data["tokens"]),
        schema=data.get("schema") or "",
        birth_date=data.get("birth_date"),
        countries=tuple(data.get("countries") or ()),
        identifiers=tuple(data.get("identifiers") or ()),
    )


def name_keys(tokens: tuple[str, ...]) -> set[str]:
    """The retrieval keys of one name: skeletons of its words, initials and legal forms left out.

    Skeletons fold the romanisations of one Cyrillic name together (Dmitriy = Dmitry),
    so a transliteration variant in the register meets the listed spelling on one key.
    """
    return {skeleton(t)[:MAX_KEY] for t in tokens if len(t) >= 2 and t not in LEGAL_FORMS}


@dataclass(frozen=True, slots=True)
class RegisterRecord:
    """One customer or counterparty of the register, keyed by the user's own id."""

    record_id: str
    query: Query

    @property
    def name(self) -> str:
        return self.query.names[0]

    @property
    def query_json(self) -> str:
        return query_to_json(self.query)

    @property
    def hash(self) -> str:
        """Changes exactly when what screening compares changes."""
        return hashlib.sha256(self.query_json.encode()).hexdigest()

    def keys(self) -> set[str]:
        """The record's keys in the register's inverted index (all its names' readings)."""
        out: set[str] = set()
        for tokens in self.query.tokens:
            out |= name_keys(tokens)
        return out


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A row of a register file that was not added: its row number, id, field and reason."""

    row: int
    record_id: str
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.record_id, "field": self.field, "reason": self.reason}


class RegisterFile:
    """Records of a register file (CSV, JSON lines or Parquet, as ``tripwire batch`` reads).

    ``records()`` streams them, so a million-row file is never held whole; rows that
    cannot be used (no id, a duplicate id, an empty name, a bad date or country...)
    land in ``rejected`` with their row number and the reason, never silently dropped.
    Opening checks encoding and columns and raises ``InputFileError`` naming the cause.
    """

    def __init__(
        self, path: Path, mapping: ColumnMap | None = None, default_schema: str | None = None
    ) -> None:
        self.input = BatchInput(path, mapping or ColumnMap.create())
        self.default_schema = default_schema
        self.rejected: list[RejectedRecord] = []
        self.read = 0

    @property
    def total(self) -> int:
        return self.input.total

    def records(self, workers: int = 1) -> Iterator[RegisterRecord]:
        """The usable records in file order; ``workers`` > 1 prepares queries (the
        transliteration, most of the cost) in that many processes."""
        seen: set[str] = set()
        for row, ident, prepared in self._prepared(workers):
            self.read += 1
            if ident and ident in seen:  # whatever became of the earlier row
                reason = "duplicate id (an earlier row has it)"
                self.rejected.append(RejectedRecord(row, ident, "id", reason))
                continue
            seen.add(ident)
            if isinstance(prepared, RejectedRecord):
                self.rejected.append(prepared)
            else:
                yield RegisterRecord(ident, prepared)

    def _prepared(self, workers: int) -> Iterator[_Prepared]:
        chunks = _chunked(self.input.records(), PREPARE_CHUNK)
        if workers <= 1:
            for chunk in chunks:
                yield from _prepare((chunk, self.default_schema))
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            jobs = ((chunk, self.default_schema) for chunk in chunks)
            for prepared in pool.imap(_prepare, jobs, chunksize=1):
                yield from prepared


#: Rows handed to a worker at a time.
PREPARE_CHUNK = 2000

_Prepared = tuple[int, str, "Query | RejectedRecord"]


def _chunked(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepare(job: tuple[list[Record], str | None]) -> list[_Prepared]:
    """Queries of one chunk of rows, or why a row cannot be one (runs in a worker)."""
    rows, default_schema = job
    out: list[_Prepared] = []
    for row, values in rows:
        if isinstance(values, BadRecord):
            out.append(
                (row, values.id, RejectedRecord(row, values.id, values.field, values.reason))
            )
            continue
        ident = values.get("id", "").strip()
        if not ident:
            out.append((row, "", RejectedRecord(row, "", "id", "empty id")))
            continue
        problem = id_problem(ident)
        if problem is not None:
            shown = ident.replace("\x00", "\\x00")
            out.append((row, ident, RejectedRecord(row, shown, "id", problem)))
            continue
        try:
            out.append((row, ident, to_query(values, default_schema)))
        except QueryError as exc:
            out.append((row, ident, RejectedRecord(row, ident, exc.field, exc.reason)))
    return out


def id_problem(ident: str) -> str | None:
    """Why a record id cannot be stored (on every backend), or None when it can."""
    if "\x00" in ident:
        return "id contains a NUL character"
    if len(ident) > MAX_ID:
        return f"id longer than {MAX_ID} characters ({len(ident)})"
    return None
