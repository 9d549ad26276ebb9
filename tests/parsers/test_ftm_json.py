"""FtM JSON lines: the zala graph and the EU sample parse whole, bad lines are reported."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.conftest import shared_file
from tripwire.parsers.base import ParseContext
from tripwire.parsers.ftm_json import FtMJSONParser


def _parse(path: Path, source: str = "ftm_test") -> tuple[list, ParseContext]:
    ctx = ParseContext(source=source)
    return list(FtMJSONParser().parse(path, ctx)), ctx


def test_zala_graph_counts_match_the_file() -> None:
    path = shared_file("ftm/zala.ftm.json")
    expected = Counter(json.loads(line)["schema"] for line in path.open())
    targets = sum(1 for line in path.open() if json.loads(line).get("target"))
    entities, ctx = _parse(path)
    assert Counter(e.schema for e in entities) == expected
    assert sum(e.primary for e in entities) == targets
    assert ctx.records_rejected == 0
    assert ctx.published is not None


def test_ownership_edges_keep_their_shares() -> None:
    entities, _ = _parse(shared_file("ftm/zala.ftm.json"))
    shares = [e.proxy.get("percentage") for e in entities if e.schema == "Ownership"]
    assert any(shares)
    owners = {e.proxy.first("owner") for e in entities if e.schema == "Ownership"}
    ids = {e.id for e in entities}
    assert owners <= ids


def test_unclean_values_are_reported_not_dropped_silently() -> None:
    _, ctx = _parse(shared_file("ftm/zala.ftm.json"))
    phones = [i for i in ctx.issues if i.field == "phone"]
    assert phones and phones[0].file == "zala.ftm.json" and "line" in phones[0].record


def test_bad_lines_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    good = shared_file("ftm/eu-fsf-sample.ftm.json").read_text().splitlines()
    broken = tmp_path / "broken.ftm.json"
    lines = [
        good[0],
        "{not json",
        '{"id": "x1", "schema": "Spaceship", "properties": {}}',
        *good[1:],
    ]
    broken.write_text("\n".join(lines) + "\n")
    entities, ctx = _parse(broken)
    assert len(entities) == len(good)
    assert ctx.records_rejected == 2
    records = {i.record: i.field for i in ctx.issues if i.severity == "error"}
    assert records == {"line 2": "json", "line 3 (x1)": "schema"}


def test_sniff_and_default_source() -> None:
    path = shared_file("ftm/zala.ftm.json")
    assert FtMJSONParser.sniff(path.read_bytes()[:4096], path)
    assert not FtMJSONParser.sniff(b'<?xml version="1.0"?><export/>', path)
    assert FtMJSONParser.default_source(path) == "ftm_zala"
