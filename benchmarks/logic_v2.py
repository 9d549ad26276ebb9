"""Reference runner: score tripwire's screening candidates with nomenklatura's ``logic-v2``.

Why this exists: to judge tripwire's screener against an established matcher, both must
score the SAME candidates. Candidate generation decides ``rec@any`` in the benchmark, so a
comparison that lets each system find its own candidates mixes up retrieval and scoring.
This script takes the candidates tripwire retrieved for each query (JSON lines, one query a
line), re-scores every candidate with OpenSanctions' nomenklatura ``logic-v2`` algorithm (the
matcher behind yente / the OpenSanctions match API) at its default configuration, ranks them
and writes the CSV that ``../shared/bench/bench.py screen`` reads, so both result files can
be scored side by side. It is a benchmark tool only: nomenklatura is not a tripwire
dependency and is installed with the ``bench`` extra.

Input line::

    {"query_id": "D00001",
     "query": {"schema": "Person", "properties": {"name": ["..."], "birthDate": ["1970"]}},
     "candidates": [{"id": "...", "schema": "Person", "properties": {...},
                     "source": "us_ofac_sdn", "source_ref": "123"}, ...]}

Output CSV: ``query_id,rank,score,source,source_ref,entity_id``, up to ``--limit`` rows per
query, best first, every score kept (threshold 0).

Only the ``compare`` calls and the ranking are timed (not reading, parsing or building
entity proxies, and not the one-off loading of nomenklatura's and rigour's name data, which
is done by a warm-up before timing and reported separately).

    python benchmarks/logic_v2.py CANDIDATES.jsonl --output RESULTS.csv [--limit 5]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from followthemoney import EntityProxy
    from nomenklatura.matching.types import ScoringAlgorithm, ScoringConfig

ALGORITHM = "logic-v2"
INSTALL_HINT = "pip install -e '.[bench]'"
HEADER = ["query_id", "rank", "score", "source", "source_ref", "entity_id"]


class NomenklaturaMissing(ImportError):
    """nomenklatura (the ``bench`` extra) is not installed."""


@dataclass(slots=True)
class Stats:
    """Counters and timings for one run."""

    queries: int = 0
    pairs: int = 0
    seconds: float = 0.0
    # Pairs nomenklatura does not compare because the schemata cannot match
    # (e.g. a Vessel query against a Person); it scores them 0 by design.
    incompatible: int = 0
    # Pairs whose comparison or entity construction raised; scored 0.
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(message)


def load_algorithm() -> tuple[type[ScoringAlgorithm], ScoringConfig]:
    """The ``logic-v2`` algorithm class and its default configuration."""
    try:
        from nomenklatura.matching import get_algorithm
    except ImportError as exc:
        raise NomenklaturaMissing(
            f"the logic-v2 reference runner needs nomenklatura: {INSTALL_HINT}"
        ) from exc
    algorithm = get_algorithm(ALGORITHM)
    if algorithm is None:
        import nomenklatura

        raise NomenklaturaMissing(
            f"nomenklatura {nomenklatura.__version__} has no {ALGORITHM!r} algorithm: "
            f"{INSTALL_HINT}"
        )
    # default_config() fills in the algorithm's CONFIG defaults; weights stay the
    # algorithm's own (an empty weights dict means "use each feature's weight").
    return algorithm, algorithm.default_config()


def _entity_key(role: str, data: dict[str, Any]) -> str:
    """An entity id unique to this content.

    nomenklatura memoises name analysis with ``lru_cache`` keyed on the entity, and an
    entity hashes and compares by id only. Two different entities sharing an id (a query
    without one, or a candidate whose properties differ between queries) would silently
    get each other's names. Suffixing a digest of the content keeps the cache correct while
    still letting identical candidates share it.
    """
    payload = json.dumps(
        [data.get("schema"), data.get("properties") or {}], sort_keys=True, ensure_ascii=False
    )
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]
    return f"{role}:{data.get('id') or ''}:{digest}"


def make_proxy(role: str, data: dict[str, Any]) -> EntityProxy:
    """A followthemoney entity from an FtM-style dict; values are cleaned by their type.

    Properties the schema does not have (e.g. ``imoNumber`` on a Person query) are
    dropped, as followthemoney and yente do.
    """
    from followthemoney import model

    return model.get_proxy(
        {
            "id": _entity_key(role, data),
            "schema": data["schema"],
            "properties": data.get("properties") or {},
        },
        cleaned=False,
    )


@dataclass(slots=True)
class Scorer:
    """Scores candidates for a query with logic-v2, counting what it cannot compare."""

    algorithm: type[ScoringAlgorithm]
    config: ScoringConfig
    stats: Stats = field(default_factory=Stats)

    @classmethod
    def create(cls) -> Scorer:
        algorithm, config = load_algorithm()
        return cls(algorithm, config)

    def proxies(
        self, query: dict[str, Any], candidates: list[dict[str, Any]]
    ) -> tuple[EntityProxy, list[EntityProxy | None]]:
        """Build the entity proxies (not timed). A candidate that cannot be built is None."""
        query_proxy = make_proxy("query", query)
        built: list[EntityProxy | None] = []
        for candidate in candidates:
            try:
                built.append(make_proxy("candidate", candidate))
            except Exception as exc:  # unknown schema, bad data: score 0
                self.stats.error(f"candidate {candidate.get('id')!r}: {exc!r}")
                built.append(None)
        return query_proxy, built

    def score(self, query: EntityProxy, candidates: list[EntityProxy | None]) -> list[float]:
        """logic-v2 scores in [0, 1], one per candidate, in candidate order."""
        scores: list[float] = []
        for candidate in candidates:
            self.stats.pairs += 1
            if candidate is None:
                scores.append(0.0)
                continue
            # The same test nomenklatura applies before returning 0 without comparing.
            if not query.schema.can_match(candidate.schema) and (
                query.schema.name != candidate.schema.name
            ):
                self.stats.incompatible += 1
            try:
                result = self.algorithm.compare(query=query, result=candidate, config=self.config)
            except Exception as exc:  # a reference run must not stop on one pair
                self.stats.error(f"{query.schema.name} vs {candidate.schema.name}: {exc!r}")
                scores.append(0.0)
                continue
            scores.append(min(1.0, max(0.0, float(result.score))))
        return scores

    def warm_up(self) -> float:
        """Load nomenklatura's and rigour's lazily built name data; return the seconds taken."""
        started = time.perf_counter()
        samples = [
            ("Person", {"name": ["Vladimir Putin"], "birthDate": ["1952"], "country": ["ru"]}),
            ("Organization", {"name": ["Rosneft Oil Company OOO"], "country": ["ru"]}),
            ("Vessel", {"name": ["MT Ocean Star"], "imoNumber": ["IMO9074729"]}),
        ]
        saved = self.stats
        self.stats = Stats()
        try:
            for schema, properties in samples:
                query, built = self.proxies(
                    {"schema": schema, "properties": properties},
                    [{"id": "warm-up", "schema": schema, "properties": properties}],
                )
                self.score(query, built)
        finally:
            self.stats = saved
        return time.perf_counter() - started


def score_candidates(query: dict[str, Any], candidates: list[dict[str, Any]]) -> list[float]:
    """logic-v2 scores for ``candidates`` (FtM-style dicts) against ``query``, in input order.

    Incompatible schemata and pairs nomenklatura cannot compare score 0.0. Raises
    :class:`NomenklaturaMissing` when nomenklatura is not installed.
    """
    scorer = Scorer.create()
    query_proxy, built = scorer.proxies(query, candidates)
    return scorer.score(query_proxy, built)


def read_queries(path: Path) -> Iterator[dict[str, Any]]:
    """The query lines of a candidates file, skipping blank lines."""
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{line_no}: not JSON: {exc}") from exc
            if not isinstance(record, dict) or "query_id" not in record or "query" not in record:
                raise SystemExit(f"{path}:{line_no}: expected query_id, query and candidates")
            yield record


def _format_score(score: float) -> str:
    return f"{score:.6f}"


def run(path: Path, output: Path, limit: int, scorer: Scorer) -> Stats:
    """Score every query of ``path`` and write the ranked results to ``output``."""
    stats = scorer.stats
    records = list(read_queries(path))
    prepared = [
        (
            str(record["query_id"]),
            record.get("candidates") or [],
            *scorer.proxies(record["query"], record.get("candidates") or []),
        )
        for record in records
    ]
    ranked: list[tuple[str, list[tuple[float, dict[str, Any]]]]] = []
    for query_id, candidates, query_proxy, built in prepared:
        started = time.perf_counter()
        scores = scorer.score(query_proxy, built)
        # Stable sort: ties keep the candidate generator's order.
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:limit]
        stats.seconds += time.perf_counter() - started
        stats.queries += 1
        ranked.append((query_id, [(scores[i], candidates[i]) for i in order]))

    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for query_id, rows in ranked:
            for rank, (score, candidate) in enumerate(rows, start=1):
                writer.writerow(
                    [
                        query_id,
                        rank,
                        _format_score(score),
                        candidate.get("source") or "",
                        candidate.get("source_ref") or "",
                        candidate.get("id") or "",
                    ]
                )
    return stats


def report(stats: Stats, warm_up: float, output: Path) -> str:
    """The timing summary printed after a run."""
    import nomenklatura

    seconds = stats.seconds
    qps = stats.queries / seconds if seconds > 0 else float("inf")
    pps = stats.pairs / seconds if seconds > 0 else float("inf")
    # Incompatible pairs return at once; the rate over pairs actually compared is the
    # fairer figure when the candidate generator mixes schemata.
    compared = stats.pairs - stats.incompatible - stats.errors
    cps = compared / seconds if seconds > 0 else float("inf")
    lines = [
        f"nomenklatura {nomenklatura.__version__} {ALGORITHM} (default config)",
        f"queries:        {stats.queries}",
        f"pairs scored:   {stats.pairs}",
        f"seconds:        {seconds:.3f}  (scoring and ranking only)",
        f"queries/s:      {qps:.1f}",
        f"pairs/s:        {pps:.1f}",
        f"compared/s:     {cps:.1f}  ({compared} pairs with matchable schemata)",
        f"warm-up:        {warm_up:.3f} s  (name data loading, not timed above)",
        f"incompatible:   {stats.incompatible} pairs (schemata cannot match; scored 0)",
        f"errors:         {stats.errors} pairs (raised; scored 0)",
    ]
    lines.extend(f"  e.g. {example}" for example in stats.error_examples)
    lines.append(f"results:        {output}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Score tripwire's candidates with nomenklatura logic-v2 (benchmark only)."
    )
    parser.add_argument("candidates", type=Path, help="candidates file (JSON lines)")
    parser.add_argument("--output", type=Path, required=True, help="results CSV to write")
    parser.add_argument("--limit", type=int, default=5, help="rows per query (default 5)")
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    if not args.candidates.is_file():
        parser.error(f"no such file: {args.candidates}")
    try:
        scorer = Scorer.create()
    except NomenklaturaMissing as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    warm_up = scorer.warm_up()
    stats = run(args.candidates, args.output, args.limit, scorer)
    sys.stdout.write(report(stats, warm_up, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
