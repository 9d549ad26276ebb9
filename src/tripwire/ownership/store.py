"""(I/O) Ownership edges and resolved parties in the list store (tables of migration 0002).

A source's edges (one FtM file, one user CSV file) are replaced as a whole by
its newest import, in one transaction: readers see the old edges or the new
ones. Parties keep the list entity they resolve to and the match score, and
edges are read back already pointing at the resolved entities.

Parties belong to their source: they are keyed by (source, party_id), so
re-importing one file never drops or changes a party another file's edges go
through, and an edge's ends are looked up among its own source's parties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tripwire.ownership.model import Edge, EdgeKind
from tripwire.store import Store
from tripwire.store.schema import ownership_edge, ownership_import, ownership_party

_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Party:
    """A party of an imported file and the list entity it resolves to (if any)."""

    party_id: str
    name: str
    schema: str
    countries: tuple[str, ...] = ()
    entity_id: str | None = None
    confidence: float | None = None
    source: str = "user"
    since: dt.date | None = None  # on a measure's annex (Annex XIV) from this date

    @property
    def node(self) -> str:
        """The graph node: the list entity when resolved, the party itself otherwise."""
        return self.entity_id or self.party_id


@dataclass(frozen=True, slots=True)
class Issue:
    """A rejected or doubtful row of an imported file: where, and what is wrong."""

    row: str
    message: str

    @property
    def warning(self) -> bool:
        """A doubt about a row that was imported anyway (not a rejection)."""
        return self.message.startswith("warning:")

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: int
    source: str
    rows_read: int
    edges: int
    parties: int
    resolved: int
    issues: tuple[Issue, ...]

    @property
    def rejected(self) -> int:
        return sum(1 for i in self.issues if not i.warning)

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "source": self.source,
            "rows_read": self.rows_read,
            "edges": self.edges,
            "parties": self.parties,
            "resolved": self.resolved,
            "issues": [str(i) for i in self.issues],
        }


class OwnershipStore:
    """Read and replace ownership edges and parties in a :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def replace(
        self,
        source: str,
        origin: str,
        fmt: str,
        rows_read: int,
        edges: Sequence[Edge],
        parties: Sequence[Party],
        issues: Sequence[Issue],
    ) -> ImportResult:
        """Make ``edges`` and ``parties`` the data of ``source``, in one transaction."""
        with self.store.writing(f"ownership:{source}") as conn:
            old = sa.select(ownership_import.c.id).where(ownership_import.c.source == source)
            conn.execute(ownership_edge.delete().where(ownership_edge.c.import_id.in_(old)))
            conn.execute(ownership_import.delete().where(ownership_import.c.source == source))
            conn.execute(ownership_party.delete().where(ownership_party.c.source == source))
            import_id = conn.execute(
                ownership_import.insert().returning(ownership_import.c.id),
                {
                    "source": source,
                    "origin": origin,
                    "format": fmt,
                    "rows_read": rows_read,
                    "rows_rejected": sum(1 for i in issues if not i.warning),
                    "issues": [str(i) for i in issues],
                    "imported_at": dt.datetime.now(dt.UTC),
                },
            ).scalar_one()
            _insert(
                conn,
                ownership_edge,
                [
                    {
                        "import_id": import_id,
                        "owner_id": e.owner,
                        "owned_id": e.owned,
                        "kind": e.kind.value,
                        "share": e.share,
                        "valid_from": e.valid_from,
                        "valid_to": e.valid_to,
                        "source": source,
                        "confidence": e.confidence,
                        "ref": e.ref,
                        "observed": e.observed,
                        "arrangement": e.arrangement,
                    }
                    for e in edges
                ],
            )
            unique = {p.party_id: p for p in reversed(parties)}  # the first of each id
            _insert(
                conn,
                ownership_party,
                [
                    {
                        "party_id": p.party_id,
                        "name": p.name,
                        "schema": p.schema,
                        "countries": list(p.countries),
                        "entity_id": p.entity_id,
                        "confidence": p.confidence,
                        "source": source,
                        "since": p.since,
                    }
                    for p in unique.values()
                ],
            )
        resolved = sum(1 for p in parties if p.entity_id)
        return ImportResult(
            int(import_id), source, rows_read, len(edges), len(parties), resolved, tuple(issues)
        )

    def parties(self) -> dict[tuple[str, str], Party]:
        """Every party, keyed by (source, party_id)."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(ownership_party)).mappings().all()
        return {
            (r["source"], r["party_id"]): Party(
                r["party_id"],
                r["name"],
                r["schema"],
                tuple(r["countries"] or ()),
                r["entity_id"],
                r["confidence"],
                r["source"],
                r["since"],
            )
            for r in rows
        }

    def edges(self, parties: dict[tuple[str, str], Party] | None = None) -> list[Edge]:
        """Every stored edge, its ends mapped to the list entities they resolve to.

        An edge's confidence is the lower of its own and its ends' resolution scores.
        """
        parties = self.parties() if parties is None else parties
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(ownership_edge).order_by(ownership_edge.c.id)).all()
        out = []
        for r in rows:
            confidence = float(r.confidence)
            ends = []
            for end in (r.owner_id, r.owned_id):
                party = parties.get((r.source, end))
                if party is not None and party.entity_id:
                    confidence = min(confidence, party.confidence or 0.0)
                ends.append(party.node if party else end)
            out.append(
                Edge(
                    ends[0],
                    ends[1],
                    EdgeKind(r.kind),
                    r.share,
                    r.valid_from,
                    r.valid_to,
                    r.source,
                    confidence,
                    r.ref,
                    r.observed,
                    r.arrangement or "",
                )
            )
        return out

    def imports(self) -> list[dict[str, Any]]:
        query = sa.select(ownership_import).order_by(ownership_import.c.id)
        with self.store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]


def _insert(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _CHUNK:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
