"""OFAC legacy CSV parser on the real SDN, consolidated and historical files.

Counts are taken from the files themselves with the csv module (independently
of the parser) or from ../shared/data/README.md. Whole-list parses take a few
seconds each and are marked slow; the malformed-input tests write small files
into ``tmp_path``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_file
from tripwire.lists.canonical import canonical_json
from tripwire.model.entity import ListEntity
from tripwire.parsers.base import FormatError, ParseContext, read_head
from tripwire.parsers.ofac_csv import OFACCSVParser, phone_variants


def _rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8").rstrip("\x1a\r\n")
    return [row for row in csv.reader(text.splitlines()) if row]


def _programs(cell: str) -> list[str]:
    return [p.strip() for p in re.split(r"[\[\]]", cell) if p.strip()]


def _parse(
    path: Path, source: str = "us_ofac_sdn"
) -> tuple[list[ListEntity], ParseContext, OFACCSVParser]:
    ctx = ParseContext(source=source)
    parser = OFACCSVParser()
    entities = list(parser.parse(path, ctx))
    return entities, ctx, parser


@pytest.fixture(scope="module")
def sdn() -> tuple[list[ListEntity], ParseContext, OFACCSVParser]:
    return _parse(shared_file("lists/ofac/sdn.csv"))


def _by_id(entities: list[ListEntity]) -> dict[str, ListEntity]:
    return {e.id: e for e in entities}


def _attached(entities: list[ListEntity], party_id: str) -> list[ListEntity]:
    out = []
    for entity in entities:
        if entity.primary:
            continue
        for prop, value in entity.proxy.itervalues():
            if prop.type.name == "entity" and value == party_id:
                out.append(entity)
                break
    return out


# --- detection and companions ----------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "lists/ofac/sdn.csv",
        "lists/ofac/non-sdn/cons_prim.csv",
        "lists/ofac/2021-07/sdn.csv",
        "lists/ofac/history/sdn-2022-02-23.csv",
    ],
)
def test_sniff_main_files(relative: str) -> None:
    path = shared_file(relative)
    assert OFACCSVParser.sniff(read_head(path), path)


@pytest.mark.parametrize(
    "relative",
    [
        "lists/ofac/alt.csv",
        "lists/ofac/add.csv",
        "lists/ofac/sdn_comments.csv",
        "lists/ofac/non-sdn/cons_alt.csv",
        "lists/ofac/sdn_advanced-excerpt-2026-09-09.xml",
        "lists/un/UN_consolidated-excerpt.xml",
        "lists/eu/eu_fsf-2026-05-01-rebuilt.xml.gz",
        "lists/uk/uk_sanctions_list-excerpt.xml",
        "ftm/zala.ftm.json",
        "lists/us-other/csl-2025-excerpt.csv",
        "lists/eu/32014R0833.csv",
    ],
)
def test_sniff_rejects_other_files(relative: str) -> None:
    path = shared_file(relative)
    assert not OFACCSVParser.sniff(read_head(path), path)


def test_companions_of_real_files() -> None:
    sdn = shared_file("lists/ofac/sdn.csv")
    assert [p.name for p in OFACCSVParser.companions(sdn)] == [
        "alt.csv",
        "add.csv",
        "sdn_comments.csv",
    ]
    cons = shared_file("lists/ofac/non-sdn/cons_prim.csv")
    assert [p.name for p in OFACCSVParser.companions(cons)] == [
        "cons_alt.csv",
        "cons_add.csv",
        "cons_comments.csv",
    ]
    history = shared_file("lists/ofac/history/sdn-2022-03-24.csv")
    assert OFACCSVParser.companions(history) == []


def test_companions_upper_case_and_dated(tmp_path: Path) -> None:
    for name in ("SDN.CSV", "ALT.CSV", "ADD.CSV", "sdn-2022-03-24.csv", "alt-2022-03-24.csv"):
        (tmp_path / name).write_text("")
    names = [p.name for p in OFACCSVParser.companions(tmp_path / "SDN.CSV")]
    assert names == ["ALT.CSV", "ADD.CSV"]
    names = [p.name for p in OFACCSVParser.companions(tmp_path / "sdn-2022-03-24.csv")]
    assert names == ["alt-2022-03-24.csv"]
    assert OFACCSVParser.companions(tmp_path / "other.csv") == []


# --- the current SDN list with its companions -----------------------------------------


@pytest.mark.slow
def test_sdn_counts(sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser]) -> None:
    entities, ctx, parser = sdn
    rows = _rows(shared_file("lists/ofac/sdn.csv"))
    types = Counter(r[2].strip() for r in rows)
    assert ctx.records_read == len(rows) == 14_965
    assert ctx.records_rejected == 0
    assert ctx.counts["Person"] == types["individual"] == 6_854
    assert ctx.counts["Vessel"] == types["vessel"] == 851
    assert ctx.counts["Airplane"] == types["aircraft"] == 376
    assert ctx.counts["Organization"] + ctx.counts["Company"] == types["-0-"] == 6_884
    assert sum(1 for e in entities if e.primary) == 14_965
    assert len({e.id for e in entities}) == len(entities)  # no id used twice
    assert ctx.counts == Counter(e.schema for e in entities)

    programs = Counter(code for r in rows for code in set(_programs(r[3])))
    assert ctx.counts["Sanction"] == sum(programs.values())
    sanctions = Counter(
        code for e in entities if e.schema == "Sanction" for code in e.proxy.get("programId")
    )
    assert sanctions == programs
    assert sanctions["RUSSIA-EO14024"] == 4_439
    # README: 4,440 "in RUSSIA-EO14024" = the 4,439 above + 1 BPI-RUSSIA-EO14024.
    in_russia = {
        e.proxy.first("entity")
        for e in entities
        if e.schema == "Sanction" and "RUSSIA-EO14024" in (e.proxy.first("programId") or "")
    }
    assert len(in_russia) == 4_440


@pytest.mark.slow
def test_sdn_companion_joins(sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser]) -> None:
    """ALT/ADD rows attach to their entries; rows of ent_nums sdn.csv lacks are reported only."""
    _entities, ctx, parser = sdn
    ids = {r[0] for r in _rows(shared_file("lists/ofac/sdn.csv"))}
    alt = _rows(shared_file("lists/ofac/alt.csv"))
    add = _rows(shared_file("lists/ofac/add.csv"))
    alt_unknown = sum(1 for r in alt if r[0] not in ids)
    add_unknown = sum(1 for r in add if r[0] not in ids)
    assert len(alt) == 20_260 and len(add) == 24_776
    assert parser.stats["alt_rows_attached"] == len(alt) - alt_unknown == 17_533
    assert parser.stats["alt_rows_unknown_ent_num"] == alt_unknown == 2_727
    assert parser.stats["add_rows_attached"] == len(add) - add_unknown
    assert parser.stats["add_rows_unknown_ent_num"] == add_unknown == 5_598
    unknown = Counter(
        (i.file, i.field, i.severity) for i in ctx.issues if "main file lacks" in i.message
    )
    assert unknown[("alt.csv", "ent_num", "warning")] == alt_unknown
    assert unknown[("add.csv", "ent_num", "warning")] == add_unknown
    # sdn_comments.csv is newer too: 15 continuations appended, the others reported.
    comments = _rows(shared_file("lists/ofac/sdn_comments.csv"))
    assert parser.stats["comments_rows"] == len(comments) == 28
    assert (
        parser.stats["comments_appended"]
        + parser.stats["comments_not_truncated"]
        + parser.stats["comments_unknown_ent_num"]
        == 28
    )
    # No entity for an unknown ent_num: every id is one of sdn.csv.
    parties = {e.source_ref for e in _entities if e.primary}
    assert parties == ids


@pytest.mark.slow
def test_sdn_remarks_coverage(sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser]) -> None:
    _entities, _ctx, parser = sdn
    stats = parser.stats
    assert stats["remark_facts"] > 60_000
    assert stats["remark_facts_unknown"] == stats["remark_facts_unknown_kept_in_notes"]
    assert stats["remark_facts_unknown"] / stats["remark_facts"] < 0.05
    assert stats["aliases_weak_from_remarks"] == stats["remark_facts_alias"]
    assert stats["relations_resolved"] > 6_000
    assert stats["relations_unresolved"] < 20


@pytest.mark.slow
def test_sdn_person_gref(sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser]) -> None:
    entities, _ctx, _parser = sdn
    gref = _by_id(entities)["ofac-34796"]
    assert gref.schema == "Person" and gref.source_ref == "34796"
    props = gref.proxy
    assert props.get("name") == ["GREF, Herman Oskarovich"]
    assert props.get("lastName") == ["GREF"]
    assert props.get("firstName") == ["Herman Oskarovich"]
    assert props.get("birthDate") == ["1964-02-08"]
    assert props.get("birthPlace") == ["Panfilovo, Kazakhstan"]
    assert props.get("nationality") == ["ru"]
    assert props.get("gender") == ["male"]
    assert props.get("passportNumber") == ["760508990"]
    assert props.get("idNumber") == ["4509555545"]
    assert set(props.get("alias")) == {"GREF, German Oskarovich", "GRAF, Herman"}
    aux = _attached(entities, gref.id)
    schemas = Counter(e.schema for e in aux)
    assert schemas == Counter({"Sanction": 1, "Passport": 1, "Identification": 1})
    sanction = next(e for e in aux if e.schema == "Sanction").proxy
    assert sanction.get("programId") == ["RUSSIA-EO14024"]
    assert sanction.get("authorityId") == ["34796"]
    assert sanction.get("country") == ["us"]
    assert sanction.get("sourceUrl") == [
        "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=34796"
    ]
    passport = next(e for e in aux if e.schema == "Passport").proxy
    assert passport.get("number") == ["760508990"] and passport.get("country") == ["ru"]
    assert passport.get("holder") == [gref.id]


@pytest.mark.slow
def test_sdn_sberbank(sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser]) -> None:
    entities, _ctx, _parser = sdn
    bank = _by_id(entities)["ofac-17018"]
    props = bank.proxy
    assert bank.schema == "Company"
    assert props.get("swiftBic") == ["SABRRUMM"]
    assert props.get("innCode") == ["7707083893"]
    assert props.get("ogrnCode") == ["1027700132195"]
    assert "SBERBANK INDIA" in props.get("weakAlias")
    assert bank.annotations["alias_quality"]["SBERBANK INDIA"] == "weak"
    assert "SBERBANK OF RUSSIA" in props.get("alias")
    assert "OPEN JOINT STOCK COMPANY SBERBANK OF RUSSIA" in props.get("previousName")
    assert "19 ul. Vavilova, Moscow 117312, Russia" in props.get("address")
    sanctions = {
        e.proxy.first("programId"): e.proxy
        for e in _attached(entities, bank.id)
        if e.schema == "Sanction"
    }
    assert set(sanctions) == {"UKRAINE-EO13662", "RUSSIA-EO14024"}
    russia = sanctions["RUSSIA-EO14024"]
    assert russia.get("listingDate") == ["2022-02-24"]
    assert "Listing Date (EO 14024 Directive 3): 24 Feb 2022" in russia.get("provisions")
    ukraine = sanctions["UKRAINE-EO13662"]
    assert "Executive Order 13662 Directive Determination - Subject to Directive 1" in ukraine.get(
        "provisions"
    )
    assert not any("14024" in p for p in ukraine.get("provisions"))


@pytest.mark.slow
def test_sdn_vessel_aircraft_crypto(
    sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser],
) -> None:
    entities, ctx, _parser = sdn
    by_id = _by_id(entities)
    ebano = by_id["ofac-4243"].proxy
    assert by_id["ofac-4243"].schema == "Vessel"
    assert ebano.get("imoNumber") == ["IMO7406784"]
    assert ebano.get("flag") == ["pa"]
    assert ebano.get("tonnage") == ["2595"] and ebano.get("grossRegisteredTonnage") == ["1865"]
    assert ebano.get("type") == ["General Cargo"]
    assert ebano.get("weakAlias") == ["ANA I", "SAND SWAN"]
    # Vessel owner named in its own column, not in the file: kept and reported.
    mar_azul = by_id["ofac-4238"]
    assert mar_azul.proxy.get("callSign") == ["CL2192"]
    assert mar_azul.annotations["unresolved_links"] == [
        {"relation": "Vessel Owner", "name": "Samir de Navegacion S.A."}
    ]
    assert any(i.record == "4238" and i.field == "Vess_owner" for i in ctx.issues)

    plane = by_id["ofac-15431"]
    assert plane.schema == "Airplane"
    assert plane.proxy.get("serialNumber") == ["8401", "1023409321"]
    assert plane.proxy.get("buildDate") == ["1992"]
    assert plane.proxy.get("model") == ["IL76-TD"]
    assert plane.proxy.get("operator") == ["ofac-13109"]  # YAS AIR, a weak alias of POUYA AIR
    links = [e for e in _attached(entities, plane.id) if e.schema == "UnknownLink"]
    assert [(e.proxy.first("object"), e.proxy.first("role")) for e in links] == [
        ("ofac-13109", "Linked To")
    ]

    wallets = [e for e in _attached(entities, "ofac-29703") if e.schema == "CryptoWallet"]
    keys = {(w.proxy.first("currency"), w.proxy.first("publicKey")) for w in wallets}
    assert ("XBT", "1DbShx4r8i2XesthoDBf5EkYWz5dsKEusV") in keys
    # from sdn_comments.csv, the continuation of the cut remarks
    assert ("ETH", "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c") in keys
    assert by_id["ofac-29703"].proxy.get("phone") == ["+79315403678"]


@pytest.mark.slow
def test_sdn_relations_resolve_to_file_entities(
    sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser],
) -> None:
    entities, _ctx, _parser = sdn
    parties = {e.id for e in entities if e.primary}
    relations = [e for e in entities if e.schema in ("UnknownLink", "Ownership")]
    assert len(relations) > 6_000
    for rel in relations:
        refs = [v for p, v in rel.proxy.itervalues() if p.type.name == "entity"]
        assert len(refs) == 2 and set(refs) <= parties, rel.to_dict()
        assert rel.source_ref is None and rel.id.startswith(
            refs[0] if rel.schema == "UnknownLink" else refs[1]
        )


@pytest.mark.slow
def test_sdn_published_is_unknown(
    sdn: tuple[list[ListEntity], ParseContext, OFACCSVParser],
) -> None:
    assert sdn[1].published is None


# --- the consolidated (non-SDN) list ---------------------------------------------------


def test_consolidated_list() -> None:
    path = shared_file("lists/ofac/non-sdn/cons_prim.csv")
    entities, ctx, parser = _parse(path, source="us_ofac_cons")
    rows = _rows(path)
    assert ctx.records_read == len(rows) == 442
    assert sum(1 for e in entities if e.primary) == 442
    alt = _rows(shared_file("lists/ofac/non-sdn/cons_alt.csv"))
    assert parser.stats["alt_rows_attached"] == len(alt) == 1_073
    assert parser.stats["add_rows_attached"] == len(
        _rows(shared_file("lists/ofac/non-sdn/cons_add.csv"))
    )
    programs = Counter(code for r in rows for code in set(_programs(r[3])))
    assert ctx.counts["Sanction"] == sum(programs.values())
    by_id = _by_id(entities)
    haniya = by_id["ofac-9639"]
    assert haniya.schema == "Person"
    assert haniya.proxy.get("birthDate") == ["1962"]
    assert haniya.proxy.get("birthPlace") == ["Shati"]
    assert "HANIYA, Ismail" in haniya.proxy.get("alias")
    sanction = _attached(entities, "ofac-9639")[0].proxy
    assert sanction.get("programId") == ["NS-PLC"]


# --- a mutually consistent set, and history files ----------------------------------------


@pytest.mark.slow
def test_consistent_2021_set() -> None:
    path = shared_file("lists/ofac/2021-07/sdn.csv")
    entities, ctx, parser = _parse(path)
    assert ctx.records_read == 8_976
    assert parser.stats["alt_rows_attached"] == parser.stats["alt_rows"] == 11_910
    assert parser.stats["add_rows_attached"] == parser.stats["add_rows"] == 13_837
    assert parser.stats["comments_appended"] == parser.stats["comments_rows"] == 5
    assert parser.stats["comments_bad_seam"] == 0
    assert not [i for i in ctx.issues if "main file lacks" in i.message]
    aliases = sum(
        len(e.proxy.get("alias")) + len(e.proxy.get("previousName"))
        for e in entities
        if e.primary and e.schema != "Sanction"
    )
    assert aliases <= 11_910  # equal but for spellings repeated on one entry
    assert aliases > 11_800
    # 12300 has its "Linked To" list cut at 1,000 characters; the rest is in sdn_comments.csv.
    links = [e for e in _attached(entities, "ofac-12300") if e.schema == "UnknownLink"]
    assert len(links) > 15


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "count"),
    [("sdn-2022-02-23.csv", 9_121), ("sdn-2022-03-21.csv", 9_396), ("sdn-2022-03-24.csv", 9_793)],
)
def test_history_files(name: str, count: int) -> None:
    path = shared_file(f"lists/ofac/history/{name}")
    entities, ctx, _parser = _parse(path)
    assert ctx.records_read == count == len(_rows(path))
    assert sum(1 for e in entities if e.primary) == count
    assert ctx.published == dt.date.fromisoformat(name[4:14])


def _groups(entities: list[ListEntity]) -> dict[str, list[str]]:
    """Each party's canonical JSON together with its own auxiliary records."""
    groups: dict[str, list[str]] = defaultdict(list)
    for entity in entities:
        owner = entity.id
        if not entity.primary:
            owner = entity.id.split("-sanction-")[0].split("-link-")[0]
            owner = re.sub(r"-(passport|identification|wallet|ownership)-[0-9a-f]{10}$", "", owner)
        groups[owner].append(canonical_json(entity))
    return {k: sorted(v) for k, v in groups.items()}


@pytest.mark.slow
def test_diff_2022_03_21_to_24_only_real_changes() -> None:
    """397 new designations (GREF among them) and no change the data does not carry."""
    old_path = shared_file("lists/ofac/history/sdn-2022-03-21.csv")
    new_path = shared_file("lists/ofac/history/sdn-2022-03-24.csv")
    old, _, _ = _parse(old_path)
    new, _, _ = _parse(new_path)
    old_parties = {e.id: e for e in old if e.primary}
    new_parties = {e.id: e for e in new if e.primary}
    added = new_parties.keys() - old_parties.keys()
    assert len(added) == 397
    assert not old_parties.keys() - new_parties.keys()
    assert "ofac-34796" in added and new_parties["ofac-34796"].caption == "GREF, Herman Oskarovich"

    old_rows = {r[0]: r for r in _rows(old_path)}
    new_rows = {r[0]: r for r in _rows(new_path)}
    old_groups, new_groups = _groups(old), _groups(new)
    changed = sorted(i for i in old_parties if old_groups[i] != new_groups[i])
    for party_id in changed:
        ref = old_parties[party_id].source_ref
        assert ref is not None
        assert old_rows[ref] != new_rows[ref], f"{party_id} changed but its row did not"
    # The changes are OFAC's: amended entries (new RUSSIA-EO14024 programme, details).
    assert changed == [
        "ofac-16666",
        "ofac-16710",
        "ofac-16806",
        "ofac-16807",
        "ofac-17024",
        "ofac-21184",
        "ofac-24123",
    ]


def test_parse_is_deterministic() -> None:
    path = shared_file("lists/ofac/non-sdn/cons_prim.csv")
    first = [canonical_json(e) for e in _parse(path, "us_ofac_cons")[0]]
    second = [canonical_json(e) for e in _parse(path, "us_ofac_cons")[0]]
    assert first == second
    assert len({json.loads(j)["id"] for j in first}) == len(first)


# --- malformed and hostile input ---------------------------------------------------------

GOOD = (
    '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    "\"a.k.a. 'BNC'; Linked To: AEROCARIBBEAN AIRLINES; Linked To: NOBODY KNOWN.\"\r\n"
)
BAD_COLUMNS = '400,"SHORT ROW",-0- ,"CUBA",-0- ,-0- \r\n'
BAD_ENT_NUM = 'X1,"LETTER ID","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
DUPLICATE = '36,"AEROCARIBBEAN AGAIN",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
PERSON = (
    '500,"DOE, John","individual","SDGT] [SYRIA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 31 Apr 1960; alt. DOB circa 1958; nationality Atlantis; Passport A123 (Egypt) '
    'issued 01 Jan 2001; Member of a fictional club."\r\n'
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") + b"\x1a")
    return path


def test_malformed_records_are_reported_and_the_rest_parses(tmp_path: Path) -> None:
    main = _write(tmp_path, "sdn.csv", GOOD + BAD_COLUMNS + BAD_ENT_NUM + DUPLICATE + PERSON)
    _write(
        tmp_path,
        "alt.csv",
        '306,1,"aka","NATIONAL BANK OF CUBA",-0- \r\n999,2,"aka","GHOST",-0- \r\n',
    )
    _write(tmp_path, "add.csv", '36,1,-0- ,"Havana","Cuba",-0- \r\n998,2,-0- ,-0- ,"Cuba",-0- \r\n')
    entities, ctx, parser = _parse(main)
    parties = {e.id: e for e in entities if e.primary}
    assert set(parties) == {"ofac-36", "ofac-306", "ofac-500"}
    assert ctx.records_read == 6 and ctx.records_rejected == 3
    errors = {(i.file, i.record, i.field) for i in ctx.issues if i.severity == "error"}
    assert errors == {
        ("sdn.csv", "400", "row"),
        ("sdn.csv", "X1", "ent_num"),
        ("sdn.csv", "36", "ent_num"),
    }

    # companions: rows of unknown ent_nums are warnings, not entities
    warnings = {(i.file, i.record, i.field) for i in ctx.issues if i.severity == "warning"}
    assert ("alt.csv", "999/2", "ent_num") in warnings
    assert ("add.csv", "998/2", "ent_num") in warnings
    assert parties["ofac-306"].proxy.get("alias") == ["NATIONAL BANK OF CUBA"]
    assert parties["ofac-36"].proxy.get("address") == ["Havana, Cuba"]

    # relations: one resolved, one kept as unresolved with a warning
    bank = parties["ofac-306"]
    assert bank.proxy.get("weakAlias") == ["BNC"]
    links = [e for e in entities if e.schema == "UnknownLink"]
    assert [(e.proxy.first("subject"), e.proxy.first("object")) for e in links] == [
        ("ofac-306", "ofac-36")
    ]
    assert bank.annotations["unresolved_links"] == [
        {"relation": "Linked To", "name": "NOBODY KNOWN"}
    ]
    assert ("sdn.csv", "306", "Remarks: Linked To") in warnings

    # a bad value is reported and kept in notes, the good ones still land
    doe = parties["ofac-500"]
    assert doe.proxy.get("birthDate") == ["1958"]
    assert doe.annotations["birth_dates"] == [{"date": "1958", "circa": True}]
    assert "DOB 31 Apr 1960" in doe.proxy.get("notes")
    assert "Member of a fictional club" in doe.proxy.get("notes")
    assert "nationality Atlantis" in doe.proxy.get("notes")
    assert ("sdn.csv", "500", "Remarks: nationality") in warnings
    passport = next(e for e in entities if e.schema == "Passport")
    assert passport.proxy.get("startDate") == ["2001-01-01"]
    assert {
        e.proxy.first("programId")
        for e in entities
        if e.schema == "Sanction" and e.proxy.first("entity") == "ofac-500"
    } == {"SDGT", "SYRIA"}
    assert parser.stats["remark_facts_unknown"] == 1


def test_gzipped_main_file(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv.gz"
    path.write_bytes(gzip.compress(GOOD.encode() + b"\x1a"))
    entities, ctx, _ = _parse(path)
    assert ctx.records_read == 2 and sum(1 for e in entities if e.primary) == 2


def test_remarks_continuation_is_joined(tmp_path: Path) -> None:
    remarks = "DOB 1960; " + "; ".join(f"Linked To: PARTY {i:03d}" for i in range(60))
    cut, rest = remarks[:1000], remarks[1000:]
    main = _write(
        tmp_path,
        "sdn.csv",
        f'1,"DOE, Jane","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{cut}"\r\n',
    )
    _write(tmp_path, "sdn_comments.csv", f'1,"{rest}"\r\n')
    entities, ctx, parser = _parse(main)
    jane = next(e for e in entities if e.primary)
    names = [link["name"] for link in jane.annotations["unresolved_links"]]
    assert names == [f"PARTY {i:03d}" for i in range(60)]
    assert parser.stats["comments_appended"] == 1


def test_published_date_from_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "sdn-2022-03-24.csv", GOOD)
    _entities, ctx, _ = _parse(path)
    assert ctx.published == dt.date(2022, 3, 24)


@pytest.mark.parametrize(
    "content",
    [
        b'{"id": "x", "schema": "Person", "properties": {}}\n',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b'36,12,"aka","AERO-CARIBBEAN",-0- \r\n',
        b"ent_num,name,type\r\n1,2,3\r\n",
    ],
)
def test_not_the_format(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(content)
    with pytest.raises(FormatError):
        list(OFACCSVParser().parse(path, ParseContext(source="us_ofac_sdn")))


def test_phone_variants() -> None:
    assert phone_variants("982188526300") == ["982188526300", "+982188526300"]
    assert phone_variants("0097282851500") == ["0097282851500", "+97282851500"]
    assert phone_variants("03889402") == ["03889402"]


def test_unknown_source_falls_back_to_sdn_prefix(tmp_path: Path) -> None:
    path = _write(tmp_path, "sdn.csv", GOOD)
    ctx: Any = ParseContext(source="not_a_source")
    entities = list(OFACCSVParser().parse(path, ctx))
    assert {e.id for e in entities if e.primary} == {"ofac-36", "ofac-306"}
