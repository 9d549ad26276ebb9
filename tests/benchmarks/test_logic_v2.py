"""The nomenklatura logic-v2 reference runner (benchmarks/logic_v2.py), on real OFAC entries.

Skipped unless nomenklatura (the ``bench`` extra) is installed.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, shared_file

pytest.importorskip("nomenklatura")

SCRIPT = ROOT / "benchmarks" / "logic_v2.py"
PUTIN, YAKUNIN, GRACEFUL = "35096", "16667", "37444"  # OFAC ent_num


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tripwire_bench_logic_v2", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


logic_v2 = _load()


def _sdn_rows(*ent_nums: str) -> dict[str, list[str]]:
    wanted = set(ent_nums)
    rows: dict[str, list[str]] = {}
    with shared_file("lists/ofac/sdn.csv").open(encoding="latin-1", newline="") as handle:
        for row in csv.reader(handle):
            if row and row[0] in wanted:
                rows[row[0]] = [cell.strip() for cell in row]
    assert set(rows) == wanted, f"missing OFAC entries: {wanted - set(rows)}"
    return rows


def _candidate(row: list[str]) -> dict[str, Any]:
    """A plain FtM entity from an sdn.csv row (name, DOB and IMO from the remarks)."""
    ent_num, name, sdn_type, remarks = row[0], row[1], row[2], row[11]
    properties: dict[str, list[str]] = {"name": [name]}
    if sdn_type == "individual":
        schema = "Person"
        last, _, first = name.partition(", ")
        properties.update(firstName=[first], lastName=[last], nationality=["ru"])
        dob = re.search(r"DOB (\d{2} \w{3} \d{4})", remarks)
        if dob:
            properties["birthDate"] = [dt.datetime.strptime(dob[1], "%d %b %Y").date().isoformat()]
    else:
        schema = "Vessel"
        imo = re.search(r"IMO (\d{7})", remarks)
        if imo:
            properties["imoNumber"] = [f"IMO{imo[1]}"]
    return {
        "id": f"ofac-{ent_num}",
        "schema": schema,
        "properties": properties,
        "source": "us_ofac_sdn",
        "source_ref": ent_num,
    }


@pytest.fixture(scope="module")
def candidates() -> list[dict[str, Any]]:
    rows = _sdn_rows(PUTIN, YAKUNIN, GRACEFUL)
    # The right answer last, so ranking has to move it.
    return [_candidate(rows[YAKUNIN]), _candidate(rows[GRACEFUL]), _candidate(rows[PUTIN])]


PUTIN_QUERY = {
    "schema": "Person",
    "properties": {"name": ["Vladimir Putin"], "birthDate": ["1952"], "country": ["ru"]},
}


def test_score_candidates_ranks_the_listed_person_first(candidates):
    scores = logic_v2.score_candidates(PUTIN_QUERY, candidates)
    assert len(scores) == 3
    assert all(0.0 <= score <= 1.0 for score in scores)
    yakunin, vessel, putin = scores
    assert putin > 0.7
    assert putin > yakunin
    assert vessel == 0.0  # a Vessel cannot match a Person query


def test_cli_writes_ranked_results_and_timing(tmp_path, candidates):
    vessel_query = {
        "schema": "Vessel",
        "properties": {"name": ["MY Graceful"], "imoNumber": ["1011551"]},
    }
    path = tmp_path / "candidates.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for query_id, query in (("Q1", PUTIN_QUERY), ("Q2", vessel_query), ("Q3", PUTIN_QUERY)):
            found = candidates if query_id != "Q3" else []
            line = {"query_id": query_id, "query": query, "candidates": found}
            handle.write(json.dumps(line) + "\n")
    output = tmp_path / "results.csv"

    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--output", str(output), "--limit", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["query_id", "rank", "score", "source", "source_ref", "entity_id"]
    by_query: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_query.setdefault(row["query_id"], []).append(row)
    assert set(by_query) == {"Q1", "Q2"}  # Q3 has no candidates, so no rows
    for found in by_query.values():
        assert [row["rank"] for row in found] == ["1", "2"]  # --limit 2
        scores = [float(row["score"]) for row in found]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= score <= 1.0 for score in scores)
    assert by_query["Q1"][0]["source_ref"] == PUTIN
    assert by_query["Q1"][0]["entity_id"] == f"ofac-{PUTIN}"
    assert by_query["Q1"][0]["source"] == "us_ofac_sdn"
    assert by_query["Q2"][0]["source_ref"] == GRACEFUL
    assert float(by_query["Q2"][0]["score"]) > 0.7

    out = done.stdout
    assert re.search(r"queries:\s+3\b", out)
    assert re.search(r"pairs scored:\s+6\b", out)
    assert re.search(r"incompatible:\s+3 pairs", out)  # Person/Vessel both ways
    assert "pairs/s" in out and "queries/s" in out


def test_missing_nomenklatura_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nomenklatura.matching", None)
    with pytest.raises(logic_v2.NomenklaturaMissing, match=re.escape("pip install -e '.[bench]'")):
        logic_v2.score_candidates(PUTIN_QUERY, [])
