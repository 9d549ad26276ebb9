"""One holding is one edge (re-filings collapse, reported), and joint arrangements pool per
arrangement, once per person (UK Sch. 1 para. 3)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.ownership.helpers import edges, evaluate
from tripwire.ownership.evaluate import Evaluation
from tripwire.ownership.graph import OwnershipGraph, propagate
from tripwire.ownership.incremental import Incremental
from tripwire.ownership.model import Edge, EdgeKind, Seed
from tripwire.ownership.regimes import UK, US, get_regime

AS_OF = dt.date(2025, 1, 1)


def codes(answer: object) -> set[str]:
    return {f.code for f in answer.findings}  # type: ignore[attr-defined]


# -- defect 1: the same owner's re-filings are one holding ------------------------------


def test_refiling_of_the_same_stake_is_not_a_second_holding() -> None:
    evaluation = evaluate("X 30 C; X 30 C", "us")
    assert evaluation.hit_ids() == []
    answer = evaluation.answer("C")
    assert answer.status == "flagged"
    (finding,) = [f for f in answer.findings if f.code == "duplicate_holding"]
    assert finding.detail["owner"] == "X" and len(finding.detail["dropped"]) == 1
    assert "counted once" in finding.message
    # different blocked persons still add up (FAQ 399)
    assert evaluate("X 30 C; Y 30 C", "us").hit_ids() == ["C"]


def test_latest_filing_wins_by_valid_from_then_observed() -> None:
    filings = [
        Edge("X", "C", EdgeKind.EQUITY, 60.0, dt.date(2015, 1, 1), ref="f1"),
        Edge("X", "C", EdgeKind.EQUITY, 40.0, dt.date(2020, 1, 1), ref="f2"),
        Edge("X", "C", EdgeKind.EQUITY, 55.0, dt.date(2018, 1, 1), ref="f3"),
    ]
    graph = OwnershipGraph.from_edges(filings, AS_OF)
    assert graph.share.tolist() == [40.0]
    evaluation = Evaluation(graph, US, AS_OF, {"X": Seed("X", "SDN")})
    assert evaluation.hit_ids() == []
    # before the 2020 filing the 2018 one is the latest in force
    early = OwnershipGraph.from_edges(filings, dt.date(2019, 1, 1))
    assert Evaluation(early, US, dt.date(2019, 1, 1), {"X": Seed("X", "SDN")}).hit_ids() == ["C"]
    observed = [
        Edge("X", "C", EdgeKind.EQUITY, 60.0, observed=dt.date(2024, 1, 1), ref="new"),
        Edge("X", "C", EdgeKind.EQUITY, 20.0, observed=dt.date(2021, 1, 1), ref="old"),
    ]
    assert OwnershipGraph.from_edges(observed, AS_OF).share.tolist() == [60.0]


def test_same_statement_from_two_sources_counts_once_and_is_reported() -> None:
    one = Edge("X", "C", EdgeKind.EQUITY, 30.0, source="zala", ref="ru-1")
    other = Edge("X", "C", EdgeKind.EQUITY, 30.0, source="zala_copy", ref="ru-1")
    graph = OwnershipGraph.from_edges([one, other, Edge("Y", "C", EdgeKind.EQUITY, 15.0)])
    evaluation = Evaluation(graph, US, AS_OF, {"X": Seed("X", "SDN"), "Y": Seed("Y", "SDN")})
    assert evaluation.hit_ids() == []  # 30 + 15, not 30 + 30 + 15
    (finding,) = [f for f in evaluation.answer("C").findings if f.code == "duplicate_holding"]
    assert finding.detail["same_statement"] == ["zala"]


def test_different_kinds_of_one_owner_are_not_duplicates() -> None:
    graph = OwnershipGraph.from_edges(edges("X 30 C; X 60 C; X board C"))
    assert len(graph.src) == 2  # the two equity filings collapse, board rights stay
    assert sum(len(d) for d in graph.duplicates.values()) == 1


# -- defect 2: joint arrangements ---------------------------------------------------------


def test_separate_joint_arrangements_are_not_merged() -> None:
    named = (
        "DP1 20 C; Z1 20 C; Z2 15 C; Z3 15 C; "
        "DP1 joint:a1 C; Z1 joint:a1 C; Z2 joint:a2 C; Z3 joint:a2 C"
    )
    evaluation = evaluate(named, "uk")
    assert evaluation.hit_ids() == []  # DP1's arrangement holds 40 %
    assert evaluation.answer("C").status == "flagged"
    # the same holdings in one arrangement (no ids: one arrangement per entity, as documented)
    unnamed = "DP1 20 C; Z1 20 C; Z2 15 C; Z3 15 C; DP1 joint C; Z1 joint C; Z2 joint C; Z3 joint C"
    answer = evaluate(unnamed, "uk").answer("C")
    assert answer.status == "owned-or-controlled" and answer.proofs[0].total == 70.0


def test_arrangement_above_threshold_is_pooled_for_its_members_only() -> None:
    structure = "DP1 30 C; Z1 25 C; DP2 10 C; DP1 joint:a C; Z1 joint:a C; DP2 joint:b C"
    evaluation = evaluate(structure, "uk")
    assert evaluation.hit_ids() == ["C"]
    (proof,) = evaluation.answer("C").proofs
    assert proof.person == "DP1" and proof.total == 55.0
    assert "joint arrangement, stated 30%" in proof.text


def test_a_pool_counts_once_per_person() -> None:
    structure = "DP 60 B; DP 10 C; B 10 C; Z 20 C; DP joint C; B joint C; Z joint C"
    evaluation = evaluate(structure, "uk")
    # DP holds B (60 %); DP and B are in the same arrangement: 40 % combined, once
    assert evaluation.hit_ids() == ["B"]
    answer = evaluation.answer("C")
    assert answer.status == "flagged"
    graph = OwnershipGraph.from_edges(edges(structure))
    seeds = np.array([i == "DP" for i in graph.ids])
    prop = propagate(graph, UK, UK.threshold(AS_OF), seeds)
    assert not prop.hit[graph.index["C"]]
    # 60 % combined would be enough: the pool still counts once, at its combined size
    bigger = "DP 60 B; DP 20 C; B 20 C; Z 20 C; DP joint C; B joint C; Z joint C"
    (proof,) = evaluate(bigger, "uk").answer("C").proofs
    assert proof.total == 60.0 and len(proof.holdings) == 1


# -- defect 5: incremental ------------------------------------------------------------------


def _state(structure: str, regime: str = "uk") -> Incremental:
    graph = OwnershipGraph.from_edges(edges(structure))
    found = get_regime(regime)
    seeds = np.array([i in {"X", "Y", "DP", "DP1", "DP2"} for i in graph.ids])
    return Incremental(graph, found, found.threshold(AS_OF), seeds)


def test_incremental_joint_edge_reruns_the_other_members_persons() -> None:
    state = _state("DP1 30 C; DP1 joint C; Z 25 C")
    assert state.hit_ids() == state.full() == {"DP1"}
    state.add_edge(Edge("Z", "C", EdgeKind.JOINT))
    assert state.full() == {"DP1", "C"}
    assert state.hit_ids() == state.full()
    state.remove_edge(state.graph.find(Edge("Z", "C", EdgeKind.JOINT)) or 0)
    assert state.hit_ids() == state.full() == {"DP1"}


def test_incremental_repeated_seed_is_counted_once() -> None:
    state = _state("DP 60 C")
    assert state.hit_ids() == {"DP", "C"}
    assert state.add_seed("DP") == 0
    state.remove_seed("DP")
    assert state.hit_ids() == state.full() == set()


def test_incremental_refiling_replaces_the_holding() -> None:
    for regime in ("us", "uk"):
        state = _state("X 30 C", regime)
        state.add_edge(Edge("X", "C", EdgeKind.EQUITY, 30.0))
        assert state.hit_ids() == state.full() == {"X"}, regime
        state.add_edge(Edge("X", "C", EdgeKind.EQUITY, 60.0))
        assert state.hit_ids() == state.full() == {"X", "C"}, regime


@pytest.mark.parametrize("regime", ["us", "eu", "uk"])
def test_holdings_are_deduplicated_for_every_regime(regime: str) -> None:
    evaluation = evaluate("X 30 C; X 30 C; X 30 D; X 30 D", regime)
    assert evaluation.hit_ids() == []
