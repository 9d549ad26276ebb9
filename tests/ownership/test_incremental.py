"""Incremental recomputation equals a full evaluation after random changes, per regime."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tripwire.ownership.graph import OwnershipGraph
from tripwire.ownership.incremental import Incremental
from tripwire.ownership.model import KIND_CODES, KINDS_BY_CODE, Edge, EdgeKind
from tripwire.ownership.regimes import get_regime

AS_OF = dt.date(2025, 1, 1)


def random_graph(rng: np.random.Generator, n: int = 300, e: int = 900) -> OwnershipGraph:
    src = rng.integers(0, n, e)
    dst = rng.integers(0, n, e)
    keep = src != dst
    kinds = rng.choice(len(KINDS_BY_CODE), size=e, p=[0.8, 0.08, 0.04, 0.04, 0.02, 0.02])
    share = np.round(rng.uniform(5, 80, e), 0)
    share[rng.random(e) < 0.05] = np.nan
    return OwnershipGraph(
        [f"n{i}" for i in range(n)], src[keep], dst[keep], share[keep], kinds[keep]
    )


@pytest.mark.parametrize("regime_key", ["us", "eu", "uk"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("size", [40, 300])  # small: joint arrangements meet held members
def test_random_changes_match_full_evaluation(regime_key: str, seed: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    graph = random_graph(rng, n=size, e=3 * size)
    regime = get_regime(regime_key)
    seeds = np.zeros(graph.size, dtype=np.bool_)
    seeds[rng.choice(graph.size, 10, replace=False)] = True
    state = Incremental(graph, regime, regime.threshold(AS_OF), seeds)
    assert state.hit_ids() == state.full()
    for step in range(60):
        op = step % 5
        if op == 0:
            # a new designation, or one already made (twice must change nothing)
            again = state.seeds and rng.random() < 0.3
            if again:
                node = sorted(state.seeds)[int(rng.integers(len(state.seeds)))]
                state.add_seed(graph.ids[node])
            else:
                state.add_seed(f"n{int(rng.integers(graph.size))}")
        elif op == 1 and state.seeds:
            victim = sorted(state.seeds)[int(rng.integers(len(state.seeds)))]
            state.remove_seed(graph.ids[victim])
            if rng.random() < 0.5:  # re-designated later
                state.add_seed(graph.ids[victim])
        elif op in (2, 3):
            a, b = (int(x) for x in rng.choice(graph.size, 2, replace=False))
            kind = EdgeKind(
                rng.choice(["equity", "voting", "joint", "control", "board"], p=EDGE_KINDS)
            )
            if op == 3:  # a holder of an entity with a joint arrangement joins it
                joint = graph.alive & (graph.kind == KIND_CODES[EdgeKind.JOINT])
                if joint.any():
                    b = int(graph.dst[joint][int(rng.integers(int(joint.sum())))])
                    rows = graph.into(b)
                    members = set(graph.src[rows[graph.kind[rows] == KIND_CODES[EdgeKind.JOINT]]])
                    others = [int(h) for h in graph.src[rows] if h not in members]
                    if others:
                        a, kind = others[int(rng.integers(len(others)))], EdgeKind.JOINT
            share = (
                float(rng.integers(20, 70)) if kind in (EdgeKind.EQUITY, EdgeKind.VOTING) else None
            )
            arrangement = (
                str(rng.integers(2))
                if kind == EdgeKind.JOINT and op == 2 and rng.random() < 0.5
                else ""
            )
            state.add_edge(Edge(f"n{a}", f"n{b}", kind, share, arrangement=arrangement))
        else:
            live = np.flatnonzero(graph.alive)
            state.remove_edge(int(live[int(rng.integers(len(live)))]))
        assert state.hit_ids() == state.full(), (regime_key, step)


EDGE_KINDS = [0.45, 0.1, 0.25, 0.1, 0.1]


def test_new_designation_touches_only_downstream() -> None:
    edges = [
        Edge("X", "A", EdgeKind.EQUITY, 60.0),
        Edge("A", "B", EdgeKind.EQUITY, 60.0),
        Edge("Q", "C", EdgeKind.EQUITY, 60.0),
    ]
    graph = OwnershipGraph.from_edges(edges)
    regime = get_regime("us")
    state = Incremental(graph, regime, regime.threshold(AS_OF), np.zeros(graph.size, bool))
    assert state.add_seed("X") == 3
    assert state.hit_ids() == {"X", "A", "B"}
    state.remove_seed("X")
    assert state.hit_ids() == set()
    assert state.add_seed("NEW") == 1  # a designation of a party not yet in the graph
