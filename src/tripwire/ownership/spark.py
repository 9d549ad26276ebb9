"""(I/O) The regimes' fixed points as iterative Spark DataFrame joins, beyond one machine.

Same rules, same rounds as ``graph.propagate``: each round joins the edges
with the entities hit so far (aggregated regimes) or with the (entity, person)
labels (per-person regimes), sums the shares per owned entity and kind, and
adds those that meet the threshold. Rounds are synchronous, so the round in
which an entity is hit equals the local one exactly; the parity test compares
the two rank arrays. Joint arrangements are pooled with a join as well, and a
pool counts once per person (or once for the hit set).
Lineage is cut every round (``localCheckpoint``) so long chains stay cheap.

pyspark is optional: ``pip install 'tripwire[spark]'`` (needs Java 17+).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from tripwire.ownership.graph import BoolArray, IntArray, OwnershipGraph
from tripwire.ownership.model import KIND_CODES, EdgeKind
from tripwire.ownership.regimes import Regime, Threshold

_EPS = 1e-9
_PARTITIONS = 4  # small graphs in local mode; raise with the cluster


def spark_session(master: str = "local[2]") -> Any:
    """A local session without the UI (tests and benchmarks)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("Spark support needs pyspark: pip install 'tripwire[spark]'") from exc
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName("tripwire-ownership")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(_PARTITIONS))
        .getOrCreate()
    )


def edges_frame(spark: Any, graph: OwnershipGraph) -> Any:
    """(src, dst, share, kind, arrangement) of the live edges, shares null where not stated.

    The graph has one edge per holding already (``OwnershipGraph.from_edges``
    collapses re-filings), so Spark reads the same deduplicated edges.
    """
    import pandas as pd
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    live = graph.alive
    frame = pd.DataFrame(
        {
            "src": graph.src[live].astype(np.int64),
            "dst": graph.dst[live].astype(np.int64),
            "share": graph.share[live],
            "kind": graph.kind[live].astype(np.int32),
            "arrangement": graph.arrangement[live].astype(np.int64),
        }
    )
    edges = spark.createDataFrame(
        frame, "src long, dst long, share double, kind int, arrangement long"
    )
    return edges.withColumn(
        "share", F.when(F.isnan("share"), F.lit(None)).otherwise(F.col("share"))
    )


def _pooled(edges: Any) -> Any:
    """UK Sch. 1 para. 3: a member's holding counts as its arrangement's combined holding.

    An arrangement is (owned entity, arrangement id) of the ``joint`` edges; a
    member's stated equity and voting rows in that entity get the pool (its
    lowest arrangement when in several) and the pool's combined share per kind,
    as ``OwnershipGraph.pooling`` does. Other rows get a null pool.
    """
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    share_codes = [KIND_CODES[EdgeKind.EQUITY], KIND_CODES[EdgeKind.VOTING]]
    member = (
        edges.where(F.col("kind") == KIND_CODES[EdgeKind.JOINT])
        .groupBy("src", "dst")
        .agg(F.min("arrangement").alias("pool"))
    )
    marked = edges.join(member, ["src", "dst"], "left").withColumn(
        "pool",
        F.when(
            F.col("kind").isin(share_codes) & F.col("share").isNotNull(), F.col("pool")
        ).otherwise(F.lit(None).cast("long")),
    )
    totals = (
        marked.where(F.col("pool").isNotNull())
        .groupBy("dst", "pool", "kind")
        .agg(F.sum("share").alias("combined"))
    )
    return (
        marked.join(totals, ["dst", "pool", "kind"], "left")
        .withColumn(
            "share",
            F.when(F.col("pool").isNotNull(), F.col("combined")).otherwise(F.col("share")),
        )
        .select("src", "dst", "share", "kind", "pool")
    )


def _meets(threshold: Threshold, total: Any) -> Any:
    if threshold.inclusive:
        return total >= threshold.percent - _EPS
    return total > threshold.percent + _EPS


def propagate_spark(
    spark: Any,
    graph: OwnershipGraph,
    regime: Regime,
    threshold: Threshold,
    seeds: BoolArray,
    *,
    max_rounds: int = 10_000,
) -> IntArray:
    """Round in which each node is hit (-1: never), computed with Spark joins."""
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    edges = edges_frame(spark, graph)
    if regime.joint_pooling:
        edges = _pooled(edges)
    else:
        edges = edges.withColumn("pool", F.lit(None).cast("long")).drop("arrangement")
    share_codes = [KIND_CODES[k] for k in regime.share_kinds]
    control_codes = [KIND_CODES[k] for k in regime.control_kinds]
    counted = edges.where(
        (F.col("kind").isin(share_codes) & F.col("share").isNotNull())
        | F.col("kind").isin(control_codes or [-1])
    ).localCheckpoint()
    seed_nodes = [(int(i), int(i)) for i in np.flatnonzero(seeds)]
    # aggregated regimes carry one label for everybody (-1); per-person ones the seed
    if regime.aggregate:
        seed_nodes = [(node, -1) for node, _label in seed_nodes]
    labels = spark.createDataFrame(seed_nodes, "node long, label long").localCheckpoint()
    rank = np.full(graph.size, -1, dtype=np.int64)
    rank[seeds] = 0
    for round_no in range(1, max_rounds + 1):
        held = counted.join(labels.withColumnRenamed("node", "src"), "src")
        # a joint arrangement counts once per person, however many members it holds
        held = held.where(F.col("pool").isNull()).unionByName(
            held.where(F.col("pool").isNotNull()).dropDuplicates(["dst", "pool", "kind", "label"])
        )
        sums = held.groupBy("dst", "label", "kind").agg(
            F.sum("share").alias("total"), F.count(F.lit(1)).alias("edges")
        )
        met = sums.where(
            (F.col("kind").isin(share_codes) & _meets(threshold, F.col("total")))
            | (F.col("kind").isin(control_codes or [-1]) & (F.col("edges") > 0))
        ).select(F.col("dst").alias("node"), "label")
        new = met.distinct().join(labels, ["node", "label"], "left_anti").localCheckpoint()
        rows = new.select("node").distinct().collect()  # reads the checkpoint
        if not rows:
            return rank
        nodes = np.fromiter((r["node"] for r in rows), dtype=np.int64, count=len(rows))
        fresh = nodes[rank[nodes] < 0]
        rank[fresh] = round_no
        labels = labels.unionByName(new).coalesce(_PARTITIONS).localCheckpoint()
    raise RuntimeError(f"no fixed point after {max_rounds} rounds")
