"""EU Financial Sanctions Files XML: counts and records checked against the real files."""

from __future__ import annotations

import datetime as dt
import gzip
import time
from pathlib import Path

import pytest
from followthemoney import registry
from lxml import etree

from tests.conftest import shared_file
from tripwire.model.entity import ListEntity
from tripwire.parsers.base import FormatError, ParseContext, read_head
from tripwire.parsers.eu_fsf import EUFSFParser

EXCERPT = "lists/eu/eu_fsf-excerpt-2026-08-05.xml"
REBUILT = "lists/eu/eu_fsf-2026-05-01-rebuilt.xml.gz"
NS = "{http://eu.europa.ec/fpi/fsd/export}"


def _parse(path: Path, source: str = "eu_fsf") -> tuple[ParseContext, list[ListEntity]]:
    ctx = ParseContext(source=source)
    return ctx, list(EUFSFParser().parse(path, ctx))


def _by_ref(entities: list[ListEntity]) -> dict[str, ListEntity]:
    return {e.source_ref: e for e in entities if e.source_ref is not None}


def _related(entities: list[ListEntity], party_id: str, schema: str) -> list[ListEntity]:
    return [e for e in entities if e.schema == schema and e.id.startswith(party_id + "-")]


@pytest.fixture(scope="module")
def excerpt() -> tuple[ParseContext, list[ListEntity]]:
    return _parse(shared_file(EXCERPT))


@pytest.fixture(scope="module")
def rebuilt() -> tuple[ParseContext, list[ListEntity], float]:
    path = shared_file(REBUILT)
    started = time.perf_counter()
    ctx, entities = _parse(path)
    return ctx, entities, time.perf_counter() - started


@pytest.fixture(scope="module")
def rebuilt_tree() -> etree._Element:
    with gzip.open(shared_file(REBUILT), "rb") as handle:
        return etree.fromstring(handle.read())


# --- the official excerpt (format reference) -----------------------------------------------


def test_excerpt_counts(excerpt: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, entities = excerpt
    root = etree.parse(str(shared_file(EXCERPT))).getroot()
    assert ctx.records_read == len(root.findall(NS + "sanctionEntity")) == 5
    assert ctx.published == dt.date(2026, 8, 5)
    assert (ctx.counts["Person"], ctx.counts["Organization"], ctx.counts["Sanction"]) == (4, 1, 5)
    assert ctx.counts["Passport"] + ctx.counts["Identification"] == len(
        root.findall(f"{NS}sanctionEntity/{NS}identification")
    )
    assert sum(ctx.counts.values()) == len(entities)


def test_excerpt_person_with_structured_name(
    excerpt: tuple[ParseContext, list[ListEntity]],
) -> None:
    _, entities = excerpt
    ksm = _by_ref(entities)["EU.3579.2"]
    assert ksm.id == "eu-fsf-191"
    assert ksm.schema == "Person"
    p = ksm.proxy
    # No alias is flagged as primary: the Latin one with name parts in English wins.
    assert p.get("name") == ["Khalid Sheikh MOHAMMED"]
    assert p.get("firstName") == ["Khalid Sheikh"] and p.get("lastName") == ["MOHAMMED"]
    assert "Bin Khalid Fahd Bin Abdallah" in p.get("alias")
    assert sorted(p.get("birthDate")) == ["1964-03-01", "1965-04-14"]
    assert p.get("birthCountry") == ["pk"]
    assert p.get("birthPlace") == []  # the city is "-"
    assert p.get("passportNumber") == ["488555"]
    [passport] = _related(entities, ksm.id, "Passport")
    assert passport.proxy.get("country") == []  # "00" UNKNOWN
    [sanction] = _related(entities, ksm.id, "Sanction")
    s = sanction.proxy
    assert s.get("program") == ["TERR"] and s.get("programId") == ["TERR"]
    assert s.get("authority") == ["European Union"] and s.get("country") == ["eu"]
    assert s.get("authorityId") == ["EU.3579.2"]
    # No designationDate: the earliest legal act cited in the entry.
    assert s.get("listingDate") == ["2005-11-30"]
    assert s.get("startDate") == ["2025-02-01"]
    assert s.get("sourceUrl") == [
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=OJ:L_202500206"
    ]


def test_excerpt_circa_range_and_designation_date(
    excerpt: tuple[ParseContext, list[ListEntity]],
) -> None:
    _, entities = excerpt
    jan = _by_ref(entities)["EU.502.12"]
    assert sorted(jan.proxy.get("birthDate")) == ["1953", "1958"]
    assert {"from": "1953", "to": "1958", "circa": True} in jan.annotations["birth_dates"]
    assert jan.proxy.get("title") == ["Maulavi"]
    assert jan.proxy.get("position") == [
        "Minister of Water and Electricity under the Taliban regime"
    ]
    assert jan.proxy.get("nationality") == ["af"]
    [sanction] = _related(entities, jan.id, "Sanction")
    assert sanction.proxy.get("listingDate") == ["2001-01-25"]
    assert "Believed to be in Afghanistan" in (sanction.proxy.first("reason") or "")


def test_excerpt_enterprise(excerpt: tuple[ParseContext, list[ListEntity]]) -> None:
    ctx, entities = excerpt
    parchin = _by_ref(entities)["EU.3953.70"]
    p = parchin.proxy
    assert parchin.schema == "Organization"
    assert p.get("name") == ["Parchin Chemical Industries (PCI)"]
    assert "صنایع شیمیایی پارچین" in p.get("alias")
    assert p.get("registrationNumber") == ["892"]
    assert "Pasdaran Square, P.O. Box 16765/358, Tehran, Iran" in p.get("address")
    assert p.get("country") == ["ir"]
    assert p.get("website") == ["http://icig.ir/"]
    # Two of the three phone numbers are not valid numbers: reported, not dropped silently.
    phone_issues = {
        i.message for i in ctx.issues if i.record == "EU.3953.70" and "PHONE" in i.field
    }
    assert len(phone_issues) == 2
    assert p.get("phone") == ["+982135243153"]
    [sanction] = _related(entities, parchin.id, "Sanction")
    assert sanction.proxy.get("summary") == ["UN designation:24/03/2007 (no longer valid)"]


def test_excerpt_alias_quality_and_documents(
    excerpt: tuple[ParseContext, list[ListEntity]],
) -> None:
    _, entities = excerpt
    asiri = _by_ref(entities)["EU.3092.36"]
    assert set(asiri.proxy.get("weakAlias")) == {"Abu-Salaah", "Abosslah", "Abu Saleh"}
    assert asiri.annotations["alias_quality"]["Abu Saleh"] == "low"  # remark "low quality aliias"
    assert asiri.annotations["alias_quality"]["Ibrahim al-'Asiri"] == "strong"
    assert "إبراهيم حسن طالع عسيري" in asiri.proxy.get("alias")
    assert "Abu Saleh" not in asiri.proxy.get("alias")
    dorda = _by_ref(entities)["EU.3886.3"]
    [sanction] = _related(entities, dorda.id, "Sanction")
    assert sanction.proxy.get("unscId") == ["LYi.006"]
    [passport] = _related(entities, dorda.id, "Passport")
    pp = passport.proxy
    assert pp.get("number") == ["FK117RK0"]
    assert pp.get("country") == ["ly"]
    assert pp.get("startDate") == ["2018-11-25"] and pp.get("endDate") == ["2026-11-24"]
    assert pp.get("authority") == ["Tripoli"]


# --- the rebuilt full list -----------------------------------------------------------------


@pytest.mark.slow
def test_rebuilt_counts_match_the_file(
    rebuilt: tuple[ParseContext, list[ListEntity], float], rebuilt_tree: etree._Element
) -> None:
    ctx, entities, _elapsed = rebuilt
    entries = rebuilt_tree.findall(NS + "sanctionEntity")
    codes = [s.get("code") for s in rebuilt_tree.iterfind(f"{NS}sanctionEntity/{NS}subjectType")]
    assert len(entries) == 5860
    assert ctx.records_read == len(entries)
    assert ctx.records_rejected == 0
    assert ctx.counts["Person"] == codes.count("person") == 4341
    assert ctx.counts["Organization"] == codes.count("enterprise") == 1519
    assert ctx.counts["Sanction"] == len(entries)
    idents = rebuilt_tree.findall(f"{NS}sanctionEntity/{NS}identification")
    assert ctx.counts["Passport"] == sum(
        1 for i in idents if i.get("identificationTypeCode") == "passport"
    )
    assert ctx.counts["Passport"] + ctx.counts["Identification"] <= len(idents)
    assert sum(ctx.counts.values()) == len(entities)
    assert len({e.id for e in entities}) == len(entities)
    assert ctx.published == dt.date(2026, 5, 1)


@pytest.mark.slow
def test_rebuilt_every_name_alias_is_kept(
    rebuilt: tuple[ParseContext, list[ListEntity], float], rebuilt_tree: etree._Element
) -> None:
    _, entities, _ = rebuilt
    aliases = rebuilt_tree.findall(f"{NS}sanctionEntity/{NS}nameAlias")
    assert len(aliases) == 29826
    expected: dict[str | None, set[str]] = {}
    for entry in rebuilt_tree.iterfind(NS + "sanctionEntity"):
        # FtM's own name cleaning (it drops quotes around a nickname like 'the Nose').
        names = {registry.name.clean(a.get("wholeName")) for a in entry.iter(NS + "nameAlias")}
        expected[entry.get("euReferenceNumber")] = {n for n in names if n}
    got = {
        e.source_ref: set(e.proxy.get("name") + e.proxy.get("alias") + e.proxy.get("weakAlias"))
        for e in entities
        if e.primary
    }
    assert got == expected
    cyrillic = sum(
        1 for names in got.values() for n in names if any("а" <= c <= "я" for c in n.lower())
    )
    assert cyrillic > 4000
    # Exactly one name per party.
    assert all(len(e.proxy.get("name")) == 1 for e in entities if e.primary)


@pytest.mark.slow
def test_rebuilt_russian_person(rebuilt: tuple[ParseContext, list[ListEntity], float]) -> None:
    _, entities, _ = rebuilt
    morenets = _by_ref(entities)["EU.5705.84"]
    p = morenets.proxy
    assert morenets.id == "eu-fsf-124980"
    assert p.get("name") == ["Aleksei Sergeyvich MORENETS"]
    assert "Алексей Сергеевич МОРЕНЕЦ" in p.get("alias")
    assert p.get("birthDate") == ["1977-07-31"]
    assert p.get("nationality") == ["ru"]
    assert p.get("passportNumber") == ["100135556"]
    [passport] = _related(entities, morenets.id, "Passport")
    assert passport.proxy.get("country") == ["ru"]
    [sanction] = _related(entities, morenets.id, "Sanction")
    assert sanction.proxy.get("programId") == ["CYB"]
    putin = _by_ref(entities)["EU.7510.16"]
    assert putin.proxy.get("name") == ["Vladimir Vladimirovich PUTIN"]
    assert "Влади́мир Влади́мирович ПУ́ТИН" in putin.proxy.get("alias")
    assert putin.proxy.get("birthDate") == ["1952-10-07"]


@pytest.mark.slow
def test_rebuilt_russian_tax_and_registration_numbers(
    rebuilt: tuple[ParseContext, list[ListEntity], float],
) -> None:
    _, entities, _ = rebuilt
    by_ref = _by_ref(entities)
    # A fiscal code of unknown country on a Russian-regime entry with Russian names: an INN.
    gusev = by_ref["EU.11178.0"].proxy
    assert gusev.get("innCode") == ["772647099114"]
    assert gusev.get("taxNumber") == ["772647099114"]
    port = by_ref["EU.4037.50"].proxy
    assert port.get("ogrnCode") == ["1149204004707"]
    # A non-Russian tax number is not taken for an INN.
    assert all(
        not e.proxy.get("innCode")
        for e in entities
        if e.schema == "Person" and e.proxy.get("nationality") == ["ir"]
    )


@pytest.mark.slow
def test_rebuilt_islamic_calendar_dates_reported(
    rebuilt: tuple[ParseContext, list[ListEntity], float], rebuilt_tree: etree._Element
) -> None:
    ctx, _, _ = rebuilt
    unconverted = [
        b
        for b in rebuilt_tree.iter(NS + "birthdate")
        if b.get("calendarType") != "GREGORIAN" and not b.get("birthdate")
    ]
    issues = [i for i in ctx.issues if i.field == "birthdate/calendarType"]
    assert len(issues) == len(unconverted) == 4
    assert len(ctx.issues) == len(issues)


# --- format detection, broken and hostile files --------------------------------------------


def test_sniff() -> None:
    for relative, expected in [
        (EXCERPT, True),
        (REBUILT, True),
        ("lists/un/UN_consolidated-excerpt.xml", False),
        ("lists/uk/uk_sanctions_list-excerpt.xml", False),
        ("lists/ofac/sdn_advanced-excerpt-2026-09-09.xml", False),
        ("lists/ofac/sdn.csv", False),
    ]:
        path = shared_file(relative)
        assert EUFSFParser.sniff(read_head(path, 16384), path) is expected, relative


_ENTRY = """
<sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="{ref}" logicalId="{lid}">
  <regulation regulationType="amendment" organisationType="council" publicationDate="2022-02-25"
      entryIntoForceDate="2022-02-25" numberTitle="2022/332 (OJ L53)" programme="UKR" logicalId="1">
    <publicationUrl>https://eur-lex.europa.eu/eli/reg/2022/332/oj</publicationUrl>
  </regulation>
  <subjectType code="person" classificationCode="P"/>
  {name}
  <birthdate circa="false" calendarType="GREGORIAN" city="Moscow" birthdate="{dob}"
      countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION" logicalId="2"/>
</sanctionEntity>"""


def _entry(ref: str, lid: str, name: str | None, dob: str = "1970-01-01") -> str:
    alias = (
        f'<nameAlias firstName="" middleName="" lastName="" wholeName="{name}" function="" '
        f'title="" nameLanguage="" strong="true" logicalId="3"/>'
        if name
        else ""
    )
    return _ENTRY.format(ref=ref, lid=lid, name=alias, dob=dob)


def _write(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "fsf.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" '
        'generationDate="2026-01-02T10:00:00.000+01:00">' + "".join(entries) + "</export>",
        encoding="utf-8",
    )
    return path


def test_malformed_entries_are_reported_and_the_rest_parses(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _entry("EU.1.1", "101", "Ivan IVANOV"),
        _entry("EU.2.2", "102", None),
        _entry("EU.3.3", "103", "Petr PETROV", dob="1970-13-45"),
        _entry("EU.4.4", "101", "Duplicate DUPLICATE"),
    )
    ctx, entities = _parse(path)
    assert ctx.published == dt.date(2026, 1, 2)
    assert ctx.records_read == 4
    assert ctx.records_rejected == 2
    people = _by_ref(entities)
    assert set(people) == {"EU.1.1", "EU.3.3"}
    assert people["EU.1.1"].proxy.get("birthDate") == ["1970-01-01"]
    assert people["EU.3.3"].proxy.get("birthDate") == []
    assert people["EU.3.3"].proxy.get("birthPlace") == ["Moscow, Russia"]
    errors = {(i.file, i.record, i.field) for i in ctx.issues if i.severity == "error"}
    assert errors == {("fsf.xml", "EU.2.2", "nameAlias"), ("fsf.xml", "EU.4.4", "logicalId")}
    warnings = {(i.record, i.field) for i in ctx.issues if i.severity == "warning"}
    assert warnings == {("EU.3.3", "birthdate")}


def test_xxe_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE export [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export">'
        '<sanctionEntity logicalId="1"><nameAlias wholeName="&xxe;"/></sanctionEntity></export>'
    )
    with pytest.raises(FormatError):
        list(EUFSFParser().parse(path, ParseContext(source="eu_fsf")))


def test_other_format_and_truncated_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        list(
            EUFSFParser().parse(
                shared_file("lists/un/UN_consolidated-excerpt.xml"), ParseContext(source="eu_fsf")
            )
        )
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    path = tmp_path / "truncated.xml"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(FormatError):
        list(EUFSFParser().parse(path, ParseContext(source="eu_fsf")))
