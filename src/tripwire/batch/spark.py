"""The batch job on Apache Spark: the same chunk step, run by executors through Arrow.

The driver pickles the loaded screener (index and model) once and ships it
with ``SparkContext.addFile``; each executor's Python worker loads it once and
screens Arrow record batches with :func:`tripwire.batch.records.screen_chunk`,
the very function the local engine runs, so both engines give the same rows.
Records are numbered in file order (``zipWithIndex``) exactly as the local
readers number them. Spark retries failed tasks itself, so the local engine's
checkpoint files are not used here.
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from tripwire.batch.job import BatchJob
from tripwire.batch.parts import OUTPUT_SCHEMA, arrow_table, atomic_file, csv_bytes, jsonl_bytes
from tripwire.batch.records import FIELDS, REJECT_COLUMNS, Options, OutputRow, screen_chunk
from tripwire.screening import Screener

#: Rows of results and of rejects travel in one Arrow stream, told apart by ``kind``.
ROW_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        *OUTPUT_SCHEMA,
        ("reject_field", pa.string()),
        ("reject_reason", pa.string()),
    ]
)
_DDL = (
    "kind string, row long, query_id string, status string, rank int, score double, "
    + ", ".join(f"{name} string" for name in OUTPUT_SCHEMA.names[5:])
    + ", reject_field string, reject_reason string"
)
_LOADED: dict[str, Screener] = {}


def _screener(name: str) -> Screener:
    """The shipped screener, loaded once per executor Python worker."""
    if name not in _LOADED:
        from pyspark import SparkFiles

        with open(SparkFiles.get(name), "rb") as handle:
            _LOADED[name] = pickle.load(handle)
    return _LOADED[name]


def _screen_batches(
    batches: Iterator[pa.RecordBatch], name: str, options: dict[str, Any], chunk_size: int
) -> Iterator[pa.RecordBatch]:
    screener = _screener(name)
    opts = Options(**options)
    for batch in batches:
        data = batch.to_pydict()
        rows = data["row"]
        for start in range(0, len(rows), chunk_size):
            records = []
            for i in range(start, min(start + chunk_size, len(rows))):
                values = {f: (data[f][i] or "").strip() for f in FIELDS if f in data}
                records.append((int(rows[i]), values))
            result = screen_chunk(screener, 0, records, opts)
            out: list[tuple[Any, ...]] = [("result", *r, None, None) for r in result.rows]
            empty = ("",) * (len(OUTPUT_SCHEMA) - 2)
            out += [
                ("reject", row, ident, *empty, f, reason)
                for row, ident, f, reason in result.rejects
            ]
            if out:
                columns = list(zip(*out, strict=True))
                yield pa.RecordBatch.from_arrays(
                    [
                        pa.array(list(c), type=f.type)
                        for c, f in zip(columns, ROW_SCHEMA, strict=True)
                    ],
                    schema=ROW_SCHEMA,
                )


def _session(master: str | None, chunk_size: int) -> Any:
    from pyspark.sql import SparkSession

    # Executors run this interpreter (and so this tripwire) unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master or "local[*]")
        .appName("tripwire-batch")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(chunk_size))
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def _input_frame(spark: Any, job: BatchJob) -> Any:
    """The input as (row, id, name, ...) strings, rows numbered in file order from 1."""
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

    path = str(job.input)
    suffix = job.input.suffix.lower()
    if suffix == ".parquet" or suffix == ".pq":
        frame = spark.read.parquet(path)
    elif suffix in (".jsonl", ".ndjson"):
        frame = spark.read.json(path)
    else:
        frame = spark.read.option("header", True).option("encoding", "UTF-8").csv(path)
    by_lower = {c.lower(): c for c in frame.columns}
    selected = []
    for field_name, column in job.mapping.columns:
        actual = by_lower.get(column.lower())
        if actual is None:
            selected.append(F.lit("").alias(field_name))
        elif isinstance(frame.schema[actual].dataType, ArrayType):
            selected.append(F.concat_ws(";", F.col(actual)).alias(field_name))
        else:
            selected.append(F.col(actual).cast("string").alias(field_name))
    frame = frame.select(*selected)
    numbered = frame.rdd.zipWithIndex().map(lambda pair: (pair[1] + 1, *pair[0]))
    schema = StructType(
        [StructField("row", LongType(), False)]
        + [StructField(f, StringType(), True) for f in FIELDS]
    )
    return spark.createDataFrame(numbered, schema)


def run_spark(job: BatchJob, screener: Screener, *, master: str | None = None) -> dict[str, Any]:
    """Screen ``job`` on Spark; writes the same output and rejects files as the local engine."""
    started = time.perf_counter()
    spark = _session(master, job.chunk_size)
    with tempfile.TemporaryDirectory(prefix="tripwire-spark-") as tmp:
        shipped = Path(tmp) / f"screener-{screener.index.key}.pickle"
        with shipped.open("wb") as handle:
            pickle.dump(screener, handle, protocol=pickle.HIGHEST_PROTOCOL)
        spark.sparkContext.addFile(str(shipped))
        step = functools.partial(
            _screen_batches,
            name=shipped.name,
            options=job.options.as_dict(),
            chunk_size=job.chunk_size,
        )
        # A single input file arrives as one partition; spread the records over every
        # executor core (the output is put back in row order below).
        frame = _input_frame(spark, job)
        parallelism = max(spark.sparkContext.defaultParallelism, 1)
        if frame.rdd.getNumPartitions() < parallelism:
            frame = frame.repartition(parallelism)
        # Materialised once: the sort below samples its input first, which would
        # otherwise run the whole screening twice.
        screened = frame.mapInArrow(step, _DDL).localCheckpoint(eager=True)
        ordered = screened.orderBy("row", "kind", "rank")
        results: list[OutputRow] = []
        rejects: list[tuple[int, str, str, str]] = []
        hits: Counter[str] = Counter()
        rejected: Counter[str] = Counter()
        with_hits: set[int] = set()
        read: set[int] = set()
        for spark_row in ordered.toLocalIterator():
            values = spark_row.asDict()
            read.add(values["row"])
            if values["kind"] == "reject":
                rejects.append(
                    (
                        values["row"],
                        values["query_id"],
                        values["reject_field"],
                        values["reject_reason"],
                    )
                )
                rejected[values["reject_field"]] += 1
                continue
            row = tuple(values[name] for name in OUTPUT_SCHEMA.names)
            results.append(row)  # type: ignore[arg-type,unused-ignore]
            if values["status"] == "hit":
                hits[values["source"]] += 1
                with_hits.add(values["row"])
    _write(job, results, rejects)
    seconds = time.perf_counter() - started
    return {
        "engine": "spark",
        "master": master or "local[*]",
        "input": str(job.input),
        "output": str(job.output),
        "rejects": str(job.rejects),
        "rows_read": len(read),
        "screened": len(read) - len(rejects),
        "rejected": len(rejects),
        "rejected_by_field": dict(sorted(rejected.items())),
        "with_hits": len(with_hits),
        "hits_by_source": dict(sorted(hits.items())),
        "resumed_rows": 0,
        "seconds": round(seconds, 3),
        "rows_per_second": round(len(read) / seconds, 1) if seconds > 0 else 0.0,
        "threshold": job.options.threshold,
        "limit": job.options.limit,
        "lists": screener.index.key,
    }


def _write(
    job: BatchJob, results: list[OutputRow], rejects: list[tuple[int, str, str, str]]
) -> None:
    import pyarrow.parquet as pq

    from tripwire.batch.parts import output_format
    from tripwire.batch.records import OUTPUT_COLUMNS

    with atomic_file(job.rejects) as handle:
        handle.write(csv_bytes([REJECT_COLUMNS, *rejects]))
    fmt = output_format(job.output)
    with atomic_file(job.output) as handle:
        if fmt == "parquet":
            pq.write_table(arrow_table(results), handle)
        elif fmt == "jsonl":
            handle.write(jsonl_bytes(results))
        else:
            handle.write(csv_bytes([OUTPUT_COLUMNS, *results]))
