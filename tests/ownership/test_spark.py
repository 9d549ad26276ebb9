"""The Spark fixed point gives the local ranks exactly (local mode, one session per module)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from tests.ownership.helpers import POST_2024, PRE_2024, edges
from tests.ownership.test_incremental import random_graph
from tests.ownership.test_worked_examples import CASES
from tripwire.ownership.graph import OwnershipGraph, propagate
from tripwire.ownership.regimes import get_regime

pytestmark = pytest.mark.slow
pyspark = pytest.importorskip("pyspark")

REGIMES = [("us", POST_2024), ("eu", POST_2024), ("eu", PRE_2024), ("uk", POST_2024)]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from tripwire.ownership.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _compare(spark: Any, graph: OwnershipGraph, seeds: np.ndarray, key: str, as_of: Any) -> None:
    from tripwire.ownership.spark import propagate_spark

    regime = get_regime(key)
    threshold = regime.threshold(as_of)
    local = propagate(graph, regime, threshold, seeds).rank
    distributed = propagate_spark(spark, graph, regime, threshold, seeds)
    assert distributed.tolist() == local.tolist()


def test_worked_examples_on_spark(spark: Any) -> None:
    # all cases side by side in one graph (names prefixed per case), one Spark run per regime
    union = []
    for case, structure, _expected in CASES:
        for edge in edges(structure):
            union.append(replace(edge, owner=f"{case}:{edge.owner}", owned=f"{case}:{edge.owned}"))
    graph = OwnershipGraph.from_edges(union)
    listed = {"X", "Y", "DP", "DP1", "DP2"}
    seeds = np.array([i.split(":")[1] in listed for i in graph.ids])
    for key, as_of in REGIMES:
        _compare(spark, graph, seeds, key, as_of)


def test_random_graph_on_spark(spark: Any) -> None:
    rng = np.random.default_rng(7)
    graph = random_graph(rng, n=400, e=1000)
    seeds = np.zeros(graph.size, dtype=np.bool_)
    seeds[rng.choice(graph.size, 25, replace=False)] = True
    for key, as_of in REGIMES:
        _compare(spark, graph, seeds, key, as_of)


def test_joint_arrangements_and_refilings_on_spark(spark: Any) -> None:
    # separate named arrangements, one pool held through two members, a re-filed stake
    structures = {
        "a": "DP1 20 C; Z1 20 C; Z2 15 C; Z3 15 C; "
        "DP1 joint:a1 C; Z1 joint:a1 C; Z2 joint:a2 C; Z3 joint:a2 C",
        "b": "DP 60 B; DP 10 C; B 10 C; Z 20 C; DP joint C; B joint C; Z joint C",
        "c": "DP 60 B; DP 20 C; B 20 C; Z 20 C; DP joint C; B joint C; Z joint C",
        "d": "X 30 C; X 30 C; DP1 30 C; DP1 joint C; Z 25 C; Z joint C",
    }
    union = [
        replace(edge, owner=f"{case}:{edge.owner}", owned=f"{case}:{edge.owned}")
        for case, structure in structures.items()
        for edge in edges(structure)
    ]
    graph = OwnershipGraph.from_edges(union)
    listed = {"X", "DP", "DP1"}
    seeds = np.array([i.split(":")[1] in listed for i in graph.ids])
    hit = propagate(graph, get_regime("uk"), get_regime("uk").threshold(POST_2024), seeds).hit
    assert sorted(graph.ids[i] for i in np.flatnonzero(hit & ~seeds)) == [
        "b:B",
        "c:B",
        "c:C",
        "d:C",
    ]
    for key, as_of in REGIMES:
        _compare(spark, graph, seeds, key, as_of)
