"""Data-quality findings about ownership data, surfaced next to every answer.

Nothing is normalised away: owners adding up to more than 100 %, an unknown
remainder, holdings without a stated share, cycles and edges the source has not
restated for a long time are reported as they are, and the evaluator still
uses the shares exactly as stated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.csgraph import connected_components

from tripwire.ownership.graph import BoolArray, OwnershipGraph
from tripwire.ownership.model import KIND_CODES, EdgeKind

# An edge whose source last stated it more than this long before the as-of date is stale.
STALE_AFTER = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Finding:
    # over_100 | unknown_remainder | unknown_share | cycle | stale_edge | duplicate_holding
    code: str
    entity: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "entity": self.entity,
            "message": self.message,
            "detail": self.detail,
        }


def cyclic_nodes(graph: OwnershipGraph) -> BoolArray:
    """Nodes on an ownership cycle (strongly connected with another node, or owning itself)."""
    rows = graph.alive
    matrix = graph.matrix(rows)
    _count, labels = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    cyclic = sizes[labels] > 1
    loops = rows & (graph.src == graph.dst)
    cyclic[graph.src[loops]] = True
    return np.asarray(cyclic)


def entity_findings(
    graph: OwnershipGraph,
    node: int,
    as_of: dt.date,
    cyclic: BoolArray | None = None,
    names: dict[str, str] | None = None,
) -> list[Finding]:
    """What is doubtful about the stated owners of one entity on ``as_of``."""
    entity = graph.ids[node]
    label = (names or {}).get(entity, entity)
    found: list[Finding] = []
    rows = graph.into(node)
    for kind in (EdgeKind.EQUITY, EdgeKind.VOTING):
        mine = rows[graph.kind[rows] == KIND_CODES[kind]]
        if not len(mine):
            continue
        shares = graph.share[mine]
        stated = shares[~np.isnan(shares)]
        total = float(stated.sum())
        if total > 100.0 + 1e-9:
            found.append(
                Finding(
                    "over_100",
                    entity,
                    f"{kind.value} holdings in {label} add up to {total:g}% (more than 100%)",
                    {"kind": kind.value, "total": total},
                )
            )
        elif len(stated) and total < 100.0 - 1e-9:
            found.append(
                Finding(
                    "unknown_remainder",
                    entity,
                    f"{100 - total:g}% of the {kind.value} of {label} has no known holder",
                    {"kind": kind.value, "known": total},
                )
            )
        missing = int(np.isnan(shares).sum())
        if missing:
            found.append(
                Finding(
                    "unknown_share",
                    entity,
                    f"{missing} {kind.value} holding(s) in {label} state no share",
                    {"kind": kind.value, "count": missing},
                )
            )
    for duplicate in graph.duplicates.get(node, ()):
        kept = duplicate.kept
        owner = (names or {}).get(kept.owner, kept.owner)
        statements = [kept, *duplicate.dropped]
        kept_share = "?" if kept.share is None else f"{kept.share:g}"
        stated = ", ".join(
            f"{'?' if e.share is None else f'{e.share:g}'}% ({e.source}: {e.ref or 'no ref'}"
            + (f", from {e.valid_from.isoformat()}" if e.valid_from else "")
            + ")"
            for e in statements
        )
        found.append(
            Finding(
                "duplicate_holding",
                entity,
                f"{len(statements)} edges state {owner}'s {kept.kind.value} holding in {label} "
                f"on {as_of.isoformat()}: {stated}; counted once, the latest "
                f"({kept_share}% from {kept.ref or kept.source})",
                {
                    "owner": kept.owner,
                    "kind": kept.kind.value,
                    "kept": kept.to_dict(),
                    "dropped": [e.to_dict() for e in duplicate.dropped],
                    "same_statement": [
                        e.source for e in duplicate.dropped if e.ref and e.ref == kept.ref
                    ],
                },
            )
        )
    if cyclic is not None and cyclic[node]:
        found.append(Finding("cycle", entity, f"{label} is on an ownership cycle"))
    if graph.edges is not None:
        for row in rows:
            edge = graph.edges[int(row)]
            if edge.observed is not None and as_of - edge.observed > STALE_AFTER:
                found.append(
                    Finding(
                        "stale_edge",
                        entity,
                        f"{edge.kind.value} edge {edge.owner} -> {label} last stated "
                        f"{edge.observed.isoformat()} by {edge.source}",
                        {"ref": edge.ref, "observed": edge.observed.isoformat()},
                    )
                )
    return found


def graph_summary(graph: OwnershipGraph, cyclic: BoolArray) -> dict[str, int]:
    """Counts of the findings over the whole graph, for reports."""
    n = graph.size
    equity = graph.alive & (graph.kind == KIND_CODES[EdgeKind.EQUITY])
    totals = np.bincount(graph.dst[equity], weights=np.nan_to_num(graph.share[equity]), minlength=n)
    owned = np.bincount(graph.dst[equity], minlength=n) > 0
    return {
        "entities": n,
        "edges": int(graph.alive.sum()),
        "over_100": int((totals > 100.0 + 1e-9).sum()),
        "unknown_remainder": int((owned & (totals < 100.0 - 1e-9)).sum()),
        "unknown_share": int((equity & np.isnan(graph.share)).sum()),
        "on_cycle": int(cyclic.sum()),
        "duplicate_holding": sum(len(d) for d in graph.duplicates.values()),
    }
