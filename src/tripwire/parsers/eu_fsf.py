"""EU Financial Sanctions Files (FSF): the consolidated list in the FSF XML export.

The FSF export (namespace ``http://eu.europa.ec/fpi/fsd/export``) is the
EU's machine-readable consolidated list: one ``sanctionEntity`` per listed
person or enterprise, with its names in up to 24 EU languages and the
original scripts, birth dates, citizenships, identity documents, addresses
and the legal act it was last amended by. It is large (about 25 MB), so it
is streamed one ``sanctionEntity`` at a time.

How it maps to FtM:

* ``subjectType`` ``person`` -> ``Person``, ``enterprise`` -> ``Organization``
  (the list does not say which enterprises are companies; the schema stays
  the broad one rather than guessing); id ``slug_id(prefix, logicalId)``
  because ``logicalId`` is stable; ``source_ref`` is ``euReferenceNumber``
  (``EU.3579.2``), or the ``logicalId`` when an entry has no reference.
* Names: one ``name`` (the first strong Latin-script alias, preferring one
  with structured name parts and English or no language, since the FSF has
  no "primary name" flag), every other strong alias (any script) -> ``alias``,
  ``strong="false"`` and aliases the list remarks as "low quality" ->
  ``weakAlias``; quality remarks are kept in ``alias_quality``.
* Birth dates: full date, year-month or year; ``circa`` and year ranges also
  to ``birth_dates``; dates in the Islamic calendar without a Gregorian
  equivalent are kept as an annotation and reported, not guessed.
* Identifications by ``identificationTypeCode`` to the FtM identifier
  properties (Russian INN/OGRN recognised by remark or by a valid checksum
  with a Russian link), each also as a ``Passport``/``Identification``.
* One ``Sanction`` per programme (``RUS``, ``IRN``, ...): listing date is
  ``designationDate``, else a "Date of listing" in the remark, else the
  earliest publication date of any legal act cited in the entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import EntityProxy, registry
from stdnum.ru import inn as ru_inn
from stdnum.ru import ogrn as ru_ogrn

from tripwire.model.entity import ListEntity, make_entity, slug_id
from tripwire.parsers.base import FormatError, ListParser, ParseContext
from tripwire.parsers.common import (
    RecordBuilder,
    clean_text,
    has_non_latin,
    new_document,
    new_sanction,
    source_for,
)
from tripwire.parsers.xml import iter_elements, root_attributes, skip_prolog

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
AUTHORITY = "European Union"
_NS = "{" + NAMESPACE + "}"

SCHEMATA = {"person": "Person", "enterprise": "Organization"}

# identificationTypeCode -> FtM property of the party (falls back to idNumber
# where the schema lacks it, e.g. imoNumber on a Person).
ID_PROPERTIES = {
    "passport": "passportNumber",
    "id": "idNumber",
    "ssn": "socialSecurityNumber",
    "fiscalcode": "taxNumber",
    "taxid": "taxNumber",
    "regnumber": "registrationNumber",
    "unssn": "registrationNumber",
    "euvat": "vatCode",
    "swiftbic": "swiftBic",
    "imo": "imoNumber",
    "tradelic": "licenseNumber",
}
ID_TYPES = {
    "passport": "National passport",
    "id": "National identification card",
    "ssn": "Social security number",
    "fiscalcode": "Fiscal code",
    "taxid": "Tax identification number",
    "regnumber": "Registration number",
    "unssn": "Unified social credit code",
    "euvat": "EU VAT number",
    "swiftbic": "SWIFT/BIC",
    "imo": "IMO number",
    "tradelic": "Trade licence",
    "birthcert": "Birth certificate",
    "drivinglicence": "Driving licence",
    "nationcert": "Nationality certificate",
    "travelcardid": "Travel document",
    "residentperm": "Residence permit",
    "electionid": "Electoral card",
    "other": "Other identification",
}
_ID_FLAGS = ("diplomatic", "knownExpired", "knownFalse", "reportedLost", "revokedByIssuer")
_RUSSIAN_PROGRAMMES = {"RUS", "UKR", "RUSDA", "BLR"}

_GOOD = re.compile(r"\bgood[- ]quality\b", re.I)
_LOW = re.compile(r"\blow[- ]quality\b", re.I)
_INN_HINT = re.compile(r"\bINN\b|ИНН|taxpayer", re.I)
_OGRN_HINT = re.compile(r"\bOGRN(?:IP)?\b|ОГРН|primary state registration", re.I)
_LISTING_DATE = re.compile(
    r"date of (?:un )?listing\s*:?\s*(\d{1,2})[./](\d{1,2})[./](\d{4})", re.I
)
_LEGAL_FORM = re.compile(
    r"joint[- ]stock|limited|liability|\bs\.r\.o\b|state[- ]owned|non-profit|federal state"
    r"|free zone company|holding company|foundation|public company|state corporation",
    re.I,
)


def _local(tag: str) -> str:
    return tag[len(_NS) :] if tag.startswith(_NS) else tag.rpartition("}")[2]


def _date(value: str | None) -> str | None:
    """The ISO date part of an FSF date/datetime attribute."""
    text = (value or "").strip()
    return text[:10] if len(text) >= 10 else (text or None)


def _remark(element: Any) -> str:
    """The element's own ``remark`` children, joined ("none" is the list's empty remark)."""
    texts = [clean_text(child.text) for child in element if _local(child.tag) == "remark"]
    return "; ".join(t for t in texts if t and t.lower() not in ("none", "-"))


@dataclass(slots=True)
class _Alias:
    whole: str
    first: str
    middle: str
    last: str
    strong: bool
    quality: str | None  # "strong" / "low" when a remark says so
    language: str
    element: Any

    @property
    def weak(self) -> bool:
        return not self.strong or self.quality == "low"

    def rank(self) -> tuple[int, int, int]:
        """Sort key of the best candidate for ``name`` (lowest first)."""
        latin = 1 if has_non_latin(self.whole) else 0
        structured = 0 if (self.first or self.last) else 1
        language = 0 if self.language in ("", "EN") else 1
        return (latin, structured, language)


class _Entry(RecordBuilder):
    """Shared state while one sanctionEntity is turned into entities."""

    @property
    def is_person(self) -> bool:
        return self.proxy.schema.name == "Person"

    def country(
        self, prop: str, element: Any, field_name: str, proxy: EntityProxy | None = None
    ) -> str | None:
        """Add ``countryIso2Code`` ("00" is the list's "unknown") to ``prop``."""
        code = (element.get("countryIso2Code") or "").strip()
        if not code or code == "00":
            return None
        target = proxy if proxy is not None else self.proxy
        if self.add(prop, code.lower(), f"{field_name}/countryIso2Code", target):
            return code.lower()
        return None


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    return str(registry.country.names.get(code, code))


class EUFSFParser(ListParser):
    NAME: ClassVar[str] = "eu_fsf"
    SOURCE: ClassVar[str] = "eu_fsf"
    TITLE: ClassVar[str] = "EU financial sanctions files (FSF) XML"

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        body = skip_prolog(head)
        if re.match(rb"<(?:[\w.-]+:)?export[\s>/]", body) is None:
            return False
        return NAMESPACE.encode() in body[:2048]

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        root, attrs = root_attributes(path)
        if root != "export":
            raise FormatError(path, f"root element is <{root}>, not the FSF <export>")
        generated = _date(attrs.get("generationDate"))
        if generated:
            try:
                ctx.published = dt.date.fromisoformat(generated)
            except ValueError:
                ctx.issue(path, "-", "generationDate", f"date {generated!r} not understood")
        prefix = source_for(ctx.source, self.SOURCE).id_prefix
        seen: set[str] = set()
        for element in iter_elements(path, {"sanctionEntity"}):
            ctx.records_read += 1
            logical_id = (element.get("logicalId") or "").strip()
            if logical_id and logical_id in seen:
                ref = element.get("euReferenceNumber") or logical_id
                ctx.reject(
                    path,
                    ref,
                    "logicalId",
                    f"logicalId {logical_id} appears twice; later entry skipped",
                )
                continue
            seen.add(logical_id)
            yield from ctx.counted(self._entry(element, path, ctx, prefix))

    def _entry(self, element: Any, path: Path, ctx: ParseContext, prefix: str) -> list[ListEntity]:
        logical_id = (element.get("logicalId") or "").strip()
        ref = (element.get("euReferenceNumber") or "").strip() or logical_id
        if not logical_id:
            ctx.reject(path, ref or f"#{ctx.records_read}", "logicalId", "entry has no logicalId")
            return []
        children: dict[str, list[Any]] = {}
        for child in element:
            if isinstance(child.tag, str):
                children.setdefault(_local(child.tag), []).append(child)
        subject = children.get("subjectType", [None])[0]
        code = (subject.get("code") or "").strip() if subject is not None else ""
        schema = SCHEMATA.get(code)
        if schema is None:
            ctx.issue(
                path, ref, "subjectType", f"unknown subject type {code!r}, kept as LegalEntity"
            )
            schema = "LegalEntity"
        proxy = make_entity(schema, slug_id(prefix, logical_id))
        entry = _Entry(ctx, path, ref, ListEntity(proxy=proxy, source_ref=ref))
        if not self._names(entry, children.get("nameAlias", [])):
            ctx.reject(path, ref, "nameAlias", "entry has no name")
            return []
        remark = _remark(element)
        entry.note(remark)
        for citizenship in children.get("citizenship", []):
            entry.country(
                "nationality" if entry.is_person else "country", citizenship, "citizenship"
            )
        for birth in children.get("birthdate", []):
            self._birth(entry, birth)
        for address in children.get("address", []):
            self._address(entry, address)
        for ident in children.get("identification", []):
            self._identification(entry, ident, children)
        sanctions = self._sanctions(entry, element, children.get("regulation", []), remark)
        return [entry.entity, *sanctions, *entry.extra]

    # -- names -------------------------------------------------------------------------

    def _names(self, entry: _Entry, elements: list[Any]) -> bool:
        aliases: list[_Alias] = []
        for el in elements:
            parts = [clean_text(el.get(k)) for k in ("firstName", "middleName", "lastName")]
            whole = clean_text(el.get("wholeName")) or " ".join(p for p in parts if p)
            if not whole:
                continue
            remark = _remark(el)
            quality = "low" if _LOW.search(remark) else "strong" if _GOOD.search(remark) else None
            strong = (el.get("strong") or "true").strip().lower() != "false"
            if quality is None and not strong:
                quality = "weak"
            lang = (el.get("nameLanguage") or "").strip().upper()
            first, middle, last = parts
            aliases.append(_Alias(whole, first, middle, last, strong, quality, lang, el))
            if remark and not (_LOW.search(remark) or _GOOD.search(remark)):
                entry.note(f"{whole}: {remark}")
        candidates = [a for a in aliases if not a.weak] or aliases
        if not candidates:
            return False
        primary = min(candidates, key=_Alias.rank)
        for alias in aliases:
            prop = "name" if alias is primary else "weakAlias" if alias.weak else "alias"
            if alias is primary or alias.whole != primary.whole:
                entry.add(prop, alias.whole, "nameAlias/wholeName")
            if alias.quality is not None:
                entry.alias_quality(alias.whole, alias.quality)
            self._alias_details(entry, alias)
        return bool(entry.proxy.get("name"))

    def _alias_details(self, entry: _Entry, alias: _Alias) -> None:
        el = alias.element
        function = clean_text(el.get("function"))
        title = clean_text(el.get("title"))
        if entry.is_person:
            if not alias.weak:
                entry.add("firstName", alias.first, "nameAlias/firstName")
                entry.add("middleName", alias.middle, "nameAlias/middleName")
                entry.add("lastName", alias.last, "nameAlias/lastName")
            entry.add("position", function, "nameAlias/function")
            entry.add("title", title, "nameAlias/title")
            gender = (el.get("gender") or "").strip()
            entry.add("gender", gender, "nameAlias/gender")
            return
        if function:
            entry.note(function)
        if title:
            form = re.sub(r"^type of entity\s*:\s*", "", title, flags=re.I)
            if _LEGAL_FORM.search(form) and "legalForm" in entry.proxy.schema.properties:
                entry.add("legalForm", form, "nameAlias/title")
            else:
                entry.note(title)

    # -- birth ---------------------------------------------------------------------------

    def _birth(self, entry: _Entry, el: Any) -> None:
        circa = (el.get("circa") or "").strip().lower() == "true"
        calendar = (el.get("calendarType") or "GREGORIAN").strip().upper()
        full = _date(el.get("birthdate"))
        year = (el.get("year") or "").strip()
        month = (el.get("monthOfYear") or "").strip()
        day = (el.get("dayOfMonth") or "").strip()
        start = (el.get("yearRangeFrom") or "").strip()
        end = (el.get("yearRangeTo") or "").strip()
        remark = _remark(el)
        values: list[str] = []
        item: dict[str, Any] = {}
        if full:
            values, item = [full], {"date": full}
        elif calendar != "GREGORIAN" and year:
            item = {
                "date": "-".join(p.zfill(2) for p in (year, month, day) if p),
                "calendar": calendar.lower(),
            }
            self._issue_calendar(entry, item["date"], calendar)
        elif start or end:
            values = [v for v in (start, end) if v]
            item = {"from": start or end, "to": end or start}
        elif year:
            value = year
            if month:
                value += f"-{int(month):02d}" if month.isdigit() else ""
                if day and day.isdigit() and month.isdigit():
                    value += f"-{int(day):02d}"
            values, item = [value], {"date": value}
        kept = [v for v in values if entry.add("birthDate", v, "birthdate")]
        if circa:
            item["circa"] = True
        if remark:
            item["note"] = remark
        # Plain dates live in birthDate alone; ranges, circa, remarks and other
        # calendars also here.
        special = "from" in item or "calendar" in item or circa or bool(remark)
        content = any(key in item for key in ("date", "from", "note"))
        if special and content and (kept or not values):
            entry.annotate("birth_dates", item)
        self._birth_place(entry, el)

    @staticmethod
    def _issue_calendar(entry: _Entry, value: str, calendar: str) -> None:
        entry.issue(
            "birthdate/calendarType",
            f"birth date {value} in the {calendar.lower()} calendar has no Gregorian date; "
            "kept as an annotation",
        )

    def _birth_place(self, entry: _Entry, el: Any) -> None:
        code = entry.country("birthCountry", el, "birthdate") if entry.is_person else None
        city = clean_text(el.get("city"))
        if city in ("-", "--"):
            city = ""
        parts = [city, clean_text(el.get("place")), clean_text(el.get("region"))]
        if any(parts):
            country = _country_name(code) or ""
            place = ", ".join(p for p in (*parts, country) if p)
            if entry.is_person:
                entry.add("birthPlace", place, "birthdate/city")

    # -- addresses -----------------------------------------------------------------------

    def _address(self, entry: _Entry, el: Any) -> None:
        code = entry.country("country", el, "address")
        street = clean_text(el.get("street"))
        po_box = clean_text(el.get("poBox"))
        city = " ".join(p for p in (clean_text(el.get("zipCode")), clean_text(el.get("city"))) if p)
        parts = [street, f"P.O. Box {po_box}" if po_box else "", city]
        parts += [clean_text(el.get("place")), clean_text(el.get("region"))]
        remark = _remark(el)
        if any(parts):
            text = ", ".join(p for p in (*parts, _country_name(code)) if p)
            entry.add("address", text, "address")
        elif remark:
            entry.note(f"Address: {remark}")
        for contact in el:
            if _local(contact.tag) == "contactInfo":
                self._contact(entry, contact)

    def _contact(self, entry: _Entry, el: Any) -> None:
        key = (el.get("key") or "").strip().upper()
        prop = {"WEB": "website", "PHONE": "phone", "FAX": "phone", "EMAIL": "email"}.get(key)
        value = clean_text(el.get("value"))
        if prop is None or not value:
            return
        for part in re.split(r"[;,]\s*", value) if prop != "website" else [value]:
            entry.add(prop, part, f"contactInfo/{key}")

    # -- identifications -----------------------------------------------------------------

    def _identification(self, entry: _Entry, el: Any, children: dict[str, list[Any]]) -> None:
        code = (el.get("identificationTypeCode") or "").strip().lower()
        number = clean_text(el.get("number"))
        latin = clean_text(el.get("latinNumber"))
        if not number:
            number, latin = latin, ""
        if not number:
            entry.issue("identification/number", "identification without a number")
            return
        if code == "swiftbic":
            number = number.replace(" ", "")
        description = clean_text(el.get("identificationTypeDescription"))
        remark = _remark(el)
        country = (el.get("countryIso2Code") or "").strip().lower()
        country = "" if country == "00" else country
        prop = ID_PROPERTIES.get(code, "idNumber")
        if entry.proxy.schema.get(prop) is None:
            prop = "idNumber"
        for value in (number, latin):
            if value:
                entry.add(prop, value, "identification/number")
        hint = f"{description} {remark}"
        russian = country == "ru" or (not country and self._russian(entry, children))
        if code in ("fiscalcode", "taxid", "other") and (
            _INN_HINT.search(hint) or (russian and ru_inn.is_valid(number))
        ):
            entry.add("innCode", number, "identification/number")
        if code in ("regnumber", "other") and (
            _OGRN_HINT.search(hint) or (russian and ru_ogrn.is_valid(number))
        ):
            entry.add("ogrnCode", number, "identification/number")
        self._document(entry, el, code, number, country, description, remark)

    @staticmethod
    def _russian(entry: _Entry, children: dict[str, list[Any]]) -> bool:
        """Whether an entry with an identifier of unknown country is Russian-linked."""
        if "ru" in entry.proxy.get_type_values(registry.country):
            return True
        for regulation in children.get("regulation", []):
            if (regulation.get("programme") or "").strip().upper() in _RUSSIAN_PROGRAMMES:
                return any(
                    (alias.get("nameLanguage") or "").upper() == "RU"
                    for alias in children.get("nameAlias", [])
                )
        return False

    def _document(
        self,
        entry: _Entry,
        el: Any,
        code: str,
        number: str,
        country: str,
        description: str,
        remark: str,
    ) -> None:
        schema = "Passport" if code == "passport" else "Identification"
        doc = new_document(schema, entry.proxy.id or "", code, number, country, number=number)
        if country:
            entry.add("country", country, "identification/countryIso2Code", doc)
        doc.add("type", description or ID_TYPES.get(code, code), cleaned=True)
        entry.add("startDate", _date(el.get("issueDate")), "identification/issueDate", doc)
        entry.add("endDate", _date(el.get("validTo")), "identification/validTo", doc)
        authority = ", ".join(
            p for p in (clean_text(el.get("issuedBy")), clean_text(el.get("region"))) if p
        )
        entry.add("authority", authority, "identification/issuedBy", doc)
        entry.add(
            "namesMentioned",
            clean_text(el.get("nameOnDocument")),
            "identification/nameOnDocument",
            doc,
        )
        flags = [f for f in _ID_FLAGS if (el.get(f) or "").strip().lower() == "true"]
        if flags:
            doc.add("description", ", ".join(flags), cleaned=True)
        entry.add("summary", remark, "identification/remark", doc)
        entry.keep(doc)

    # -- sanctions -----------------------------------------------------------------------

    def _sanctions(
        self, entry: _Entry, element: Any, regulations: list[Any], remark: str
    ) -> list[ListEntity]:
        """One Sanction per programme of the entry's legal acts."""
        published = sorted(
            d
            for d in (
                _date(r.get("publicationDate"))
                for r in element.iter(_NS + "regulation", _NS + "regulationSummary")
            )
            if d
        )
        listing = _date(element.get("designationDate"))
        if not listing:
            found = _LISTING_DATE.search(remark)
            if found:
                day, month, year = found.groups()
                listing = f"{year}-{int(month):02d}-{int(day):02d}"
        listing = listing or (published[0] if published else None)
        by_programme: dict[str, list[Any]] = {}
        for regulation in regulations:
            programme = clean_text(regulation.get("programme"))
            by_programme.setdefault(programme, []).append(regulation)
        if not by_programme:
            entry.issue(
                "regulation",
                "entry cites no legal act; sanction kept without programme",
            )
            by_programme[""] = []
        party = entry.proxy.id or ""
        out: list[ListEntity] = []
        for programme, acts in by_programme.items():
            sanction = new_sanction(party, AUTHORITY, "eu", entry.ref, programme)
            sanction.add("authorityId", entry.ref, cleaned=True)
            if programme:
                sanction.add("program", programme, cleaned=True)
                sanction.add("programId", programme, cleaned=True)
            entry.add("listingDate", listing, "designationDate", sanction)
            entry.add("reason", remark, "remark", sanction)
            entry.add(
                "summary",
                clean_text(element.get("designationDetails")),
                "designationDetails",
                sanction,
            )
            entry.add(
                "unscId", clean_text(element.get("unitedNationId")), "unitedNationId", sanction
            )
            if published:
                entry.add("modifiedAt", published[-1], "regulation/publicationDate", sanction)
            for act in acts:
                entry.add(
                    "startDate",
                    _date(act.get("entryIntoForceDate")),
                    "regulation/entryIntoForceDate",
                    sanction,
                )
                for url_el in act:
                    if _local(url_el.tag) == "publicationUrl":
                        entry.add(
                            "sourceUrl",
                            clean_text(url_el.text),
                            "regulation/publicationUrl",
                            sanction,
                        )
                title = clean_text(act.get("numberTitle"))
                if title:
                    kind = clean_text(act.get("regulationType"))
                    sanction.add("description", f"{kind} {title}".strip(), cleaned=True)
            out.append(ListEntity(proxy=sanction))
        return out
