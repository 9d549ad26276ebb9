"""Importing publications: format detection, bad files, hostile XML, the March 2022 diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_file
from tripwire.lists.changes import diff_versions
from tripwire.lists.importer import import_publication
from tripwire.parsers.base import FormatError
from tripwire.parsers.registry import detect_format
from tripwire.store import Store

DETECTED = {
    "lists/ofac/sdn.csv": "ofac_csv",
    "lists/ofac/history/sdn-2022-03-24.csv": "ofac_csv",
    "lists/ofac/non-sdn/cons_prim.csv": "ofac_csv",
    "lists/ofac/sdn_advanced-excerpt-2026-09-09.xml": "ofac_advanced",
    "lists/un/UN_consolidated-2026-02-27.xml": "un_xml",
    "lists/un/UN_consolidated-excerpt.xml": "un_xml",
    "lists/eu/eu_fsf-excerpt-2026-08-05.xml": "eu_fsf",
    "lists/eu/eu_fsf-2026-05-01-rebuilt.xml.gz": "eu_fsf",
    "lists/uk/uk_sanctions_list-excerpt.xml": "uk_xml",
    "lists/uk/uk_sanctions_list-2026-08-22-rebuilt.xml.gz": "uk_xml",
    "ftm/zala.ftm.json": "ftm_json",
}


@pytest.mark.parametrize(("relative", "fmt"), sorted(DETECTED.items()))
def test_format_is_detected_from_content(relative: str, fmt: str) -> None:
    assert detect_format(shared_file(relative)).NAME == fmt


def test_unknown_and_empty_files_get_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file"):
        detect_format(empty)
    other = tmp_path / "other.xml"
    other.write_bytes(b'<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(FormatError, match="not a known list format"):
        detect_format(other)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>
<FIRST_NAME>&lol3;</FIRST_NAME><REFERENCE_NUMBER>QDi.001</REFERENCE_NUMBER></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>
<FIRST_NAME>&xxe;</FIRST_NAME><REFERENCE_NUMBER>QDi.001</REFERENCE_NUMBER></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_refused_and_nothing_is_imported(
    sqlite_store: Store, tmp_path: Path, payload: bytes
) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(payload)
    result = import_publication(sqlite_store, path, format="un_xml", source="un_sc")
    assert result.outcome == "failed"
    assert "DTD" in result.message or "entit" in result.message.lower()
    assert sqlite_store.versions("un_sc") == []


@pytest.mark.slow
def test_march_24_2022_ofac_designations(store: Store) -> None:
    """OFAC's 24 March 2022 package: 397 new entries (Duma, defence firms, Gref), nothing else."""
    old = import_publication(store, shared_file("lists/ofac/history/sdn-2022-03-21.csv"))
    new = import_publication(store, shared_file("lists/ofac/history/sdn-2022-03-24.csv"))
    assert old.outcome == new.outcome == "imported"
    assert old.source == new.source == "us_ofac_sdn"
    versions = {v.id: v for v in store.versions("us_ofac_sdn")}
    assert versions[old.version_id].published.isoformat() == "2022-03-21"  # type: ignore[index,union-attr]
    assert versions[new.version_id].parties - versions[old.version_id].parties == 397  # type: ignore[index]
    diff = diff_versions(store, old.version_id, new.version_id)  # type: ignore[arg-type]
    assert len(diff.added) == 397 and not diff.removed
    names = " | ".join(c.caption.upper() for c in diff.added)
    assert "GREF" in names
    assert "STATE DUMA" in names
    persons = [c for c in diff.added if c.schema == "Person"]
    assert len(persons) > 328
    # Every reported change is real: one of the seven records OFAC amended that day
    # (checked against the raw CSV rows), or a party that gained a relation to one
    # of the new designations. Nothing else may show up.
    amended = {"16666", "16710", "16806", "16807", "17024", "21184", "24123"}
    added_ids = {c.entity_id for c in diff.added}
    relation_fields = {"UnknownLink", "Ownership", "Associate", "Family", "Directorship"}
    for change in diff.changed:
        if change.source_ref in amended:
            continue
        for field in change.fields:
            assert field.field in relation_fields and not field.removed, change
            assert all(any(i in line for i in added_ids) for line in field.added), change
    assert amended <= {c.source_ref for c in diff.changed}


def test_an_older_publication_does_not_roll_the_list_back(sqlite_store: Store) -> None:
    new = import_publication(sqlite_store, shared_file("lists/un/UN_consolidated-2026-02-27.xml"))
    old = import_publication(sqlite_store, shared_file("lists/un/UN_consolidated-2022-09-15.xml"))
    assert old.outcome == "refused" and "older than the serving version" in old.message
    assert sqlite_store.current_version("un_sc").id == new.version_id  # type: ignore[union-attr]
    forced = import_publication(
        sqlite_store, shared_file("lists/un/UN_consolidated-2022-09-15.xml"), force=True
    )
    assert forced.outcome == "imported"


def test_a_cut_gzip_file_fails_cleanly(sqlite_store: Store, tmp_path: Path) -> None:
    whole = shared_file("lists/eu/eu_fsf-2026-05-01-rebuilt.xml.gz").read_bytes()
    cut = tmp_path / "eu_fsf-cut.xml.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    result = import_publication(sqlite_store, cut, format="eu_fsf")
    assert result.outcome == "failed" and "eu_fsf-cut.xml.gz" in result.message
    assert sqlite_store.versions("eu_fsf") == []
    assert sqlite_store.events("eu_fsf")[0]["outcome"] == "failed"
