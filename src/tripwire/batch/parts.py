"""Chunk results on disk: the checkpoint a killed batch resumes from, merged at the end.

Each finished chunk leaves three files in a work folder beside the output: its
result rows, its rejected rows, and its counts. Each is written under a
temporary name and renamed; the counts file is renamed last and is the mark
that the chunk is done. A batch killed at any instant therefore has a set of
complete chunks and nothing half-written that counts as done; run again, it
screens only the other chunks. Only when every chunk is done are the parts
merged into the output (again under a temporary name, then renamed), so an
output file that exists is always complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from tripwire.batch.records import OUTPUT_COLUMNS, REJECT_COLUMNS, ChunkResult, OutputRow

OUTPUT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("query_id", pa.string()),
        ("status", pa.string()),
        ("rank", pa.int32()),
        ("score", pa.float64()),
        *((name, pa.string()) for name in OUTPUT_COLUMNS[5:]),
    ]
)
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


class ResumeError(Exception):
    """Leftover parts of a different batch (other input, options or lists) sit at the output."""


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file that appears under ``path`` only when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("xb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def output_format(path: Path) -> str:
    found = OUTPUT_FORMATS.get(path.suffix.lower())
    if found is None:
        raise ValueError(
            f"{path}: unknown output type {path.suffix!r}; use one of "
            f"{', '.join(sorted(OUTPUT_FORMATS))}"
        )
    return found


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for row in rows:
        writer.writerow("" if v is None else v for v in row)
    return text.getvalue().encode("utf-8")


def jsonl_bytes(rows: Iterable[OutputRow]) -> bytes:
    lines = []
    for row in rows:
        record = dict(zip(OUTPUT_COLUMNS, row, strict=True))
        record["explanation"] = json.loads(row[-1]) if row[-1] else None
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def arrow_table(rows: list[OutputRow]) -> pa.Table:
    columns: list[tuple[Any, ...]] = (
        list(zip(*rows, strict=True)) if rows else [() for _ in OUTPUT_COLUMNS]
    )
    return pa.Table.from_arrays(
        [pa.array(list(col), type=f.type) for col, f in zip(columns, OUTPUT_SCHEMA, strict=True)],
        schema=OUTPUT_SCHEMA,
    )


class Parts:
    """The work folder of one batch output: manifest, finished chunks, merge."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.format = output_format(output)
        self.path = output.with_name(f".{output.name}.parts")

    def start(self, manifest: dict[str, Any], restart: bool) -> dict[int, dict[str, Any]]:
        """Open (or resume) the work folder; returns the counts of chunks already done."""
        manifest_path = self.path / "manifest.json"
        if self.path.exists() and restart:
            shutil.rmtree(self.path)
        if manifest_path.exists():
            found = json.loads(manifest_path.read_text(encoding="utf-8"))
            if found != manifest:
                changed = sorted(k for k in manifest if found.get(k) != manifest[k])
                raise ResumeError(
                    f"{self.path} holds an unfinished batch with a different "
                    f"{', '.join(changed)}; run with --restart to discard it"
                )
            return self.finished()
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic_file(manifest_path) as handle:
            handle.write(json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"))
        return {}

    def finished(self) -> dict[int, dict[str, Any]]:
        done = {}
        for path in self.path.glob("chunk-*.json"):
            done[int(path.stem.split("-")[1])] = json.loads(path.read_text(encoding="utf-8"))
        return done

    def _name(self, index: int, kind: str) -> Path:
        suffix = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}[self.format]
        return self.path / f"{kind}-{index:07d}.{suffix if kind == 'rows' else 'csv'}"

    def write(self, result: ChunkResult) -> dict[str, Any]:
        """Store one chunk; its counts file, written last, marks it done."""
        with atomic_file(self._name(result.index, "rejects")) as handle:
            handle.write(csv_bytes(result.rejects))
        with atomic_file(self._name(result.index, "rows")) as handle:
            if self.format == "csv":
                handle.write(csv_bytes(result.rows))
            elif self.format == "jsonl":
                handle.write(jsonl_bytes(result.rows))
            else:
                pq.write_table(arrow_table(result.rows), handle)
        counts = chunk_counts(result)
        with atomic_file(self.path / f"chunk-{result.index:07d}.json") as handle:
            handle.write(json.dumps(counts).encode("utf-8"))
        return counts

    def merge(self, chunks: Iterable[int], rejects: Path) -> None:
        """Join the chunks' parts, in order, into the output and the rejects file."""
        order = sorted(chunks)
        with atomic_file(rejects) as handle:
            handle.write(csv_bytes([REJECT_COLUMNS]))
            for index in order:
                with self._name(index, "rejects").open("rb") as part:
                    shutil.copyfileobj(part, handle)
        with atomic_file(self.output) as handle:
            if self.format == "parquet":
                with pq.ParquetWriter(handle, OUTPUT_SCHEMA) as writer:
                    for index in order:
                        writer.write_table(pq.read_table(self._name(index, "rows")))
            else:
                if self.format == "csv":
                    handle.write(csv_bytes([OUTPUT_COLUMNS]))
                for index in order:
                    with self._name(index, "rows").open("rb") as part:
                        shutil.copyfileobj(part, handle)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def chunk_counts(result: ChunkResult) -> dict[str, Any]:
    return {
        "read": result.read,
        "screened": result.screened,
        "rejected": len(result.rejects),
        "with_hits": result.with_hits,
        "hits_by_source": dict(result.hits_by_source),
        "rejected_by_field": dict(result.rejected_by_field),
        "last_row": result.last_row,
    }


def add_counts(total: dict[str, Any], counts: dict[str, Any]) -> None:
    """Sum chunk counts into a run's totals."""
    for key in ("read", "screened", "rejected", "with_hits"):
        total[key] = total.get(key, 0) + counts[key]
    for key in ("hits_by_source", "rejected_by_field"):
        merged = Counter(total.get(key, {}))
        merged.update(counts[key])
        total[key] = dict(sorted(merged.items()))
