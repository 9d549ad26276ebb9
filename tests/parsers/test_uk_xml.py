"""UK Sanctions List XML: the rebuilt list parses whole, the official excerpt fixes the layout."""

from __future__ import annotations

import datetime as dt
import gzip
from collections import Counter
from pathlib import Path

import pytest
from followthemoney import registry
from lxml import etree

from tests.conftest import shared_file
from tripwire.model.entity import ListEntity
from tripwire.parsers.base import FormatError, ParseContext, read_head
from tripwire.parsers.uk_xml import UKXMLParser, split_registration, uk_country, uk_date

FULL = "lists/uk/uk_sanctions_list-2026-08-22-rebuilt.xml.gz"
EXCERPT = "lists/uk/uk_sanctions_list-excerpt.xml"
SCHEMAS = {"Individual": "Person", "Entity": ("Organization", "Company"), "Ship": "Vessel"}


def _parse(path: Path, source: str = "gb_fcdo") -> tuple[list[ListEntity], ParseContext]:
    ctx = ParseContext(source=source)
    return list(UKXMLParser().parse(path, ctx)), ctx


def _by_ref(entities: list[ListEntity]) -> dict[str, ListEntity]:
    return {e.source_ref: e for e in entities if e.source_ref}


def _attached(entities: list[ListEntity], party: ListEntity, schema: str) -> list[ListEntity]:
    props = {"Sanction": "entity", "Passport": "holder", "Identification": "holder"}
    return [e for e in entities if e.schema == schema and party.id in e.proxy.get(props[schema])]


@pytest.fixture(scope="module")
def full() -> tuple[list[ListEntity], ParseContext]:
    return _parse(shared_file(FULL))


@pytest.fixture(scope="module")
def excerpt() -> tuple[list[ListEntity], ParseContext]:
    return _parse(shared_file(EXCERPT))


@pytest.mark.slow
def test_full_list_counts_match_the_file(full: tuple[list[ListEntity], ParseContext]) -> None:
    with gzip.open(shared_file(FULL)) as handle:
        root = etree.parse(handle).getroot()
    designations = root.findall("Designation")
    kinds = Counter(d.findtext("IndividualEntityShip") for d in designations)
    assert kinds == {"Individual": 4036, "Entity": 1647, "Ship": 666}  # README figures
    passports = {
        (
            d.findtext("UniqueID"),
            p.findtext("PassportNumber"),
            p.findtext("PassportAdditionalInformation"),
        )
        for d in designations
        for p in d.iterfind("IndividualDetails/Individual/PassportDetails/Passport")
    }
    entities, ctx = full
    counts = Counter(e.schema for e in entities)
    assert counts["Person"] == kinds["Individual"]
    assert counts["Organization"] + counts["Company"] == kinds["Entity"]
    assert counts["Vessel"] == kinds["Ship"]
    assert counts["Sanction"] == len(designations)
    assert counts["Passport"] == len(passports)
    assert sum(e.primary for e in entities) == len(designations) == ctx.records_read
    assert dict(ctx.counts) == dict(counts)
    assert ctx.records_rejected == 0
    assert ctx.published == dt.date(2026, 8, 22)
    # Every non-Latin name is kept as an alias of its designation.
    non_latin = Counter()
    for d in designations:
        for value in d.iterfind("NonLatinNames/NonLatinName/NameNonLatinScript"):
            # FtM's name cleaning drops format characters such as U+200E.
            non_latin[(d.findtext("UniqueID"), registry.name.clean(value.text))] += 1
    assert sum(non_latin.values()) == 3868
    parties = _by_ref(entities)
    missing = [key for key in non_latin if key[1] not in parties[key[0]].proxy.get("alias")]
    assert missing == []


@pytest.mark.slow
def test_full_list_ids_are_stable() -> None:
    """Speed is measured in benchmarks/bench_ingest.py, not asserted here."""
    path = shared_file(FULL)
    first, _ = _parse(path)
    second, _ = _parse(path)
    assert [e.id for e in first] == [e.id for e in second]
    assert len({e.id for e in first}) == len(first)


@pytest.mark.slow
def test_real_values_are_clean(full: tuple[list[ListEntity], ParseContext]) -> None:
    entities, ctx = full
    # The FCDO's country spellings are all understood: no country issue at all.
    assert not [i for i in ctx.issues if "country" in i.message]
    parties = _by_ref(entities)
    assert parties["DRC0001"].proxy.get("nationality") == ["cd"]  # "Congo (Democratic Republic)"
    assert parties["BEL0071"].proxy.get("birthCountry") == ["by"]  # "former USSR (now Belarus)"
    occupied = parties["AQD0196"].proxy.get("country")
    assert "ps" in occupied  # "Occupied Palestinian Territories"


@pytest.mark.slow
def test_person_names_sanction_and_scripts(full: tuple[list[ListEntity], ParseContext]) -> None:
    entities, _ = full
    parties = _by_ref(entities)
    person = parties["RUS0051"]
    assert person.id == "gb-fcdo-rus0051"
    assert person.schema == "Person"
    assert person.proxy.get("name") == ["Vladimir Nikolaevich Pligin"]
    assert "Владимир Николаевич ПЛИГИН" in person.proxy.get("alias")
    assert person.annotations["name_scripts"]["Владимир Николаевич ПЛИГИН"] == "Cyrillic"
    assert person.annotations["ofsi_group_id"] == "12967"
    assert person.proxy.get("birthCountry") == ["ru"]  # "USSR (now Russian Federation)"
    (sanction,) = _attached(entities, person, "Sanction")
    assert sanction.source_ref is None
    assert sanction.proxy.get("program") == ["The Russia (Sanctions) (EU Exit) Regulations 2019"]
    assert sanction.proxy.get("programId") == ["RUS"]
    assert sanction.proxy.get("authorityId") == ["RUS0051"]
    assert sanction.proxy.get("listingDate") == ["2020-12-31"]
    assert sanction.proxy.get("modifiedAt") == ["2025-04-09"]
    assert sanction.proxy.get("country") == ["gb"]
    assert "Travel Ban" in sanction.proxy.get("provisions")
    assert sanction.proxy.first("reason").startswith("Former member of the State Duma")
    assert sanction.annotations["measures"]["TrustServicesSanctions"] is True


@pytest.mark.slow
def test_alias_quality_and_weak_aliases(full: tuple[list[ListEntity], ParseContext]) -> None:
    parties = _by_ref(full[0])
    person = parties["AFG0009"]
    assert person.proxy.get("weakAlias") == ["Mudir"]
    assert "Mohammad Taher Anwari" in person.proxy.get("alias")
    assert person.annotations["alias_quality"]["Mudir"] == "low"
    assert person.annotations["alias_quality"]["Mohammad Taher Anwari"] == "strong"


@pytest.mark.slow
def test_registration_numbers_become_typed_identifiers(
    full: tuple[list[ListEntity], ParseContext],
) -> None:
    parties = _by_ref(full[0])
    vata = parties["RUS3174"].proxy  # "Russia INN - 7743444827Russia OGRN - 1247700239270..."
    assert vata.schema.name == "Company"
    assert vata.get("innCode") == ["7743444827"]
    assert vata.get("ogrnCode") == ["1247700239270"]
    assert vata.get("kppCode") == ["772201001"]
    bank = parties["RUS1492"].proxy
    assert bank.get("swiftBic") == ["MINNRUMM"]
    assert bank.get("bikCode") == ["044525600"]
    assert bank.get("leiCode") == ["2534006SJ05GGKETEY75"]
    assert bank.get("innCode") == ["7725039953"]
    assert bank.get("ogrnCode") == ["1027739179160"]  # "Registration Number ... (Russia)"
    german = parties["RUS2441"].proxy
    assert german.get("taxNumber") == ["257/120/19983"]
    assert german.get("vatCode") == ["DE 258714047"]


@pytest.mark.slow
def test_ship_imo_numbers_are_normalised(full: tuple[list[ListEntity], ParseContext]) -> None:
    parties = _by_ref(full[0])
    ship = parties["DPR0076"]
    assert ship.schema == "Vessel"
    assert ship.proxy.get("imoNumber") == ["IMO8628597"]  # the file writes "8628597"


def test_excerpt_layout_individual(excerpt: tuple[list[ListEntity], ParseContext]) -> None:
    entities, ctx = excerpt
    assert ctx.published == dt.date(2026, 9, 10)
    person = _by_ref(entities)["AFG0006"]
    proxy = person.proxy
    assert proxy.get("name") == ["MOHAMMAD HASSAN AKHUND"]
    assert proxy.get("lastName") == ["AKHUND"]
    assert "Mohammad Akhwand" in proxy.get("alias")  # Primary Name Variation
    assert sorted(proxy.get("birthDate")) == ["1945", "1946", "1958-05-12"]
    assert proxy.get("gender") == ["male"]
    assert proxy.get("title") == ["Mullah", "Haji"]
    assert proxy.get("position") == ["Deputy Minister of Agriculture under the Taliban regime"]
    assert proxy.get("birthPlace") == ["Pashmul village, Panjwai District, Afghanistan"]
    assert proxy.get("passportNumber") == ["P04581926"]
    assert proxy.get("idNumber") == ["2132370"]
    # The excerpt lists the same passport twice: one Passport entity.
    (passport,) = _attached(entities, person, "Passport")
    assert passport.proxy.get("country") == ["af"]
    assert passport.proxy.get("number") == ["P04581926"]
    (national_id,) = _attached(entities, person, "Identification")
    assert "tazkira" in national_id.proxy.first("summary")
    (sanction,) = _attached(entities, person, "Sanction")
    assert sanction.proxy.get("unscId") == ["TAi.002"]
    assert sanction.proxy.get("summary") == ["Designation source: UK, UN"]


def test_excerpt_layout_entity_ship_and_unresolved_links(
    excerpt: tuple[list[ListEntity], ParseContext],
) -> None:
    entities, ctx = excerpt
    parties = _by_ref(entities)
    company = parties["BEL0107"]
    assert company.schema == "Company"
    assert company.proxy.get("weakAlias") == ["BNK"]
    assert company.proxy.get("registrationNumber") == ["06527449"]
    assert company.proxy.get("website") == ["http://www.belnaft.co.uk/"]
    assert company.proxy.get("address") == [
        "Salatin House, 19 Cedar Road, Sutton, Surrey, SM2 5DA, United Kingdom"
    ]
    links = company.annotations["unresolved_links"]
    assert {"relation": "parent", "name": "Belneftekhim"} in links
    assert {"relation": "subsidiary", "name": "BNK (Deutschland) GmbH"} in links
    warned = {(i.record, i.field) for i in ctx.issues}
    assert ("BEL0107", "ParentCompany") in warned
    ship = parties["DPR0075"].proxy
    assert ship.get("imoNumber") == ["IMO9562233"]
    assert ship.get("flag") == ["km"]
    assert ship.get("pastFlags") == ["in"]
    assert ship.get("type") == ["Bulk Carrier"]
    assert ship.get("tonnage") == ["7078"]
    assert ("DPR0075", "CurrentOwnerOperator") in warned
    # A phone number FtM cannot read is reported, not dropped silently.
    assert ("AFG0001", "PhoneNumber") in warned
    assert not [e for e in entities if e.schema in ("Ownership", "UnknownLink")]


def test_named_links_resolve_within_the_file(tmp_path: Path) -> None:
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    # Name the excerpt's own company as the ship's operator and as a subsidiary of the exchange.
    text = text.replace("Global United Shipping India", "BNK (UK) Ltd")
    text = text.replace("BNK (Deutschland) GmbH", "HAJI KHAIRULLAH MONEY EXCHANGE")
    path = tmp_path / "linked.xml"
    path.write_text(text, encoding="utf-8")
    entities, ctx = _parse(path)
    ids = {e.id for e in entities}
    (link,) = [e for e in entities if e.schema == "UnknownLink"]
    assert link.proxy.get("subject") == ["gb-fcdo-bel0107"]
    assert link.proxy.get("object") == ["gb-fcdo-dpr0075"]
    assert link.proxy.get("role") == ["Current owner/operator"]
    (owned,) = [e for e in entities if e.schema == "Ownership"]
    assert owned.proxy.get("owner") == ["gb-fcdo-bel0107"]
    assert owned.proxy.get("asset") == ["gb-fcdo-afg0001"]
    assert set(link.proxy.get("subject") + owned.proxy.get("asset")) <= ids
    ship = _by_ref(entities)["DPR0075"]
    assert "unresolved_links" not in ship.annotations
    assert ctx.counts["UnknownLink"] == 1 and ctx.counts["Ownership"] == 1


def test_malformed_records_are_rejected_and_the_rest_parses(tmp_path: Path) -> None:
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    text = text.replace("<UniqueID>AFG0001</UniqueID>", "", 1)
    text = text.replace(
        "<IndividualEntityShip>Ship</IndividualEntityShip>",
        "<IndividualEntityShip>Spaceship</IndividualEntityShip>",
    )
    text = text.replace("<Name2>HASSAN</Name2>", "<Name2>HASSAN</Name2><Nickname>x</Nickname>")
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    entities, ctx = _parse(broken)
    assert ctx.records_read == 5
    assert ctx.records_rejected == 2
    errors = {(i.file, i.record, i.field) for i in ctx.issues if i.severity == "error"}
    assert errors == {
        ("broken.xml", "Designation #1", "UniqueID"),
        ("broken.xml", "DPR0075", "IndividualEntityShip"),
    }
    assert set(_by_ref(entities)) == {"AFG0006", "BEL0107", "AQD0195"}
    warnings = {(i.record, i.field) for i in ctx.issues if i.severity == "warning"}
    assert ("AFG0006", "Names/Name/Nickname") in warnings
    assert "Nickname: x" in _by_ref(entities)["AFG0006"].proxy.get("notes")


def test_dates_that_do_not_exist_are_reported(tmp_path: Path) -> None:
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    text = text.replace(
        "<DateDesignated>03/10/2017</DateDesignated>", "<DateDesignated>31/02/2017</DateDesignated>"
    )
    path = tmp_path / "dates.xml"
    path.write_text(text, encoding="utf-8")
    entities, ctx = _parse(path)
    assert ("DPR0075", "DateDesignated") in {(i.record, i.field) for i in ctx.issues}
    ship = _by_ref(entities)["DPR0075"]
    (sanction,) = _attached(entities, ship, "Sanction")
    assert not sanction.proxy.get("listingDate")


@pytest.mark.parametrize(
    "payload",
    [
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<Designations><Designation><UniqueID>&x;</UniqueID></Designation></Designations>",
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;">]>'
        "<Designations><DateGenerated>&c;</DateGenerated></Designations>",
    ],
)
def test_hostile_xml_is_refused(tmp_path: Path, payload: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(payload)
    with pytest.raises(FormatError):
        _parse(path)


def test_other_xml_is_not_taken_for_the_uk_list() -> None:
    path = shared_file("lists/eu/eu_fsf-excerpt-2026-08-05.xml")
    with pytest.raises(FormatError):
        _parse(path)


def test_sniff_recognises_only_the_uk_layout() -> None:
    assert UKXMLParser.sniff(read_head(shared_file(FULL), 16384), Path("x"))
    assert UKXMLParser.sniff(read_head(shared_file(EXCERPT), 16384), Path("x"))
    for other in (
        "lists/un/UN_consolidated-excerpt.xml",
        "lists/eu/eu_fsf-excerpt-2026-08-05.xml",
        "lists/ofac/sdn_advanced-excerpt-2026-09-09.xml",
        "lists/ofac/sdn.csv",
        "ftm/zala.ftm.json",
    ):
        assert not UKXMLParser.sniff(read_head(shared_file(other), 16384), Path(other)), other


def test_country_spellings() -> None:
    assert uk_country("Congo (Democratic Republic)") == "cd"
    assert uk_country("Occupied Palestinian Territories") == "ps"
    assert uk_country("former USSR Currently Russia") == "ru"  # fuzzy FtM says Ukraine
    assert uk_country("Ukrainian SSR (now Ukraine)") == "ua"
    assert uk_country("Former USSR") == "suhh"
    assert uk_country("United Kingdom") == "gb"
    assert uk_country("Atlantis") == "Atlantis"  # left for ctx.add to report


def test_dates_with_placeholders() -> None:
    assert uk_date("12/05/1958") == "1958-05-12"
    assert uk_date("dd/mm/1945") == "1945"
    assert uk_date("dd/07/1961") == "1961-07"
    assert uk_date("1946") == "1946"
    assert uk_date("12/13/1958") is None
    assert uk_date("sometime") is None


def test_registration_text_is_split_by_label() -> None:
    assert split_registration("OGRN: 1025403641900; INN/TIN: 5408100018; KPP: 540801001;") == [
        ("ogrn", "OGRN", "1025403641900"),
        ("tax", "INN/TIN", "5408100018"),
        ("kpp", "KPP", "540801001"),
    ]
    assert split_registration("9709056472 - Russia INN") == [("tax", "INN", "9709056472")]
    assert split_registration("'0105566138623 ") == [("reg", "", "0105566138623")]
    assert split_registration("SRN - CA/BG/2019B520") == [("ogrn", "SRN", "CA/BG/2019B520")]
    # Text next to a value that still holds a number is kept, not dropped.
    assert split_registration("(УНН/ИНН): 190950894 (Belarus),  7704734000/770301001 (Russia)") == [
        ("tax", "УНН/ИНН", "190950894"),
        ("reg", "", "7704734000/770301001"),
    ]
