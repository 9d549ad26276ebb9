"""Delta re-screening benchmark: a register re-screened after OFAC's update of 24 March 2022.

    python benchmarks/bench_monitor.py [--records 1000000] [--baseline accept|full]

Builds a store with OFAC SDN of 2022-03-21, adds a synthetic register
(``make_register.py``: 0.1% planted names, here drawn from the 397 parties OFAC added
on 2022-03-24, in varied spellings), imports 2022-03-24 and times the re-screen.
Prints records, times, alerts, recall of the planted names (against their parties
and against what full forward screening of the planted records finds) and peak RSS.

``--baseline full`` screens the whole register against 2022-03-21 first (what the
first ``monitor add`` does; slow for large registers); ``accept`` (default) marks it
screened as a register brought over from a previous system, which is all the delta
needs: only pairs involving the changed parties are looked at.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_register import COLUMNS, generate, write  # noqa: E402

from tripwire.lists.changes import diff_versions  # noqa: E402
from tripwire.lists.importer import import_publication  # noqa: E402
from tripwire.monitor import Register, rescreen  # noqa: E402
from tripwire.monitor.records import RegisterFile  # noqa: E402
from tripwire.screening.engine import Screener, load_targets  # noqa: E402
from tripwire.store import Store  # noqa: E402

HISTORY = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists" / "ofac" / "history"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", choices=("accept", "full"), default="accept")
    parser.add_argument("--workdir", type=Path, help="keep the store and files here")
    parser.add_argument(
        "--database-url", help="an empty store to use (default: SQLite in the work folder)"
    )
    args = parser.parse_args()
    old_file, new_file = HISTORY / "sdn-2022-03-21.csv", HISTORY / "sdn-2022-03-24.csv"
    if not new_file.exists():
        raise SystemExit(f"{new_file} is absent (benchmarks read ../shared/data)")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, object] = {"records": args.records, "baseline": args.baseline}

    # The parties OFAC added on 24 March, from a scratch store, to plant in the register.
    with Store(f"sqlite:///{work / 'parties.db'}") as scratch:
        import_publication(scratch, old_file)
        import_publication(scratch, new_file)
        old_id, new_id = sorted(v.id for v in scratch.versions("us_ofac_sdn"))
        added = {c.entity_id for c in diff_versions(scratch, old_id, new_id).added}
        parties = [
            t for t in load_targets(scratch, scratch.current_versions()) if t.entity_id in added
        ]
    parties = [p for p in parties if p.schema in ("Person", "Organization", "Company")]
    planted = round(args.records * 0.001)
    cycle = (parties * (planted // max(len(parties), 1) + 1))[:planted]

    started = time.perf_counter()
    rows, truth = generate(args.records, args.seed, cycle)
    register_file = work / "register.csv"
    write(rows, register_file, COLUMNS)
    figures["generate_s"] = round(time.perf_counter() - started, 1)
    del rows

    store = Store(args.database_url or f"sqlite:///{work / 'store.db'}")
    figures["store"] = store.dialect
    import_publication(store, old_file)
    register = Register(store)
    started = time.perf_counter()
    source = RegisterFile(register_file)
    result = register.add(source.records(workers=2))
    figures["add_s"] = round(time.perf_counter() - started, 1)
    figures["added"] = len(result.new)
    figures["rejected"] = len(source.rejected)
    if args.baseline == "full":
        screener = Screener.from_store(store, work / "index")
        started = time.perf_counter()
        base = rescreen(store, screener)
        figures["baseline_s"] = round(time.perf_counter() - started, 1)
        figures["baseline_alerts"] = len(base.alerts)
    else:
        register.accept_as_screened({v.source: v.id for v in store.current_versions()})

    started = time.perf_counter()
    imported = import_publication(store, new_file)
    figures["import_s"] = round(time.perf_counter() - started, 1)
    assert imported.outcome == "imported", imported.message
    started = time.perf_counter()
    screener = Screener.from_store(store, work / "index")
    figures["index_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    delta = rescreen(store, screener)
    figures["delta_s"] = round(time.perf_counter() - started, 2)
    figures["delta_with_index_s"] = round(figures["delta_s"] + figures["index_s"], 2)  # type: ignore[operator]
    figures.update(
        parties_added=delta.parties_added,
        parties_changed=delta.parties_changed,
        reverse_records=delta.reverse_records,
        pairs_scored=delta.pairs_scored,
        alerts=len(delta.alerts),
    )
    alerted = {(a.record_id, a.entity_id) for a in delta.alerts}
    planted_pairs = {(rid, eid) for rid, eid, *_ in truth}
    found = planted_pairs & alerted
    figures["planted"] = len(planted_pairs)
    figures["planted_recall"] = round(len(found) / max(len(planted_pairs), 1), 4)
    # What full forward screening of the planted records finds, for the reverse path to match.
    items = register.queries(rid for rid, _ in planted_pairs)
    forward = set()
    for item, matches in zip(
        items, screener.screen_many([i.query for i in items], limit=10), strict=True
    ):
        forward.update((item.record_id, m.entity_id) for m in matches if m.entity_id in added)
    figures["forward_planted_recall"] = round(
        len(planted_pairs & forward) / max(len(planted_pairs), 1), 4
    )
    figures["reverse_vs_forward"] = round(len(forward & alerted) / max(len(forward), 1), 4)
    by_kind: dict[str, list[int]] = {}
    for rid, eid, _source, kind, *_ in truth:
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += (rid, eid) in alerted
        by_kind[kind][1] += 1
    figures["recall_by_variation"] = {k: f"{a}/{n}" for k, (a, n) in sorted(by_kind.items())}
    figures["false_alerts_outside_planted"] = len(alerted - planted_pairs)
    figures["peak_rss_mb"] = round(_rss_mb())
    store.close()
    print(json.dumps(figures, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
