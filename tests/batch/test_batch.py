"""``tripwire batch`` end to end against the real UN list: formats, mapping, bad input, resume.

The UN consolidated list is imported once into a home of this module; the
records screened are real listed names (read from the list file) mixed with
ordinary ones and with rows that must be rejected.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.conftest import UN_FILE, shared_file
from tripwire.batch.job import chunked
from tripwire.batch.parts import Parts, ResumeError
from tripwire.batch.records import OUTPUT_COLUMNS, REJECT_COLUMNS
from tripwire.cli import app

ORDINARY = ["Maria Schmidt", "Jean Dupont", "Acme Widgets GmbH", "Li Wei", "Olga Petrova"]


@pytest.fixture(scope="module")
def listed() -> list[tuple[str, str]]:
    """(name, UN reference) of the first 40 listed individuals, read from the list file."""
    root = etree.parse(str(shared_file(UN_FILE))).getroot()
    people = []
    for person in root.findall(".//INDIVIDUAL")[:40]:
        name = " ".join(
            (person.findtext(tag) or "").strip()
            for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")
            if (person.findtext(tag) or "").strip()
        )
        people.append((name.title(), (person.findtext("REFERENCE_NUMBER") or "").strip()))
    return people


def _records(listed: list[tuple[str, str]], copies: int = 1) -> list[dict[str, str]]:
    rows = []
    for copy in range(copies):
        for i, (name, _ref) in enumerate(listed):
            rows.append({"id": f"L{copy}-{i}", "name": name, "schema": "Person"})
        for i, name in enumerate(ORDINARY):
            rows.append({"id": f"O{copy}-{i}", "name": name, "schema": ""})
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]], extra: str = "") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "name", "schema"])
        writer.writeheader()
        writer.writerows(rows)
        handle.write(extra)
    return path


def _invoke(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["batch", *args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def _read(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_record_is_in_the_output_or_the_rejects(
    un_home: Path, listed: list[tuple[str, str]], tmp_path: Path
) -> None:
    rows = _records(listed)
    # An empty name, an empty id, and a record with a stray comma (one field too many).
    bad = ",,Person\nB1,,Person\nB2,Smith, John,Person\n"
    source = _write_csv(tmp_path / "customers.csv", rows, extra=bad)
    out = tmp_path / "results.csv"
    summary = _invoke(str(source), "--output", str(out))
    assert summary["rows_read"] == len(rows) + 3
    assert summary["rejected"] == 3 and summary["screened"] == len(rows)
    results, rejects = _read(out), _read(tmp_path / "results.rejects.csv")
    assert list(results[0]) == list(OUTPUT_COLUMNS)
    assert list(rejects[0]) == list(REJECT_COLUMNS)
    seen = {int(r["row"]) for r in results} | {int(r["row"]) for r in rejects}
    assert seen == set(range(1, len(rows) + 4))
    reasons = {r["row"]: (r["field"], r["reason"]) for r in rejects}
    assert reasons[str(len(rows) + 1)][0] == "id"
    assert reasons[str(len(rows) + 2)][0] == "name"
    assert reasons[str(len(rows) + 3)][0] == "row" and "fields" in reasons[str(len(rows) + 3)][1]
    top = {r["query_id"]: r for r in results if r["rank"] == "1"}
    found = sum(1 for i, (_n, ref) in enumerate(listed) if top[f"L0-{i}"]["source_ref"] == ref)
    assert found >= 38, f"only {found} of 40 listed names found at rank 1"
    assert summary["hits_by_source"]["un_sc"] >= found
    assert all(r["status"] == "clear" for r in results if r["query_id"] == "O0-0")


def test_csv_jsonl_and_parquet_give_the_same_results(
    un_home: Path, listed: list[tuple[str, str]], tmp_path: Path
) -> None:
    rows = _records(listed[:15])
    csv_in = _write_csv(tmp_path / "in.csv", rows)
    jsonl_in = tmp_path / "in.jsonl"
    jsonl_in.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parquet_in = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet_in)
    outputs = []
    for source, out in (
        (csv_in, tmp_path / "a.csv"),
        (jsonl_in, tmp_path / "b.jsonl"),
        (parquet_in, tmp_path / "c.parquet"),
    ):
        _invoke(str(source), "--output", str(out))
        outputs.append(
            [
                (int(r["row"]), r["query_id"], int(r["rank"]), r["entity_id"], str(r["score"]))
                for r in _read(out)
            ]
        )
    normalised = [
        [(a, b, c, d, "" if s in ("None", "") else s) for a, b, c, d, s in o] for o in outputs
    ]
    assert normalised[0] == normalised[1] == normalised[2]
    assert any(entity for _r, _q, _k, entity, _s in normalised[0])


def test_column_mapping_by_option_and_by_file(
    un_home: Path, listed: list[tuple[str, str]], tmp_path: Path
) -> None:
    source = tmp_path / "crm.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Customer No", "Full Name", "Nationality"])
        for i, (name, _ref) in enumerate(listed[:5]):
            writer.writerow([f"K{i}", name, ""])
    out = tmp_path / "mapped.csv"
    summary = _invoke(
        str(source), "-o", str(out), "--id-column", "customer no", "--name-column", "Full Name"
    )
    assert summary["screened"] == 5 and summary["with_hits"] >= 4
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps({"id": "Customer No", "name": "Full Name", "country": "Nationality"})
    )
    again = _invoke(str(source), "-o", str(tmp_path / "mapped2.csv"), "--mapping", str(mapping))
    assert again["with_hits"] == summary["with_hits"]
    result = CliRunner().invoke(app, ["batch", str(source), "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "missing id (column 'id') and name (column 'name')" in result.output
    assert "Customer No" in result.output


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("id,name\n1,Jos\xe9\n".encode("latin-1"), "latin1.csv", "is not UTF-8 text"),
        (b"", "empty.csv", "is empty"),
        (b"id,name\n", "header.txt", ""),
        (b"{}", "data.xlsx", "unknown file type"),
        (b"not parquet", "broken.parquet", "not a readable Parquet file"),
    ],
)
def test_bad_files_get_a_clear_error(
    un_home: Path, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["batch", str(path), "-o", str(out)])
    if not message:  # a header and no records: a valid, empty batch
        assert result.exit_code == 0, result.output
        assert _read(out) == []
        return
    assert result.exit_code == 2, result.output
    assert message in result.output and name in result.output
    assert not out.exists()


def test_chunks_done_are_skipped() -> None:
    records = [(row, {"id": str(row), "name": "x"}) for row in range(1, 11)]
    chunks = list(chunked(iter(records), 3, {1}))
    assert [index for index, _ in chunks] == [0, 2, 3]
    assert [r[0] for r in chunks[-1][1]] == [10]


def test_a_checkpoint_of_another_batch_is_not_resumed(tmp_path: Path) -> None:
    parts = Parts(tmp_path / "out.csv")
    parts.start({"input_sha256": "a", "lists": "x"}, restart=False)
    with pytest.raises(ResumeError, match="input_sha256"):
        Parts(tmp_path / "out.csv").start({"input_sha256": "b", "lists": "x"}, restart=False)
    assert (
        Parts(tmp_path / "out.csv").start({"input_sha256": "b", "lists": "x"}, restart=True) == {}
    )


def test_killed_with_sigkill_resumes_without_loss_or_duplicates(
    un_home: Path, listed: list[tuple[str, str]], tmp_path: Path
) -> None:
    rows = _records(listed, copies=40)  # 1,800 records in chunks of 50
    source = _write_csv(tmp_path / "big.csv", rows)
    out = tmp_path / "resumed.csv"
    args = [sys.executable, "-m", "tripwire.cli", "batch", str(source), "-o", str(out)]
    args += ["--chunk-size", "50", "--workers", "1", "--json"]
    parts_dir = out.with_name(f".{out.name}.parts")
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts_dir.exists() and len(list(parts_dir.glob("chunk-*.json"))) >= 3:
            break
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists(), "a killed batch must not leave an output that looks complete"
    done_before = len(list(parts_dir.glob("chunk-*.json")))
    assert 3 <= done_before < 36
    finished = subprocess.run(args, capture_output=True, text=True, check=True)
    summary = json.loads(finished.stdout)
    assert summary["resumed_rows"] >= 3 * 50
    assert summary["rows_read"] == len(rows)
    assert not parts_dir.exists()
    fresh = tmp_path / "fresh.csv"
    _invoke(str(source), "-o", str(fresh), "--chunk-size", "50")
    assert out.read_bytes() == fresh.read_bytes()
    results = _read(out)
    keys = [(r["row"], r["rank"]) for r in results]
    assert len(keys) == len(set(keys))
    assert {int(r["row"]) for r in results} == set(range(1, len(rows) + 1))


@pytest.mark.slow
def test_spark_engine_gives_the_local_engine_results(
    un_home: Path, listed: list[tuple[str, str]], tmp_path: Path
) -> None:
    pytest.importorskip("pyspark")
    rows = _records(listed, copies=3)
    source = _write_csv(tmp_path / "spark.csv", rows)
    local, spark = tmp_path / "local.csv", tmp_path / "spark.csv.out.csv"
    _invoke(str(source), "-o", str(local))
    summary = _invoke(str(source), "-o", str(spark), "--engine", "spark", "--master", "local[2]")
    assert summary["engine"] == "spark" and summary["rows_read"] == len(rows)
    assert spark.read_bytes() == local.read_bytes()
