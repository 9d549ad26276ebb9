"""UN Security Council Consolidated List, official XML (``consolidated.xml``).

The UN file is small (about 1,000 records) but its free-text fields are
loose: aliases pack several names, original-script spellings and remarks
into one ``ALIAS_NAME``; document numbers arrive as "French passport number
05AT521433"; birth dates come as exact dates, years, circa years, year
ranges or prose in a ``NOTE``. This parser keeps every fact a screening
analyst needs and puts each where FtM expects it:

* ``INDIVIDUAL`` -> ``Person``, ``ENTITY`` -> ``Organization``; id
  ``slug_id(prefix, REFERENCE_NUMBER)`` (``unsc-qdi-001``), ``source_ref`` the
  reference itself (``QDi.001``).
* Alias quality as the list states it: ``Good``/``a.k.a.`` -> ``alias``,
  ``Low`` -> ``weakAlias``, ``f.k.a.`` -> ``previousName``; ``Good``/``Low``
  also go to the ``alias_quality`` annotation. Names in another script, in
  ``NAME_ORIGINAL_SCRIPT`` or in parentheses of an alias, become aliases of
  their own.
* Identity documents -> ``passportNumber``/``idNumber``/... plus a
  ``Passport`` or ``Identification`` entity; the number is cut out of prose.
* Each listing -> one ``Sanction`` (program = ``UN_LIST_TYPE``).
* References to other listed parties in ``COMMENTS1`` ("Associated with
  Mokhtar Belmokhtar (QDi.136)") -> ``UnknownLink``; references to parties
  no longer on the list are kept in ``unresolved_links`` and reported.

Country names are cleaned by FtM; the few the UN qualifies ("Sudan/South
Sudan", "Indonesia (as at Dec. 2003)", "Possibly Ethiopian") are split and
stripped of qualifiers, with the original text kept in ``notes``; only what
still cannot be read is reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import registry

from tripwire.model.entity import ListEntity, derived_id, make_entity, slug_id
from tripwire.parsers.base import FormatError, ListParser, ParseContext
from tripwire.parsers.common import (
    NON_LATIN,
    RecordBuilder,
    clean_text,
    has_non_latin,
    new_document,
    new_sanction,
    source_for,
)
from tripwire.parsers.xml import iter_elements, root_attributes, skip_prolog

AUTHORITY = "United Nations Security Council"
DEFAULT_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
LINK_ROLE = "mentioned in UN listing comments"

_ROOT = "CONSOLIDATED_LIST"
_RECORD_TAGS = {"INDIVIDUAL", "ENTITY"}
_UN_REF = re.compile(r"\b([A-Z]{2}[ie]\.\d{3})\b")

# --- text helpers -----------------------------------------------------------------

_DESCRIPTIVE = re.compile(
    r"^(?:birth name|combat name|nom de guerre|third|previously listed as|formerly listed as"
    r"|original script|initials|false identity\b.*)$",
    re.I,
)
# Parenthesised labels that only say which script or language a name is in.
_SCRIPT_LABEL = re.compile(r"^(?:original script|arabic|tigrinya|in arabic)$", re.I)
_ORIGINAL_SCRIPT = re.compile(r"^original script\s*:?\s*(.+)$", re.I)
_BORN_SUFFIX = re.compile(r",\s*born\b.*$", re.I)
_SUBUNIT_SUFFIX = re.compile(r"\s+-\s+sub-unit name$", re.I)
_ENUMERATION = re.compile(r"(?:^|\s+)[a-z]\)\s+")
_NOTE_SCRIPT = re.compile(
    r"(?:original script|in arabic(?: script)?|in [a-z]+ script)\s*:\s*(.+)$", re.I
)
_PLAIN_ALIAS_NOTES = {"previously listed as", "formerly listed as"}


def _split_top(text: str, sep: str = ";") -> list[str]:
    """Split at ``sep`` outside parentheses."""
    parts: list[str] = []
    depth = 0
    buf: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _segments(text: str) -> list[tuple[bool, str]]:
    """Text cut into (is_parenthesised, content) pieces at top-level parentheses."""
    out: list[tuple[bool, str]] = []
    depth = 0
    buf: list[str] = []
    for ch in text:
        if ch == "(":
            if depth == 0:
                if buf:
                    out.append((False, "".join(buf)))
                buf = []
            else:
                buf.append(ch)
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append((True, "".join(buf)))
                buf = []
            else:
                buf.append(ch)
        else:
            buf.append(ch)
    if depth:  # unbalanced: treat the whole text as plain
        return [(False, text)]
    if buf:
        out.append((False, "".join(buf)))
    return out


def _script_runs(name: str) -> list[str]:
    """A name written twice, in Latin and in another script, cut into the two names.

    Only words that are wholly of one script are cut apart, so a Latin name
    with one look-alike Cyrillic letter stays whole.
    """
    words = name.split()
    kinds: list[bool | None] = []
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if not letters:
            kinds.append(None)
            continue
        non_latin = [NON_LATIN.match(c) is not None for c in letters]
        if any(non_latin) and not all(non_latin):
            return [name]
        kinds.append(non_latin[0])
    runs: list[list[str]] = []
    current: bool | None = None
    for word, kind in zip(words, kinds, strict=True):
        if not runs or (kind is not None and current is not None and kind != current):
            runs.append([])
        if kind is not None:
            current = kind
        runs[-1].append(word)
    return [" ".join(run) for run in runs]


def split_names(raw: str | None, depth: int = 0) -> tuple[list[str], list[str]]:
    """Names packed into one UN name field, and the remarks found among them.

    "حسن غول (Hassan Ghul; Hassan Gul)" gives three names; "Encep Nurjaman
    (birth name)" gives the name and the remark "birth name"; acronyms and
    other same-script parentheses ("AL-QAIDA IN THE ARABIAN PENINSULA (AQAP)")
    stay part of the name.
    """
    text = clean_text(raw)
    names: list[str] = []
    notes: list[str] = []
    if not text:
        return names, notes
    born = _BORN_SUFFIX.search(text)
    if born:
        notes.append(text[born.start() :].lstrip(", "))
        text = text[: born.start()]
    subunit = _SUBUNIT_SUFFIX.search(text)
    if subunit:
        notes.append("sub-unit name")
        text = text[: subunit.start()]
    segments = _segments(text)
    outer = " ".join(s for paren, s in segments if not paren)
    outer_non_latin = has_non_latin(outer)
    kept: list[str] = []
    extra: list[str] = []
    for paren, content in segments:
        if not paren:
            kept.append(content)
            continue
        inner = clean_text(content)
        script = _ORIGINAL_SCRIPT.match(inner)
        if script:
            extra.extend(_split_top(script.group(1)))
        elif _SCRIPT_LABEL.match(inner):
            continue
        elif _DESCRIPTIVE.match(inner):
            notes.append(inner)
        elif outer.strip() and has_non_latin(inner) != outer_non_latin:
            extra.extend(_split_top(inner))
        elif not outer.strip():
            extra.extend(_split_top(inner))
        else:
            kept.append(f"({content})")
    for part in _split_top("".join(kept)):
        for piece in _ENUMERATION.split(part):
            for name in _script_runs(clean_text(piece).lstrip(")").strip(" ,;:")):
                if name and name not in names:
                    names.append(name)
    for part in extra:
        if depth > 2:
            break
        sub_names, sub_notes = split_names(part, depth + 1)
        names.extend(n for n in sub_names if n not in names)
        notes.extend(sub_notes)
    return names, notes


# --- dates --------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_MONTH_YEAR = re.compile(rf"^{_MONTH}\s+(\d{{4}})$", re.I)
_MONTH_ONLY = re.compile(rf"^{_MONTH}$", re.I)
_MONTH_RANGE = re.compile(rf"^between\s+{_MONTH}\s+and\s+{_MONTH}\s+(\d{{4}})$", re.I)
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s*(\d{{4}})\b", re.I)
_EXPIRY = re.compile(r"\b(?:expir\w*|exp\.|valid until)\s*(?:on\s+)?", re.I)
_ISO_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def iso_date(raw: str | None) -> str | None:
    """The date part of a UN date: drops time zones ("2015-07-01-04:00") and zero parts."""
    text = clean_text(raw)
    if not text:
        return None
    match = _ISO_PREFIX.match(text)
    if match is None:
        return text  # left for ctx.add to report
    year, month, day = match.groups()
    if month in (None, "00"):
        return year
    if day in (None, "00"):
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _expiry_date(note: str) -> str | None:
    """The expiry date in a document note ("expires on 27 Jun. 2022"), ISO."""
    found = _EXPIRY.search(note)
    if found is None:
        return None
    match = _DAY_MONTH_YEAR.search(note, found.end())
    if match is None or match.start() - found.end() > 3:
        return None
    day, month, year = match.groups()
    try:
        return dt.date(int(year), _month(month), int(day)).isoformat()
    except ValueError:
        return None


# --- countries ----------------------------------------------------------------------

_COUNTRY_SPLIT = re.compile(r"[/;,.:]|\bor\b|\band\b", re.I)
_COUNTRY_QUALIFIERS = re.compile(
    r"\b(?:possibly|also|believed to hold|by birth|passport|nationality|citizenship"
    r"|withdrawn in \d{4}|until \d{4})\b",
    re.I,
)


def countries(value: str) -> tuple[list[str], bool]:
    """ISO codes named by a UN country value, and whether it needed interpretation.

    Plain names ("Syrian Arab Republic") are FtM's job; qualified ones
    ("Sudan/South Sudan", "Possibly Ethiopian", "USSR (until 1991)") are split
    and stripped of the qualifiers first.
    """
    text = clean_text(value)
    if not text:
        return [], False
    code = registry.country.clean(text)
    if code is not None:
        return [code], False
    text = re.sub(r"\([^)]*\)", " ", text)
    found: list[str] = []
    for part in _COUNTRY_SPLIT.split(text):
        part = clean_text(_COUNTRY_QUALIFIERS.sub(" ", part))
        if not part:
            continue
        code = registry.country.clean(part)
        if code is not None and code not in found:
            found.append(code)
    return found, True


# --- documents ----------------------------------------------------------------------

_DOC_KEYWORD = re.compile(
    r"^(?P<desc>.*?(?:\b(?:number|no|nr)\b\.?|\bno(?=\d)|n°|:))\s*:?\s*(?P<num>.+)$", re.I
)
_BARE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9 ./\-]*$")
_ID_TOKEN = re.compile(r"^[A-Z0-9][A-Z0-9./\-]*$")
_ID_PREFIX_TOKEN = re.compile(r"^[A-Z]{1,2}-?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DESC_TAIL = re.compile(r"\s*(?:\b(?:number|no|nr)\b\.?|n°|:)\s*$", re.I)


def _id_run(text: str) -> str | None:
    """The identifier at the start of ``text``'s first digit-bearing run of tokens."""
    tokens = text.split()
    start = next((i for i, t in enumerate(tokens) if any(c.isdigit() for c in t)), None)
    if start is None:
        return None
    if start > 0 and _ID_PREFIX_TOKEN.match(tokens[start - 1]):
        start -= 1
    end = start
    while end < len(tokens) and _ID_TOKEN.match(tokens[end].rstrip(",;")):
        end += 1
        if tokens[end - 1][-1:] in ",;":
            break
    return " ".join(tokens[start:end]).rstrip(",;.") or None


def split_document_number(raw: str, *, prose: bool = False) -> tuple[str | None, str, str]:
    """(number, description, trailing remark) of a UN document number text.

    "French passport number 05AT521433" -> ("05AT521433", "French passport", "");
    "563210184 (Expires 18 Jun. 2018)" -> ("563210184", "", "Expires 18 Jun. 2018").
    With ``prose`` (a NOTE), only the identifier itself is taken, not the rest.
    """
    text = clean_text(raw)
    remark = ""
    tail = re.search(r"\s*\(([^()]*)\)\s*$", text)
    if tail and tail.start() > 0:
        remark = tail.group(1)
        text = text[: tail.start()]
    comma = re.search(r",\s*([^,]+)$", text)
    if comma and registry.country.clean(comma.group(1)) is not None:
        remark = ", ".join(r for r in (remark, comma.group(1)) if r)
        text = text[: comma.start()]
    first = text.split(" ", 1)[0]
    if (
        _BARE_NUMBER.match(text)
        and any(c.isdigit() for c in text)
        and (any(c.isdigit() for c in first) or _ID_PREFIX_TOKEN.match(first))
    ):
        return text, "", remark
    keyword = _DOC_KEYWORD.match(text)
    if keyword:
        desc = _DESC_TAIL.sub("", keyword.group("desc")).strip()
        number = keyword.group("num").strip()
        if prose or not any(c.isdigit() for c in number):
            number = _id_run(number) or ""
        return number or None, desc, remark
    found = _id_run(text)
    if found is None:
        return None, text, remark
    at = text.find(found)
    desc = text[:at].strip()
    if prose:
        # Prose without "number"/"no.": only an identifier that opens or ends it counts.
        if _YEAR.match(found) or (at > 0 and at + len(found) < len(text.rstrip(". "))):
            return None, text, remark
        return found, desc, remark
    return text[at:].strip(), desc, remark


def _doc_property(kind: str, desc: str) -> tuple[str, bool]:
    """(FtM property, is a passport) for a document's type and description."""
    text = f"{kind} {desc}".lower()
    if "social security" in text or re.search(r"\bssn\b", text):
        return "socialSecurityNumber", False
    if "fiscal code" in text or "tax" in text:
        return "taxNumber", False
    if any(w in text for w in ("passport", "pasaporte", "passeport", "laissez-passer")):
        if "identification" not in kind.lower() or "passport" in desc.lower():
            return "passportNumber", True
    return "idNumber", False


# --- the parser ---------------------------------------------------------------------


def _texts(element: Any, tag: str) -> list[str]:
    """Cleaned non-empty texts of the children ``tag`` (and of their ``VALUE``s)."""
    values: list[str] = []
    for child in element.iterchildren(tag):
        values_el = list(child.iterchildren("VALUE"))
        for item in values_el or [child]:
            text = clean_text(item.text)
            if text:
                values.append(text)
    return values


def _text(element: Any, tag: str) -> str:
    child = element.find(tag)
    return clean_text(child.text) if child is not None else ""


class _Record(RecordBuilder):
    """Shared state while one UN record is turned into entities."""

    def countries(self, prop: str, value: str, field_name: str) -> list[str]:
        """Add the countries a value names; report values that name none."""
        codes, interpreted = countries(value)
        if not codes:
            self.issue(field_name, f"country {value!r} not understood")
            return []
        for code in codes:
            self.proxy.add(prop, code, cleaned=True)
        if interpreted:
            label = field_name.rsplit("/", 1)[-1].replace("_", " ").capitalize()
            self.note(f"{label}: {value}")
        return codes


class UNXMLParser(ListParser):
    NAME: ClassVar[str] = "un_xml"
    SOURCE: ClassVar[str] = "un_sc"
    TITLE: ClassVar[str] = "UN Security Council consolidated list XML"

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return re.match(rb"<CONSOLIDATED_LIST[\s>/]", skip_prolog(head)) is not None

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        root, attrs = root_attributes(path)
        if root != _ROOT:
            raise FormatError(path, f"root element is <{root}>, not <{_ROOT}>")
        generated = iso_date(attrs.get("dateGenerated"))
        if generated and len(generated) == 10:
            try:
                ctx.published = dt.date.fromisoformat(generated)
            except ValueError:
                ctx.issue(path, "-", "dateGenerated", f"date {generated!r} not understood")
        source = source_for(ctx.source, self.SOURCE)
        prefix = source.id_prefix
        url = source.main_file.url if source.name == self.SOURCE else DEFAULT_URL
        listed = self._references(path)
        seen: set[str] = set()
        for element in iter_elements(path, _RECORD_TAGS):
            ctx.records_read += 1
            ref = _text(element, "REFERENCE_NUMBER")
            if ref and ref.upper() in seen:
                ctx.reject(
                    path, ref, "REFERENCE_NUMBER", "reference appears twice; later record skipped"
                )
                continue
            seen.add(ref.upper())
            yield from ctx.counted(self._record(element, path, ctx, prefix, url, listed))

    @staticmethod
    def _references(path: Path) -> dict[str, str]:
        """Every REFERENCE_NUMBER in the file (upper case -> as written), for links."""
        refs: dict[str, str] = {}
        for element in iter_elements(path, {"REFERENCE_NUMBER"}):
            ref = clean_text(element.text)
            if ref:
                refs[ref.upper()] = ref
        return refs

    def _record(
        self,
        element: Any,
        path: Path,
        ctx: ParseContext,
        prefix: str,
        url: str,
        listed: dict[str, str],
    ) -> list[ListEntity]:
        ref = _text(element, "REFERENCE_NUMBER")
        position = _text(element, "DATAID") or f"#{ctx.records_read}"
        if not ref:
            ctx.reject(path, position, "REFERENCE_NUMBER", "record has no reference number")
            return []
        person = element.tag == "INDIVIDUAL"
        parts = [
            _text(element, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        ]
        names, name_notes = split_names(" ".join(p for p in parts if p))
        if not names:
            ctx.reject(path, ref, "FIRST_NAME", "record has no name")
            return []
        proxy = make_entity("Person" if person else "Organization", slug_id(prefix, ref))
        rec = _Record(ctx, path, ref, ListEntity(proxy=proxy, source_ref=ref))
        rec.add("name", names[0], "FIRST_NAME")
        for alias in names[1:]:
            rec.add("alias", alias, "FIRST_NAME")
        for note in name_notes:
            rec.note(f"Name: {note}")
        if person:
            rec.add("firstName", parts[0], "FIRST_NAME")
            rec.add("secondName", parts[1], "SECOND_NAME")
        for raw in _texts(element, "NAME_ORIGINAL_SCRIPT"):
            for name in split_names(raw)[0]:
                rec.add("alias", name, "NAME_ORIGINAL_SCRIPT")
        for alias_el in element.iterchildren("INDIVIDUAL_ALIAS", "ENTITY_ALIAS"):
            self._alias(rec, alias_el)
        self._details(rec, element, person)
        for dob in element.iterchildren("INDIVIDUAL_DATE_OF_BIRTH"):
            self._birth_date(rec, dob)
        for pob in element.iterchildren("INDIVIDUAL_PLACE_OF_BIRTH"):
            self._birth_place(rec, pob)
        for doc in element.iterchildren("INDIVIDUAL_DOCUMENT"):
            self._document(rec, doc)
        for address in element.iterchildren("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
            self._address(rec, address)
        updated = sorted(filter(None, (iso_date(v) for v in _texts(element, "LAST_DAY_UPDATED"))))
        if updated:
            rec.add("modifiedAt", updated[-1], "LAST_DAY_UPDATED")
        sanction = self._sanction(rec, element, url, updated[-1] if updated else None)
        links = self._links(rec, _text(element, "COMMENTS1"), prefix, listed)
        return [rec.entity, sanction, *rec.extra, *links]

    # -- names -------------------------------------------------------------------------

    def _alias(self, rec: _Record, alias_el: Any) -> None:
        quality = _text(alias_el, "QUALITY")
        raw = _text(alias_el, "ALIAS_NAME")
        note = _text(alias_el, "NOTE")
        if not raw:
            return
        names, notes = split_names(raw)
        script = _NOTE_SCRIPT.search(note) if note else None
        if script:
            names.extend(n for n in split_names(script.group(1))[0] if n not in names)
        q = quality.lower()
        if q == "f.k.a.":
            prop = "previousName"
        elif q == "low":
            prop = "weakAlias"
        else:
            prop = "alias"
        primary = rec.proxy.get("name")
        for name in names:
            if name not in primary:
                rec.add(prop, name, "ALIAS_NAME")
            if q in ("good", "low"):
                rec.alias_quality(name, "strong" if q == "good" else "low")
        remarks = [*notes]
        if note and note.lower() not in _PLAIN_ALIAS_NOTES and not script:
            remarks.append(note)
        for remark in remarks:
            rec.note(f"Alias {names[0] if names else raw}: {remark}")
        self._alias_birth(rec, alias_el, names[0] if names else raw)

    def _alias_birth(self, rec: _Record, alias_el: Any, name: str) -> None:
        """Birth facts stated with one alias (the identity it was used with)."""
        date = iso_date(_text(alias_el, "DATE_OF_BIRTH"))
        if date and rec.add("birthDate", date, "INDIVIDUAL_ALIAS/DATE_OF_BIRTH"):
            rec.annotate("birth_dates", {"date": date, "alias": name})
        city = _text(alias_el, "CITY_OF_BIRTH")
        country = _text(alias_el, "COUNTRY_OF_BIRTH")
        place = ", ".join(p for p in (city, country) if p)
        if place:
            rec.add("birthPlace", place, "INDIVIDUAL_ALIAS/CITY_OF_BIRTH")
        if country:
            rec.countries("birthCountry", country, "INDIVIDUAL_ALIAS/COUNTRY_OF_BIRTH")

    # -- simple fields -----------------------------------------------------------------

    def _details(self, rec: _Record, element: Any, person: bool) -> None:
        comments = _text(element, "COMMENTS1")
        if comments:
            rec.add("notes", comments, "COMMENTS1")
        if person:
            for title in _texts(element, "TITLE"):
                rec.add("title", title, "TITLE")
            for designation in _texts(element, "DESIGNATION"):
                rec.add("position", designation, "DESIGNATION")
            gender = _text(element, "GENDER")
            if gender and gender.lower() != "unknown":
                rec.add("gender", gender, "GENDER")
            for nationality in _texts(element, "NATIONALITY"):
                rec.countries("nationality", nationality, "NATIONALITY")

    # -- birth ---------------------------------------------------------------------------

    def _birth_date(self, rec: _Record, dob: Any) -> None:
        kind = _text(dob, "TYPE_OF_DATE").upper()
        note = _text(dob, "NOTE")
        circa = kind == "APPROXIMATELY" or note.lower() == "approximately"
        if note.lower() == "approximately":
            note = ""
        item: dict[str, Any] = {}
        values: list[str] = []
        start, end = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
        single = iso_date(_text(dob, "DATE")) or iso_date(_text(dob, "YEAR"))
        if start or end:
            values = [v for v in (start, end) if v]
            item = {"from": start or end, "to": end or start}
        elif single:
            month = _MONTH_ONLY.match(note)
            if month and len(single) == 4:
                single = f"{single}-{_month(month.group(1)):02d}"
                note = ""
            values = [single]
            item = {"date": single}
        elif note:
            values, item, note = self._date_from_note(rec, note)
        if not values and not note:
            return
        kept = [v for v in values if rec.add("birthDate", v, "INDIVIDUAL_DATE_OF_BIRTH")]
        if circa:
            item["circa"] = True
        if note:
            item["note"] = note
        # Plain dates live in birthDate alone; ranges, circa and prose also here.
        if ("from" in item or circa or note) and (kept or not values):
            rec.annotate("birth_dates", item)

    def _date_from_note(self, rec: _Record, note: str) -> tuple[list[str], dict[str, Any], str]:
        """Birth dates the UN gives only as prose in NOTE ("Nov. 1973")."""
        month_year = _MONTH_YEAR.match(note)
        if month_year:
            value = f"{month_year.group(2)}-{_month(month_year.group(1)):02d}"
            return [value], {"date": value}, ""
        month_range = _MONTH_RANGE.match(note)
        if month_range:
            first, last, year = month_range.groups()
            start, end = f"{year}-{_month(first):02d}", f"{year}-{_month(last):02d}"
            return [start, end], {"from": start, "to": end}, ""
        if "hijri" in note.lower():
            rec.issue(
                "INDIVIDUAL_DATE_OF_BIRTH",
                f"birth date in the Hijri calendar kept as a note, not converted: {note!r}",
            )
        return [], {}, note

    def _birth_place(self, rec: _Record, pob: Any) -> None:
        parts = [_text(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
        note = _text(pob, "NOTE")
        place = ", ".join(p for p in parts if p)
        if note:
            place = f"{place} ({note.strip('()')})" if place else note
        if place:
            rec.add("birthPlace", place, "INDIVIDUAL_PLACE_OF_BIRTH")
        if parts[3]:
            rec.countries("birthCountry", parts[3], "INDIVIDUAL_PLACE_OF_BIRTH/COUNTRY")

    # -- documents -----------------------------------------------------------------------

    def _document(self, rec: _Record, doc: Any) -> None:
        kind = _text(doc, "TYPE_OF_DOCUMENT")
        kind2 = _text(doc, "TYPE_OF_DOCUMENT2").rstrip(":")
        raw = _text(doc, "NUMBER")
        note = _text(doc, "NOTE")
        if not (kind or raw or note or kind2):
            return
        number, desc, remark, source = None, "", "", ""
        if raw:
            number, desc, remark = split_document_number(raw)
            source = "NUMBER"
        else:
            for field_name, prose in (("TYPE_OF_DOCUMENT2", kind2), ("NOTE", note)):
                if prose and number is None:
                    number, desc, remark = split_document_number(prose, prose=True)
                    source = field_name
        if not number:
            text = "; ".join(p for p in (kind, kind2, raw, note) if p)
            rec.note(f"Document: {text}")
            rec.issue(
                "INDIVIDUAL_DOCUMENT",
                f"document without a number kept as a note: {text!r}",
            )
            return
        summary = note if source == "NOTE" else "; ".join(p for p in (remark, note) if p)
        if source == "TYPE_OF_DOCUMENT2":
            kind2 = ""
        prop, is_passport = _doc_property(kind, f"{kind2} {desc}")
        if not rec.add(prop, number, f"INDIVIDUAL_DOCUMENT/{source}"):
            return
        country_text = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
        codes = countries(country_text)[0] if country_text else []
        desc_country = registry.country.clean(desc) if desc else None
        if not codes:
            for hint in (remark, desc, desc.split(" ")[0] if desc else ""):
                codes = [c for c in [registry.country.clean(hint)] if c] if hint else []
                if codes:
                    break
        # "Libya B/002210": the description is only a country. The list states
        # some passports three times (English, French, Spanish type names).
        doc_type = (
            kind2 or (desc if not desc_country else "") or ("Passport" if is_passport else kind)
        )
        schema = "Passport" if is_passport else "Identification"
        ident = new_document(
            schema, rec.proxy.id or "", number, codes[0] if codes else "", number=number
        )
        for code in codes[:1]:
            ident.add("country", code, cleaned=True)
        rec.add("type", doc_type, "INDIVIDUAL_DOCUMENT/TYPE_OF_DOCUMENT", ident)
        rec.add(
            "startDate",
            iso_date(_text(doc, "DATE_OF_ISSUE")),
            "INDIVIDUAL_DOCUMENT/DATE_OF_ISSUE",
            ident,
        )
        rec.add(
            "endDate", _expiry_date(summary) if summary else None, "INDIVIDUAL_DOCUMENT/NOTE", ident
        )
        rec.add(
            "authority", _text(doc, "CITY_OF_ISSUE"), "INDIVIDUAL_DOCUMENT/CITY_OF_ISSUE", ident
        )
        rec.add("summary", summary, "INDIVIDUAL_DOCUMENT/NOTE", ident)
        rec.keep(ident)

    # -- addresses -----------------------------------------------------------------------

    def _address(self, rec: _Record, address: Any) -> None:
        parts = [
            _text(address, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
        ]
        note = _text(address, "NOTE")
        text = ", ".join(p for p in parts if p)
        has_place = any(parts[:4])
        if has_place:
            rec.add("address", f"{text} ({note.strip('()')})" if note else text, address.tag)
        elif note:
            rec.note(f"Address: {note}" + (f" ({parts[4]})" if parts[4] else ""))
        if parts[4]:
            rec.countries("country", parts[4], f"{address.tag}/COUNTRY")

    # -- sanction and links --------------------------------------------------------------

    def _sanction(self, rec: _Record, element: Any, url: str, updated: str | None) -> ListEntity:
        program = _text(element, "UN_LIST_TYPE")
        party = rec.proxy.id or ""
        sanction = new_sanction(party, AUTHORITY, "zz", rec.ref, program)
        rec.add("program", program, "UN_LIST_TYPE", sanction)
        rec.add("programId", program, "UN_LIST_TYPE", sanction)
        rec.add("listingDate", iso_date(_text(element, "LISTED_ON")), "LISTED_ON", sanction)
        sanction.add("authorityId", rec.ref, cleaned=True)
        sanction.add("unscId", rec.ref, cleaned=True)
        sanction.add("sourceUrl", url, cleaned=True)
        if updated:
            rec.add("modifiedAt", updated, "LAST_DAY_UPDATED", sanction)
        return ListEntity(proxy=sanction)

    def _links(
        self, rec: _Record, comments: str, prefix: str, listed: dict[str, str]
    ) -> Iterable[ListEntity]:
        """UnknownLinks for the other listed parties a record's comments name by reference."""
        seen: set[str] = set()
        links: list[ListEntity] = []
        for match in _UN_REF.finditer(comments):
            key = match.group(1).upper()
            if key == rec.ref.upper() or key in seen:
                continue
            seen.add(key)
            target = listed.get(key)
            if target is None:
                rec.annotate("unresolved_links", {"relation": LINK_ROLE, "name": match.group(1)})
                rec.issue("COMMENTS1", f"comments name {match.group(1)}, which is not on this list")
                continue
            party = rec.proxy.id or ""
            link = make_entity("UnknownLink", derived_id(party, "link", key))
            link.add("subject", party, cleaned=True)
            link.add("object", slug_id(prefix, target), cleaned=True)
            link.add("role", LINK_ROLE, cleaned=True)
            link.add("summary", _sentence(comments, match.start()), cleaned=True)
            links.append(ListEntity(proxy=link))
        return links


def _sentence(text: str, index: int) -> str:
    """The sentence of ``text`` around ``index`` (for a link's summary)."""
    start = max(text.rfind(". ", 0, index), text.rfind("; ", 0, index))
    end_candidates = [i for i in (text.find(". ", index), text.find("; ", index)) if i != -1]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start + 2 if start != -1 else 0 : end].strip()
