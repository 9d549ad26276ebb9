"""A batch job and its local engine: chunks of records screened on every core, resumable.

The parent process streams the input and hands fixed-size chunks to worker
processes forked after the screening index is loaded (so they share it,
copy-on-write). At most two chunks per worker are in flight, which bounds
memory whatever the file size. Finished chunks are stored by
:class:`~tripwire.batch.parts.Parts` in file order; a killed job run again
skips them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from tripwire.batch.inputs import BatchInput, fingerprint
from tripwire.batch.parts import Parts, add_counts
from tripwire.batch.records import ChunkResult, ColumnMap, Options, Record, screen_chunk
from tripwire.screening import Screener

#: Records per chunk: the unit of work, of checkpointing and of progress.
CHUNK_SIZE = 2000
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class BatchJob:
    """What to screen, where the results go, and the options that decide them."""

    input: Path
    output: Path
    rejects: Path
    mapping: ColumnMap
    options: Options
    chunk_size: int = CHUNK_SIZE

    def manifest(self, index_key: str) -> dict[str, Any]:
        """What a resumed run must share with the run it continues."""
        return {
            "input": str(self.input.resolve()),
            "input_sha256": fingerprint(self.input),
            "mapping": self.mapping.as_dict(),
            "options": self.options.as_dict(),
            "chunk_size": self.chunk_size,
            "lists": index_key,
        }


def chunked(
    records: Iterator[Record], size: int, done: set[int]
) -> Iterator[tuple[int, list[Record]]]:
    """Fixed-size chunks numbered from the record position; chunks in ``done`` are skipped."""
    current: list[Record] = []
    current_index = -1
    for record in records:
        index = (record[0] - 1) // size
        if index != current_index:
            if current and current_index not in done:
                yield current_index, current
            current, current_index = [], index
        current.append(record)
    if current and current_index not in done:
        yield current_index, current


def _done_prefix(done: set[int]) -> int:
    prefix = 0
    while prefix in done:
        prefix += 1
    return prefix


_STATE: tuple[Screener, Options] | None = None


def _work(item: tuple[int, list[Record]]) -> ChunkResult:
    assert _STATE is not None
    screener, options = _STATE
    return screen_chunk(screener, item[0], item[1], options)


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool; finished chunks stay."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_local(
    job: BatchJob,
    screener: Screener,
    *,
    workers: int | None = None,
    restart: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Screen the whole input (or what a killed run left); returns the run summary."""
    started = time.perf_counter()
    source = BatchInput(job.input, job.mapping)
    parts = Parts(job.output)
    earlier = parts.start(job.manifest(screener.index.key), restart)
    totals: dict[str, Any] = {}
    for counts in earlier.values():
        add_counts(totals, counts)
    done = set(earlier)
    resumed_rows = totals.get("read", 0)
    if progress:
        progress(resumed_rows)
    records = source.records(skip=_done_prefix(done) * job.chunk_size)
    work = chunked(records, job.chunk_size, done)
    workers = workers or os.cpu_count() or 1

    def finish(result: ChunkResult) -> None:
        add_counts(totals, parts.write(result))
        done.add(result.index)
        if progress:
            progress(totals["read"])

    global _STATE
    _STATE = (screener, job.options)
    try:
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for item in work:
                finish(_work(item))
        else:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=_quiet_worker) as pool:
                pending: deque[AsyncResult[ChunkResult]] = deque()
                for item in work:
                    pending.append(pool.apply_async(_work, (item,)))
                    while len(pending) >= 2 * workers:
                        finish(pending.popleft().get())
                while pending:
                    finish(pending.popleft().get())
    finally:
        _STATE = None
    parts.merge(done, job.rejects)
    parts.remove()
    seconds = time.perf_counter() - started
    fresh = totals.get("read", 0) - resumed_rows
    return {
        "engine": "local",
        "workers": workers,
        "input": str(job.input),
        "output": str(job.output),
        "rejects": str(job.rejects),
        "rows_read": totals.get("read", 0),
        "screened": totals.get("screened", 0),
        "rejected": totals.get("rejected", 0),
        "rejected_by_field": totals.get("rejected_by_field", {}),
        "with_hits": totals.get("with_hits", 0),
        "hits_by_source": totals.get("hits_by_source", {}),
        "resumed_rows": resumed_rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(fresh / seconds, 1) if seconds > 0 else 0.0,
        "threshold": job.options.threshold,
        "limit": job.options.limit,
        "lists": screener.index.key,
    }
