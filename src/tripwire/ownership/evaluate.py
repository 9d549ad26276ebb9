"""The evaluator: a regime, a graph and the listed seeds in; status and proof out.

``Evaluation`` runs the regime's fixed point once (``graph.propagate``) and
then answers for any entity: its status (blocked / owned-or-controlled /
flagged / clear), the minimal justification paths (fewest holders that meet
the threshold, each holder either listed or justified in turn, citing the
rule), a below-threshold exposure score for "urges caution" cases, and the
data-quality findings of the entities on the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from tripwire.ownership.graph import (
    BoolArray,
    FloatArray,
    OwnershipGraph,
    Propagation,
    propagate,
    regime_pooling,
    single_label,
)
from tripwire.ownership.model import KIND_CODES, KINDS_BY_CODE, EdgeKind, Seed
from tripwire.ownership.quality import Finding, cyclic_nodes, entity_findings
from tripwire.ownership.regimes import Regime

BLOCKED = "blocked"
OWNED_OR_CONTROLLED = "owned-or-controlled"
FLAGGED = "flagged"
CLEAR = "clear"

# Exposure score below the threshold (tunable): the listed share relative to the
# threshold, at most 0.9; a control hint from a hit party lifts it to 0.6, a link to 0.3.
_CONTROL_HINT = 0.6
_LINK_HINT = 0.3
_UNKNOWN_HINT = 0.5  # a hit party holds a share of unstated size
_HINT_KINDS = frozenset({EdgeKind.BOARD, EdgeKind.CONTROL, EdgeKind.JOINT})
_MAX_PROOFS = 3


@dataclass(frozen=True, slots=True)
class Holding:
    """One holder in a proof: listed itself, or hit with a proof of its own."""

    owner: str
    owner_name: str
    kind: str
    share: float | None
    stated_share: float | None  # before joint pooling
    basis: str  # "listed (SDN)" or the owner's status
    edge_ref: str
    proof: Proof | None = None
    confidence: float = 1.0  # of the edge, and of the name resolutions of its ends

    def to_dict(self) -> dict[str, Any]:
        return {
            "confidence": round(self.confidence, 4),
            "owner": self.owner,
            "owner_name": self.owner_name,
            "kind": self.kind,
            "share": self.share,
            "stated_share": self.stated_share,
            "basis": self.basis,
            "edge": self.edge_ref,
            "proof": self.proof.to_dict() if self.proof else None,
        }


@dataclass(frozen=True, slots=True)
class Proof:
    entity: str
    entity_name: str
    status: str
    rule: str
    total: float | None
    holdings: tuple[Holding, ...]
    text: str
    person: str | None = None  # per-person regimes: whose holding this is

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "entity_name": self.entity_name,
            "status": self.status,
            "rule": self.rule,
            "total": self.total,
            "person": self.person,
            "text": self.text,
            "holdings": [h.to_dict() for h in self.holdings],
        }

    def lines(self) -> list[str]:
        """The proof bottom-up: listed holders first, the entity asked about last."""
        out: list[str] = []
        for holding in self.holdings:
            if holding.proof is not None:
                out.extend(line for line in holding.proof.lines() if line not in out)
        out.append(self.text)
        return out


@dataclass(frozen=True, slots=True)
class Answer:
    entity_id: str
    name: str
    regime: str
    as_of: dt.date
    status: str
    listed: bool
    threshold: str
    proofs: tuple[Proof, ...]
    exposure: float
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def hit(self) -> bool:
        return self.status in (BLOCKED, OWNED_OR_CONTROLLED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "name": self.name,
            "regime": self.regime,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "listed": self.listed,
            "threshold": self.threshold,
            "exposure": round(self.exposure, 4),
            "reasons": list(self.reasons),
            "proofs": [p.to_dict() for p in self.proofs],
            "findings": [f.to_dict() for f in self.findings],
        }


def _member_rank(members: dict[int, int], node: int) -> int:
    return members.get(node, -1)


def _pct(value: float | None) -> str:
    return "?%" if value is None else f"{value:g}%"


class Evaluation:
    """One regime evaluated on one date over one graph."""

    def __init__(
        self,
        graph: OwnershipGraph,
        regime: Regime,
        as_of: dt.date,
        seeds: Mapping[str, Seed],
        *,
        names: Mapping[str, str] | None = None,
        countries: Mapping[str, frozenset[str]] | None = None,
        propagation: Propagation | None = None,
    ) -> None:
        self.graph = graph
        self.regime = regime
        self.as_of = as_of
        self.threshold = regime.threshold(as_of)
        self.seeds = {k: s for k, s in seeds.items() if s.active(as_of)}
        self.names = dict(names or {})
        self.countries = countries or {}
        mask = np.zeros(graph.size, dtype=np.bool_)
        for entity_id in self.seeds:
            node = graph.index.get(entity_id)
            if node is not None:
                mask[node] = True
        self.seed_mask = mask
        self.shares, self.pools = regime_pooling(graph, regime)
        self.propagation = propagation or propagate(graph, regime, self.threshold, mask)
        self._exposure()
        self._cyclic: BoolArray | None = None
        self._members: dict[int, dict[int, int]] = {}

    # -- whole-graph results ---------------------------------------------------------

    def _exposure(self) -> None:
        """Aggregate listed equity and control/link hints for every node (vectorised)."""
        graph = self.graph
        hit = self.propagation.hit.astype(np.float64)
        equity = graph.mask([EdgeKind.EQUITY]) & ~np.isnan(graph.share)
        self.listed_equity: FloatArray = np.asarray(graph.matrix(equity, graph.share) @ hit)
        self.control_hint: BoolArray = np.asarray(graph.matrix(graph.mask(_HINT_KINDS)) @ hit) > 0
        self.link_hint: BoolArray = np.asarray(graph.matrix(graph.mask([EdgeKind.LINK])) @ hit) > 0
        unknown = graph.mask(self.regime.share_kinds) & np.isnan(graph.share)
        self.unknown_hint: BoolArray = np.asarray(graph.matrix(unknown) @ hit) > 0

    @property
    def hit_status(self) -> str:
        return self.regime.hit_status

    def established(self, node: int) -> bool:
        """Art. 5h: is the entity established in the measure's country?"""
        if self.regime.established_in is None:
            return True
        return self.regime.established_in in self.countries.get(self.graph.ids[node], frozenset())

    def hit_ids(self, *, listed: bool = False) -> list[str]:
        """Entities hit through ownership or control (and the listed seeds if asked)."""
        keep = self.propagation.hit if listed else self.propagation.hit & ~self.seed_mask
        return [self.graph.ids[i] for i in np.flatnonzero(keep) if self.established(int(i))]

    # -- one entity ----------------------------------------------------------------

    def name(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    def answer(self, entity_id: str, *, findings: bool = True) -> Answer:
        node = self.graph.index.get(entity_id)
        listed = entity_id in self.seeds

        def make(
            status: str,
            exposure: float,
            reasons: list[str],
            proofs: tuple[Proof, ...] = (),
            found: tuple[Finding, ...] = (),
        ) -> Answer:
            return Answer(
                entity_id=entity_id,
                name=self.name(entity_id),
                regime=self.regime.key,
                as_of=self.as_of,
                status=status,
                listed=listed,
                threshold=f"{self.threshold.symbol} {self.threshold.percent:g}%",
                proofs=proofs,
                exposure=exposure,
                reasons=tuple(reasons),
                findings=found,
            )

        if listed:
            found = tuple(self._findings(node, ())) if findings and node is not None else ()
            return make(
                self.hit_status, 1.0, [f"listed ({self.seeds[entity_id].label})"], found=found
            )
        if node is None:
            return make(CLEAR, 0.0, [])
        proofs: tuple[Proof, ...] = ()
        reasons: list[str] = []
        if self.propagation.hit[node]:
            proofs = tuple(self._proofs(node))
            if self.established(node):
                status, exposure = self.hit_status, 1.0
            else:
                status, exposure = FLAGGED, 0.9
                reasons.append(
                    f"held as the measure says but not established in {self.regime.established_in}"
                )
        else:
            exposure = self._score(node)
            reasons.extend(self._hints(node))
            status = FLAGGED if reasons else CLEAR
        found = tuple(self._findings(node, proofs)) if findings else ()
        return make(status, exposure, reasons, proofs, found)

    def _score(self, node: int) -> float:
        score = min(float(self.listed_equity[node]) / self.threshold.percent, 1.0) * 0.9
        if self.control_hint[node]:
            score = max(score, _CONTROL_HINT)
        if self.link_hint[node]:
            score = max(score, _LINK_HINT)
        if self.unknown_hint[node]:
            score = max(score, _UNKNOWN_HINT)
        return score

    def _hints(self, node: int) -> list[str]:
        """Why a node that is not hit still deserves caution ("urges caution", FAQ 398)."""
        graph = self.graph
        hit = self.propagation.hit
        rows = [int(r) for r in graph.into(node) if hit[graph.src[r]]]
        name = self.name(graph.ids[node])
        reasons = []
        equity = [
            r
            for r in rows
            if graph.kind[r] == KIND_CODES[EdgeKind.EQUITY] and not np.isnan(graph.share[r])
        ]
        if equity:
            parts = " + ".join(
                f"{self._owner_label(int(graph.src[r]))} {_pct(float(graph.share[r]))}"
                for r in equity
            )
            total = float(self.listed_equity[node])
            if not self.regime.aggregate and len(equity) > 1 and self.threshold.met(total):
                why = self.regime.refs["aggregate"]
            else:
                why = f"below {self.threshold.symbol} {self.threshold.percent:g}%, caution"
            reasons.append(f"{parts} of {name} = {total:g}% listed ownership: {why}")
        for row in rows:
            kind = KINDS_BY_CODE[int(graph.kind[row])]
            if kind in self.regime.share_kinds and np.isnan(graph.share[row]):
                reasons.append(
                    f"{self._owner_label(int(graph.src[row]))} holds {kind.value} of {name} "
                    f"of unstated size: unknown ownership is itself a risk"
                )
            elif kind in _HINT_KINDS or kind == EdgeKind.LINK:
                note = self.regime.refs["control"] if kind != EdgeKind.LINK else "stated link"
                reasons.append(
                    f"{self._owner_label(int(graph.src[row]))} has {kind.value} over {name}: {note}"
                )
        return reasons

    def _findings(self, node: int, proofs: tuple[Proof, ...]) -> list[Finding]:
        if self._cyclic is None:
            self._cyclic = cyclic_nodes(self.graph)
        nodes = [node]
        stack = list(proofs)
        while stack:
            proof = stack.pop()
            for holding in proof.holdings:
                owner = self.graph.index.get(holding.owner)
                if owner is not None and owner not in nodes:
                    nodes.append(owner)
                if holding.proof is not None:
                    stack.append(holding.proof)
        out: list[Finding] = []
        for each in nodes:
            out.extend(
                entity_findings(self.graph, each, self.as_of, self._cyclic, dict(self.names))
            )
        return out

    # -- proofs ----------------------------------------------------------------------

    def _share(self, row: int) -> float | None:
        value = self.shares[row]
        return None if np.isnan(value) else float(value)

    def _owner_label(self, node: int) -> str:
        entity_id = self.graph.ids[node]
        seed = self.seeds.get(entity_id)
        suffix = f" ({seed.label})" if seed else ""
        return f"{self.name(entity_id)}{suffix}"

    def _proofs(self, node: int) -> list[Proof]:
        if self.regime.aggregate:
            rank = self.propagation.rank
            return [self._proof(node, lambda n: int(rank[n]), None, {})]
        labels = self.propagation.labels
        assert labels is not None
        row = labels.getrow(node)
        proofs = []
        for column in row.indices[:_MAX_PROOFS]:
            seed = int(self.propagation.label_ids[column])
            members = self._members.get(seed)
            if members is None:
                members = single_label(
                    self.graph, self.regime, self.threshold, seed, self.shares, self.pools
                )
                self._members[seed] = members
            person = self.graph.ids[seed]
            proofs.append(self._proof(node, partial(_member_rank, members), person, {}))
        return proofs

    def _proof(
        self,
        node: int,
        rank_of: Callable[[int], int],
        person: str | None,
        memo: dict[int, Proof],
    ) -> Proof:
        if node in memo:
            return memo[node]
        graph = self.graph
        mine = rank_of(node)
        rows = [int(r) for r in graph.into(node) if 0 <= rank_of(int(graph.src[r])) < mine]
        chosen, total, rule_kind = self._choose(rows)
        holdings = []
        for row in chosen:
            owner = int(graph.src[row])
            owner_id = graph.ids[owner]
            sub = None
            if owner_id in self.seeds:
                basis = f"listed ({self.seeds[owner_id].label})"
            else:
                sub = self._proof(owner, rank_of, person, memo)
                basis = self.hit_status
            edge_ref, confidence = "", 1.0
            if graph.edges is not None:
                edge = graph.edges[row]
                edge_ref, confidence = edge.ref or edge.source, edge.confidence
            holdings.append(
                Holding(
                    owner=owner_id,
                    owner_name=self.name(owner_id),
                    kind=KINDS_BY_CODE[int(graph.kind[row])].value,
                    share=self._share(row),
                    stated_share=None if np.isnan(graph.share[row]) else float(graph.share[row]),
                    basis=basis,
                    edge_ref=edge_ref,
                    proof=sub,
                    confidence=confidence,
                )
            )
        proof = self._text(node, holdings, total, rule_kind, person)
        memo[node] = proof
        return proof

    def _choose(self, rows: list[int]) -> tuple[list[int], float | None, str]:
        """Fewest holders that meet the threshold: largest shares first, kind by kind."""
        graph = self.graph
        for kind in sorted(self.regime.share_kinds):
            code = KIND_CODES[kind]
            mine = [r for r in rows if graph.kind[r] == code and not np.isnan(self.shares[r])]
            mine.sort(key=lambda r: -float(self.shares[r]))
            total = 0.0
            picked: list[int] = []
            pools: set[int] = set()
            for row in mine:
                pool = int(self.pools[row])
                if pool >= 0:  # a joint arrangement counts once, through one member
                    if pool in pools:
                        continue
                    pools.add(pool)
                picked.append(row)
                total += float(self.shares[row])
                if self.threshold.met(total):
                    return picked, total, kind.value
        control = [
            r for r in rows if KINDS_BY_CODE[int(graph.kind[r])] in self.regime.control_kinds
        ]
        if control:
            return control[:1], None, "control"
        raise AssertionError("a hit entity without holders meeting the threshold")

    def _text(
        self,
        node: int,
        holdings: list[Holding],
        total: float | None,
        rule_kind: str,
        person: str | None,
    ) -> Proof:
        entity_id = self.graph.ids[node]
        name = self.name(entity_id)
        refs = self.regime.refs
        indirect = any(h.proof is not None for h in holdings)
        if rule_kind == "control":
            holding = holdings[0]
            rule = refs["control"]
            text = (
                f"{self._label_of(holding)} has {holding.kind} over {name}: "
                f"{name} {self.hit_status} ({rule})"
            )
            return Proof(
                entity_id, name, self.hit_status, rule, None, tuple(holdings), text, person
            )
        pooled = any(h.share != h.stated_share for h in holdings)
        rule = refs["single"]
        if len(holdings) > 1 and self.regime.aggregate:
            rule = refs["aggregate"]
        if pooled and "joint" in refs:
            rule = refs["joint"]
        if indirect:
            rule = f"{rule}; {refs['indirect']}"
        parts = " + ".join(
            f"{self._label_of(h)} {_pct(h.share)}"
            + (
                f" (joint arrangement, stated {_pct(h.stated_share)})"
                if h.share != h.stated_share
                else ""
            )
            for h in holdings
        )
        kind = "" if rule_kind == EdgeKind.EQUITY.value else f" {rule_kind}"
        text = (
            f"{parts}{kind} of {name} = {total:g}% {self.threshold.symbol} "
            f"{self.threshold.percent:g}%: {name} {self.hit_status} ({rule})"
        )
        return Proof(entity_id, name, self.hit_status, rule, total, tuple(holdings), text, person)

    def _label_of(self, holding: Holding) -> str:
        seed = self.seeds.get(holding.owner)
        label = f"{holding.owner_name} ({seed.label if seed else self.hit_status})"
        if holding.confidence < 0.99:  # a name match short of certain: say so
            label += f" [confidence {holding.confidence:.2f}]"
        return label
