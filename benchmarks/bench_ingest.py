"""Ingest benchmark: import OFAC SDN (with alt/add/comments), UN, EU and UK into a fresh store.

Prints per-list seconds and entities per second, the total, the re-import of
unchanged files, and peak RSS. Each repetition runs in a fresh process with a
fresh store, so peak memory is that of one full import; medians are quoted.

    python benchmarks/bench_ingest.py [--repeat 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LISTS = ROOT.parent / "shared" / "data" / "lists"
FILES = [
    ("us_ofac_sdn", LISTS / "ofac" / "sdn.csv"),
    ("un_sc", LISTS / "un" / "UN_consolidated-2026-02-27.xml"),
    ("eu_fsf", LISTS / "eu" / "eu_fsf-2026-05-01-rebuilt.xml.gz"),
    ("gb_fcdo", LISTS / "uk" / "uk_sanctions_list-2026-08-22-rebuilt.xml.gz"),
]


def run_once(database_url: str) -> dict[str, object]:
    from tripwire.lists.importer import import_publication
    from tripwire.store import Store

    figures: dict[str, object] = {}
    with Store(database_url) as store:
        started = time.perf_counter()
        for source, path in FILES:
            result = import_publication(store, path, source=source)
            if result.outcome != "imported":
                raise SystemExit(f"{source}: {result.outcome}: {result.message}")
            figures[source] = {
                "seconds": result.seconds,
                "entities": sum(result.summary["entities"].values()),
                "parties": result.summary["parties"],
            }
        figures["total_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        for source, path in FILES:
            result = import_publication(store, path, source=source)
            assert result.outcome == "unchanged", result.message
        figures["reimport_seconds"] = time.perf_counter() - started
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="store URL (default: a fresh SQLite file per run)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    missing = [str(p) for _s, p in FILES if not p.exists()]
    if missing:
        sys.stdout.write(f"skipped: shared list files absent: {', '.join(missing)}\n")
        return
    if args.child:
        sys.stdout.write(json.dumps(run_once(args.database_url)) + "\n")
        return
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{tmp}/bench.db"
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--database-url", url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
    lines = [f"ingest benchmark, {args.repeat} runs, medians"]
    for source, _path in FILES:
        seconds = statistics.median(r[source]["seconds"] for r in runs)
        entities = runs[0][source]["entities"]
        parties = runs[0][source]["parties"]
        lines.append(
            f"  {source:12} {seconds:6.2f} s  {parties:6d} listed  {entities:6d} entities"
            f"  {entities / seconds:8.0f} entities/s"
        )
    total = statistics.median(r["total_seconds"] for r in runs)
    all_entities = sum(runs[0][s]["entities"] for s, _ in FILES)
    lines.append(
        f"  all four     {total:6.2f} s  {all_entities / total:8.0f} entities/s  (target < 30 s)"
    )
    reimport = statistics.median(r["reimport_seconds"] for r in runs)
    lines.append(f"  re-import unchanged (all four) {reimport:6.2f} s  (target < 2 s)")
    rss = statistics.median(r["peak_rss_mb"] for r in runs)
    lines.append(f"  peak RSS {rss:7.0f} MB  (target < 1024 MB)")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
