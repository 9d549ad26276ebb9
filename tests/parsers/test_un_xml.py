"""UN Security Council consolidated XML: counts and records checked against the real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import shared_file
from tripwire.model.entity import ListEntity
from tripwire.parsers.base import FormatError, ParseContext, read_head
from tripwire.parsers.un_xml import UNXMLParser, countries, split_document_number, split_names

UN_2026 = "lists/un/UN_consolidated-2026-02-27.xml"
UN_2022 = "lists/un/UN_consolidated-2022-09-15.xml"
UN_EXCERPT = "lists/un/UN_consolidated-excerpt.xml"


def _parse(path: Path, source: str = "un_sc") -> tuple[ParseContext, list[ListEntity]]:
    ctx = ParseContext(source=source)
    return ctx, list(UNXMLParser().parse(path, ctx))


def _by_id(entities: list[ListEntity]) -> dict[str, ListEntity]:
    return {e.id: e for e in entities}


def _related(entities: list[ListEntity], party_id: str, schema: str) -> list[ListEntity]:
    return [e for e in entities if e.schema == schema and e.id.startswith(party_id + "-")]


@pytest.fixture(scope="module")
def un2026() -> tuple[ParseContext, list[ListEntity]]:
    return _parse(shared_file(UN_2026))


# --- counts -------------------------------------------------------------------------------


def test_counts_match_the_file(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, entities = un2026
    root = etree.parse(str(shared_file(UN_2026))).getroot()
    individuals = len(root.findall("INDIVIDUALS/INDIVIDUAL"))
    organisations = len(root.findall("ENTITIES/ENTITY"))
    assert (individuals, organisations) == (730, 273)
    assert ctx.records_read == individuals + organisations
    assert ctx.records_rejected == 0
    assert ctx.counts["Person"] == individuals
    assert ctx.counts["Organization"] == organisations
    assert ctx.counts["Sanction"] == individuals + organisations
    assert sum(ctx.counts.values()) == len(entities)
    assert ctx.published == dt.date(2026, 2, 27)
    primaries = [e for e in entities if e.primary]
    refs = {" ".join((r.text or "").split()) for r in root.iter("REFERENCE_NUMBER")}
    assert {e.source_ref for e in primaries} == refs
    assert len({e.id for e in entities}) == len(entities)


def test_documents_counted_independently(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, _ = un2026
    root = etree.parse(str(shared_file(UN_2026))).getroot()
    numbered = [d for d in root.iter("INDIVIDUAL_DOCUMENT") if (d.findtext("NUMBER") or "").strip()]
    # Every document with a NUMBER becomes a Passport or Identification; a few
    # more have their number only in a note.
    kept = ctx.counts["Passport"] + ctx.counts["Identification"]
    assert len(numbered) <= kept <= len(numbered) + 20


def test_older_file_counts() -> None:
    ctx, _ = _parse(shared_file(UN_2022))
    assert (ctx.counts["Person"], ctx.counts["Organization"]) == (699, 253)
    assert ctx.published == dt.date(2022, 9, 15)
    assert ctx.records_rejected == 0


def test_few_warnings_on_the_real_file(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, _ = un2026
    # Known: 8 comment references to delisted parties, one Hijri birth date,
    # one document whose number cannot be found.
    assert len(ctx.issues) <= 12
    assert all(i.severity == "warning" for i in ctx.issues)


# --- records ------------------------------------------------------------------------------


def test_person_with_aliases_of_stated_quality(
    un2026: tuple[ParseContext, list[ListEntity]],
) -> None:
    _, entities = un2026
    gaston = _by_id(entities)["unsc-cdi-003"]
    assert gaston.schema == "Person"
    assert gaston.source_ref == "CDi.003"
    props = gaston.proxy
    assert props.get("name") == ["GASTON IYAMUREMYE"]
    assert props.get("weakAlias") == ["Rumuli"]
    assert "Michel Byiringiro" in props.get("alias")
    assert gaston.annotations["alias_quality"]["Rumuli"] == "low"
    assert gaston.annotations["alias_quality"]["Victor Rumuri"] == "strong"
    assert props.get("birthDate") == ["1948"]
    assert props.get("nationality") == ["rw"]
    assert "FDLR Interim President" in props.get("position")
    assert props.get("gender") == ["male"]
    assert "Musanze District, Northern Province, Rwanda" in props.get("birthPlace")
    assert props.get("modifiedAt") == ["2016-10-13"]
    [sanction] = _related(entities, gaston.id, "Sanction")
    sp = sanction.proxy
    assert sanction.source_ref is None
    assert sp.get("entity") == [gaston.id]
    assert sp.get("authority") == ["United Nations Security Council"]
    assert sp.get("program") == ["DRC"] and sp.get("programId") == ["DRC"]
    assert sp.get("listingDate") == ["2010-12-01"]
    assert sp.get("unscId") == ["CDi.003"] and sp.get("authorityId") == ["CDi.003"]
    assert sp.get("sourceUrl") == ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"]


def test_listing_date_with_time_zone(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    _, entities = un2026
    [sanction] = _related(entities, "unsc-ssi-001", "Sanction")
    assert sanction.proxy.get("listingDate") == ["2015-07-01"]


def test_packed_alias_names_are_split(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    _, entities = un2026
    nusra = _by_id(entities)["unsc-qde-137"]
    aliases = nusra.proxy.get("alias")
    # "Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hay’at ...)"
    assert "Hay’at Tahrir al-Sham (HTS)" in aliases
    assert "هيئة تحرير الشام" in aliases
    assert "Jabhat al-Nusrah" in aliases and "جبهة النصرة" in aliases
    assert not any("(original script)" in a or ";" in a for a in aliases)
    # QDi.317 is referenced in the comments but no longer on the list.
    unresolved = nusra.annotations["unresolved_links"]
    assert {"relation": "mentioned in UN listing comments", "name": "QDi.317"} in unresolved


def test_former_name_of_an_entity(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    _, entities = un2026
    aqim = _by_id(entities)["unsc-qde-014"]
    assert aqim.schema == "Organization"
    assert "Le Groupe Salafiste pour La Prédication et le Combat (GSPC)" in aqim.proxy.get(
        "previousName"
    )


def test_links_and_documents(un2026: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, entities = un2026
    asiri = _by_id(entities)["unsc-qdi-291"]
    assert asiri.proxy.get("passportNumber") == ["F654645"]
    assert "1028745097" in asiri.proxy.get("idNumber")
    [passport] = _related(entities, asiri.id, "Passport")
    pp = passport.proxy
    assert pp.get("holder") == [asiri.id]
    assert pp.get("country") == ["sa"]
    assert pp.get("startDate") == ["2005-04-30"]
    assert pp.get("endDate") == ["2010-03-07"]
    targets = {link.proxy.first("object") for link in _related(entities, asiri.id, "UnknownLink")}
    assert {"unsc-qde-129", "unsc-qdi-282", "unsc-qdi-283"} <= targets
    assert {"note": "24/06/1402 (Hijri Calendar)"} in asiri.annotations["birth_dates"]
    assert any(i.record == "QDi.291" and "Hijri" in i.message for i in ctx.issues)


def test_excerpt_layout(tmp_path: Path) -> None:
    ctx, entities = _parse(shared_file(UN_EXCERPT))
    root = etree.parse(str(shared_file(UN_EXCERPT))).getroot()
    assert ctx.records_read == len(root.findall("*/INDIVIDUAL")) + len(root.findall("*/ENTITY"))
    assert ctx.published == dt.date(2026, 9, 9)
    by_id = _by_id(entities)
    anizi = by_id["unsc-qdi-335"].proxy
    assert anizi.get("name") == ["‘ABD AL-RAHMAN KHALAF ‘UBAYD JUDAY’ AL-‘ANIZI"]
    assert anizi.get("idNumber") == ["273030601222"]
    assert anizi.get("birthDate") == ["1973-03-06"]
    assert "Abu Usamah al-Kuwaiti" in anizi.get("weakAlias")
    # BETWEEN 1977 and 1982: both years, and the range in annotations.
    amar = by_id["unsc-qdi-314"]
    assert sorted(amar.proxy.get("birthDate")) == ["1977", "1982"]
    assert {"from": "1977", "to": "1982"} in amar.annotations["birth_dates"]
    assert "عبد الرحمن ولد العامر" in amar.proxy.get("alias")
    # APPROXIMATELY 1957, a title, an original-script name.
    nik = by_id["unsc-tai-019"]
    assert nik.proxy.get("birthDate") == ["1957"]
    assert {"date": "1957", "circa": True} in nik.annotations["birth_dates"]
    assert nik.proxy.get("title") == ["Maulavi"]
    assert "نیک محمد دوست محمد" in nik.proxy.get("alias")
    # A passport with issue date and an expiry stated in its note.
    aqsa = by_id["unsc-qdi-356"]
    assert aqsa.proxy.get("gender") == ["female"]
    [passport] = _related(entities, aqsa.id, "Passport")
    assert passport.proxy.get("number") == ["720134834"]
    assert passport.proxy.get("country") == ["gb"]
    assert passport.proxy.get("startDate") == ["2012-06-27"]
    assert passport.proxy.get("endDate") == ["2022-06-27"]
    # "KPe.033 " with a trailing space still gives a clean id and reference.
    bank = by_id["unsc-kpe-033"]
    assert bank.source_ref == "KPe.033"
    assert bank.proxy.get("address") == ["Pyongyang, Democratic People's Republic of Korea"]
    assert bank.proxy.get("country") == ["kp"]
    assert "Abdullah Azzam Brigades" in by_id["unsc-qde-144"].proxy.get("alias")


def test_qualified_country_values_are_interpreted() -> None:
    _, entities = _parse(shared_file(UN_2022))
    by_id = _by_id(entities)
    hassan = by_id["unsc-soi-009"].proxy
    assert hassan.get("nationality") == ["et"]
    assert "Nationality: Possibly Ethiopian" in hassan.get("notes")


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("حسن غول (Hassan Ghul; Hassan Gul)", ["حسن غول", "Hassan Ghul", "Hassan Gul"]),
        ("Amir Khazmat (original script: Амир Хазмат)", ["Amir Khazmat", "Амир Хазмат"]),
        ("Encep Nurjaman (birth name)", ["Encep Nurjaman"]),
        ("AL-QAIDA IN THE ARABIAN PENINSULA (AQAP)", ["AL-QAIDA IN THE ARABIAN PENINSULA (AQAP)"]),
        ("Agha Jan Alizai اغا جان عالیزی", ["Agha Jan Alizai", "اغا جان عالیزی"]),
        (
            "Mohammed Sabet; Mohammad Sabet b) M. Javad Sabet",
            ["Mohammed Sabet", "Mohammad Sabet", "M. Javad Sabet"],
        ),
        ("Kim\n      Yong-Chol\n   ", ["Kim Yong-Chol"]),
    ],
)
def test_split_names(raw: str, names: list[str]) -> None:
    assert split_names(raw)[0] == names


@pytest.mark.parametrize(
    ("raw", "prose", "number"),
    [
        ("French passport number 05AT521433", False, "05AT521433"),
        ("563210184 (Expires 18 Jun. 2018)", False, "563210184"),
        ("D 001206", False, "D 001206"),
        ("R00012098, South Sudan", False, "R00012098"),
        ("Tunisian passport number L 191609 issued on 28 Feb. 1996", True, "L 191609"),
        ("SSN 156-92-9858 (United States of America)", True, "156-92-9858"),
        ("issued in 1993, under name Muhammad Jamal", True, None),
    ],
)
def test_split_document_number(raw: str, prose: bool, number: str | None) -> None:
    assert split_document_number(raw, prose=prose)[0] == number


def test_countries() -> None:
    assert countries("Syrian Arab Republic") == (["sy"], False)
    assert countries("Sudan/South Sudan") == (["sd", "ss"], True)
    assert countries("Indonesia (as at Dec. 2003)") == (["id"], True)
    assert countries("unknown") == ([], True)


# --- format detection, broken and hostile files ------------------------------------------


def test_sniff() -> None:
    for relative, expected in [
        (UN_2026, True),
        (UN_EXCERPT, True),
        ("lists/eu/eu_fsf-excerpt-2026-08-05.xml", False),
        ("lists/uk/uk_sanctions_list-excerpt.xml", False),
        ("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml", False),
        ("lists/ofac/sdn.csv", False),
    ]:
        path = shared_file(relative)
        assert UNXMLParser.sniff(read_head(path, 16384), path) is expected, relative


_RECORD = """
    <INDIVIDUAL>
      <DATAID>{dataid}</DATAID>
      <FIRST_NAME>{name}</FIRST_NAME>
      <SECOND_NAME>TEST</SECOND_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      {ref}
      <LISTED_ON>2001-01-25</LISTED_ON>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>EXACT</TYPE_OF_DATE>
        <DATE>{dob}</DATE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <NATIONALITY><VALUE>{nationality}</VALUE></NATIONALITY>
    </INDIVIDUAL>"""


def _write(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "consolidated.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CONSOLIDATED_LIST dateGenerated="2026-01-02T00:00:00Z"><INDIVIDUALS>'
        + "".join(records)
        + "</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    return path


def _record(
    dataid: int, name: str, ref: str | None, dob: str = "1970-01-01", nat: str = "Mali"
) -> str:
    tag = f"<REFERENCE_NUMBER>{ref}</REFERENCE_NUMBER>" if ref else ""
    return _RECORD.format(dataid=dataid, name=name, ref=tag, dob=dob, nationality=nat)


def test_malformed_records_are_reported_and_the_rest_parses(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _record(1, "GOOD", "QDi.901"),
        _record(2, "NOREF", None),
        _record(3, "BADDATE", "QDi.902", dob="1970-13-45", nat="Atlantis"),
        _record(4, "DUPLICATE", "QDi.901"),
    )
    ctx, entities = _parse(path)
    assert ctx.published == dt.date(2026, 1, 2)
    assert ctx.records_read == 4
    assert ctx.records_rejected == 2
    people = {e.source_ref: e for e in entities if e.primary}
    assert set(people) == {"QDi.901", "QDi.902"}
    assert people["QDi.901"].proxy.get("birthDate") == ["1970-01-01"]
    assert people["QDi.902"].proxy.get("birthDate") == []
    errors = [(i.file, i.record, i.field) for i in ctx.issues if i.severity == "error"]
    assert ("consolidated.xml", "2", "REFERENCE_NUMBER") in errors
    assert ("consolidated.xml", "QDi.901", "REFERENCE_NUMBER") in errors
    warnings = {(i.record, i.field) for i in ctx.issues if i.severity == "warning"}
    assert ("QDi.902", "INDIVIDUAL_DATE_OF_BIRTH") in warnings
    assert ("QDi.902", "NATIONALITY") in warnings


def test_xxe_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&xxe;</FIRST_NAME>"
        "<REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    )
    with pytest.raises(FormatError):
        list(UNXMLParser().parse(path, ParseContext(source="un_sc")))


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};">' for i in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY l0 "lol">{entities}]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&l9;</FIRST_NAME>"
        "<REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    )
    with pytest.raises(FormatError):
        list(UNXMLParser().parse(path, ParseContext(source="un_sc")))


def test_other_format_and_truncated_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        list(
            UNXMLParser().parse(
                shared_file("lists/eu/eu_fsf-excerpt-2026-08-05.xml"), ParseContext(source="un_sc")
            )
        )
    text = shared_file(UN_EXCERPT).read_text(encoding="utf-8")
    path = tmp_path / "truncated.xml"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(FormatError):
        list(UNXMLParser().parse(path, ParseContext(source="un_sc")))


def test_unknown_source_falls_back_to_un_prefix() -> None:
    _, entities = _parse(shared_file(UN_EXCERPT), source="something_else")
    assert "unsc-qdi-335" in _by_id(entities)
