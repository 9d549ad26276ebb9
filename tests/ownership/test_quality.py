"""Cycles, shares over 100 %, unknown remainders, dated and stale edges."""

from __future__ import annotations

import datetime as dt

from tests.ownership.helpers import evaluate
from tripwire.ownership.evaluate import Evaluation
from tripwire.ownership.graph import OwnershipGraph
from tripwire.ownership.model import Edge, EdgeKind, Seed
from tripwire.ownership.regimes import US


def codes(answer: object) -> set[str]:
    return {f.code for f in answer.findings}  # type: ignore[attr-defined]


def test_cycle_with_a_listed_seed_terminates_and_is_reported() -> None:
    evaluation = evaluate("X 50 A; A 50 B; B 50 A", "us")
    assert sorted(evaluation.hit_ids()) == ["A", "B"]
    answer = evaluation.answer("B")
    assert "cycle" in codes(answer)
    # B's proof goes through A, whose proof is X's listing: never back round the cycle.
    assert [line.split(" ")[0] for line in answer.proofs[0].lines()] == ["X", "A"]


def test_shares_over_100_are_reported_not_normalised() -> None:
    evaluation = evaluate("X 60 A; Z 70 A", "us")
    answer = evaluation.answer("A")
    assert answer.status == "blocked"
    assert answer.proofs[0].total == 60.0
    over = [f for f in answer.findings if f.code == "over_100"]
    assert over and over[0].detail["total"] == 130.0


def test_unknown_remainder_is_reported() -> None:
    answer = evaluate("X 30 A; Z 20 A", "us").answer("A")
    remainder = [f for f in answer.findings if f.code == "unknown_remainder"]
    assert remainder and remainder[0].detail["known"] == 50.0


def test_dated_edges_count_only_while_in_force() -> None:
    edges = [
        Edge("X", "A", EdgeKind.EQUITY, 60.0, dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
        Edge("X", "B", EdgeKind.EQUITY, 60.0, dt.date(2023, 1, 1), None),
    ]
    seeds = {"X": Seed("X", "SDN")}
    for as_of, hit in [
        (dt.date(2019, 6, 1), []),
        (dt.date(2022, 12, 31), ["A"]),
        (dt.date(2023, 1, 1), ["B"]),
    ]:
        graph = OwnershipGraph.from_edges(edges, as_of, nodes=["A", "B", "X"])
        assert Evaluation(graph, US, as_of, seeds).hit_ids() == hit, as_of


def test_seed_listed_after_the_date_is_not_a_seed() -> None:
    graph = OwnershipGraph.from_edges([Edge("X", "A", EdgeKind.EQUITY, 60.0)])
    seeds = {"X": Seed("X", "SDN", since=dt.date(2022, 3, 24))}
    assert Evaluation(graph, US, dt.date(2022, 3, 23), seeds).hit_ids() == []
    assert Evaluation(graph, US, dt.date(2022, 3, 24), seeds).hit_ids() == ["A"]


def test_stale_edge_is_reported() -> None:
    edge = Edge("X", "A", EdgeKind.EQUITY, 60.0, observed=dt.date(2019, 1, 1), source="egrul")
    graph = OwnershipGraph.from_edges([edge])
    answer = Evaluation(graph, US, dt.date(2024, 1, 1), {"X": Seed("X", "SDN")}).answer("A")
    assert "stale_edge" in codes(answer)


def test_low_confidence_edge_is_named_in_the_proof() -> None:
    edge = Edge("X", "A", EdgeKind.EQUITY, 60.0, confidence=0.7)
    graph = OwnershipGraph.from_edges([edge])
    answer = Evaluation(graph, US, dt.date(2024, 1, 1), {"X": Seed("X", "SDN")}).answer("A")
    (holding,) = answer.proofs[0].holdings
    assert holding.confidence == 0.7
    assert answer.proofs[0].text.startswith("X (SDN) [confidence 0.70] 60% of A")
