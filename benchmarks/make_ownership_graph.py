"""A power-law ownership graph seeded with the real listed entities, for benchmarks.

    python benchmarks/make_ownership_graph.py --companies 1000000 --edges 3000000 --out g.npz

Nodes are the listed parties of OFAC SDN, the EU FSF and the UK list (their
real tripwire ids, parsed once from ../shared/data and cached) plus
``co-<n>`` companies. Owners are drawn with a Zipf law (a few holding
companies own a great many, most own one or two), owned companies uniformly;
2 % of edges start at a listed party. Kinds: 88 % equity, 6 % voting, 2 %
board, 2 % control, 1 % joint, 1 % link. Each company's equity (and voting)
holdings add up to at most 100 %, except for 0.5 % of companies whose filings
overlap (more than 100 %), as real registers do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from tripwire.lists.importer import parse_publication
from tripwire.ownership.model import KIND_CODES, EdgeKind
from tripwire.parsers.registry import detect_format

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists"
LISTS = {
    "us_ofac_sdn": SHARED / "ofac" / "sdn.csv",
    "eu_fsf": SHARED / "eu" / "eu_fsf-2026-05-01-rebuilt.xml.gz",
    "gb_fcdo": SHARED / "uk" / "uk_sanctions_list-2026-08-22-rebuilt.xml.gz",
}
_KINDS = [
    (EdgeKind.EQUITY, 0.88),
    (EdgeKind.VOTING, 0.06),
    (EdgeKind.BOARD, 0.02),
    (EdgeKind.CONTROL, 0.02),
    (EdgeKind.JOINT, 0.01),
    (EdgeKind.LINK, 0.01),
]


def listed_ids(cache: Path) -> dict[str, list[str]]:
    """Listed party ids of each list (parsed with tripwire's parsers; cached as JSON)."""
    if cache.exists():
        data: dict[str, list[str]] = json.loads(cache.read_text())
        return data
    found: dict[str, list[str]] = {}
    for source, path in LISTS.items():
        if not path.exists():
            raise SystemExit(f"{path} is absent (benchmarks read ../shared/data)")
        entities, _ctx = parse_publication(detect_format(path), path, source)
        found[source] = sorted(
            e.id for e in entities if e.primary and e.schema not in ("Vessel", "Airplane")
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(found))
    return found


def generate(
    companies: int, edges: int, listed: dict[str, list[str]], seed: int = 1
) -> dict[str, np.ndarray]:
    """Arrays of the graph: ids, src, dst, share, kind and one seed mask per list."""
    rng = np.random.default_rng(seed)
    seeds = sorted({i for ids in listed.values() for i in ids})
    ids = np.array(seeds + [f"co-{i}" for i in range(companies)], dtype=object)
    n, first_company = len(ids), len(seeds)
    # owners: Zipf ranks over a random order of companies; 2 % of edges from a listed party
    ranks = np.minimum(rng.zipf(1.6, edges) - 1, companies - 1)
    order = rng.permutation(companies) + first_company
    src = order[ranks]
    from_listed = rng.random(edges) < 0.02
    src[from_listed] = rng.integers(0, first_company, int(from_listed.sum()))
    dst = rng.integers(first_company, n, edges)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    m = len(src)
    probabilities = np.array([p for _k, p in _KINDS])
    kind = rng.choice(
        [KIND_CODES[k] for k, _p in _KINDS], size=m, p=probabilities / probabilities.sum()
    )
    # shares: random weights scaled so each company's holdings of a kind sum to at most 100 %
    weight = rng.pareto(1.2, m) + 0.05
    share = np.full(m, np.nan)
    for code in (KIND_CODES[EdgeKind.EQUITY], KIND_CODES[EdgeKind.VOTING]):
        rows = kind == code
        totals = np.bincount(dst[rows], weights=weight[rows], minlength=n)
        covered = rng.uniform(0.55, 1.0, n)  # the known part of each company's capital
        covered[rng.random(n) < 0.005] = 1.3  # overlapping filings
        share[rows] = np.round(100 * covered[dst[rows]] * weight[rows] / totals[dst[rows]], 2)
    share[rng.random(m) < 0.01] = np.nan  # shares not stated
    masks = {}
    index = {entity_id: i for i, entity_id in enumerate(seeds)}
    for source, listed_here in listed.items():
        mask = np.zeros(n, dtype=np.bool_)
        mask[[index[i] for i in listed_here]] = True
        masks[f"seeds_{source}"] = mask
    return {
        "ids": ids,
        "src": src,
        "dst": dst,
        "share": share,
        "kind": kind.astype(np.int8),
        **masks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tripwire-bench/listed.json"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    arrays = generate(args.companies, args.edges, listed_ids(args.cache), args.seed)
    np.savez(args.out, **arrays)  # type: ignore[arg-type]
    sys.stdout.write(f"{len(arrays['ids'])} nodes, {len(arrays['src'])} edges -> {args.out}\n")


if __name__ == "__main__":
    main()
