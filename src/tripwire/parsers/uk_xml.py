"""The UK Sanctions List (FCDO) in its official XML layout.

Why a parser of its own: the FCDO file is one ``<Designation>`` per listed
person, entity or ship, with the regime, the measures imposed and the
statement of reasons on the same record, and free-text fields that need care
before they are worth screening on: countries spelt the FCDO's way
("Congo (Democratic Republic)", "Former USSR (now Belarus)"), dates as
``dd/mm/yyyy`` with ``dd``/``mm`` placeholders, and registration numbers that
pack OGRN, INN, KPP, SWIFT and LEI into one string. Parents, subsidiaries and
ship owners are given by name only; they become relations when the name is a
designation of the same file and ``unresolved_links`` otherwise.

The file is streamed designation by designation; only designations with
named links wait until the end of the file, when every name is known.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import EntityProxy, registry
from rigour.ids import get_identifier_format

from tripwire.model.entity import ListEntity, derived_id, make_entity, slug_id
from tripwire.parsers.base import FormatError, ListParser, ParseContext
from tripwire.parsers.common import (
    COUNTRY_CODES,
    NamedLink,
    NamedLinks,
    clean_text,
    country_code,
    element_text,
    is_real_date,
    new_document,
    new_sanction,
    source_for,
    valid_identifier,
)
from tripwire.parsers.xml import iter_elements, root_attributes

Element = Any

LIST_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"
AUTHORITY = "Office of Financial Sanctions Implementation / FCDO"

_SNIFF = re.compile(rb"<Designations[\s>/]")

SCHEMAS = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}

# NameType as the file spells it (case varies: "Primary name", "ALias").
NAME_TYPES = {"primary name": "name", "primary name variation": "alias", "alias": "alias"}
ALIAS_STRENGTH = {"good quality a.k.a": "strong", "low quality a.k.a": "low"}

# Country spellings of the FCDO that FtM does not read (or reads wrongly with fuzzy
# matching: "former USSR Currently Russia" fuzzily becomes Ukraine).
COUNTRY_SPELLINGS = {
    "occupied palestinian territories": "ps",
    "congo (democratic republic)": "cd",
    "congo (republic)": "cg",
    # The UK holds the Golan Heights to be Syrian territory under occupation.
    "occupied golan heights": "sy",
    "former ussr": "suhh",
    "ussr": "suhh",
    "soviet union": "suhh",
    "russian soviet federative socialist republic (rsfsr)": "suhh",
    "yakut autonomous ssr": "suhh",
    "the gambia": "gm",
    "macao": "mo",
    "kosovo": "xk",
}
_NOW_COUNTRY = re.compile(r"\b(?:now|currently)\b[\s:,]*(?:the\s+)?([^()]+?)[\s)]*$", re.I)
_SOVIET = re.compile(r"\b(?:u?ssr|a?ssr|sfsr|soviet)\b", re.I)

# SanctionsImposedIndicators element -> measure label as SanctionsImposed writes it.
INDICATOR_LABELS = {
    "AssetFreeze": "Asset freeze",
    "ArmsEmbargo": "Arms embargo",
    "TargetedArmsEmbargo": "Targeted arms embargo",
    "CharteringOfShips": "Chartering of ships",
    "ClosureOfRepresentativeOffices": "Closure of representative offices",
    "CrewServicingOfShipsAndAircraft": "Crew servicing of ships and aircraft",
    "Deflag": "De-flag",
    "PreventionOfBusinessArrangements": "Prevention of business arrangements",
    "PreventionOfCharteringOfShips": "Prevention of chartering of ships",
    "PreventionOfCharteringOfShipsAndAircraft": "Prevention of chartering of ships and aircraft",
    "ProhibitionOfPortEntry": "Prohibition of port entry",
    "TechnicalAssistanceRelatedToAircraft": "Technical assistance related to aircraft",
    "TravelBan": "Travel ban",
    "TrustServicesSanctions": "Trust services sanctions",
    "DirectorDisqualificationSanction": "Director disqualification sanction",
}

# Every element path the layout has under <Designation>; anything else is reported.
KNOWN_PATHS = frozenset(
    {
        "LastUpdated", "DateDesignated", "UniqueID", "OFSIGroupID", "UNReferenceNumber",
        "RegimeName", "IndividualEntityShip", "DesignationSource", "SanctionsImposed",
        "OtherInformation", "UKStatementofReasons",
        "Names", "Names/Name", "Names/Name/Name", "Names/Name/NameType",
        "Names/Name/AliasStrength",
        *(f"Names/Name/Name{i}" for i in range(1, 7)),
        "NonLatinNames", "NonLatinNames/NonLatinName", "NonLatinNames/NameNonLatinScript",
        "NonLatinNames/NonLatinName/NameNonLatinScript",
        "NonLatinNames/NonLatinName/NonLatinScriptType",
        "NonLatinNames/NonLatinName/NonLatinScriptLanguage",
        "Titles", "Titles/Title",
        "Addresses", "Addresses/Address", "Addresses/Address/AddressPostalCode",
        "Addresses/Address/AddressCountry",
        *(f"Addresses/Address/AddressLine{i}" for i in range(1, 7)),
        "PhoneNumbers", "PhoneNumbers/PhoneNumber",
        "EmailAddresses", "EmailAddresses/EmailAddress",
        "Websites", "Websites/Website",
        "SanctionsImposedIndicators",
        *(f"SanctionsImposedIndicators/{tag}" for tag in INDICATOR_LABELS),
        "IndividualDetails", "IndividualDetails/Individual",
        "IndividualDetails/Individual/DOBs", "IndividualDetails/Individual/DOBs/DOB",
        "IndividualDetails/Individual/BirthDetails",
        "IndividualDetails/Individual/BirthDetails/Location",
        "IndividualDetails/Individual/BirthDetails/Location/TownOfBirth",
        "IndividualDetails/Individual/BirthDetails/Location/CountryOfBirth",
        "IndividualDetails/Individual/Genders", "IndividualDetails/Individual/Genders/Gender",
        "IndividualDetails/Individual/Nationalities",
        "IndividualDetails/Individual/Nationalities/Nationality",
        "IndividualDetails/Individual/Positions",
        "IndividualDetails/Individual/Positions/Position",
        "IndividualDetails/Individual/PassportDetails",
        "IndividualDetails/Individual/PassportDetails/Passport",
        "IndividualDetails/Individual/PassportDetails/Passport/PassportNumber",
        "IndividualDetails/Individual/PassportDetails/Passport/PassportAdditionalInformation",
        "IndividualDetails/Individual/NationalIdentifierDetails",
        "IndividualDetails/Individual/NationalIdentifierDetails/NationalIdentifier",
        "IndividualDetails/Individual/NationalIdentifierDetails/NationalIdentifier/"
        "NationalIdentifierNumber",
        "IndividualDetails/Individual/NationalIdentifierDetails/NationalIdentifier/"
        "NationalIdentifierAdditionalInformation",
        "EntityDetails", "EntityDetails/Entity",
        "EntityDetails/Entity/TypeOfEntities", "EntityDetails/Entity/TypeOfEntities/TypeOfEntity",
        "EntityDetails/Entity/BusinessRegistrationNumbers",
        "EntityDetails/Entity/BusinessRegistrationNumbers/BusinessRegistrationNumber",
        "EntityDetails/Entity/ParentCompanies",
        "EntityDetails/Entity/ParentCompanies/ParentCompany",
        "EntityDetails/Entity/Subsidiaries", "EntityDetails/Entity/Subsidiaries/Subsidiary",
        "ShipDetails", "ShipDetails/Ship",
        "ShipDetails/Ship/IMONumbers", "ShipDetails/Ship/IMONumbers/IMONumber",
        "ShipDetails/Ship/CurrentOwnerOperators",
        "ShipDetails/Ship/CurrentOwnerOperators/CurrentOwnerOperator",
        "ShipDetails/Ship/PreviousOwnerOperators",
        "ShipDetails/Ship/PreviousOwnerOperators/PreviousOwnerOperator",
        "ShipDetails/Ship/CurrentBelievedFlagOfShips",
        "ShipDetails/Ship/CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip",
        "ShipDetails/Ship/PreviousFlags", "ShipDetails/Ship/PreviousFlags/PreviousFlag",
        "ShipDetails/Ship/TypeOfShipDetails", "ShipDetails/Ship/TypeOfShipDetails/TypeOfShip",
        "ShipDetails/Ship/TonnageOfShipDetails",
        "ShipDetails/Ship/TonnageOfShipDetails/TonnageOfShip",
        "ShipDetails/Ship/LengthOfShipDetails",
        "ShipDetails/Ship/LengthOfShipDetails/LengthOfShip",
        "ShipDetails/Ship/YearsBuilt", "ShipDetails/Ship/YearsBuilt/YearBuilt",
        "ShipDetails/Ship/HullIdentificationNumbers",
        "ShipDetails/Ship/HullIdentificationNumbers/HullIdentificationNumber",
        "ShipDetails/Ship/CallSigns", "ShipDetails/Ship/CallSigns/CallSign",
    }
)  # fmt: skip

# Leaf elements whose value goes straight to an FtM property of the party.
SHIP_PROPS = {
    "CurrentBelievedFlagOfShip": "flag",
    "PreviousFlag": "pastFlags",
    "TypeOfShip": "type",
    "TonnageOfShip": "tonnage",
    "YearBuilt": "buildDate",
    "HullIdentificationNumber": "registrationNumber",
    "CallSign": "callSign",
}
COUNTRY_PROPS = {"flag", "pastFlags", "country", "nationality", "birthCountry"}

# An entity is a Company when its name or type says so.
_COMPANY = re.compile(
    r"(?<![\w])(?:llc|l\.l\.c\.?|ltd\.?|limited|jsc|pjsc|ojsc|cjsc|ooo|oao|zao|pao|ao|gmbh|"
    r"plc|inc\.?|corp\.?|corporation|company|co\.?|bank|fze|fzco|fzc|fz-llc|dmcc|llp|b\.v\.|"
    r"bv|ag|sarl|s\.a\.?|srl|s\.r\.l\.?|pte|pvt|sdn bhd|holding|holdings|enterprise|firm)"
    r"(?![\w-])|(?<![\w])A/?S$",
    re.I,
)

# Labels inside BusinessRegistrationNumber text -> kind of identifier. Order matters:
# longer labels first, so "Tax Identification Number" wins over "TIN".
_REG_LABELS: tuple[tuple[str, str], ...] = (
    (r"OGRNIP|OGRN|PSRN|SRN|Primary State Registration Number", "ogrn"),
    (
        r"Tax Identification Number|Taxpayer Identification Number|Tax ID No\.?|Tax ID|"
        r"Taxpayer ID|Tax Identifier|INN/TIN|INN|TIN|Tax number|Tax No\.?|NIP|PAN|УНН/ИНН|УНН|ИНН",
        "tax",
    ),
    (r"KPP", "kpp"),
    (r"OKPO|Government Gazette Number", "okpo"),
    (r"BIK \(RU\)|BIK", "bik"),
    (r"SWIFT/BIC|SWIFT|BIC", "swift"),
    (r"Legal Entity Identifier|Legal Entity Number|LEI", "lei"),
    (r"Unified Social Credit Code|USCC", "uscc"),
    (r"VAT Tax Number|VAT Number|VAT", "vat"),
    (r"BvD ID number|BvD ID|BvD number", "bvd"),
    (r"National ID Number|National Identification Number", "id"),
    (
        r"Central Bank Licence|License number|Licence number|License No\\.?|Licence No\\.?|"
        r"Registered Russian Bank No\\.?",
        "license",
    ),
    # Vendor and foreign-list references: kept in notes, not as identifiers of the party.
    (
        r"Acuris Unique ID|(?:USA )?OFAC UID Number|ISN Number|OKTMO|SPARK code|"
        r"BvD account number|Cedar Rose number",
        "note",
    ),
    (
        r"Commercial Registration Number|Business registration number|Registration number|"
        r"Registration No\.?|Company number|Company No\.?|CR No\.?|CRN|CR|"
        r"Trade Register Number|Commercial register number|Business Identification Number|"
        r"BIN|BRN|CIN|LLPIN Number|CBLS|UID Number|CH-ID|IP Identification|USREOU code|EDRPOU|"
        r"business register number|business registry number|Company House number",
        "reg",
    ),
)
_REG_LABEL_RE = re.compile(
    "|".join(
        f"(?P<{kind}{i}>(?<![A-Za-zА-Яа-я])(?:{pattern})(?![A-Za-zА-Яа-я]))"
        for i, (pattern, kind) in enumerate(_REG_LABELS)
    ),
    re.I,
)
_REG_PROPS = {
    "ogrn": "ogrnCode",
    "kpp": "kppCode",
    "okpo": "okpoCode",
    "bik": "bikCode",
    "swift": "swiftBic",
    "lei": "leiCode",
    "uscc": "uscCode",
    "vat": "vatCode",
    "bvd": "bvdId",
    "id": "idNumber",
    "license": "licenseNumber",
    "reg": "registrationNumber",
}
_NUMERIC_KINDS = frozenset({"ogrn", "kpp", "okpo", "bik", "tax"})
# A number standing alone: not glued to letters or to a "/" path ("CA/BG/2019B520").
_NUMBER = re.compile(r"(?<![A-Za-z0-9/])\d(?:[\d /.\-]*\d)?(?![A-Za-z0-9])")
_PATTERNS = {
    "swift": re.compile(r"(?<![A-Z0-9])[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![A-Z0-9])"),
    "lei": re.compile(r"(?<![A-Z0-9])[A-Z0-9]{18}\d{2}(?![A-Z0-9])"),
    "uscc": re.compile(r"(?<![A-Z0-9])[0-9A-Z]{18}(?![A-Z0-9])"),
    "bvd": re.compile(r"(?<![A-Z0-9])[A-Z0-9]*\d[A-Z0-9\-]*(?![A-Z0-9])"),
}
_TRIM = " \t\r\n:;,.-–—#№'\"/(·"
# A parenthesis opened and never closed in the text after a value: "(Company".
_OPEN_TAIL = re.compile(r"\s*\([^()]*$")
_OPEN_HEAD = re.compile(r"^[^()]*\)\s*(?=\S)")
_PAREN = re.compile(r"\(([^()]*)\)")
# "7743444827Russia OGRN": a number glued to the next word.
_GLUED = re.compile(r"(?<=\d)(?=[A-Z][a-z])")
_DATED = re.compile(r"\s+dated\s+[\d./-]+", re.I)

_DATE = re.compile(r"^\s*(\d{1,2}|dd)/(\d{1,2}|mm)/(\d{4})\s*$", re.I)
_YEAR_RANGE = re.compile(r"^\s*(?:between\s+)?(\d{4})\s*(?:-|–|to|and)\s*(\d{4})\s*$", re.I)
_CIRCA = re.compile(r"^\s*(?:c\.|ca\.?|circa|approx\.?|approximately)\s*(.+)$", re.I)


@lru_cache(maxsize=4096)
def uk_country(text: str) -> str:
    """ISO code for a country as the FCDO spells it, or the text itself (ctx.add reports it)."""
    key = clean_text(text).lower().strip(" .,")
    code = country_code(key, COUNTRY_SPELLINGS)
    if code is not None:
        return code
    match = _NOW_COUNTRY.search(key)
    if match is not None:
        code = country_code(match.group(1).strip(" .,"), COUNTRY_SPELLINGS)
        if code is not None:
            return code
    if _SOVIET.search(key):
        return "suhh"
    return text


def uk_date(text: str | None) -> str | None:
    """ISO date from ``dd/mm/yyyy``, keeping only the parts given (``dd/mm/1945`` -> 1945)."""
    if text is None:
        return None
    match = _DATE.match(text)
    if match is None:
        stripped = text.strip()
        return stripped if re.fullmatch(r"\d{4}", stripped) else None
    day, month, year = match.groups()
    if not month.isdigit():
        return year
    if not 1 <= int(month) <= 12:
        return None
    if not day.isdigit():
        return f"{year}-{int(month):02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year}-{int(month):02d}-{int(day):02d}"


def script_of(text: str) -> str | None:
    """Unicode script of the first letter that is not Latin (``CYRILLIC``, ``ARABIC``...)."""
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "")
            script = name.split(" ")[0] if name else ""
            if script and script != "LATIN":
                return script.capitalize()
    return None


def _strip_ns(element: Element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = node.tag.split("}", 1)[1]


def _long_text(element: Element | None) -> str | None:
    """Free text with its line breaks, without blank lines and runs of spaces."""
    if element is None or element.text is None:
        return None
    lines = (" ".join(line.split()) for line in element.text.splitlines())
    return "\n".join(line for line in lines if line) or None


def _texts(element: Element, path: str) -> list[str]:
    return [t for t in (element_text(e) for e in element.iterfind(path)) if t]


@dataclass
class _Designation:
    """One designation being converted; ``record`` is its UniqueID for issues."""

    ctx: ParseContext
    file: Path
    record: str
    element: Element
    party: ListEntity
    links: list[NamedLink] = field(default_factory=list)
    others: list[ListEntity] = field(default_factory=list)

    @property
    def proxy(self) -> EntityProxy:
        return self.party.proxy

    def add(
        self, prop: str, value: str | None, field_name: str, proxy: EntityProxy | None = None
    ) -> bool:
        target = self.proxy if proxy is None else proxy
        if value is not None and prop in COUNTRY_PROPS:
            value = uk_country(value)
            if value in COUNTRY_CODES:
                target.add(prop, value, cleaned=True)
                return True
        return self.ctx.add(
            target, prop, value, file=self.file, record=self.record, field_name=field_name
        )

    def note(self, label: str, value: str) -> None:
        self.add("notes", f"{label}: {value}", label)


class UKXMLParser(ListParser):
    """UK Sanctions List (FCDO), official XML: one ``Designation`` per listed party."""

    NAME: ClassVar[str] = "uk_xml"
    SOURCE: ClassVar[str] = "gb_fcdo"
    TITLE: ClassVar[str] = "UK Sanctions List XML (FCDO)"

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return _SNIFF.search(head) is not None

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        root, _attrs = root_attributes(path)
        if root != "Designations":
            raise FormatError(path, f"root element is <{root}>, not the UK list's <Designations>")
        return _Run(ctx, path).entities()


class _Run:
    """State of one parse: the name index and the designations waiting for it."""

    def __init__(self, ctx: ParseContext, path: Path) -> None:
        self._ctx = ctx
        self._path = path
        self._prefix = source_for(ctx.source, UKXMLParser.SOURCE).id_prefix
        self._links = NamedLinks(ctx, path, "designation", "designations")
        self._seen_unknown: set[str] = set()
        self._index = 0

    def entities(self) -> Iterator[ListEntity]:
        for element in iter_elements(self._path, {"DateGenerated", "Designation"}):
            if element.tag[0] == "{":
                _strip_ns(element)
            if element.tag == "DateGenerated":
                self._published(element)
                continue
            self._index += 1
            yield from self._ctx.counted(self._designation(element))
        yield from self._links.resolve(self._linked)

    # -- file level -------------------------------------------------------

    def _published(self, element: Element) -> None:
        value = uk_date(element_text(element))
        if value is None or len(value) != 10:
            self._ctx.issue(
                self._path,
                "DateGenerated",
                "DateGenerated",
                f"date {element_text(element)!r} not understood",
            )
            return
        self._ctx.published = dt.date.fromisoformat(value)

    # -- one designation --------------------------------------------------

    def _designation(self, element: Element) -> list[ListEntity]:
        ctx = self._ctx
        ctx.records_read += 1
        unique_id = element_text(element.find("UniqueID"))
        if unique_id is None:
            ctx.reject(
                self._path,
                f"Designation #{self._index}",
                "UniqueID",
                "designation without UniqueID",
            )
            return []
        kind = (element_text(element.find("IndividualEntityShip")) or "").lower()
        schema = SCHEMAS.get(kind)
        if schema is None:
            ctx.reject(
                self._path, unique_id, "IndividualEntityShip", f"unknown designation type {kind!r}"
            )
            return []
        if schema == "Organization" and self._is_company(element):
            schema = "Company"
        proxy = make_entity(schema, slug_id(self._prefix, unique_id))
        rec = _Designation(
            ctx, self._path, unique_id, element, ListEntity(proxy, source_ref=unique_id)
        )
        self._names_of(rec)
        if not proxy.has("name"):
            ctx.reject(self._path, unique_id, "Names", "designation without a usable primary name")
            return []
        self._audit(rec)
        self._contact(rec)
        if schema == "Person":
            self._individual(rec)
        elif schema == "Vessel":
            self._ship(rec)
        else:
            self._entity(rec)
        for info in (_long_text(e) for e in element.iterfind("OtherInformation")):
            rec.add("notes", info, "OtherInformation")
        group = element_text(element.find("OFSIGroupID"))
        if group is not None:
            rec.party.annotations["ofsi_group_id"] = group
        sanction = self._sanction(rec)
        self._links.index(rec.party)
        if rec.links:
            self._links.defer(rec.party, rec.links, [sanction, *_unique(rec.others)])
            return []
        return [rec.party, sanction, *_unique(rec.others)]

    def _is_company(self, element: Element) -> bool:
        if (
            element.find(
                "EntityDetails/Entity/BusinessRegistrationNumbers/BusinessRegistrationNumber"
            )
            is not None
        ):
            return True
        if element.find("EntityDetails/Entity/ParentCompanies/ParentCompany") is not None:
            return True
        texts = _texts(element, "EntityDetails/Entity/TypeOfEntities/TypeOfEntity")
        for name in element.iterfind("Names/Name"):
            if (element_text(name.find("NameType")) or "").lower() == "primary name":
                texts.append(" ".join(_texts(name, "*")))
        return any(_COMPANY.search(t) for t in texts)

    def _audit(self, rec: _Designation) -> None:
        """Report (once per file) elements the layout does not have, keeping their text in notes."""
        stack: list[tuple[str, Element]] = [("", child) for child in rec.element]
        while stack:
            prefix, node = stack.pop()
            if not isinstance(node.tag, str):
                continue
            path = f"{prefix}{node.tag}"
            if path not in KNOWN_PATHS:
                value = element_text(node)
                if value is not None and len(node) == 0:
                    rec.note(node.tag, value)
                if path not in self._seen_unknown:
                    self._seen_unknown.add(path)
                    self._ctx.issue(
                        self._path,
                        rec.record,
                        path,
                        "element not in the UK list layout (text kept in notes)",
                    )
            stack.extend((f"{path}/", child) for child in node)

    # -- names ------------------------------------------------------------

    def _names_of(self, rec: _Designation) -> None:
        quality: dict[str, str] = {}
        for name_el in rec.element.iterfind("Names/Name"):
            parts = [element_text(name_el.find(f"Name{i}")) for i in range(1, 7)]
            full = element_text(name_el.find("Name")) or " ".join(p for p in parts if p)
            if not full:
                continue
            name_type = (element_text(name_el.find("NameType")) or "").lower()
            prop = NAME_TYPES.get(name_type)
            if prop is None:
                rec.ctx.issue(
                    rec.file,
                    rec.record,
                    "NameType",
                    f"name type {name_type!r} unknown, kept as alias",
                )
                prop = "alias"
            strength = (element_text(name_el.find("AliasStrength")) or "").lower().rstrip(".")
            if prop == "alias" and strength in ALIAS_STRENGTH:
                quality[full] = ALIAS_STRENGTH[strength]
                if quality[full] == "low":
                    prop = "weakAlias"
            elif strength and strength not in ALIAS_STRENGTH:
                rec.ctx.issue(
                    rec.file, rec.record, "AliasStrength", f"alias strength {strength!r} unknown"
                )
            rec.add(prop, full, "Names/Name")
            if prop == "name" and rec.proxy.schema.is_a("Person"):
                self._name_parts(rec, parts)
        for title in _texts(rec.element, "Titles/Title"):
            if rec.proxy.schema.is_a("Person"):
                rec.add("title", title, "Title")
            else:
                rec.note("Title", title)
        self._non_latin(rec)
        if quality:
            rec.party.annotations["alias_quality"] = quality

    def _name_parts(self, rec: _Designation, parts: list[str | None]) -> None:
        first, *middle, last = parts
        rec.add("firstName", first, "Name1")
        for value in middle:
            rec.add("middleName", value, "Name2-5")
        rec.add("lastName", last, "Name6")

    def _non_latin(self, rec: _Designation) -> None:
        scripts: dict[str, str] = {}
        for script_el in rec.element.iterfind("NonLatinNames//NameNonLatinScript"):
            value = element_text(script_el)
            if value is None:
                continue
            rec.add("alias", value, "NameNonLatinScript")
            parent = script_el.getparent()
            label = None
            if parent is not None and parent.tag == "NonLatinName":
                label = element_text(parent.find("NonLatinScriptType")) or element_text(
                    parent.find("NonLatinScriptLanguage")
                )
            label = label or script_of(value)
            if label:
                scripts[value] = label
        if scripts:
            rec.party.annotations["name_scripts"] = scripts

    # -- contact details --------------------------------------------------

    def _contact(self, rec: _Designation) -> None:
        for address in rec.element.iterfind("Addresses/Address"):
            lines = [element_text(address.find(f"AddressLine{i}")) for i in range(1, 7)]
            postal = element_text(address.find("AddressPostalCode"))
            country = element_text(address.find("AddressCountry"))
            text = ", ".join(v for v in (*lines, postal, country) if v)
            if country is not None:
                rec.add("country", country, "AddressCountry")
            if text and text != country:
                rec.add("address", text, "Address")
        for phone in _texts(rec.element, "PhoneNumbers/PhoneNumber"):
            rec.add("phone", phone, "PhoneNumber")
        for emails in _texts(rec.element, "EmailAddresses/EmailAddress"):
            for email in re.split(r"[;,\s]+", emails):
                rec.add("email", email, "EmailAddress")
        for website in _texts(rec.element, "Websites/Website"):
            rec.add("website", website, "Website")

    # -- individuals --------------------------------------------------------

    def _individual(self, rec: _Designation) -> None:
        for person in rec.element.iterfind("IndividualDetails/Individual"):
            self._birth_dates(rec, _texts(person, "DOBs/DOB"))
            for nationality in _texts(person, "Nationalities/Nationality"):
                rec.add("nationality", nationality, "Nationality")
            for gender in _texts(person, "Genders/Gender"):
                rec.add("gender", gender, "Gender")
            for position in _texts(person, "Positions/Position"):
                rec.add("position", position, "Position")
            for location in person.iterfind("BirthDetails/Location"):
                town = element_text(location.find("TownOfBirth"))
                country = element_text(location.find("CountryOfBirth"))
                rec.add("birthPlace", ", ".join(v for v in (town, country) if v), "BirthDetails")
                rec.add("birthCountry", country, "CountryOfBirth")
            for passport in person.iterfind("PassportDetails/Passport"):
                self._document(
                    rec,
                    "Passport",
                    element_text(passport.find("PassportNumber")),
                    element_text(passport.find("PassportAdditionalInformation")),
                )
            for ident in person.iterfind("NationalIdentifierDetails/NationalIdentifier"):
                self._document(
                    rec,
                    "Identification",
                    element_text(ident.find("NationalIdentifierNumber")),
                    element_text(ident.find("NationalIdentifierAdditionalInformation")),
                )

    def _birth_dates(self, rec: _Designation, values: list[str]) -> None:
        notes: list[dict[str, Any]] = []
        for raw in values:
            circa = _CIRCA.match(raw)
            text = circa.group(1) if circa else raw
            span = _YEAR_RANGE.match(text)
            if span is not None:
                start, end = span.groups()
                rec.add("birthDate", start, "DOB")
                rec.add("birthDate", end, "DOB")
                notes.append({"from": start, "to": end})
                continue
            value = uk_date(text)
            if value is None:
                rec.add("birthDate", raw, "DOB")  # reported as not understood
                continue
            rec.add("birthDate", value, "DOB")
            if circa:
                notes.append({"date": value, "circa": True})
        if notes:
            rec.party.annotations.setdefault("birth_dates", []).extend(notes)

    def _document(
        self, rec: _Designation, schema: str, number: str | None, info: str | None
    ) -> None:
        field_name = "PassportNumber" if schema == "Passport" else "NationalIdentifierNumber"
        number = number.strip(" '") if number else None
        if not number:
            if info:
                rec.note(field_name, info)
            return
        rec.add("passportNumber" if schema == "Passport" else "idNumber", number, field_name)
        if info and re.search(r"\bINN\b", info) and rec.proxy.schema.get("innCode") is not None:
            rec.add("innCode", number, field_name)
        doc = new_document(schema, rec.party.id, number, info, number=number)
        doc.add("type", "Passport" if schema == "Passport" else "National identification number")
        if info:
            doc.add("summary", info)
            country = _document_country(info)
            if country:
                doc.add("country", country, cleaned=True)
            if schema == "Passport" and "diplomatic" in info.lower():
                doc.set("type", "Diplomatic passport")
        rec.others.append(ListEntity(doc))

    # -- entities ---------------------------------------------------------

    def _entity(self, rec: _Designation) -> None:
        for entity in rec.element.iterfind("EntityDetails/Entity"):
            for kind in _texts(entity, "TypeOfEntities/TypeOfEntity"):
                rec.add("legalForm", kind, "TypeOfEntity")
            for number in _texts(entity, "BusinessRegistrationNumbers/BusinessRegistrationNumber"):
                self._registration(rec, number)
            for parent in _texts(entity, "ParentCompanies/ParentCompany"):
                rec.links.append(NamedLink("parent", parent, "ParentCompany"))
            for subsidiary in _texts(entity, "Subsidiaries/Subsidiary"):
                rec.links.append(NamedLink("subsidiary", subsidiary, "Subsidiary"))

    def _registration(self, rec: _Designation, text: str) -> None:
        """Split a BusinessRegistrationNumber into the identifiers it names."""
        russian = rec.record.startswith(("RUS", "BEL")) or "russia" in text.lower()
        for kind, label, value in split_registration(text):
            digits = re.sub(r"\D", "", value)
            if kind == "note":
                rec.note(label, value)
                continue
            if kind == "tax":
                prop = "innCode" if valid_identifier("inn", digits, (10, 12)) else "taxNumber"
                rec.add(prop, digits if prop == "innCode" else value, "BusinessRegistrationNumber")
                continue
            prop = _REG_PROPS.get(kind, "registrationNumber")
            if kind == "ogrn" and not valid_identifier("ogrn", digits, (13, 15)):
                if len(digits) in (13, 15) and digits == value:
                    rec.ctx.issue(
                        rec.file,
                        rec.record,
                        "BusinessRegistrationNumber",
                        f"OGRN {value!r} fails its checksum, kept as registration number",
                    )
                prop = "registrationNumber"
            elif (
                kind == "reg"
                and russian
                and digits == value
                and valid_identifier("ogrn", digits, (13, 15))
            ):
                prop = "ogrnCode"
            if rec.proxy.schema.get(prop) is None:
                prop = "registrationNumber"
            rec.add(prop, value, "BusinessRegistrationNumber")

    # -- ships ------------------------------------------------------------

    def _ship(self, rec: _Designation) -> None:
        imo = get_identifier_format("imo")
        for ship in rec.element.iterfind("ShipDetails/Ship"):
            for number in _texts(ship, "IMONumbers/IMONumber"):
                digits = re.sub(r"\D", "", number)
                value = f"IMO{digits}" if len(digits) == 7 else number
                if imo is not None and not imo.is_valid(value):
                    rec.ctx.issue(
                        rec.file,
                        rec.record,
                        "IMONumber",
                        f"IMO number {number!r} fails its checksum (kept)",
                    )
                rec.add("imoNumber", value, "IMONumber")
            for node in ship.iter():
                if not isinstance(node.tag, str):
                    continue
                prop = SHIP_PROPS.get(node.tag)
                detail = element_text(node)
                if prop is not None and detail is not None:
                    rec.add(prop, detail, node.tag)
            for length in _texts(ship, "LengthOfShipDetails/LengthOfShip"):
                rec.note("Length of ship", length)
            for owner in _texts(ship, "CurrentOwnerOperators/CurrentOwnerOperator"):
                rec.links.append(NamedLink("current_owner_operator", owner, "CurrentOwnerOperator"))
            for owner in _texts(ship, "PreviousOwnerOperators/PreviousOwnerOperator"):
                rec.links.append(
                    NamedLink("previous_owner_operator", owner, "PreviousOwnerOperator")
                )

    # -- the sanction -----------------------------------------------------

    def _sanction(self, rec: _Designation) -> ListEntity:
        element = rec.element
        regime = element_text(element.find("RegimeName"))
        sanction = new_sanction(rec.party.id, AUTHORITY, "gb", regime, rec.record)
        # Trusted values: the list's own reference and constants.
        sanction.add("authorityId", rec.record, cleaned=True)
        sanction.add("sourceUrl", LIST_URL, cleaned=True)
        rec.add("program", regime, "RegimeName", sanction)
        code = re.match(r"[A-Za-z]+", rec.record)
        if code is not None:
            sanction.add("programId", code.group(0).upper(), cleaned=True)
        for tag, prop in (
            ("DateDesignated", "listingDate"),
            ("DateDesignated", "startDate"),
            ("LastUpdated", "modifiedAt"),
        ):
            raw = element_text(element.find(tag))
            value = uk_date(raw)
            if raw is not None and value is None:
                rec.ctx.issue(rec.file, rec.record, tag, f"date {raw!r} not understood")
            elif value is not None and is_real_date(value):
                sanction.add(prop, value, cleaned=True)
            else:
                rec.add(prop, value, tag, sanction)
        rec.add(
            "reason",
            _long_text(element.find("UKStatementofReasons")),
            "UKStatementofReasons",
            sanction,
        )
        rec.add(
            "unscId", element_text(element.find("UNReferenceNumber")), "UNReferenceNumber", sanction
        )
        source = element_text(element.find("DesignationSource"))
        if source:
            sanction.add(
                "summary", "Designation source: " + ", ".join(s.strip() for s in source.split("|"))
            )
        provisions = [
            p.strip()
            for p in (element_text(element.find("SanctionsImposed")) or "").split("|")
            if p.strip()
        ]
        known = {p.lower() for p in provisions}
        indicators: dict[str, bool] = {}
        for node in element.iterfind("SanctionsImposedIndicators/*"):
            if not isinstance(node.tag, str):
                continue
            flag = (element_text(node) or "").lower() == "true"
            indicators[node.tag] = flag
            label = INDICATOR_LABELS.get(node.tag, node.tag)
            if flag and label.lower() not in known:
                provisions.append(label)
                known.add(label.lower())
        for provision in provisions:
            rec.add("provisions", provision, "SanctionsImposed", sanction)
        entity = ListEntity(sanction)
        if indicators:
            entity.annotations["measures"] = indicators
        return entity

    # -- named links, once the whole file is known ---------------------------

    def _linked(self, party: ListEntity, link: NamedLink, target: str) -> ListEntity:
        schemas = self._links.schemas
        return ListEntity(_relation(party.id, party.schema, target, schemas[target], link))


def _unique(entities: list[ListEntity]) -> list[ListEntity]:
    """Entities by id, once each (a list may repeat the same passport on one designation)."""
    return list({entity.id: entity for entity in entities}.values())


def _relation(
    party_id: str, party_schema: str, target_id: str, target_schema: str, link: NamedLink
) -> EntityProxy:
    """Ownership for parents and subsidiaries, UnknownLink for ship owners/operators."""
    if link.kind == "parent":
        owner, asset, role = target_id, party_id, "Parent company"
        owner_schema = target_schema
    elif link.kind == "subsidiary":
        owner, asset, role = party_id, target_id, "Subsidiary"
        owner_schema = party_schema
    else:
        owner, asset = target_id, party_id
        owner_schema = target_schema
        role = (
            "Current owner/operator"
            if link.kind == "current_owner_operator"
            else "Previous owner/operator"
        )
    if link.kind in ("parent", "subsidiary") and owner_schema != "Vessel":
        relation = make_entity("Ownership", derived_id(party_id, "ownership", owner, asset))
        relation.add("owner", owner)
        relation.add("asset", asset)
        relation.add("role", role)
        return relation
    relation = make_entity("UnknownLink", derived_id(party_id, "link", owner, asset, role))
    relation.add("subject", owner)
    relation.add("object", asset)
    relation.add("role", role)
    return relation


def split_registration(text: str) -> list[tuple[str, str, str]]:
    """(kind, label, value) triples from a BusinessRegistrationNumber (``OGRN: 1...; INN: 7...``).

    Text without a known label is one ``reg`` value; a number written before its
    label (``9709056472 - Russia INN``) goes to that label; text next to a value
    that still holds digits is kept as a further ``reg`` value, not dropped.
    """
    text = _GLUED.sub(" ", _DATED.sub("", text))
    matches = list(_REG_LABEL_RE.finditer(text))
    if not matches:
        value = _clean_code(text)
        return [("reg", "", value)] if value else []
    triples: list[tuple[str, str, str]] = []
    lead = text[: matches[0].start()]
    for i, match in enumerate(matches):
        kind = re.sub(r"\d+$", "", match.lastgroup or "reg")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value, rest = _extract(kind, text[match.end() : end])
        if not value and i == 0 and re.search(r"\d", lead):
            value, rest = _extract(kind, lead)
            lead = ""
        if value:
            triples.append((kind, match.group(0), value))
        if re.search(r"\d{4}", rest):
            triples.append(("reg", "", rest))
    lead_value = _clean_code(lead)
    if re.search(r"\d", lead_value):
        triples.insert(0, ("reg", "", lead_value))
    return triples


def _extract(kind: str, segment: str) -> tuple[str, str]:
    """The identifier in the text after its label, and what is left of that text."""
    segment = _clean_code(segment)
    if kind in _NUMERIC_KINDS:
        match = _NUMBER.search(segment)
        if match is None or re.search(
            r"[A-Za-z0-9]", segment[: match.start()].replace("number", "")
        ):
            return segment, ""
        number = match.group(0)
        if re.fullmatch(r"[\d ]+", number):
            number = number.replace(" ", "")
        return number, _clean_code(segment[match.end() :])
    pattern = _PATTERNS.get(kind)
    if pattern is not None:
        found = pattern.search(segment.upper())
        if found is None:
            return "", segment
        return found.group(0), _clean_code(segment[found.end() :])
    return segment, ""


def _clean_code(text: str) -> str:
    """Text of an identifier without quotes, separators and country names around it."""
    value = _PAREN.sub(lambda m: "" if _is_country(m.group(1), 2) else m.group(0), text)
    value = _OPEN_TAIL.sub("", _OPEN_HEAD.sub("", value))
    value = value.strip(_TRIM)
    words = value.split()
    while words and _is_country(words[0].strip(_TRIM)):
        words.pop(0)
    while len(words) > 1 and _is_country(words[-1].strip(_TRIM)):
        words.pop()
    value = " ".join(words).strip(_TRIM)
    if value.endswith(")") and "(" in value:
        return value
    return value.rstrip(")")


@lru_cache(maxsize=2048)
def _is_country(word: str, min_length: int = 4) -> bool:
    if len(word) < min_length or any(c.isdigit() for c in word):
        return False
    return registry.country.clean(word) is not None


def _document_country(info: str) -> str | None:
    """Issuing country named at the start of a passport or ID comment ("Jordan 654781, ...")."""
    words = re.split(r"[\s,.;:(]+", info.strip())
    for size in (3, 2, 1):
        candidate = " ".join(words[:size])
        if candidate and not any(ch.isdigit() for ch in candidate):
            code = registry.country.clean(candidate)
            if code is not None:
                return str(code)
    return None
