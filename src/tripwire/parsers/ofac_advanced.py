"""OFAC's SDN "advanced" XML: the structured form of the list the legacy CSV flattens.

Why a parser of its own: the advanced XML says what the CSV hides in remarks
(each identity document with its type, country and dates; birth dates as
ranges with an approximate flag; names by script; relations between parties
as typed links; one sanctions entry per party with its programmes). It is
reference-id heavy: every type, country and programme is an ID into the
``ReferenceValueSets`` at the top of the file.

The file is streamed in its own order: reference values, locations and
identity documents are small and kept; each ``DistinctParty`` is converted and
yielded as soon as it is read; relations and sanctions entries, which come
after the parties, only need the small profile -> party table. Vessels and
aircraft whose owner or operator the list names (by name, not id) wait until
every party's name is known.

Both OFAC formats describe the same list, so this parser follows the CSV
parser's conventions where they meet: ids ``ofac-<FixedRef>`` (the legacy
``ent_num``), sanction ids per programme code, names in OFAC's list form
(``SURNAME, Given names``), the programme names table and the rule that makes
an entity a Company (a legal form in its name). An import of either format
therefore yields the same entities for the same record, the XML adding what
the CSV cannot say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from os.path import commonprefix
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import EntityProxy, registry

from tripwire.model.entity import ListEntity, derived_id, make_entity, slug_id
from tripwire.parsers.base import FormatError, ListParser, ParseContext
from tripwire.parsers.common import (
    COUNTRY_CODES,
    NamedLink,
    NamedLinks,
    country_code,
    element_text,
    is_real_date,
    new_document,
    new_sanction,
    source_for,
    valid_identifier,
)
from tripwire.parsers.ofac_csv import AUTHORITY, COMPANY_FORMS, PROGRAMS, SDN_DETAILS_URL
from tripwire.parsers.xml import iter_elements, root_attributes

Element = Any

_ROOT = re.compile(rb"<Sanctions[\s>]")
_NAMESPACES = (b"ADVANCED_XML", b"www.un.org/sanctions/1.0")

SECTIONS = {
    "DateOfIssue",
    "PublicationInfo",
    "ReferenceValueSets",
    "Location",
    "IDRegDocument",
    "DistinctParty",
    "ProfileRelationship",
    "SanctionsEntry",
}

PARTY_SCHEMAS = {
    "Individual": "Person",
    "Entity": "Organization",
    "Vessel": "Vessel",
    "Aircraft": "Airplane",
}
ALIAS_PROPS = {"Name": "name", "A.K.A.": "alias", "F.K.A.": "previousName", "N.K.A.": "alias"}
LATIN_SCRIPT = "Latin"
# Order of the given-name parts of a person (after "Last, ").
NAME_PART_ORDER = (
    "Nickname",
    "First Name",
    "Middle Name",
    "Patronymic",
    "Matronymic",
    "Last Name",
    "Maiden Name",
)
NAME_PART_PROPS = {
    "First Name": "firstName",
    "Middle Name": "middleName",
    "Last Name": "lastName",
    "Patronymic": "fatherName",
    "Matronymic": "motherName",
}

# Feature type -> FtM property of the party.
FEATURE_PROPS = {
    "Place of Birth": "birthPlace",
    "Gender": "gender",
    "Title": "position",
    "Website": "website",
    "Email Address": "email",
    "Phone Number": "phone",
    "SWIFT/BIC": "swiftBic",
    "BIK (RU)": "bikCode",
    "D-U-N-S Number": "dunsCode",
    "Vessel Call Sign": "callSign",
    "Other Vessel Call Sign": "callSign",
    "VESSEL TYPE": "type",
    "Other Vessel Type": "type",
    "Vessel Flag": "flag",
    "Former Vessel Flag": "pastFlags",
    "Other Vessel Flag": "pastFlags",
    "Vessel Tonnage": "tonnage",
    "Vessel Gross Registered Tonnage": "grossRegisteredTonnage",
    "Vessel Year of Build": "buildDate",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "serialNumber",
    "Aircraft Manufacturer's Serial Number (MSN)": "serialNumber",
    "Aircraft Manufacturer’s Serial Number (MSN)": "serialNumber",
    "Aircraft Manufacture Date": "buildDate",
    "Aircraft Model": "model",
    "Aircraft Tail Number": "registrationNumber",
    "Previous Aircraft Tail Number": "registrationNumber",
    "Nationality Country": "nationality",
    "Citizenship Country": "citizenship",
    "Registration Country": "jurisdiction",
    "Nationality of Registration": "jurisdiction",
    "Organization Established Date": "incorporationDate",
    "Organization Type:": "legalForm",
    "Target Type": "legalForm",
    "Equity Ticker": "ticker",
    "ISIN": "isinCode",
}
# Features kept as "label: value" notes of the party.
NOTE_FEATURES = {"MICEX Code", "UN/LOCODE", "Aircraft Mode S Transponder Code"}
# Features about the sanction rather than the party: summary of its Sanction entities.
SANCTION_FEATURE = re.compile(
    r"Directive|Sanctions Information|Secondary sanctions|CAATSA|IFCA|PEESA|"
    r"Executive Order \d+ information|Transactions Prohibited|Listing Date|Effective Date|"
    r"Purchase/Sales|Section \d+ Information",
    re.I,
)
LINK_FEATURES = {"Vessel Owner": "owner", "Aircraft Operator": "operator"}
WALLET_PREFIX = "Digital Currency Address - "
# Properties only a Company has: a party with one of them is a company.
COMPANY_ONLY_PROPS = {"bikCode", "isinCode", "ticker", "kppCode"}
COMPANY_TYPES = {
    "private company",
    "public company",
    "state-owned enterprise",
    "financial institution",
}

# Property -> what to use where the party's schema lacks it.
FALLBACK_PROPS = {
    "nationality": "country",
    "citizenship": "country",
    "jurisdiction": "country",
    "passportNumber": "idNumber",
    "socialSecurityNumber": "idNumber",
    "licenseNumber": "idNumber",
}

PASSPORT_TYPES = {
    "Passport",
    "Diplomatic Passport",
    "British National Overseas Passport",
    "Stateless Person Passport",
}
# IDRegDocType -> FtM property of the holder (unlisted types: idNumber).
DOC_PROPS = {
    **dict.fromkeys(PASSPORT_TYPES, "passportNumber"),
    **dict.fromkeys(
        (
            "Tax ID No.",
            "RUC #",
            "R.F.C.",
            "RFC",
            "Italian Fiscal Code",
            "RIF #",
            "RTN",
            "Fiscal Code",
            "Paraguayan tax identification number",
            "Romanian Tax Registration",
            "C.I.F.",
            "N.I.F.",
            "NIT #",
            "C.U.I.T.",
            "US FEIN",
            "Numero Unico de Identificacao Tributaria (NUIT)",
        ),
        "taxNumber",
    ),
    **dict.fromkeys(
        (
            "Registration ID",
            "Registration Number",
            "Business Registration Document #",
            "Business Registration Number",
            "Commercial Registry Number",
            "Certificate of Incorporation Number",
            "Company Number",
            "UK Company Number",
            "C.R. No.",
            "Romanian C.R.",
            "Chamber of Commerce Number",
            "Dubai Chamber of Commerce Membership No.",
            "Istanbul Chamber of Comm. No.",
            "Matricula Mercantil No",
            "Folio Mercantil No.",
            "Public Registration Number",
            "Enterprise Number",
            "Organization Code",
            "Branch Unit Number",
            "Business Number",
            "Chinese Commercial Code",
            "Registered Charity No.",
            "Trade License No.",
            "Registration Certificate Number (Dubai)",
            "Economic Register Number (CBLS)",
            "Central Registration System Number",
            "Entity Code",
            "Trademark number",
            "Permit Number",
            "Government Gazette Number",
            "MSB Registration Number",
            "Afghan Money Service Provider License Number",
            "Tourism License No.",
            "Serial No.",
        ),
        "registrationNumber",
    ),
    "Legal Entity Number": "leiCode",
    "LE Number": "leiCode",
    "Unified Social Credit Code (USCC)": "uscCode",
    "United Social Credit Code Certificate (USCCC)": "uscCode",
    "V.A.T. Number": "vatCode",
    "MMSI": "mmsi",
    "Vessel Registration Identification": "imoNumber",
    "Aircraft Serial Identification": "serialNumber",
    "SSN": "socialSecurityNumber",
    "Global Intermediary Identification Number": "giiNumber",
    "Russian State Individual Business Registration Number Pattern (OGRNIP)": "ogrnCode",
    "Driver's License No.": "licenseNumber",
    "Pilot License Number": "licenseNumber",
}

# Relation type -> (schema, from-role, to-role, role property); From-Profile is "from".
RELATIONS = {
    "Owned or Controlled By": ("Ownership", "asset", "owner", "role"),
    "Owns, controls, or operates": ("Ownership", "owner", "asset", "role"),
    "Property in the interest of": ("Ownership", "asset", "owner", "role"),
    "Family member of": ("Family", "person", "relative", "relationship"),
    "Associate Of": ("Associate", "person", "associate", "relationship"),
    "Leader or official of": ("Directorship", "director", "organization", "role"),
    "Principal Executive Officer": ("Directorship", "director", "organization", "role"),
}
# Which party schemas each relation end accepts; otherwise the relation is an UnknownLink.
END_SCHEMAS = {
    "owner": {"Person", "Organization", "Company", "LegalEntity"},
    "asset": {"Organization", "Company", "LegalEntity", "Vessel", "Airplane"},
    "person": {"Person"},
    "relative": {"Person"},
    "associate": {"Person"},
    "director": {"Person", "Organization", "Company", "LegalEntity"},
    "organization": {"Organization", "Company", "LegalEntity"},
}

# Country reference values that are not ISO countries but are places FtM knows.
COUNTRY_NAMES = {
    "region: gaza": "ps",
    "west bank": "ps",
    "region: northern mali": "ml",
    "undetermined": None,
    "none identified": None,
}

COUNTRY_PROPS = frozenset(
    {"country", "nationality", "citizenship", "jurisdiction", "flag", "pastFlags"}
)
DATE_PROPS = frozenset({"birthDate", "buildDate", "incorporationDate"})


@dataclass(slots=True)
class _Location:
    addresses: list[str]
    country: str | None


@dataclass(slots=True)
class _Period:
    """A DatePeriod reduced to ISO strings at the precision the list gives."""

    start: str
    end: str
    circa: bool

    def values(self) -> list[str]:
        if self.start == self.end:
            return [self.start]
        year = self.start[:4]
        if (
            self.end[:4] == year
            and self.start[4:] in ("", "-01-01")
            and self.end[4:] in ("", "-12-31")
        ):
            return [year]
        month = self.start[:7]
        if self.end[:7] == month and len(self.start) == 10 and self.start.endswith("-01"):
            return [month]
        return (
            [self.start[:4], self.end[:4]]
            if self.start[:4] != self.end[:4]
            else [self.start, self.end]
        )

    def annotation(self) -> dict[str, Any] | None:
        values = self.values()
        if len(values) == 2:
            note: dict[str, Any] = {"from": self.start, "to": self.end}
        elif self.circa:
            note = {"date": values[0]}
        else:
            return None
        if self.circa:
            note["circa"] = True
        return note


@dataclass(slots=True)
class _Document:
    doc_id: str
    doc_type: str
    number: str | None
    country: str | None
    authority: str | None
    comment: str | None
    issued: list[str]
    expires: list[str]
    validity: str | None


@dataclass
class _Party:
    """One DistinctParty being converted: values are collected first, the schema decided last."""

    ctx: ParseContext
    file: Path
    record: str
    entity_id: str
    kind: str
    facts: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    annotations: dict[str, Any] = field(default_factory=dict)
    links: list[NamedLink] = field(default_factory=list)
    others: list[ListEntity] = field(default_factory=list)

    def put(self, prop: str, value: str | None, field_name: str) -> None:
        if value is not None and value.strip():
            self.facts.append((prop, value.strip(), field_name))


@lru_cache(maxsize=256)
def _w(path: str) -> str:
    """An ElementPath matching ``path`` in any namespace (the file's, an older one, or none)."""
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ymd(element: Element | None) -> str | None:
    """ISO date from an element with Year, Month and Day children (Month/Day optional)."""
    if element is None:
        return None
    year = element_text(element.find(_w("Year")))
    if year is None or not year.isdigit():
        return None
    month = element_text(element.find(_w("Month")))
    day = element_text(element.find(_w("Day")))
    if month is None or not month.isdigit():
        return year.zfill(4)
    if day is None or not day.isdigit():
        return f"{year.zfill(4)}-{int(month):02d}"
    return f"{year.zfill(4)}-{int(month):02d}-{int(day):02d}"


def _span(element: Element | None) -> tuple[str | None, bool]:
    """One end (Start or End) of a DatePeriod: the date From and To agree on, and circa."""
    if element is None:
        return None, False
    circa = element.get("Approximate") == "true"
    first = _ymd(element.find(_w("From")))
    last = _ymd(element.find(_w("To")))
    if first is None or last is None:
        return first or last, circa
    if first == last:
        return first, circa
    prefix = commonprefix([first, last])
    for size in (10, 7, 4):
        if len(prefix) >= size:
            return prefix[:size], circa
    return first, True


def _period(element: Element) -> _Period | None:
    start, circa_start = _span(element.find(_w("Start")))
    end, circa_end = _span(element.find(_w("End")))
    if start is None and end is None:
        return None
    start = start or end
    end = end or start
    assert start is not None and end is not None
    return _Period(start, end, circa_start or circa_end)


def _source(name: str) -> tuple[str, str]:
    """(id prefix, authority) of the source being imported, OFAC's when it is not a known one."""
    source = source_for(name, OFACAdvancedParser.SOURCE)
    return source.id_prefix, source.authority or AUTHORITY


def list_form(parts: list[tuple[str, str]]) -> str:
    """A documented name as OFAC lists it: ``Last, Given names`` for people, else as given.

    The same form as the legacy CSV's names, so both formats give the same ``name``.
    """
    last = " ".join(text for kind, text in parts if kind == "Last Name")
    rest = sorted(
        (p for p in parts if p[0] != "Last Name"),
        key=lambda p: (
            NAME_PART_ORDER.index(p[0]) if p[0] in NAME_PART_ORDER else len(NAME_PART_ORDER)
        ),
    )
    given = " ".join(text for _kind, text in rest)
    if last and given:
        return f"{last}, {given}"
    return last or given


class _Refs:
    """The ReferenceValueSets: ``text(kind, id)`` and ``attr(kind, id, name)``."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, tuple[str, dict[str, str]]]] = defaultdict(dict)
        self._countries: dict[str, str | None] = {}

    def load(self, element: Element) -> None:
        for group in element:
            if not isinstance(group.tag, str):
                continue
            for value in group:
                if isinstance(value.tag, str) and value.get("ID") is not None:
                    self.values[_local(value.tag)][value.get("ID")] = (
                        element_text(value) or "",
                        dict(value.attrib),
                    )

    def text(self, kind: str, ref: str | None) -> str | None:
        found = self.values[kind].get(ref or "")
        return found[0] if found else None

    def attr(self, kind: str, ref: str | None, name: str) -> str | None:
        found = self.values[kind].get(ref or "")
        return found[1].get(name) if found else None

    def country(self, ref: str | None) -> str | None:
        """ISO code of a Country reference value, or None for "undetermined" and unknowns."""
        if ref is None:
            return None
        if ref not in self._countries:
            self._countries[ref] = self._country(ref)
        return self._countries[ref]

    def _country(self, ref: str) -> str | None:
        iso2 = self.attr("Country", ref, "ISO2")
        if iso2 and iso2.lower() in COUNTRY_CODES:
            return iso2.lower()
        return country_code(self.text("Country", ref) or "", COUNTRY_NAMES)


class OFACAdvancedParser(ListParser):
    """OFAC SDN advanced XML (``SDN_ADVANCED.XML``), also the consolidated ``CONS_ADVANCED``."""

    NAME: ClassVar[str] = "ofac_advanced"
    SOURCE: ClassVar[str] = "us_ofac_sdn"
    TITLE: ClassVar[str] = "OFAC SDN advanced XML"

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return _ROOT.search(head) is not None and any(ns in head for ns in _NAMESPACES)

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        root, _attrs = root_attributes(path)
        if root != "Sanctions":
            raise FormatError(path, f"root element is <{root}>, not OFAC advanced <Sanctions>")
        return _Run(ctx, path).entities()


class _Run:
    """State of one parse: reference values, locations, documents and the party table."""

    def __init__(self, ctx: ParseContext, path: Path) -> None:
        self.ctx = ctx
        self.path = path
        self.prefix, self.authority = _source(ctx.source)
        self.refs = _Refs()
        self.locations: dict[str, _Location] = {}
        self.documents: dict[str, list[_Document]] = defaultdict(list)
        # Profile ID -> (party id, schema), for relations and sanctions entries.
        self.profiles: dict[str, tuple[str, str]] = {}
        self.fixed_refs: dict[str, str] = {}
        self.sanction_facts: dict[str, list[tuple[str, str]]] = {}
        self.links = NamedLinks(ctx, path, "party", "parties")
        self.reported: set[str] = set()
        self.parties_seen = 0

    def entities(self) -> Iterator[ListEntity]:
        for element in iter_elements(self.path, SECTIONS):
            tag = _local(element.tag)
            if tag == "DistinctParty":
                yield from self.ctx.counted(self._party(element))
            elif tag == "SanctionsEntry":
                yield from self.ctx.counted(self._sanctions_entry(element))
            elif tag == "ProfileRelationship":
                yield from self.ctx.counted(self._relationship(element))
            elif tag == "Location":
                self._location(element)
            elif tag == "IDRegDocument":
                self._document(element)
            elif tag == "ReferenceValueSets":
                self.refs.load(element)
            else:
                self._published(element)
        if not self.refs.values:
            raise FormatError(self.path, "no ReferenceValueSets: not an OFAC advanced XML file")
        self._report_leftovers()
        yield from self.links.resolve(self._link)

    def _report_leftovers(self) -> None:
        """Documents and sanction details whose party never came: reported, not lost silently."""
        for identity, documents in self.documents.items():
            for doc in documents:
                self.ctx.issue(
                    self.path,
                    f"IDRegDocument {doc.doc_id}",
                    "IdentityID",
                    f"identity {identity!r} is not a party of this file; document skipped",
                )
        for profile, facts in self.sanction_facts.items():
            self.ctx.issue(
                self.path,
                self.fixed_refs.get(profile, profile),
                "SanctionsEntry",
                f"no sanctions entry for this party; {len(facts)} sanction detail(s) skipped",
            )

    def _warn_once(self, key: str, record: str, field_name: str, message: str) -> None:
        if key not in self.reported:
            self.reported.add(key)
            self.ctx.issue(self.path, record, field_name, message + " (reported once per file)")

    # -- file-level sections ----------------------------------------------

    def _published(self, element: Element) -> None:
        tag = _local(element.tag)
        node = element.find(_w("DataAsOf")) if tag == "PublicationInfo" else element
        value = _ymd(node)
        if value is None and node is not None:
            value = (element_text(node) or "")[:10]
        try:
            self.ctx.published = dt.date.fromisoformat(value or "")
        except ValueError:
            self.ctx.issue(self.path, tag, tag, f"publication date {value!r} not understood")

    def _location(self, element: Element) -> None:
        refs = self.refs
        country = None
        for node in element.iterfind(_w("LocationCountry")):
            country = country or refs.country(node.get("CountryID"))
        for node in element.iterfind(_w("LocationAreaCode")):
            country = country or refs.country(
                refs.attr("AreaCode", node.get("AreaCodeID"), "CountryID")
            )
        primary: dict[str, str] = {}
        other: dict[str, str] = {}  # the same part in another script ("Primary" false)
        for part in element.iterfind(_w("LocationPart")):
            kind = refs.text("LocPartType", part.get("LocPartTypeID")) or "Unknown"
            for value in part.iterfind(_w("LocationPartValue")):
                text = element_text(value.find(_w("Value")))
                if text:
                    target = other if value.get("Primary") == "false" else primary
                    target.setdefault(kind, text)
        unknown = primary.get("Unknown")
        if unknown is not None and len(primary) == 1 and not other:
            code = registry.country.clean(unknown)
            if code is not None:
                # A location that is only a country name ("Egypt").
                self.locations[element.get("ID")] = _Location([], country or str(code))
                return
        addresses = [_address(primary, country)]
        if other:
            addresses.append(_address({**primary, **other}, country))
        self.locations[element.get("ID")] = _Location([a for a in addresses if a], country)

    def _document(self, element: Element) -> None:
        refs = self.refs
        issued: list[str] = []
        expires: list[str] = []
        for date in element.iterfind(_w("DocumentDate")):
            kind = refs.text("IDRegDocDateType", date.get("IDRegDocDateTypeID"))
            period = date.find(_w("DatePeriod"))
            found = _period(period) if period is not None else None
            if found is not None:
                (issued if kind == "Issue Date" else expires).append(found.start)
        self.documents[element.get("IdentityID") or ""].append(
            _Document(
                doc_id=element.get("ID") or "",
                doc_type=refs.text("IDRegDocType", element.get("IDRegDocTypeID")) or "Unknown",
                number=element_text(element.find(_w("IDRegistrationNo"))),
                country=refs.country(element.get("IssuedBy-CountryID")),
                authority=element_text(element.find(_w("IssuingAuthority"))),
                comment=element_text(element.find(_w("Comment"))),
                issued=issued,
                expires=expires,
                validity=refs.text("Validity", element.get("ValidityID")),
            )
        )

    # -- one party --------------------------------------------------------

    def _party(self, element: Element) -> list[ListEntity]:
        self.ctx.records_read += 1
        self.parties_seen += 1
        fixed_ref = element.get("FixedRef")
        profile = element.find(_w("Profile"))
        if not fixed_ref or profile is None:
            self.ctx.reject(
                self.path,
                fixed_ref or f"DistinctParty #{self.parties_seen}",
                "FixedRef",
                "party without FixedRef or Profile",
            )
            return []
        kind = self._party_kind(profile)
        if kind is None:
            self.ctx.reject(
                self.path,
                fixed_ref,
                "PartySubTypeID",
                f"party type {profile.get('PartySubTypeID')!r} unknown",
            )
            return []
        party = _Party(self.ctx, self.path, fixed_ref, slug_id(self.prefix, fixed_ref), kind)
        party.put("notes", element_text(element.find(_w("Comment"))), "Comment")
        for identity in profile.iterfind(_w("Identity")):
            self._identity(party, identity)
            for document in self.documents.pop(identity.get("ID") or "", []):
                self._id_document(party, document)
        for feature in profile.iterfind(_w("Feature")):
            self._feature(party, profile.get("ID") or fixed_ref, feature)
        entity = self._build(party)
        if entity is None:
            return []
        self.profiles[profile.get("ID") or fixed_ref] = (entity.id, entity.schema)
        self.fixed_refs[profile.get("ID") or fixed_ref] = fixed_ref
        self.links.index(entity)
        if party.links:
            self.links.defer(entity, party.links, party.others)
            return []
        return [entity, *party.others]

    def _party_kind(self, profile: Element) -> str | None:
        sub_type = profile.get("PartySubTypeID")
        text = self.refs.text("PartySubType", sub_type)
        if text in (None, "Unknown"):
            text = self.refs.text(
                "PartyType", self.refs.attr("PartySubType", sub_type, "PartyTypeID")
            )
        if text is None:
            return None
        return PARTY_SCHEMAS.get(text, "LegalEntity")

    def _identity(self, party: _Party, identity: Element) -> None:
        groups: dict[str, str] = {}
        for group in identity.iterfind(_w("NamePartGroups/MasterNamePartGroup/NamePartGroup")):
            groups[group.get("ID") or ""] = (
                self.refs.text("NamePartType", group.get("NamePartTypeID")) or ""
            )
        quality: dict[str, str] = {}
        scripts: dict[str, str] = {}
        for alias in identity.iterfind(_w("Alias")):
            alias_type = self.refs.text("AliasType", alias.get("AliasTypeID")) or ""
            prop = ALIAS_PROPS.get(alias_type)
            if prop is None:
                self._warn_once(
                    f"alias:{alias_type}",
                    party.record,
                    "AliasTypeID",
                    f"alias type {alias_type!r} unknown, kept as alias",
                )
                prop = "alias"
            weak = alias.get("LowQuality") == "true"
            for name in alias.iterfind(_w("DocumentedName")):
                full, parts, script = self._documented_name(name, groups)
                if not full:
                    continue
                name_prop = prop
                if script != LATIN_SCRIPT:
                    scripts[full] = script
                    if name_prop == "name":
                        name_prop = "alias"
                if weak:
                    name_prop = "weakAlias" if name_prop in ("alias", "name") else name_prop
                    quality[full] = "weak"  # OFAC's "weak aka", as the CSV parser says
                party.put(name_prop, full, "DocumentedName")
                if name_prop == "name" and party.kind == "Person":
                    for part_type, value in parts:
                        if part_type in NAME_PART_PROPS:
                            party.put(NAME_PART_PROPS[part_type], value, "DocumentedNamePart")
        if quality:
            party.annotations["alias_quality"] = quality
        if scripts:
            party.annotations["name_scripts"] = scripts

    def _documented_name(
        self, name: Element, groups: dict[str, str]
    ) -> tuple[str, list[tuple[str, str]], str]:
        parts: list[tuple[str, str]] = []
        script = LATIN_SCRIPT
        for value in name.iterfind(_w("DocumentedNamePart/NamePartValue")):
            text = element_text(value)
            if text is None:
                continue
            parts.append((groups.get(value.get("NamePartGroupID") or "", ""), text))
            script = self.refs.text("Script", value.get("ScriptID")) or script
        if script == LATIN_SCRIPT:
            # OFAC writes surnames in capitals on the list (and in the CSV).
            parts = [(k, t.upper() if k == "Last Name" else t) for k, t in parts]
        return list_form(parts), parts, script

    def _id_document(self, party: _Party, doc: _Document) -> None:
        if doc.number is None:
            party.notes.append(f"{doc.doc_type}: {doc.comment or 'no number'}")
            return
        prop = DOC_PROPS.get(doc.doc_type)
        if prop is None:
            self._warn_once(
                f"doc:{doc.doc_type}",
                party.record,
                "IDRegDocTypeID",
                f"document type {doc.doc_type!r} not mapped, kept as idNumber",
            )
            prop = "idNumber"
        number = doc.number
        digits = re.sub(r"\D", "", number)
        if (
            doc.country == "ru"
            and prop == "taxNumber"
            and valid_identifier("inn", digits, (10, 12))
        ):
            prop, number = "innCode", digits
        elif doc.country == "ru" and prop == "registrationNumber":
            if doc.doc_type == "Government Gazette Number":
                prop = "okpoCode"
            elif valid_identifier("ogrn", digits, (13, 15)):
                prop, number = "ogrnCode", digits
        elif prop == "imoNumber":
            if len(digits) == 7 and re.fullmatch(r"(?:IMO)?\s*\d{7}", number, re.I):
                number = f"IMO{digits}"
            else:
                prop = "registrationNumber"
        party.put(prop, number, doc.doc_type)
        if party.kind in ("Person", "Organization", "LegalEntity") and prop not in (
            "mmsi",
            "imoNumber",
        ):
            party.others.append(self._identification(party, doc))

    def _identification(self, party: _Party, doc: _Document) -> ListEntity:
        schema = "Passport" if doc.doc_type in PASSPORT_TYPES else "Identification"
        proxy = new_document(schema, party.entity_id, doc.doc_id, doc.number, number=doc.number)
        proxy.add("type", doc.doc_type)
        if doc.country is not None:
            proxy.add("country", doc.country, cleaned=True)
        record = party.record
        for prop, value, name in (
            ("authority", doc.authority, "IssuingAuthority"),
            ("summary", doc.comment, "Comment"),
            (
                "description",
                doc.validity if doc.validity not in (None, "Valid") else None,
                "ValidityID",
            ),
        ):
            self.ctx.add(proxy, prop, value, file=self.path, record=record, field_name=name)
        for prop, values in (("startDate", doc.issued), ("endDate", doc.expires)):
            for value in values:
                self.ctx.add(
                    proxy, prop, value, file=self.path, record=record, field_name="DocumentDate"
                )
        return ListEntity(proxy)

    # -- features ---------------------------------------------------------

    def _feature(self, party: _Party, profile_id: str, feature: Element) -> None:
        type_id = feature.get("FeatureTypeID")
        label = (self.refs.text("FeatureType", type_id) or f"FeatureType {type_id}").strip()
        for version in feature.iterfind(_w("FeatureVersion")):
            comment = element_text(version.find(_w("Comment")))
            if comment:
                party.notes.append(f"{label.rstrip(':- ')}: {comment}")
            location = version.find(_w("VersionLocation"))
            if location is not None:
                self._feature_location(party, label, location.get("LocationID") or "")
            period = version.find(_w("DatePeriod"))
            if period is not None:
                found = _period(period)
                if found is not None:
                    self._feature_date(party, profile_id, label, found)
            for detail in version.iterfind(_w("VersionDetail")):
                ref = detail.get("DetailReferenceID")
                value = self.refs.text("DetailReference", ref) if ref else element_text(detail)
                if value:
                    self._feature_value(party, profile_id, label, value)

    def _feature_location(self, party: _Party, label: str, location_id: str) -> None:
        location = self.locations.get(location_id)
        if location is None:
            party.ctx.issue(
                party.file, party.record, label, f"location {location_id!r} not in the file"
            )
            return
        if label == "Location":
            for address in location.addresses:
                party.put("address", address, "Location")
            party.put("country", location.country, "Location")
            return
        prop = FEATURE_PROPS.get(label, "country")
        if location.country is not None:
            party.put(prop, location.country, label)
        else:
            for address in location.addresses:
                party.put(prop, address, label)

    def _feature_date(self, party: _Party, profile_id: str, label: str, period: _Period) -> None:
        if label == "Birthdate":
            for value in period.values():
                party.put("birthDate", value, "Birthdate")
            note = period.annotation()
            if note is not None:
                party.annotations.setdefault("birth_dates", []).append(note)
            return
        values = period.values()
        text = values[0] if len(values) == 1 else f"{period.start} to {period.end}"
        self._feature_value(party, profile_id, label, text)

    def _feature_value(self, party: _Party, profile_id: str, label: str, value: str) -> None:
        if label.startswith(WALLET_PREFIX):
            party.others.append(self._wallet(party, label[len(WALLET_PREFIX) :].strip(), value))
        elif label in LINK_FEATURES:
            party.links.append(NamedLink(LINK_FEATURES[label], value, label))
        elif label in FEATURE_PROPS:
            party.put(FEATURE_PROPS[label], value, label)
        elif SANCTION_FEATURE.search(label):
            name = label.rstrip(":- ").strip()
            self.sanction_facts.setdefault(profile_id, []).append(("summary", f"{name}: {value}"))
        elif label in NOTE_FEATURES:
            party.notes.append(f"{label}: {value}")
        else:
            party.notes.append(f"{label.rstrip(':- ')}: {value}")
            self._warn_once(
                f"feature:{label}",
                party.record,
                "FeatureTypeID",
                f"feature {label!r} not mapped, kept in notes",
            )

    def _wallet(self, party: _Party, currency: str, address: str) -> ListEntity:
        proxy = make_entity(
            "CryptoWallet", derived_id(party.entity_id, "wallet", currency, address)
        )
        proxy.add("holder", party.entity_id, cleaned=True)
        proxy.add("currency", currency)
        self.ctx.add(
            proxy,
            "publicKey",
            address,
            file=self.path,
            record=party.record,
            field_name=WALLET_PREFIX + currency,
        )
        return ListEntity(proxy)

    # -- the party entity -------------------------------------------------

    def _build(self, party: _Party) -> ListEntity | None:
        schema = party.kind
        if schema == "Organization" and self._is_company(party):
            schema = "Company"
        proxy = make_entity(schema, party.entity_id)
        for prop, value, field_name in party.facts:
            self._add(party, proxy, prop, value, field_name)
        for note in party.notes:
            self._add(party, proxy, "notes", note, "notes")
        if not proxy.has("name"):
            fallback = proxy.get("alias") or proxy.get("previousName") or proxy.get("weakAlias")
            if not fallback:
                self.ctx.reject(self.path, party.record, "Identity", "party without any name")
                return None
            proxy.add("name", fallback[0], cleaned=True)
        return ListEntity(proxy, source_ref=party.record, annotations=party.annotations)

    def _is_company(self, party: _Party) -> bool:
        """The CSV parser's rule (a legal form in the name), plus company-only identifiers."""
        for prop, value, _field in party.facts:
            if prop == "name" and COMPANY_FORMS.search(value.upper()):
                return True
            if prop in COMPANY_ONLY_PROPS:
                return True
            if prop == "legalForm" and value.lower() in COMPANY_TYPES:
                return True
        return False

    def _add(
        self, party: _Party, proxy: EntityProxy, prop: str, value: str, field_name: str
    ) -> None:
        if proxy.schema.get(prop) is None:
            fallback = FALLBACK_PROPS.get(prop)
            if fallback is not None and proxy.schema.get(fallback) is not None:
                prop = fallback
            else:
                prop, value = "notes", f"{field_name}: {value}"
        if (prop in COUNTRY_PROPS and value in COUNTRY_CODES) or (
            prop in DATE_PROPS and is_real_date(value)
        ):
            # Already clean: a code from the reference values, a date built by _ymd.
            proxy.add(prop, value, cleaned=True)
            return
        self.ctx.add(proxy, prop, value, file=self.path, record=party.record, field_name=field_name)

    # -- relations and sanctions ------------------------------------------

    def _relationship(self, element: Element) -> list[ListEntity]:
        record = element.get("ID") or "?"
        ends = []
        for attr in ("From-ProfileID", "To-ProfileID"):
            profile = element.get(attr)
            found = self.profiles.get(profile or "")
            if found is None:
                self.ctx.issue(
                    self.path,
                    f"ProfileRelationship {record}",
                    attr,
                    f"profile {profile!r} is not a party of this file; relation skipped",
                )
                return []
            ends.append(found)
        (from_id, from_schema), (to_id, to_schema) = ends
        label = self.refs.text("RelationType", element.get("RelationTypeID")) or "Unknown relation"
        schema, from_role, to_role, role_prop = RELATIONS.get(
            label, ("UnknownLink", "subject", "object", "role")
        )
        if from_schema not in END_SCHEMAS.get(
            from_role, {from_schema}
        ) or to_schema not in END_SCHEMAS.get(to_role, {to_schema}):
            schema, from_role, to_role, role_prop = "UnknownLink", "subject", "object", "role"
        kind = {"Ownership": "ownership", "UnknownLink": "link"}.get(schema, schema.lower())
        proxy = make_entity(schema, derived_id(from_id, kind, to_id, label))
        proxy.add(from_role, from_id, cleaned=True)
        proxy.add(to_role, to_id, cleaned=True)
        proxy.add(role_prop, label)
        quality = self.refs.text("RelationQuality", element.get("RelationQualityID"))
        comment = element_text(element.find(_w("Comment")))
        summary = [
            s
            for s in (
                comment,
                f"Relation quality: {quality}" if quality not in (None, "Unknown") else None,
            )
            if s
        ]
        if element.get("Former") == "true":
            summary.append("Former relationship")
        for text in summary:
            proxy.add("summary", text)
        return [ListEntity(proxy)]

    def _sanctions_entry(self, element: Element) -> list[ListEntity]:
        profile = element.get("ProfileID") or ""
        entry_id = element.get("ID") or profile
        found = self.profiles.get(profile)
        if found is None:
            self.ctx.issue(
                self.path,
                f"SanctionsEntry {entry_id}",
                "ProfileID",
                f"profile {profile!r} is not a party of this file; entry skipped",
            )
            return []
        party_id = found[0]
        fixed_ref = self.fixed_refs.get(profile, profile)
        list_name = self.refs.text("List", element.get("ListID"))
        dates: list[str] = []
        reasons: list[str] = []
        for event in element.iterfind(_w("EntryEvent")):
            date = _ymd(event.find(_w("Date")))
            if date:
                dates.append(date)
            basis = self.refs.text("LegalBasis", event.get("LegalBasisID"))
            if basis and basis != "Unknown":
                reasons.append(basis)
        programs: list[str | None] = []
        provisions: list[str] = []
        for measure in element.iterfind(_w("SanctionsMeasure")):
            kind = self.refs.text("SanctionsType", measure.get("SanctionsTypeID")) or "Unknown"
            comment = element_text(measure.find(_w("Comment")))
            if kind == "Program" and comment:
                programs.append(comment)
            else:
                provisions.append(f"{kind}: {comment}" if comment else kind)
        facts = self.sanction_facts.pop(profile, [])
        sanctions = []
        for program in programs or [None]:
            # The CSV parser's id for the same programme of the same party.
            proxy = new_sanction(party_id, self.authority, "us", program or "")
            proxy.add("authorityId", fixed_ref, cleaned=True)
            proxy.add("sourceUrl", SDN_DETAILS_URL.format(fixed_ref), cleaned=True)
            proxy.add("program", PROGRAMS.get(program, program) if program else list_name)
            if program:
                proxy.add("programId", program)
            record = f"SanctionsEntry {entry_id}"
            for prop, values in (
                ("listingDate", dates[:1]),
                ("provisions", provisions),
                ("reason", reasons),
            ):
                for value in values:
                    if prop == "listingDate" and is_real_date(value):
                        proxy.add(prop, value, cleaned=True)
                        continue
                    self.ctx.add(proxy, prop, value, file=self.path, record=record, field_name=prop)
            for prop, value in facts:
                self.ctx.add(proxy, prop, value, file=self.path, record=record, field_name=prop)
            entity = ListEntity(proxy)
            if list_name:
                entity.annotations["list"] = list_name
            sanctions.append(entity)
        return sanctions

    # -- owners and operators named by name -------------------------------

    def _link(self, party: ListEntity, link: NamedLink, target: str) -> ListEntity | None:
        target_schema = self.links.schemas[target]
        if link.kind == "operator" and party.proxy.schema.get("operator") is not None:
            # As the CSV parser does: the operator is a property of the aircraft.
            party.proxy.add("operator", target, cleaned=True)
            return None
        # Ids as the CSV parser makes them for the same link.
        if link.kind == "owner" and target_schema in END_SCHEMAS["owner"]:
            proxy = make_entity(
                "Ownership", derived_id(party.id, "ownership", target, link.field_name)
            )
            proxy.add("owner", target, cleaned=True)
            proxy.add("asset", party.id, cleaned=True)
            proxy.add("role", link.field_name)
            return ListEntity(proxy)
        proxy = make_entity("UnknownLink", derived_id(party.id, "link", target, link.field_name))
        proxy.add("subject", target, cleaned=True)
        proxy.add("object", party.id, cleaned=True)
        proxy.add("role", link.field_name)
        return ListEntity(proxy)


ADDRESS_ORDER = (
    "ADDRESS1",
    "ADDRESS2",
    "ADDRESS3",
    "CITY",
    "STATE/PROVINCE",
    "POSTAL CODE",
    "REGION",
    "Unknown",
)


def _address(parts: dict[str, str], country: str | None) -> str | None:
    """One address line from location parts in postal order, ending with the country name."""
    lines = [parts[k] for k in ADDRESS_ORDER if k in parts]
    lines += [v for k, v in parts.items() if k not in ADDRESS_ORDER]
    if not lines:
        return None
    if country is not None:
        lines.append(registry.country.caption(country) or country)
    return ", ".join(lines)
