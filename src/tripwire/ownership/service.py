"""(I/O) Exposure answers from the store: the graph and the seeds as of a date.

For a date D each list source contributes the version it had published on D
(its newest version published on or before D; a source with none contributes
nothing, and the answer's notes say so): its listed parties are the
seeds of the regimes that read that source, and its relation entities
("Owned or Controlled By", "Subsidiary Of", "Linked To", Ownership,
Directorship) are edges. Imported FtM and CSV edges come from the ownership
tables, their ends mapped to the list entities they resolved to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tripwire.ownership.evaluate import CLEAR, Answer, Evaluation
from tripwire.ownership.graph import OwnershipGraph
from tripwire.ownership.model import Edge, Seed
from tripwire.ownership.regimes import ALL_REGIMES, REGIMES, Regime, get_regime
from tripwire.ownership.sources import (
    ANNEX_XIV_SOURCE,
    RELATION_SCHEMAS,
    annex_seed_node,
    list_relation_edges,
)
from tripwire.ownership.store import OwnershipStore
from tripwire.store import Store, VersionRow

_COUNTRY_PROPS = ("country", "jurisdiction", "mainCountry", "nationality")


def _published(version: VersionRow) -> dt.date:
    return version.published or version.imported_at.date()


def versions_as_of(
    store: Store, as_of: dt.date, notes: list[str] | None = None
) -> list[VersionRow]:
    """Per source, the newest version published on or before ``as_of`` (in force on it).

    A source with no version that old contributes nothing on that date: no
    seeds, no relation edges. A later list never stands in for an earlier
    date; the note says which sources had no version in force.
    """
    chosen: dict[str, VersionRow] = {}
    sources: set[str] = set()
    for version in store.versions():
        sources.add(version.source)
        key = (_published(version), version.id)
        if key[0] > as_of:
            continue
        best = chosen.get(version.source)
        if best is None or key > (_published(best), best.id):
            chosen[version.source] = version
    if notes is not None:
        for source in sorted(sources - set(chosen)):
            notes.append(f"no list version in force on {as_of.isoformat()} for {source}")
    return sorted(chosen.values(), key=lambda v: v.source)


@dataclass
class GraphData:
    """Everything the evaluator needs for one date, read from the store once."""

    as_of: dt.date
    edges: list[Edge] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    countries: dict[str, frozenset[str]] = field(default_factory=dict)
    seeds: dict[str, dict[str, Seed]] = field(default_factory=dict)  # regime key -> seeds
    versions: list[VersionRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, store: Store, as_of: dt.date) -> GraphData:
        data = cls(as_of=as_of)
        data.versions = versions_as_of(store, as_of, data.notes)
        data.seeds = {key: {} for key in REGIMES}
        for version in data.versions:
            regimes = [r for r in REGIMES.values() if version.source in r.seed_sources]
            relations = []
            for entity in store.version_entities(version.id):
                if entity.schema in RELATION_SCHEMAS:
                    relations.append((entity.entity_id, entity.schema, entity.data))
                    continue
                data.names.setdefault(entity.entity_id, entity.caption)
                props = entity.data.get("properties") or {}
                codes = {c for p in _COUNTRY_PROPS for c in props.get(p) or []}
                if codes:
                    data.countries[entity.entity_id] = frozenset(codes)
                if entity.listed:
                    for regime in regimes:
                        data.seeds[regime.key][entity.entity_id] = Seed(
                            entity.entity_id, regime.seed_label, _published(version)
                        )
            data.edges.extend(
                list_relation_edges(relations, source=version.source, observed=version.published)
            )
        owned = OwnershipStore(store)
        parties = owned.parties()
        for party in parties.values():
            data.names.setdefault(party.node, party.name)
            data.names.setdefault(party.party_id, party.name)
            if party.countries and party.node not in data.countries:
                data.countries[party.node] = frozenset(c.lower() for c in party.countries)
            if party.source == ANNEX_XIV_SOURCE:
                node = annex_seed_node(party)
                data.seeds["eu_5h"][node] = Seed(node, "Annex XIV", party.since)
                data.names.setdefault(node, party.name)
        data.edges.extend(owned.edges(parties))
        return data

    def graph(self) -> OwnershipGraph:
        nodes: list[str] = sorted({s for seeds in self.seeds.values() for s in seeds})
        return OwnershipGraph.from_edges(self.edges, self.as_of, nodes=nodes)


class Exposure:
    """Answers for every regime on one date, each regime evaluated once, on first use."""

    def __init__(self, data: GraphData) -> None:
        self.data = data
        self.as_of = data.as_of
        self.graph = data.graph()
        self._evaluations: dict[str, Evaluation] = {}

    @classmethod
    def load(cls, store: Store, as_of: dt.date | None = None) -> Exposure:
        return cls(GraphData.load(store, as_of or dt.date.today()))

    def evaluation(self, regime: str | Regime) -> Evaluation:
        found = get_regime(regime) if isinstance(regime, str) else regime
        if found.key not in self._evaluations:
            self._evaluations[found.key] = Evaluation(
                self.graph,
                found,
                self.as_of,
                self.data.seeds.get(found.key, {}),
                names=self.data.names,
                countries=self.data.countries,
            )
        return self._evaluations[found.key]

    def answer(self, entity_id: str, regime: str) -> Answer:
        return self.evaluation(regime).answer(entity_id)

    def answers(self, entity_id: str, regimes: Iterable[str] = ALL_REGIMES) -> list[Answer]:
        return [self.answer(entity_id, r) for r in regimes]

    def known(self, entity_id: str) -> bool:
        return entity_id in self.graph.index or entity_id in self.data.names

    def note(self, entity_id: str, regimes: Iterable[str] = ALL_REGIMES) -> dict[str, Any] | None:
        """What a screening result should add for an entity hit through ownership.

        None when no regime hits or flags it, or when it is listed itself (the
        screening match says so already).
        """
        answers = [a for a in self.answers(entity_id, regimes) if a.status != CLEAR]
        if not answers or any(a.listed for a in answers):
            return None
        return {
            "entity_id": entity_id,
            "as_of": self.as_of.isoformat(),
            "statuses": {a.regime: a.status for a in answers},
            "summary": "; ".join(
                f"{a.regime.upper()}: {a.status}" + (f" ({a.proofs[0].text})" if a.proofs else "")
                for a in answers
            ),
            "paths": {a.regime: [p.lines() for p in a.proofs] for a in answers if a.proofs},
            "see": f"tripwire exposure {entity_id} --as-of {self.as_of.isoformat()}",
            "notes": list(self.data.notes),  # e.g. sources with no list version in force
        }


_CACHE: dict[tuple[str, dt.date, str], Exposure] = {}


def _stamp(store: Store, day: dt.date) -> str:
    """What the answer on ``day`` depends on: changes whenever the data may have.

    Row ids alone repeat when a database is dropped and recreated, so each
    version contributes its sha256 and import time, and each edge import its
    id, source, row count and import time.
    """
    parts = [f"{v.id}:{v.sha256}:{v.imported_at.isoformat()}" for v in versions_as_of(store, day)]
    parts.append("|")
    parts.extend(
        f"{i['id']}:{i['source']}:{i['rows_read']}:{i['imported_at']}"
        for i in OwnershipStore(store).imports()
    )
    return ",".join(parts)


def exposure_note(
    store: Store, entity_id: str, as_of: dt.date | None = None
) -> dict[str, Any] | None:
    """The ownership note for a screening result (None: nothing to say).

    Reuses the evaluated graph while neither the list versions nor the imported
    edges change, so calling it for every match of a screening run is cheap.
    """
    day = as_of or dt.date.today()
    key = (store.url, day, _stamp(store, day))
    exposure = _CACHE.get(key)
    if exposure is None:
        _CACHE.clear()
        exposure = _CACHE[key] = Exposure.load(store, day)
    return exposure.note(entity_id)
