"""Structured facts from the free-text ``Remarks`` column of OFAC's legacy CSV.

The legacy SDN CSV puts everything that is not a name, type or programme into
one semicolon-separated remarks string: ``DOB 25 Oct 1952; POB Leningrad,
Russia; nationality Russia; Gender Male; Passport 123 (Russia) issued 01 Jan
2010; a.k.a. 'GREF'; Linked To: SBERBANK.`` This module turns that string into
a list of :class:`Fact` objects and nothing else: pure functions, no FtM, no
I/O, so the mapping can be tested against real remark strings row by row. The
parser (:mod:`tripwire.parsers.ofac_csv`) decides how facts become FtM values.

Conventions of the list that shape the result:

* ``alt.`` before a fact marks an alternative value (``alt. DOB 1953``); the
  prefix is removed and :attr:`Fact.alt` set.
* A.k.a. / f.k.a. / n.k.a. names in the remarks, quoted ``'LIKE THIS'``, are
  OFAC's *weak* aliases (the strong ones are in ALT.CSV, never in the
  remarks), so they get ``quality="weak"``.
* Identifiers read ``<label> <number> (<country>) issued <date> expires <date>``
  with every part after the number optional. The label decides the FtM
  property; a few depend on the country (a Russian ``Tax ID No.`` is an INN, a
  13-digit Russian ``Registration Number`` an OGRN, a Russian ``Government
  Gazette Number`` an OKPO code).
* Anything not recognised comes back as kind ``unknown`` with its text, so
  the parser keeps it in ``notes`` and counts it: nothing is dropped.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

# Fact kinds the parser handles; ``unknown`` facts go to notes verbatim.
KINDS = (
    "birth_date",  # value (from), date_to, circa
    "birth_place",
    "nationality",
    "citizenship",
    "gender",
    "identifier",  # value, label, props, country, issued, expires, document
    "property",  # value for the FtM properties in ``props`` (website, model, flag, ...)
    "alias",  # value, label (a.k.a./f.k.a./n.k.a.), quality
    "link",  # "Linked To: NAME"
    "owner",  # "Owned or Controlled By: NAME"
    "operator",  # "Aircraft Operator NAME"
    "crypto",  # value = address, label = currency
    "position",
    "provision",  # sanction provision text; program_hint, listing_date, start_date
    "program_url",
    "note",  # understood, but has no FtM home other than notes
    "unknown",
)


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of a remarks string, as the list states it."""

    kind: str
    value: str
    raw: str
    label: str = ""
    props: tuple[str, ...] = ()
    country: str | None = None
    issued: str | None = None
    expires: str | None = None
    date_to: str | None = None
    circa: bool = False
    alt: bool = False
    quality: str | None = None
    document: str | None = None  # "Passport" or "Identification" for identity documents
    program_hint: str | None = None  # regex on programme codes the provision belongs to
    listing_date: str | None = None
    start_date: str | None = None
    # Part of the text was not understood (an unreadable date...): keep ``raw`` in notes too.
    partial: bool = False


MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

_DATE = re.compile(
    r"^(?:(?P<day>\d{1,2})\s+)?(?:(?P<month>[A-Za-z]{3,9})\.?,?\s+)?(?P<year>\d{4})$"
)


def parse_date(text: str | None) -> str | None:
    """``10 Dec 1948`` -> ``1948-12-10``, ``Dec 1948`` -> ``1948-12``, ``1948`` -> ``1948``."""
    if not text:
        return None
    match = _DATE.match(text.strip().rstrip("."))
    if match is None:
        return None
    year = int(match.group("year"))
    if not 1800 <= year <= 2100:
        return None
    month_name = match.group("month")
    day = match.group("day")
    if month_name is None:
        return None if day else f"{year:04d}"
    month = MONTHS.get(month_name.lower()[:4]) or MONTHS.get(month_name.lower()[:3])
    if month is None:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= int(day) <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{int(day):02d}"


def collapse_range(start: str, end: str) -> tuple[str, str | None]:
    """A date range as the list means it: ``01 Dec 1952 to 31 Dec 1952`` is ``1952-12``.

    A range covering exactly one calendar month or year is that month or year;
    a range of whole years (``01 Jan 1961 to 31 Dec 1963``) is a range of years.
    Anything else stays as given. Returns (start, end or None when collapsed).
    """
    if len(start) != 10 or len(end) != 10:
        return start, end
    (y1, m1, d1), (y2, m2, d2) = (start.split("-"), end.split("-"))
    whole_years = (m1, d1) == ("01", "01") and (m2, d2) == ("12", "31")
    if whole_years:
        return (y1, None) if y1 == y2 else (y1, y2)
    last_day = calendar.monthrange(int(y2), int(m2))[1]
    if (y1, m1) == (y2, m2) and d1 == "01" and int(d2) == last_day:
        return f"{y1}-{m1}", None
    return start, end


_NAME_PUNCT = re.compile(r"[^\w]+", re.UNICODE)


def normalize_name(name: str) -> str:
    """Upper-case, punctuation and extra spaces removed: the key relations are resolved on."""
    return " ".join(_NAME_PUNCT.sub(" ", name.upper().replace("'", "")).split())


def split_remarks(text: str) -> list[str]:
    """The facts of a remarks string, without the final full stop and empty parts."""
    text = text.strip()
    if not text or text == "-0-":
        return []
    parts = []
    for part in text.split(";"):
        part = part.strip()
        if part:
            parts.append(part)
    return parts


def strip_period(text: str) -> str:
    """Drop a sentence-final full stop, not one that ends an abbreviation (``CO.``, ``S.A.``)."""
    text = text.strip()
    if not text.endswith("."):
        return text
    last = text.rsplit(" ", 1)[-1]
    if last.count(".") > 1 or last.upper().rstrip(".") in _ABBREVIATIONS:
        return text
    return text[:-1].rstrip()


_ABBREVIATIONS = frozenset(
    {"CO", "LTD", "INC", "CORP", "LTDA", "CIA", "JR", "SR", "ST", "NO", "BHD", "PVT", "PTE", "LLC"}
)

# --- identifiers -----------------------------------------------------------------------
# label -> (FtM properties, identity document schema or None)
_PASSPORT = ("passportNumber",)
_ID = ("idNumber",)
_TAX = ("taxNumber",)
_REG = ("registrationNumber",)

IDENTIFIER_LABELS: dict[str, tuple[tuple[str, ...], str | None]] = {
    # passports and travel documents
    "Passport": (_PASSPORT, "Passport"),
    "Passport No.": (_PASSPORT, "Passport"),
    "Passport Booklet": (_PASSPORT, "Passport"),
    "Diplomatic Passport": (_PASSPORT, "Passport"),
    "British National Overseas Passport": (_PASSPORT, "Passport"),
    "Stateless Person Passport": (_PASSPORT, "Passport"),
    "U.S.A. Passport": (_PASSPORT, "Passport"),
    "Travel Document Number": (_PASSPORT, "Passport"),
    # personal identity documents
    "National ID No.": (_ID, "Identification"),
    "Cedula No.": (_ID, "Identification"),
    "D.N.I.": (_ID, "Identification"),
    "C.U.R.P.": (_ID, "Identification"),
    "C.U.R.P. #": (_ID, "Identification"),
    "C.U.I.": (_ID, "Identification"),
    "C.U.I.P.": (_ID, "Identification"),
    "N.I.E.": (_ID, "Identification"),
    "Identification Number": (_ID, "Identification"),
    "Personal ID Card": (_ID, "Identification"),
    "Citizen's Card Number": (_ID, "Identification"),
    "Kenyan ID No.": (_ID, "Identification"),
    "Turkish Identification Number": (_ID, "Identification"),
    "Numero de Identidad": (_ID, "Identification"),
    "Tazkira National ID Card": (_ID, "Identification"),
    "National Foreign ID Number": (_ID, "Identification"),
    "Residency Number": (_ID, "Identification"),
    "Electoral Registry No.": (_ID, "Identification"),
    "Credencial electoral": (_ID, "Identification"),
    "I.F.E.": (_ID, "Identification"),
    "LE Number": (_ID, "Identification"),
    "Birth Certificate Number": (_ID, "Identification"),
    "Driver's License No.": (_ID, "Identification"),
    "Cartilla de Servicio Militar Nacional": (_ID, "Identification"),
    "Military Registration Number": (_ID, "Identification"),
    "Refugee ID Card": (_ID, "Identification"),
    "Stateless Person ID Card": (_ID, "Identification"),
    "UAE Identification": (_ID, "Identification"),
    "Bosnian Personal ID No.": (_ID, "Identification"),
    "Moroccan Personal ID No.": (_ID, "Identification"),
    "CNP (Personal Numerical Code)": (_ID, "Identification"),
    "Romanian Permanent Resident CAN": (_ID, "Identification"),
    "VisaNumberID": (_ID, "Identification"),
    "Immigration No.": (_ID, "Identification"),
    "SRE Permit No.": (_ID, "Identification"),
    "Permit Number": (_ID, "Identification"),
    "Pilot License Number": (_ID, "Identification"),
    "Seafarer's Identification Document": (_ID, "Identification"),
    "Public Security and Immigration No.": (_ID, "Identification"),
    "SSN": (("socialSecurityNumber",), "Identification"),
    # tax numbers
    "Tax ID No.": (_TAX, None),
    "R.F.C.": (_TAX, None),
    "R.F.C. #": (_TAX, None),
    "RFC": (_TAX, None),
    "NIT #": (_TAX, None),
    "RUC #": (_TAX, None),
    "RIF #": (_TAX, None),
    "C.U.I.T.": (_TAX, None),
    "RTN": (_TAX, None),
    "C.I.F.": (_TAX, None),
    "RSIN": (_TAX, None),
    "US FEIN": (_TAX, None),
    "Italian Fiscal Code": (_TAX, None),
    "Fiscal Code": (_TAX, None),
    "Romanian Tax Registration": (_TAX, None),
    "Paraguayan tax identification number": (_TAX, None),
    "Numero Unico de Identificacao Tributaria (NUIT)": (_TAX, None),
    "V.A.T. Number": (("vatCode",), None),
    # company registers
    "Registration Number": (_REG, None),
    "Registration ID": (_REG, None),
    "Business Registration Number": (_REG, None),
    "Business Registration Document #": (_REG, None),
    "Business Number": (_REG, None),
    "Company Number": (_REG, None),
    "UK Company Number": (_REG, None),
    "Commercial Registry Number": (_REG, None),
    "C.R. No.": (_REG, None),
    "Romanian C.R.": (_REG, None),
    "Folio Mercantil No.": (_REG, None),
    "Matricula Mercantil No": (_REG, None),
    "Chamber of Commerce Number": (_REG, None),
    "Dubai Chamber of Commerce Membership No.": (_REG, None),
    "Istanbul Chamber of Comm. No.": (_REG, None),
    "Economic Register Number (CBLS)": (_REG, None),
    "Public Registration Number": (_REG, None),
    "Enterprise Number": (_REG, None),
    "Branch Unit Number": (_REG, None),
    "Certificate of Incorporation Number": (_REG, None),
    "Central Registration System Number": (_REG, None),
    "Registered Charity No.": (_REG, None),
    "File Number": (_REG, None),
    "Organization Code": (_REG, None),
    "Serial No.": (_REG, None),
    "Government Gazette Number": (_REG, None),
    "Unified Social Credit Code (USCC)": (("uscCode",), None),
    "United Social Credit Code Certificate (USCCC)": (("uscCode",), None),
    "Trade License No.": (("licenseNumber",), None),
    "License": (("licenseNumber",), None),
    "Tourism License No.": (("licenseNumber",), None),
    "MSB Registration Number": (("licenseNumber",), None),
    "Afghan Money Service Provider License Number": (("licenseNumber",), None),
    "Legal Entity Number": (("leiCode",), None),
    "SWIFT/BIC": (("swiftBic",), None),
    "BIK (RU)": (("bikCode",), None),
    "D-U-N-S Number": (("dunsCode",), None),
    "ISIN": (("isinCode",), None),
    "Identification Number ISIN:": (("isinCode",), None),
    "Equity Ticker": (("ticker",), None),
    # maritime and aviation identifiers
    "Vessel Registration Identification IMO": (("imoNumber",), None),
    "Identification Number IMO": (("imoNumber",), None),
    "Company Number IMO": (("imoNumber",), None),
    "International Maritime Organization No.": (("imoNumber",), None),
    "IMO": (("imoNumber",), None),
    "Vessel Registration Identification": (_REG, None),
    "MMSI": (("mmsi",), None),
    "Vessel Call Sign": (("callSign",), None),
    "Other Vessel Call Sign": (("callSign",), None),
    "Aircraft Manufacturer's Serial Number (MSN)": (("serialNumber",), None),
    "Aircraft Construction Number (also called L/N or S/N or F/N)": (("serialNumber",), None),
    "Aircraft Serial Identification": (("serialNumber",), None),
    "Aircraft Tail Number": (_REG, None),
}

# --- plain properties ------------------------------------------------------------------
# label -> (FtM properties, how the value is read: "text" | "date" | "country")
PROPERTY_LABELS: dict[str, tuple[tuple[str, ...], str]] = {
    "Website": (("website",), "text"),
    "Email Address": (("email",), "text"),
    "Email": (("email",), "text"),
    "EMAIL": (("email",), "text"),
    "Phone Number": (("phone",), "text"),
    "Phone No.": (("phone",), "text"),
    "Telephone": (("phone",), "text"),
    "Telephone No.": (("phone",), "text"),
    "Telephone Number": (("phone",), "text"),
    "Alt. Telephone": (("phone",), "text"),
    "PHONE": (("phone",), "text"),
    "Organization Established Date": (("incorporationDate",), "date"),
    "Organization Type": (("sector",), "text"),
    "Target Type": (("classification",), "text"),
    "Aircraft Model": (("model",), "text"),
    "Aircraft Manufacture Date": (("buildDate",), "date"),
    "Vessel Year of Build": (("buildDate",), "date"),
    "Vessel Flag": (("flag",), "country"),
    "Other Vessel Flag": (("flag",), "country"),
    "Former Vessel Flag": (("pastFlags",), "country"),
    "Nationality of Registration": (("flag",), "country"),
    "Vessel Type": (("type",), "text"),
    "Other Vessel Type": (("type",), "text"),
    "Position": (("position",), "text"),
    "Alt. Position": (("position",), "text"),
    "Title": (("position",), "text"),
    "Alternate Title": (("position",), "text"),
}

# Facts understood but with no FtM property: kept in notes, not counted as unknown.
NOTE_LABELS = (
    "Fax",
    "Fax No.",
    "FAX",
    "Alt. Fax",
    "TELEX",
    "Telex",
    "Previous Aircraft Tail Number",
    "Aircraft Mode S Transponder Code",
    "Issuer Name",
    "Chinese Commercial Code",
    "UN/LOCODE",
    "arrested",
)
_NOTE_PHRASES = re.compile(
    r"^(?:and )?all (?:other )?(?:offices|branches|locations)(?: worldwide)?\.?$", re.IGNORECASE
)

# --- sanction provisions ---------------------------------------------------------------
# (prefix regex, programme-code regex the provision belongs to or None for all)
_PROVISION_HINTS: tuple[tuple[str, str], ...] = (
    (r"14024", r"RUSSIA-EO14024"),
    (r"13662", r"UKRAINE-EO13662"),
    (r"\(CMIC\)", r"CMIC"),
    (r"North Korea", r"DPRK|NPWMD"),
    (r"Ukraine-/Russia", r"UKRAINE|CYBER|RUSSIA|ELECTION|MAGNIT"),
    (r"13224", r"SDGT|FTO"),
    (r"Hizballah", r"SDGT|FTO|HIFPAA"),
    (r"Hong Kong", r"HK-"),
    (r"CAATSA", r"CAATSA"),
    (r"IFCA", r"IFCA"),
    (r"13846", r"IRAN"),
)
_PROVISION = re.compile(
    r"^(?:Additional Sanctions Information - |Secondary sanctions risk:|"
    r"Transactions Prohibited For |Executive Order \d+|CAATSA Section|IFCA Determination|"
    r"Purchase/Sales For Divestment Date|Listing Date|Effective Date)"
)
_LISTING = re.compile(r"^Listing Date \((?P<what>[^)]*)\):?\s*(?P<date>.*)$")
_EFFECTIVE = re.compile(r"^Effective Date \((?P<what>[^)]*)\):?\s*(?P<date>.*)$")
_PROGRAM_URL = re.compile(
    r"^For more information on directives, please visit the following link:\s*(\S+)$", re.I
)

# --- other shapes ----------------------------------------------------------------------
_ALT = re.compile(r"^alt\.\s+", re.IGNORECASE)
_ALIAS = re.compile(r"^(?P<kind>[afn]\.k\.a\.),?\s+(?P<name>.+)$")
_DOB = re.compile(
    r"^DOB:?\s+(?P<circa>circa\s+)?(?P<from>[^-]+?|\d{4})(?:\s+to\s+(?P<to>.+)|-(?P<to2>\d{4}))?$"
)
_CRYPTO = re.compile(r"^Digital Currency Address - (?P<currency>[A-Za-z0-9]+)\s+(?P<address>\S+)$")
_LINKED = re.compile(r"^Linked To:\s*(?P<name>.+)$")
_OWNED = re.compile(r"^(?:Owned or Controlled By|Owned By|Controlled By):\s*(?P<name>.+)$")
_OPERATOR = re.compile(r"^Aircraft Operator\s+(?P<name>.+)$")
_SIMPLE = {
    "POB": "birth_place",
    "nationality": "nationality",
    "Nationality": "nationality",
    "citizen": "citizenship",
    "Citizen": "citizenship",
    "citizenship": "citizenship",
    "Gender": "gender",
}
_SIMPLE_RE = re.compile(
    r"^(?P<label>" + "|".join(map(re.escape, _SIMPLE)) + r")\s+(?!of Registration)(?P<value>.+)$"
)
_ID_TAIL = re.compile(
    r"^(?P<value>.+?)(?:\s+\((?P<country>[^()]+)\))?"
    r"(?:,?\s+issued\s+(?P<issued>.+?))?(?:,?\s+expires\s+(?P<expires>.+?))?$"
)


def _label_regex(labels: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    ordered = sorted(labels, key=len, reverse=True)
    alternatives = "|".join(re.escape(label) for label in ordered)
    return re.compile(r"^(?P<label>" + alternatives + r")(?:\s*[:#,])?\s+(?P<rest>.+)$")


_ID_RE = _label_regex(list(IDENTIFIER_LABELS))
_PROP_RE = _label_regex(list(PROPERTY_LABELS))
_NOTE_RE = _label_regex(list(NOTE_LABELS))


def _country_props(
    label: str, props: tuple[str, ...], value: str, country: str | None
) -> tuple[str, ...]:
    """Properties that depend on the issuing country (Russian INN, OGRN, OKPO)."""
    if country is None or country.strip().lower() not in ("russia", "russian federation"):
        if label == "Government Gazette Number":
            return _REG
        return props
    digits = re.sub(r"\D", "", value)
    if label == "Tax ID No." and len(digits) in (10, 12) and digits == value:
        return ("taxNumber", "innCode")
    if props == _REG and label != "Government Gazette Number" and len(digits) in (13, 15):
        if digits == value:
            return ("registrationNumber", "ogrnCode")
    if label == "Government Gazette Number":
        return ("okpoCode",)
    return props


def _normalize_identifier(props: tuple[str, ...], value: str) -> str:
    if "imoNumber" in props:
        digits = re.sub(r"\D", "", value)
        if len(digits) == 7:
            return f"IMO{digits}"
    return value


def _identifier(raw: str, text: str, alt: bool) -> Fact | None:
    match = _ID_RE.match(text)
    if match is None:
        return None
    label = match.group("label")
    props, document = IDENTIFIER_LABELS[label]
    tail = _ID_TAIL.match(strip_period(match.group("rest")))
    if tail is None:  # pragma: no cover - the tail pattern matches any non-empty text
        return None
    value = tail.group("value").strip().strip(",").strip()
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()  # "International Maritime Organization No. (5777731)"
    if document is not None and not any(c.isdigit() for c in value):
        return None  # "Passport and National ID were issued in Ulm" is a sentence, not a number
    country = tail.group("country")
    issued_text, expires_text = tail.group("issued"), tail.group("expires")
    issued, expires = parse_date(issued_text), parse_date(expires_text)
    partial = bool((issued_text and not issued) or (expires_text and not expires))
    props = _country_props(label, props, value, country)
    value = _normalize_identifier(props, value)
    return Fact(
        "identifier",
        value,
        raw,
        label=label,
        props=props,
        country=country.strip() if country else None,
        issued=issued,
        expires=expires,
        alt=alt,
        document=document,
        partial=partial,
    )


def _birth_date(raw: str, text: str, alt: bool) -> Fact | None:
    match = _DOB.match(strip_period(text))
    if match is None:
        return None
    start = parse_date(match.group("from"))
    end_text = match.group("to") or match.group("to2")
    end = parse_date(end_text) if end_text else None
    if start is None or (end_text and end is None):
        return Fact("birth_date", text, raw, label="DOB", alt=alt, partial=True)
    if end is not None:
        start, end = collapse_range(start, end)
    return Fact(
        "birth_date",
        start,
        raw,
        label="DOB",
        date_to=end,
        circa=match.group("circa") is not None,
        alt=alt,
    )


def _provision(raw: str, text: str, alt: bool) -> Fact | None:
    if _PROVISION.match(text) is None:
        return None
    text = strip_period(text)
    hint = None
    for pattern, programs in _PROVISION_HINTS:
        if re.search(pattern, text):
            hint = programs
            break
    listing = start = None
    partial = False
    for regex, is_listing in ((_LISTING, True), (_EFFECTIVE, False)):
        match = regex.match(text)
        if match is None:
            continue
        date = parse_date(match.group("date"))
        partial = date is None
        if is_listing:
            listing = date
        else:
            start = date
    return Fact(
        "provision",
        text,
        raw,
        program_hint=hint,
        listing_date=listing,
        start_date=start,
        alt=alt,
        partial=partial,
    )


def _alias(raw: str, text: str, alt: bool) -> Fact | None:
    match = _ALIAS.match(text)
    if match is None:
        return None
    name = match.group("name").strip()
    if name.endswith("."):
        name = name[:-1].rstrip()
    first, last = name.find("'"), name.rfind("'")
    if first == 0 and last > first:
        # OFAC quotes its weak aliases: 'ABU-'UMAR' keeps its inner apostrophe.
        name = name[1:last].strip()
    if not name:
        return None
    return Fact("alias", name, raw, label=match.group("kind"), quality="weak", alt=alt)


def parse_fact(raw: str) -> Fact:
    """One remark fact (the text between two semicolons) as a :class:`Fact`."""
    text = raw.strip()
    alt = False
    if _ALT.match(text):
        alt = True
        text = _ALT.sub("", text, count=1)
    for reader in (_birth_date, _alias):
        fact = reader(raw, text, alt)
        if fact is not None:
            return fact
    match = _LINKED.match(text)
    if match:
        return Fact("link", strip_period(match.group("name")), raw, label="Linked To", alt=alt)
    match = _OWNED.match(text)
    if match:
        return Fact("owner", strip_period(match.group("name")), raw, label="Owned By", alt=alt)
    match = _OPERATOR.match(text)
    if match:
        name = strip_period(match.group("name"))
        return Fact("operator", name, raw, label="Aircraft Operator", props=("operator",), alt=alt)
    match = _SIMPLE_RE.match(text)
    if match:
        kind = _SIMPLE[match.group("label")]
        value = strip_period(match.group("value"))
        return Fact(kind, value, raw, label=match.group("label"), alt=alt)
    match = _CRYPTO.match(strip_period(text))
    if match:
        return Fact("crypto", match.group("address"), raw, label=match.group("currency"), alt=alt)
    fact = _provision(raw, text, alt)
    if fact is not None:
        return fact
    match = _PROGRAM_URL.match(text)
    if match:
        url = match.group(1).rstrip(".")
        return Fact(
            "program_url", url, raw, program_hint=r"RUSSIA-EO14024|UKRAINE-EO13662", alt=alt
        )
    fact = _identifier(raw, text, alt)
    if fact is not None:
        return fact
    match = _PROP_RE.match(text)
    if match:
        props, reading = PROPERTY_LABELS[match.group("label")]
        value = strip_period(match.group("rest"))
        if props[0] in ("website", "email", "phone"):
            value = value.rstrip(".")  # never part of an address: "Email Address x@net.sy."
        label = match.group("label")
        if reading == "date":
            date = parse_date(value)
            if date is None:
                return Fact("property", value, raw, label=label, props=props, alt=alt, partial=True)
            value = date
        kind = "position" if props == ("position",) else "property"
        return Fact(kind, value, raw, label=label, props=props, alt=alt)
    if _NOTE_RE.match(text) or _NOTE_PHRASES.match(text):
        return Fact("note", strip_period(text), raw, alt=alt)
    return Fact("unknown", strip_period(text), raw, alt=alt)


def parse_remarks(text: str | None) -> list[Fact]:
    """All facts of a remarks string, in the order the list gives them."""
    if not text:
        return []
    return [parse_fact(part) for part in split_remarks(text)]
