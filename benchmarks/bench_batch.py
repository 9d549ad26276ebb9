"""Batch screening benchmark: a synthetic register through ``tripwire batch``, local and Spark.

    python benchmarks/bench_batch.py [--records 1000000] [--spark-records 100000] [--home DIR]

1. Imports the four shared lists (OFAC SDN, UN, EU, UK) into a bench home (once).
2. Writes a register of ``--records`` synthetic customers with 0.1% listed names
   planted in varied spellings (``benchmarks/make_register.py``, seed 1).
3. Runs ``tripwire batch`` on it as a user would (a separate process, every core)
   and prints records/s end to end, the peak memory of the job (proportional set
   size summed over the parent and its workers, so shared index pages count
   once; and the largest single-process RSS), and the recall of the planted
   names at the default threshold (a planted record is found when its listed
   entity is among its hits).
4. Runs the first ``--spark-records`` records through the local engine and through
   Spark in local mode, checks that both outputs are byte-identical, and prints the
   Spark/local time ratio.

Targets (issue 4): >= 5,000 records/s, <= 2 GB, planted recall >= 0.98; Spark equal.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_screen import FILES, ensure_lists  # noqa: E402

TRIPWIRE = [sys.executable, "-m", "tripwire.cli"]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    for child_dir in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            for child in child_dir.read_text().split():
                found.extend(_tree(int(child)))
        except OSError:
            continue
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(sum of PSS, largest RSS) over the process tree, in kB."""
    pss = rss = 0
    for member in _tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = max(rss, int(line.split()[1]))
        except OSError:
            continue
    return pss, rss


def run_batch(args: list[str], env: dict[str, str]) -> tuple[dict[str, object], int, int]:
    """Run ``tripwire batch`` and sample its memory; returns (summary, peak PSS, peak RSS)."""
    process = subprocess.Popen(
        [*TRIPWIRE, "batch", *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0, 0]

    def sample() -> None:
        while process.poll() is None:
            pss, rss = _memory(process.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"tripwire batch failed ({process.returncode}):\n{err[-3000:]}")
    return json.loads(out), peak[0], peak[1]


def planted_recall(output: Path, truth: Path) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """(found, planted, per variation (found, planted)) of the planted listed names."""
    expected: dict[str, tuple[str, str]] = {}
    with truth.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            expected[row["id"]] = (row["entity_id"], row["variation"])
    hits: dict[str, set[str]] = {}
    with output.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["query_id"] in expected and row["status"] == "hit":
                hits.setdefault(row["query_id"], set()).add(row["entity_id"])
    per: dict[str, list[int]] = {}
    found = 0
    for record, (entity, variation) in expected.items():
        ok = entity in hits.get(record, set())
        found += ok
        counts = per.setdefault(variation, [0, 0])
        counts[0] += ok
        counts[1] += 1
    return found, len(expected), {k: (v[0], v[1]) for k, v in sorted(per.items())}


def head(source: Path, target: Path, records: int) -> None:
    with source.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
        for number, line in enumerate(src):
            if number > records:
                break
            dst.write(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--spark-records", type=int, default=100_000)
    parser.add_argument("--home", type=Path, default=Path("/tmp/tripwire-bench-batch"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    missing = [str(p) for p in FILES if not p.exists()]
    if missing:
        raise SystemExit(f"shared lists absent ({', '.join(missing)}); nothing to benchmark")
    home: Path = args.home
    home.mkdir(parents=True, exist_ok=True)
    ensure_lists(home)
    env = {**os.environ, "TRIPWIRE_HOME": str(home)}
    env["TRIPWIRE_DATABASE_URL"] = f"sqlite:///{home / 'tripwire.db'}"
    register = home / f"register-{args.records}.csv"
    truth = register.with_name(register.name + ".truth.csv")
    if not truth.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "make_register.py"), str(args.records)]
            + ["--output", str(register), "--seed", "1"],
            env=env,
            check=True,
        )
    # Build (or load) the index once, so the run below measures screening.
    subprocess.run(
        [*TRIPWIRE, "screen", "Vladimir Putin", "--json"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    output = home / "results.csv"
    summary, pss, rss = run_batch(
        [str(register), "-o", str(output), "--workers", str(args.workers), "--restart"], env
    )
    found, planted, per = planted_recall(output, truth)
    _out(f"register: {args.records:,} records, {planted} planted listed names")
    _out(
        f"local engine, {args.workers} workers: {summary['rows_per_second']:,.0f} records/s "
        f"end to end ({summary['seconds']:.1f} s), {summary['with_hits']:,} records with hits "
        f"(target >= 5,000 records/s)"
    )
    _out(
        f"peak memory: {pss / 1024:,.0f} MB PSS over the job's processes, largest RSS "
        f"{rss / 1024:,.0f} MB (target <= 2 GB)"
    )
    _out(
        f"planted recall at the default threshold {summary['threshold']}: "
        f"{found / max(planted, 1):.3f} ({found}/{planted}; target >= 0.98)"
    )
    for variation, (ok, total) in per.items():
        _out(f"  {variation:<14} {ok}/{total}")
    if args.spark_records:
        sample = home / f"register-head-{args.spark_records}.csv"
        head(register, sample, args.spark_records)
        local_out, spark_out = home / "local-sample.csv", home / "spark-sample.csv"
        local, _, _ = run_batch([str(sample), "-o", str(local_out), "--restart"], env)
        spark, _, _ = run_batch(
            [str(sample), "-o", str(spark_out), "--engine", "spark", "--master", "local[2]"], env
        )
        same = local_out.read_bytes() == spark_out.read_bytes()
        _out(
            f"spark local[2] on {args.spark_records:,} records: {spark['seconds']:.1f} s vs "
            f"local {local['seconds']:.1f} s "
            f"(overhead ratio {spark['seconds'] / local['seconds']:.2f}); "
            f"outputs identical: {same}"
        )


if __name__ == "__main__":
    main()
