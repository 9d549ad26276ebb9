"""HTTP API benchmark: single-name ``/match`` requests over loopback against the four lists.

1. Imports the four lists into a benchmark home (once; re-used while unchanged) and
   creates an admin key with a rate limit high enough not to throttle the load.
2. Starts ``tripwire serve --workers N`` as a separate process and waits for ``/readyz``.
3. From this (second) process, drives ``POST /match/default`` with one name per request,
   the names of ``../shared/bench/dev_queries.csv`` in turn (so no two consecutive requests
   are alike), over keep-alive connections with a minimal asyncio HTTP/1.1 client (a full
   client library would eat the CPU the server needs on a 2-core machine):

   * **open loop** at ``--rate`` requests/s for ``--seconds``: latency is measured from the
     moment each request was due, so a server falling behind shows in p99 (no coordinated
     omission);
   * **closed loop** with ``--connections`` connections for ``--seconds``: the most it serves.

   Each is run ``--runs`` times; medians are printed with the error rate (any non-200).
4. nomenklatura ``logic-v2`` (``benchmarks/logic_v2.py``) scores the same queries'
   candidates (the 20 tripwire retrieves) in this process on one core, scoring only;
   the ratio compares the API's requests/s with logic-v2's queries/s on as many cores.

    python benchmarks/bench_api.py [--home DIR] [--workers 2] [--rate 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench"
LISTS = ROOT.parent / "shared" / "data" / "lists"
FILES = [
    LISTS / "ofac" / "sdn.csv",
    LISTS / "un" / "UN_consolidated-2026-02-27.xml",
    LISTS / "eu" / "eu_fsf-2026-05-01-rebuilt.xml.gz",
    LISTS / "uk" / "uk_sanctions_list-2026-08-22-rebuilt.xml.gz",
]
SCHEMATA = {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"}


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def read_names(limit: int) -> list[tuple[str, str]]:
    """(schema, name) of the development queries: real-looking single names."""
    path = BENCH / "dev_queries.csv"
    if not path.exists():
        raise SystemExit(f"{path} is absent (the benchmark reads ../shared/bench)")
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            schema = row.get("schema") if row.get("schema") in SCHEMATA else "LegalEntity"
            if row["name"].strip():
                out.append((schema or "LegalEntity", row["name"]))
            if len(out) >= limit:
                break
    return out


def ensure_lists(home: Path) -> str:
    """Import the lists (unchanged ones are skipped) and return a fresh admin key."""
    from tripwire.api.keys import Role, create_key
    from tripwire.lists.importer import import_publication
    from tripwire.store import Store

    for path in FILES:
        if not path.exists():
            raise SystemExit(f"{path} is absent (the benchmark reads ../shared/data)")
    with Store(f"sqlite:///{home / 'tripwire.db'}") as store:
        for path in FILES:
            result = import_publication(store, path)
            if not result.ok:
                raise SystemExit(f"{path}: {result.message}")
        _key, token = create_key(store, "bench_api", Role.admin, rate_limit=1e6)
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRIPWIRE_HOME": str(home)}
    env.pop("TRIPWIRE_DATABASE_URL", None)
    command = [
        str(Path(sys.executable).with_name("tripwire")),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"server exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            status, _ = asyncio.run(_get(port, "/readyz"))
            if status == 200:
                wait_idle(server.pid)  # the other workers finish loading too
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("server not ready within 180 s")


async def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = await Connection.open(port)
    try:
        return await conn.request(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    finally:
        conn.close()


@dataclass
class Connection:
    """One keep-alive HTTP/1.1 connection; just enough protocol for this server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        self.writer.close()


def match_request(token: str, schema: str, name: str) -> bytes:
    body = json.dumps(
        {"queries": {"q": {"schema": schema, "properties": {"name": [name]}}}}
    ).encode()
    head = (
        "POST /match/default HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def record(self, started: float, status: int, body: bytes) -> None:
        self.latencies.append(time.perf_counter() - started)
        if status != 200:
            self.errors += 1
            if len(self.examples) < 3:
                self.examples.append(f"{status}: {body[:200]!r}")


async def open_loop(port: int, requests: list[bytes], rate: float, seconds: float) -> Run:
    """Requests due at a fixed rate; latency from when each was due."""
    total = int(rate * seconds)
    run = Run()
    conns = [await Connection.open(port) for _ in range(64)]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for conn in conns:
        idle.put_nowait(conn)
    start = time.perf_counter()

    async def one(i: int, due: float) -> None:
        conn = await idle.get()
        try:
            status, body = await conn.request(requests[i % len(requests)])
        except (OSError, asyncio.IncompleteReadError) as exc:
            status, body = 599, repr(exc).encode()
            conn = await Connection.open(port)
        run.record(due, status, body)
        idle.put_nowait(conn)

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    run.seconds = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return run


async def closed_loop(port: int, requests: list[bytes], connections: int, seconds: float) -> Run:
    """Each connection sends its next request as soon as the last one is answered."""
    run = Run()
    start = time.perf_counter()
    end = start + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        conn = await Connection.open(port)
        while time.perf_counter() < end:
            i = next(counter)
            started = time.perf_counter()
            status, body = await conn.request(requests[i % len(requests)])
            run.record(started, status, body)
        conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    run.seconds = time.perf_counter() - start
    return run


def logic_v2_qps(home: Path, names: list[tuple[str, str]]) -> tuple[float, int] | None:
    """logic-v2 queries/s on one core, scoring tripwire's 20 candidates per query."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from logic_v2 import NomenklaturaMissing, Scorer
    finally:
        sys.path.pop(0)
    from tripwire.screening import Query, Screener
    from tripwire.store import Store

    try:
        scorer = Scorer.create()
    except NomenklaturaMissing as exc:
        _out(f"logic-v2 skipped: {exc}")
        return None
    scorer.warm_up()
    with Store(f"sqlite:///{home / 'tripwire.db'}") as store:
        screener = Screener.from_store(store, home / "index")
        sources = {v.source: v.id for v in store.current_versions()}
        prepared = []
        for schema, name in names:
            found = screener.candidates(Query.create(name, schema=schema))
            targets = [screener.index.targets[t] for t, _s, _r in found]
            candidates = []
            for target in targets:
                (entity,) = store.version_entities(sources[target.source], [target.entity_id])
                candidates.append(entity.data | {"id": target.entity_id})
            prepared.append(
                scorer.proxies({"schema": schema, "properties": {"name": [name]}}, candidates)
            )
    started = time.perf_counter()
    for query, built in prepared:
        scorer.score(query, built)
    seconds = time.perf_counter() - started
    return len(prepared) / seconds, scorer.stats.pairs


def server_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds used so far by the server process and each worker (Linux /proc)."""
    used: dict[int, float] = {}
    pending = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            used[current] = (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return used


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def wait_idle(pid: int, timeout: float = 180) -> None:
    """Wait until the server's processes stop using CPU (every worker has loaded)."""
    deadline = time.monotonic() + timeout
    before = sum(server_cpu_seconds(pid).values())
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sum(server_cpu_seconds(pid).values())
        if now - before < 0.05:
            return
        before = now


def summary(label: str, runs: list[Run]) -> dict[str, float]:
    med = {
        "req_s": statistics.median(r.count / r.seconds for r in runs),
        "p50_ms": statistics.median(r.pct(50) for r in runs),
        "p95_ms": statistics.median(r.pct(95) for r in runs),
        "p99_ms": statistics.median(r.pct(99) for r in runs),
        "error_rate": statistics.median(r.errors / max(1, r.count) for r in runs),
    }
    _out(
        f"{label:<34} {med['req_s']:8.1f} req/s  p50 {med['p50_ms']:6.1f} ms  "
        f"p95 {med['p95_ms']:6.1f} ms  p99 {med['p99_ms']:6.1f} ms  "
        f"errors {med['error_rate']:.4%}  ({len(runs)} runs, {sum(r.count for r in runs)} requests)"
    )
    for run in runs:
        for example in run.examples:
            _out(f"    e.g. {example}")
    return med


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, help="benchmark TRIPWIRE_HOME (default: a temp dir)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop requests/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--runs", type=int, default=3, help="runs of each kind (median)")
    parser.add_argument("--connections", type=int, default=16, help="closed-loop connections")
    parser.add_argument("--names", type=int, default=5200, help="distinct names to send")
    parser.add_argument("--logic-v2-queries", type=int, default=300)
    parser.add_argument("--skip-logic-v2", action="store_true")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.seconds > 60 or args.runs < 1 or args.runs > 10:
        parser.error("--seconds must be in (0, 60] and --runs in [1, 10] (bounded benchmark)")

    home = args.home or Path(tempfile.mkdtemp(prefix="tripwire-bench-api-"))
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    token = ensure_lists(home)
    names = read_names(args.names)
    requests = [match_request(token, schema, name) for schema, name in names]
    _out(f"home {home}; lists ready in {time.perf_counter() - started:.1f} s; {len(names)} names")

    port = free_port()
    started = time.perf_counter()
    server = start_server(home, port, args.workers)
    _out(
        f"server: {args.workers} worker(s) on port {port}, ready in "
        f"{time.perf_counter() - started:.1f} s; CPU cores: {os.cpu_count()}"
    )
    try:
        asyncio.run(closed_loop(port, requests[:200], 4, 2.0))  # warm-up
        load_before = os.getloadavg()[0]
        cpu_before = server_cpu_seconds(server.pid)
        client_before = time.process_time()
        machine_before = machine_cpu()
        opened = [
            asyncio.run(open_loop(port, requests, args.rate, args.seconds))
            for _ in range(args.runs)
        ]
        closed = [
            asyncio.run(closed_loop(port, requests, args.connections, args.seconds))
            for _ in range(args.runs)
        ]
        served = sum(r.count for r in opened + closed)
        cpu_after = server_cpu_seconds(server.pid)
        client_ms = (time.process_time() - client_before) / served * 1000
        busy, total = (a - b for a, b in zip(machine_cpu(), machine_before, strict=True))
        spent = {p: cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after}
        cpu_ms = sum(spent.values()) / served * 1000
        split = "/".join(
            f"{100 * v / max(1e-9, sum(spent.values())):.0f}%"
            for v in sorted(spent.values(), reverse=True)
            if v > 0.05
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    _out()
    open_med = summary(f"open loop at {args.rate:g} req/s", opened)
    closed_med = summary(f"closed loop, {args.connections} connections", closed)
    _out(
        f"server CPU per request: {cpu_ms:.2f} ms (all workers; split {split}), so at most "
        f"{1000 * (os.cpu_count() or 1) / cpu_ms:.0f} req/s on {os.cpu_count()} cores with "
        f"nothing else running; load average before the runs: {load_before:.2f}"
    )
    capacity = total / os.sysconf("SC_CLK_TCK")  # CPU-seconds of all cores in the window
    ours = (sum(spent.values()) + client_ms * served / 1000) / capacity
    others = busy / total - ours
    _out(
        f"load generator CPU per request: {client_ms:.2f} ms; machine busy {busy / total:.0%} "
        f"during the runs, of which other processes about {max(0.0, others):.0%}"
    )
    target = open_med["req_s"] >= 0.98 * args.rate and open_med["p99_ms"] <= 50
    _out(
        f"target (>= 500 req/s with p99 <= 50 ms at {args.rate:g}/s offered): "
        f"{'met' if target and args.rate >= 500 else 'NOT met'}"
    )

    if not args.skip_logic_v2:
        result = logic_v2_qps(home, names[: args.logic_v2_queries])
        if result is not None:
            qps, pairs = result
            cores = min(args.workers, os.cpu_count() or 1)
            best = max(open_med["req_s"], closed_med["req_s"])
            _out(
                f"logic-v2 (same queries, tripwire's candidates, scoring only): {qps:.1f} "
                f"queries/s on one core ({pairs} pairs); API {best:.1f} req/s on {cores} "
                f"core(s) = {best / (qps * cores):.1f}x logic-v2 on the same cores"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
