"""Ownership exposure at scale: full evaluation, incremental designation, Spark parity.

    python benchmarks/bench_ownership.py [--companies 1000000] [--edges 3000000] [--repeat 3]
        [--spark-companies 100000]

Generates the power-law graph of ``make_ownership_graph.py`` (seeded with the
real listed parties of OFAC SDN, the EU and the UK lists), then times:
building the array graph; evaluating the US, EU and UK regimes in full
(fixed point plus the exposure scores of every node; median of ``--repeat``);
proofs for 100 hit entities; one new designation re-evaluated incrementally
(median of 5 designations of holding companies, checked against a full
evaluation); and, with ``--spark-companies``, the Spark implementation in
local mode against the local one on a smaller graph. Prints JSON figures,
including peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_ownership_graph import generate, listed_ids  # noqa: E402

from tripwire.ownership.evaluate import Evaluation  # noqa: E402
from tripwire.ownership.graph import OwnershipGraph  # noqa: E402
from tripwire.ownership.incremental import Incremental  # noqa: E402
from tripwire.ownership.model import Seed  # noqa: E402
from tripwire.ownership.regimes import get_regime  # noqa: E402

AS_OF = dt.date(2025, 1, 1)
SOURCES = {"us": "us_ofac_sdn", "eu": "eu_fsf", "uk": "gb_fcdo"}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _graph(arrays: dict[str, np.ndarray]) -> OwnershipGraph:
    return OwnershipGraph(
        arrays["ids"].tolist(), arrays["src"], arrays["dst"], arrays["share"], arrays["kind"]
    )


def _seeds(graph: OwnershipGraph, mask: np.ndarray, label: str) -> dict[str, Seed]:
    return {graph.ids[i]: Seed(graph.ids[i], label) for i in np.flatnonzero(mask)}


def local_run(args: argparse.Namespace, figures: dict[str, object]) -> None:
    listed = listed_ids(args.cache)
    started = time.perf_counter()
    arrays = generate(args.companies, args.edges, listed, args.seed)
    figures["generate_s"] = round(time.perf_counter() - started, 2)
    figures["nodes"] = len(arrays["ids"])
    figures["edges"] = len(arrays["src"])
    figures["listed"] = {k: int(arrays[f"seeds_{v}"].sum()) for k, v in SOURCES.items()}
    started = time.perf_counter()
    graph = _graph(arrays)
    figures["index_s"] = round(time.perf_counter() - started, 2)
    seeds = {
        key: _seeds(graph, arrays[f"seeds_{source}"], get_regime(key).seed_label)
        for key, source in SOURCES.items()
    }
    totals, per_regime, hits = [], {}, {}
    evaluations: dict[str, Evaluation] = {}
    for _ in range(args.repeat):
        total = 0.0
        for key in SOURCES:
            started = time.perf_counter()
            evaluations[key] = Evaluation(graph, get_regime(key), AS_OF, seeds[key])
            took = time.perf_counter() - started
            per_regime.setdefault(key, []).append(took)
            total += took
        totals.append(total)
    for key, evaluation in evaluations.items():
        hits[key] = len(evaluation.hit_ids())
    figures["full_all_regimes_s_median"] = round(statistics.median(totals), 2)
    figures["full_per_regime_s_median"] = {
        k: round(statistics.median(v), 2) for k, v in per_regime.items()
    }
    figures["hit_through_ownership"] = hits
    us = evaluations["us"]
    sample = us.hit_ids()[:100]
    started = time.perf_counter()
    for entity_id in sample:
        us.answer(entity_id, findings=False)
    figures["proof_ms_mean"] = round(
        1000 * (time.perf_counter() - started) / max(1, len(sample)), 2
    )

    # one new designation at a time: holding companies not hit yet, with many holdings
    out_degree = np.bincount(graph.src, minlength=graph.size)
    for key in ("us", "uk"):
        regime = get_regime(key)
        mask = arrays[f"seeds_{SOURCES[key]}"]
        started = time.perf_counter()
        state = Incremental(graph, regime, regime.threshold(AS_OF), mask)
        init = time.perf_counter() - started
        rng = np.random.default_rng(args.seed)
        candidates = np.flatnonzero((out_degree >= 5) & (state.rank < 0))
        times, grown = [], []
        for node in rng.choice(candidates, 5, replace=False):
            started = time.perf_counter()
            grown.append(state.add_seed(graph.ids[int(node)]))
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        equal = state.hit_ids() == state.full()
        full = time.perf_counter() - started
        figures[f"incremental_{key}"] = {
            "init_s": round(init, 2),
            "designation_s_median": round(statistics.median(times), 4),
            "designation_s_max": round(max(times), 4),
            "newly_hit": grown,
            "full_recompute_s": round(full, 2),
            "equal_to_full": equal,
        }
    figures["peak_rss_mb"] = round(_rss_mb())


def spark_run(args: argparse.Namespace, figures: dict[str, object]) -> None:
    from tripwire.ownership.spark import propagate_spark, spark_session

    listed = listed_ids(args.cache)
    arrays = generate(args.spark_companies, args.spark_companies * 3, listed, args.seed)
    graph = _graph(arrays)
    spark = spark_session()
    try:
        result: dict[str, object] = {"nodes": graph.size, "edges": len(graph.src)}
        for key, source in SOURCES.items():
            regime = get_regime(key)
            mask = arrays[f"seeds_{source}"]
            local = Evaluation(graph, regime, AS_OF, _seeds(graph, mask, regime.seed_label))
            started = time.perf_counter()
            distributed = propagate_spark(spark, graph, regime, regime.threshold(AS_OF), mask)
            took = time.perf_counter() - started
            same = bool(np.array_equal(distributed >= 0, local.propagation.hit))
            result[key] = {
                "spark_s": round(took, 2),
                "hit": int((distributed >= 0).sum()),
                "equal_to_local": same,
            }
        figures["spark_local"] = result
    finally:
        spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spark-companies", type=int, default=0)
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tripwire-bench/listed.json"))
    args = parser.parse_args()
    figures: dict[str, object] = {}
    if not args.skip_local:
        local_run(args, figures)
    if args.spark_companies:
        spark_run(args, figures)
    sys.stdout.write(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
