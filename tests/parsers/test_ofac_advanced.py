"""OFAC SDN advanced XML: the real excerpt, plus copies of it with the sections it leaves empty.

The excerpt has the full reference value sets but empty IDRegDocuments and
ProfileRelationships; the tests that need those add elements in the official
layout to a copy in tmp_path, referring to the excerpt's own parties.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import shared_file
from tripwire.model.entity import ListEntity, derived_id
from tripwire.parsers.base import FormatError, ParseContext, read_head
from tripwire.parsers.ofac_advanced import OFACAdvancedParser

EXCERPT = "lists/ofac/sdn_advanced-excerpt-2026-09-09.xml"
NS = "{https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML}"


def _parse(path: Path, source: str = "us_ofac_sdn") -> tuple[list[ListEntity], ParseContext]:
    ctx = ParseContext(source=source)
    return list(OFACAdvancedParser().parse(path, ctx)), ctx


def _by_ref(entities: list[ListEntity]) -> dict[str, ListEntity]:
    return {e.source_ref: e for e in entities if e.source_ref}


def _of(entities: list[ListEntity], schema: str) -> list[ListEntity]:
    return [e for e in entities if e.schema == schema]


def _date(year: int, month: int, day: int) -> str:
    return f"<Year>{year}</Year><Month>{month}</Month><Day>{day}</Day>"


def _period(start: tuple[str, str], end: tuple[str, str], approximate: bool = False) -> str:
    flag = "true" if approximate else "false"
    return (
        '<DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">'
        f'<Start Approximate="{flag}"><From>{start[0]}</From><To>{start[1]}</To></Start>'
        f'<End Approximate="{flag}"><From>{end[0]}</From><To>{end[1]}</To></End></DatePeriod>'
    )


def _feature(feature_id: int, type_id: int, body: str) -> str:
    return (
        f'<Feature ID="{feature_id}" FeatureTypeID="{type_id}">'
        f'<FeatureVersion ID="{feature_id}" ReliabilityID="1"><Comment />{body}</FeatureVersion>'
        '<IdentityReference IdentityID="4423" IdentityFeatureLinkTypeID="1" /></Feature>'
    )


def _document(
    doc_id: int, type_id: int, identity: int, number: str, country: int, dates: str = ""
) -> str:
    return (
        f'<IDRegDocument ID="{doc_id}" IDRegDocTypeID="{type_id}" IdentityID="{identity}" '
        f'IssuedBy-CountryID="{country}" ValidityID="1"><Comment />'
        f"<IDRegistrationNo>{number}</IDRegistrationNo><IssuingAuthority />{dates}</IDRegDocument>"
    )


def _relation(rel_id: int, source: int, target: int, type_id: int) -> str:
    return (
        f'<ProfileRelationship ID="{rel_id}" From-ProfileID="{source}" To-ProfileID="{target}" '
        f'RelationTypeID="{type_id}" RelationQualityID="1" Former="false" '
        f'SanctionsEntryID="{source}">'
        "<Comment /></ProfileRelationship>"
    )


def _enriched(tmp_path: Path) -> Path:
    """The excerpt with documents, relations and more features, in the official layout."""
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    passport_dates = (
        '<DocumentDate IDRegDocDateTypeID="1480">'
        + _period((_date(2010, 3, 1), _date(2010, 3, 1)), (_date(2010, 3, 1), _date(2010, 3, 1)))
        + '</DocumentDate><DocumentDate IDRegDocDateTypeID="1481">'
        + _period(
            (_date(2020, 2, 28), _date(2020, 2, 28)), (_date(2020, 2, 28), _date(2020, 2, 28))
        )
        + "</DocumentDate>"
    )
    documents = "".join(
        (
            _document(9001, 1571, 4423, "A1234567", 11082, passport_dates),  # Passport, Egypt
            _document(9002, 1596, 4375, "7708696860", 11171),  # Tax ID No., Russia
            _document(9003, 1585, 4375, "1027700132195", 11171),  # Registration ID, Russia
            _document(9004, 1626, 1663, "IMO 8321785", 11073),  # Vessel Registration Id.
            _document(9005, 91264, 1663, "323456789", 11073),  # MMSI
        )
    )
    text = text.replace(
        "<IDRegDocuments></IDRegDocuments>", f"<IDRegDocuments>{documents}</IDRegDocuments>"
    )
    relations = "".join(
        (
            _relation(8001, 4238, 36, 15003),  # vessel Owned or Controlled By the airline
            _relation(8002, 2677, 36, 1555),  # person Associate Of an organisation
            _relation(8003, 2677, 99999, 15004),  # Family member of a profile not in the file
        )
    )
    text = text.replace(
        "<ProfileRelationships />", f"<ProfileRelationships>{relations}</ProfileRelationships>"
    )
    features = "".join(
        (
            # Birth "between 1960 and 1962" and "circa 1958".
            _feature(
                9101,
                8,
                _period(
                    (_date(1960, 1, 1), _date(1960, 12, 31)),
                    (_date(1962, 1, 1), _date(1962, 12, 31)),
                ),
            ),
            _feature(
                9102,
                8,
                _period(
                    (_date(1958, 1, 1), _date(1958, 12, 31)),
                    (_date(1958, 1, 1), _date(1958, 12, 31)),
                    True,
                ),
            ),
            _feature(
                9103,
                344,
                '<VersionDetail DetailTypeID="1432">'
                "1BoatSLRHtKNngkdXEeobR76b53LETtpyT</VersionDetail>",
            ),
            _feature(
                9104, 11, '<VersionDetail DetailTypeID="1433" /><VersionLocation LocationID="25" />'
            ),
            _feature(9105, 9999, '<VersionDetail DetailTypeID="1432">mystery</VersionDetail>'),
        )
    )
    anchor = '<Feature ID="151835" FeatureTypeID="25">'
    assert anchor in text
    text = text.replace(anchor, features + anchor)
    low = '<Alias FixedRef="36" AliasTypeID="1400" Primary="false" LowQuality="false">'
    assert low in text
    text = text.replace(low, low.replace('"false">', '"true">'))
    path = tmp_path / "sdn_advanced-enriched.xml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def excerpt() -> tuple[list[ListEntity], ParseContext]:
    return _parse(shared_file(EXCERPT))


def test_counts_match_the_file(excerpt: tuple[list[ListEntity], ParseContext]) -> None:
    root = etree.parse(str(shared_file(EXCERPT))).getroot()
    parties = root.findall(f"{NS}DistinctParties/{NS}DistinctParty")
    programmes = [
        m
        for entry in root.iter(f"{NS}SanctionsEntry")
        for m in entry.iter(f"{NS}SanctionsMeasure")
        if m.get("SanctionsTypeID") == "1"
    ]
    entities, ctx = excerpt
    counts = Counter(e.schema for e in entities)
    assert ctx.records_read == len(parties) == 4
    assert sum(e.primary for e in entities) == len(parties)
    assert counts == {
        "Organization": 1,
        "Person": 1,
        "Vessel": 1,
        "Airplane": 1,
        "Sanction": len(programmes),
    }
    assert dict(ctx.counts) == dict(counts)
    assert ctx.records_rejected == 0
    assert ctx.published == dt.date(2026, 9, 9)
    assert {e.id for e in entities if e.primary} == {f"ofac-{p.get('FixedRef')}" for p in parties}


def test_person_names_scripts_and_features(excerpt: tuple[list[ListEntity], ParseContext]) -> None:
    person = _by_ref(excerpt[0])["2677"]
    proxy = person.proxy
    assert person.id == "ofac-2677"  # the legacy ent_num id of the CSV parser
    # OFAC's list form, as in the CSV: "SURNAME, Given names".
    assert proxy.get("name") == ["AL-ZOMOR, Abboud Abdul Latif Hassan"]
    assert proxy.get("lastName") == ["AL-ZOMOR"]
    assert proxy.get("firstName") == ["Abboud Abdul Latif Hassan"]
    assert "ZUMAR, Abbud" in proxy.get("alias")
    arabic = "الزمر, عبود عبداللطيف حسن"
    assert arabic in proxy.get("alias")
    assert person.annotations["name_scripts"] == {arabic: "Arabic"}
    assert proxy.get("birthDate") == ["1947-04-19"]
    assert proxy.get("birthPlace") == ["Nahia, Giza, Egypt"]
    assert proxy.get("nationality") == ["eg"]
    assert proxy.get("gender") == ["male"]


def test_organisation_vessel_and_aircraft(excerpt: tuple[list[ListEntity], ParseContext]) -> None:
    entities, ctx = excerpt
    parties = _by_ref(entities)
    airline = parties["36"].proxy
    assert airline.get("name") == ["AEROCARIBBEAN AIRLINES"]
    assert airline.get("alias") == ["AERO-CARIBBEAN"]
    assert airline.get("address") == ["Havana, Cuba"]
    vessel = parties["4238"].proxy
    assert vessel.schema.name == "Vessel"
    assert vessel.get("callSign") == ["CL2192"]
    assert vessel.get("flag") == ["cu"]
    assert vessel.get("type") == ["Tug"]
    assert vessel.get("grossRegisteredTonnage") == ["212"]
    plane = parties["15432"].proxy
    assert plane.schema.name == "Airplane"
    assert plane.get("model") == ["IL-76TD"]
    assert plane.get("buildDate") == ["1991"]  # a DatePeriod covering all of 1991
    assert sorted(plane.get("serialNumber")) == ["1013409297", "8305"]
    # Owner and operator are named, not listed: kept and reported.
    assert parties["4238"].annotations["unresolved_links"] == [
        {"relation": "owner", "name": "Samir de Navegacion S.A."}
    ]
    assert parties["15432"].annotations["unresolved_links"] == [
        {"relation": "operator", "name": "YAS AIR"}
    ]
    assert {(i.record, i.field) for i in ctx.issues} == {
        ("4238", "Vessel Owner"),
        ("15432", "Aircraft Operator"),
    }


def test_sanctions_per_programme(excerpt: tuple[list[ListEntity], ParseContext]) -> None:
    entities, _ = excerpt
    sanctions = {e.proxy.first("entity"): e for e in _of(entities, "Sanction")}
    person = sanctions["ofac-2677"]
    # The programme's name as the CSV parser writes it, and the code.
    assert person.proxy.get("program") == [
        "Specially Designated Global Terrorists (Executive Order 13224)"
    ]
    assert person.proxy.get("programId") == ["SDGT"]
    assert person.proxy.get("listingDate") == ["1995-01-23"]
    assert person.proxy.get("reason") == ["Executive Order 13224 (Terrorism)"]
    assert person.proxy.get("provisions") == ["Block"]
    assert person.proxy.get("authorityId") == ["2677"]
    assert person.proxy.get("country") == ["us"]
    assert person.proxy.get("summary") == [
        "Secondary sanctions risk: section 1(b) of Executive Order 13224, "
        "as amended by Executive Order 13886"
    ]
    assert person.annotations == {"list": "SDN List"}
    airline = sanctions["ofac-36"]
    assert airline.proxy.get("programId") == ["CUBA"]
    # Same id as the CSV parser gives the CUBA sanction of ent_num 36.
    assert airline.id == derived_id("ofac-36", "sanction", "CUBA")
    assert airline.proxy.get("listingDate") == ["1986-12-10"]
    assert not airline.proxy.get("reason")  # LegalBasis "Unknown"


def test_documents_relations_wallets_and_birth_ranges(tmp_path: Path) -> None:
    entities, ctx = _parse(_enriched(tmp_path))
    parties = _by_ref(entities)
    person = parties["2677"]
    assert person.proxy.get("passportNumber") == ["A1234567"]
    assert sorted(person.proxy.get("birthDate")) == ["1947-04-19", "1958", "1960", "1962"]
    assert person.annotations["birth_dates"] == [
        {"from": "1960", "to": "1962"},
        {"date": "1958", "circa": True},
    ]
    assert person.proxy.get("citizenship") == ["cu"]
    assert "mystery" in " ".join(person.proxy.get("notes"))
    (passport,) = _of(entities, "Passport")
    assert passport.proxy.get("holder") == ["ofac-2677"]
    assert passport.proxy.get("country") == ["eg"]
    assert passport.proxy.get("startDate") == ["2010-03-01"]
    assert passport.proxy.get("endDate") == ["2020-02-28"]
    (wallet,) = _of(entities, "CryptoWallet")
    assert wallet.proxy.get("currency") == ["XBT"]
    assert wallet.proxy.get("holder") == ["ofac-2677"]
    assert wallet.proxy.get("publicKey") == ["1BoatSLRHtKNngkdXEeobR76b53LETtpyT"]
    # Russian tax and registration numbers are read as INN and OGRN.
    airline = parties["36"].proxy
    assert airline.schema.name == "Organization"  # no legal form in its name, as in the CSV
    assert airline.get("innCode") == ["7708696860"]
    assert airline.get("ogrnCode") == ["1027700132195"]
    assert (
        len([e for e in _of(entities, "Identification") if e.proxy.first("holder") == "ofac-36"])
        == 2
    )
    vessel = parties["4238"].proxy
    assert vessel.get("imoNumber") == ["IMO8321785"]
    assert vessel.get("mmsi") == ["323456789"]
    (ownership,) = _of(entities, "Ownership")
    assert ownership.proxy.get("owner") == ["ofac-36"]
    assert ownership.proxy.get("asset") == ["ofac-4238"]
    assert ownership.proxy.get("role") == ["Owned or Controlled By"]
    (link,) = _of(entities, "UnknownLink")  # "Associate Of" an organisation, not a person
    assert link.proxy.get("subject") == ["ofac-2677"]
    assert link.proxy.get("object") == ["ofac-36"]
    warned = {(i.record, i.field) for i in ctx.issues}
    assert ("ProfileRelationship 8003", "To-ProfileID") in warned
    assert ("2677", "FeatureTypeID") in warned  # the unmapped feature, kept in notes
    assert not _of(entities, "Family")
    ids = {e.id for e in entities}
    assert len(ids) == len(entities)
    assert set(ownership.proxy.get("owner") + link.proxy.get("subject")) <= ids


def test_owner_and_operator_named_in_the_file_are_linked(tmp_path: Path) -> None:
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    text = text.replace("Samir de Navegacion S.A.", "Aero-Caribbean")
    text = text.replace("YAS AIR", "AEROCARIBBEAN AIRLINES")
    path = tmp_path / "owner.xml"
    path.write_text(text, encoding="utf-8")
    entities, ctx = _parse(path)
    (ownership,) = _of(entities, "Ownership")
    assert ownership.proxy.get("owner") == ["ofac-36"]
    assert ownership.proxy.get("asset") == ["ofac-4238"]
    assert ownership.proxy.get("role") == ["Vessel Owner"]
    parties = _by_ref(entities)
    assert "unresolved_links" not in parties["4238"].annotations
    assert parties["15432"].proxy.get("operator") == ["ofac-36"]  # as the CSV parser sets it
    assert not ctx.issues


def test_malformed_parties_are_rejected_and_the_rest_parses(tmp_path: Path) -> None:
    text = shared_file(EXCERPT).read_text(encoding="utf-8")
    text = text.replace(
        '<Profile ID="36" PartySubTypeID="3">', '<Profile ID="36" PartySubTypeID="77">'
    )
    text = text.replace(
        'ADVANCED_XML" FixedRef="4238">',
        'ADVANCED_XML">',
    )
    path = tmp_path / "broken.xml"
    path.write_text(text, encoding="utf-8")
    entities, ctx = _parse(path)
    assert ctx.records_read == 4
    assert ctx.records_rejected == 2
    errors = {(i.file, i.record, i.field) for i in ctx.issues if i.severity == "error"}
    assert errors == {
        ("broken.xml", "36", "PartySubTypeID"),
        ("broken.xml", "DistinctParty #3", "FixedRef"),
    }
    assert set(_by_ref(entities)) == {"2677", "15432"}
    # Sanctions entries of the rejected parties are reported, not attached to nothing.
    assert {e.proxy.first("entity") for e in _of(entities, "Sanction")} == {
        "ofac-2677",
        "ofac-15432",
    }
    warned = {(i.record, i.field) for i in ctx.issues if i.severity == "warning"}
    assert ("SanctionsEntry 36", "ProfileID") in warned


@pytest.mark.parametrize(
    "payload",
    [
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<Sanctions xmlns="https://x/ADVANCED_XML"><DateOfIssue>&x;</DateOfIssue></Sanctions>',
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;">]><Sanctions xmlns="https://x/ADVANCED_XML"><c>&c;</c></Sanctions>',
    ],
)
def test_hostile_xml_is_refused(tmp_path: Path, payload: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(payload)
    with pytest.raises(FormatError):
        _parse(path)


def test_other_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        _parse(shared_file("lists/uk/uk_sanctions_list-excerpt.xml"))
    bare = tmp_path / "bare.xml"
    bare.write_text('<?xml version="1.0"?><Sanctions xmlns="https://x/ADVANCED_XML"></Sanctions>')
    with pytest.raises(FormatError):
        _parse(bare)


def test_unknown_source_falls_back_to_ofac_ids(
    excerpt: tuple[list[ListEntity], ParseContext],
) -> None:
    entities, _ = _parse(shared_file(EXCERPT), source="us_ofac_adv")
    assert [e.id for e in entities] == [e.id for e in excerpt[0]]


def test_sniff_recognises_only_the_advanced_layout() -> None:
    assert OFACAdvancedParser.sniff(read_head(shared_file(EXCERPT), 16384), Path("x"))
    for other in (
        "lists/un/UN_consolidated-excerpt.xml",
        "lists/eu/eu_fsf-excerpt-2026-08-05.xml",
        "lists/uk/uk_sanctions_list-excerpt.xml",
        "lists/uk/uk_sanctions_list-2026-08-22-rebuilt.xml.gz",
        "lists/ofac/sdn.csv",
        "ftm/zala.ftm.json",
    ):
        assert not OFACAdvancedParser.sniff(read_head(shared_file(other), 16384), Path(other)), (
            other
        )
