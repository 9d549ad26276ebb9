"""Build small ownership graphs in one line: ``"X 50 A; A joint B; X board C"``."""

from __future__ import annotations

import datetime as dt

from tripwire.ownership.evaluate import Evaluation
from tripwire.ownership.graph import OwnershipGraph
from tripwire.ownership.model import Edge, EdgeKind, Seed
from tripwire.ownership.regimes import get_regime

PRE_2024 = dt.date(2024, 1, 1)
POST_2024 = dt.date(2024, 7, 3)


def edges(structure: str) -> list[Edge]:
    """``OWNER SHARE|KIND OWNED`` items separated by ``;`` (``joint:ID``: arrangement ID)."""
    out = []
    for item in filter(None, (part.strip() for part in structure.split(";"))):
        owner, what, owned = item.split()
        try:
            out.append(Edge(owner, owned, EdgeKind.EQUITY, float(what), ref=item))
        except ValueError:
            kind, _, arrangement = what.partition(":")
            out.append(Edge(owner, owned, EdgeKind.parse(kind), ref=item, arrangement=arrangement))
    return out


def evaluate(
    structure: str,
    regime: str,
    as_of: dt.date = POST_2024,
    listed: str = "X Y DP DP1 DP2",
    countries: dict[str, frozenset[str]] | None = None,
) -> Evaluation:
    found = edges(structure)
    graph = OwnershipGraph.from_edges(found, as_of)
    label = get_regime(regime).seed_label
    seeds = {name: Seed(name, label) for name in listed.split() if name in graph.index}
    return Evaluation(graph, get_regime(regime), as_of, seeds, countries=countries)
