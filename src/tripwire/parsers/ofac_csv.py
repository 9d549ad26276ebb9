"""OFAC's legacy CSV lists: SDN.CSV (or CONS_PRIM.CSV) with ALT, ADD and COMMENTS companions.

Why a parser of its own: the legacy CSV is still what most OFAC consumers
download, and it is not a plain table. Its quirks, all handled here:

* no header, CRLF line endings, ``-0-`` (often ``-0- ``) for an empty cell,
  a trailing 0x1A (DOS end-of-file) byte;
* the main file has 12 columns (ent_num, SDN_Name, SDN_Type, Program, Title,
  Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks); the
  companions are joined on ent_num: ALT.CSV (aliases), ADD.CSV (addresses)
  and SDN_COMMENTS.CSV (the overflow of remarks OFAC cut at 1,000 characters);
  rows of a companion whose ent_num the main file lacks (companions are often
  downloaded later than the main file) are reported, never turned into entities;
* the Program column holds one or more programme codes (``[A] [B]`` with the
  outer brackets sometimes missing): one FtM ``Sanction`` per programme;
* everything else (birth dates, identifiers, weak aliases, links...) is in the
  free-text Remarks, read by :mod:`tripwire.parsers.ofac_remarks`; a fact it
  does not understand is kept in ``notes`` and counted in :attr:`stats`;
* relations are stated by *name* (``Linked To: SBERBANK.``): they are resolved
  after the whole file is read, against the primary names, then ALT names, then
  weak aliases of the file (upper-cased, punctuation removed); a name no entity
  carries goes to the ``unresolved_links`` annotation with a warning.

Naming choice: ``name`` keeps OFAC's own list form (``GREF, Herman
Oskarovich`` for individuals), which is how analysts search the list; the
parts go to ``lastName`` (before the comma), ``firstName`` (the given names
after it) and ``nameSuffix`` (``Jr.``). No natural-order alias is invented.

Schemas: ``individual`` -> Person, ``vessel`` -> Vessel, ``aircraft`` ->
Airplane, and an entity (``-0-``) is a Company when its name carries a company
legal form (LLC, LIMITED, OOO, AO, JSC, GMBH, S.A., CO., ...) and an
Organization otherwise, decided from the name alone so that the same record
always gets the same schema.

Everything derived depends only on the content: ids come from ent_num (the
primary entity) or from the content of the auxiliary record, and values are
added in file order, so an unchanged record yields an identical entity in two
publications. The legacy CSV carries no publication date: ``ctx.published``
is taken from a date in the file name (``sdn-2022-03-24.csv``) or left unset.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import EntityProxy, registry
from followthemoney.schema import Schema

from tripwire.model.entity import ListEntity, derived_id, make_entity, slug_id
from tripwire.model.sources import SOURCES
from tripwire.parsers.base import (
    FormatError,
    ListParser,
    ParseContext,
    clean_country,
    open_maybe_gzip,
    read_head,
)
from tripwire.parsers.common import annotate, document_id, new_document, new_sanction, source_for
from tripwire.parsers.ofac_remarks import (
    Fact,
    normalize_name,
    parse_fact,
    parse_remarks,
    strip_period,
)

COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")

# OFAC cuts the Remarks cell at this many characters and puts the rest in *_COMMENTS.CSV.
REMARKS_LIMIT = 1000

SDN_DETAILS_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
AUTHORITY = "Office of Foreign Assets Control (OFAC), US Department of the Treasury"

_MAIN_PREFIXES = {
    "sdn": ("alt", "add", "sdn_comments"),
    "cons_prim": ("cons_alt", "cons_add", "cons_comments"),
}
_MAIN_NAME = re.compile(r"^(?P<prefix>sdn|cons_prim)(?P<rest>(?:[-_.].*)?)$", re.IGNORECASE)
_FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_SNIFF_LINE = re.compile(rb'^\s*\d+,"[^"]*",')
_TYPES = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}

# A name with one of these legal forms is a Company; other entities are Organizations.
COMPANY_FORMS = re.compile(
    r"(?<![\w.])(?:LLC|L\.L\.C\.|LLP|LTD\.?|LIMITED|LTDA\.?|PLC|INC\.?|INCORPORATED|CORP\.?|"
    r"CORPORATION|CO\.|COMPANY|GMBH|AG|OOO|OAO|ZAO|PAO|AO|JSC|OJSC|CJSC|PJSC|TOO|"
    r"S\.A\.|SA|S\.A\.S\.|SAS|S\.L\.|S\.R\.L\.|SRL|SARL|SARLU|S\.A\.R\.L\.|S\.P\.A\.|SPA|"
    r"B\.V\.|BV|N\.V\.|NV|A\.S\.|D\.O\.O\.|DOO|EOOD|OOD|FZE|FZCO|FZ-LLC|DMCC|PTE|PVT|BHD|"
    r"KFT|SP\. Z O\.O\.|Z\.O\.O\.|JOINT STOCK COMPANY|JOINT-STOCK COMPANY|"
    r"LIMITED LIABILITY COMPANY|S\. DE R\.L\.|S\.A\. DE C\.V\.|SAPI|S\.A\.C\.|SAC|"
    r"E\.I\.R\.L\.|CIA\.?|COMPANIA|COMPANHIA|SOCIEDAD ANONIMA|CO|K\.K\.|OY|C\.A\.|SP Z O O|"
    r"OBSHCHESTVO|AKTSIONERNOE|ANONIM SIRKETI|SOCIETATEA)(?![\w-])",
)

# Programme codes as OFAC tags them -> the programme's name (for Sanction.program).
PROGRAMS: dict[str, str] = {
    "BALKANS": "Western Balkans Stabilization Regulations",
    "BALKANS-EO14033": "Western Balkans (Executive Order 14033)",
    "BELARUS": "Belarus Sanctions Regulations (Executive Order 13405)",
    "BELARUS-EO14038": "Belarus (Executive Order 14038)",
    "BPI-RUSSIA-EO14024": "Blocked pending investigation, Executive Order 14024",
    "BURMA-EO14014": "Burma (Executive Order 14014)",
    "CAATSA - IRAN": "Countering America's Adversaries Through Sanctions Act, Iran",
    "CAATSA - RUSSIA": "Countering America's Adversaries Through Sanctions Act, Russia",
    "CAR": "Central African Republic Sanctions Regulations",
    "CMIC-EO13959": "Chinese Military-Industrial Complex (Executive Order 13959, as amended)",
    "CUBA": "Cuban Assets Control Regulations",
    "CYBER2": "Cyber-related sanctions (Executive Order 13694, as amended)",
    "DARFUR": "Darfur Sanctions Regulations",
    "DPRK": "North Korea Sanctions Regulations",
    "DPRK2": "North Korea (Executive Order 13687)",
    "DPRK3": "North Korea (Executive Order 13722)",
    "DPRK4": "North Korea (Executive Order 13810)",
    "DPRK-NKSPEA": "North Korea Sanctions and Policy Enhancement Act",
    "DRCONGO": "Democratic Republic of the Congo Sanctions Regulations",
    "ELECTION-EO13848": "Foreign interference in US elections (Executive Order 13848)",
    "ETHIOPIA-EO14046": "Ethiopia (Executive Order 14046)",
    "FTO": "Foreign Terrorist Organizations",
    "GLOMAG": "Global Magnitsky Sanctions Regulations",
    "HK-EO13936": "Hong Kong Normalization (Executive Order 13936)",
    "HOSTAGES-EO14078": "Hostage-taking and wrongful detention (Executive Order 14078)",
    "IFCA": "Iran Freedom and Counter-Proliferation Act",
    "IFSR": "Iranian Financial Sanctions Regulations",
    "ILLICIT-DRUGS-EO14059": "Illicit drug trade (Executive Order 14059)",
    "IRAN": "Iranian Transactions and Sanctions Regulations",
    "IRAN-CON-ARMS-EO": "Iran conventional arms (Executive Order 13949)",
    "IRAN-EO13846": "Iran (Executive Order 13846)",
    "IRAN-EO13871": "Iran metals sectors (Executive Order 13871)",
    "IRAN-EO13876": "Iran, Supreme Leader's office (Executive Order 13876)",
    "IRAN-EO13902": "Iran economic sectors (Executive Order 13902)",
    "IRAN-HR": "Iran human rights (Executive Order 13553)",
    "IRAN-TRA": "Iran Threat Reduction (Executive Order 13628)",
    "IRGC": "Islamic Revolutionary Guard Corps related",
    "MAGNIT": "Sergei Magnitsky Rule of Law Accountability Act",
    "NPWMD": "Non-proliferation of weapons of mass destruction (Executive Order 13382)",
    "NS-PLC": "Non-SDN Palestinian Legislative Council list",
    "PEESA-EO14039": "Protecting Europe's Energy Security Act (Executive Order 14039)",
    "RUSSIA-EO14024": "Russian Harmful Foreign Activities Sanctions (Executive Order 14024)",
    "SDGT": "Specially Designated Global Terrorists (Executive Order 13224)",
    "SDNT": "Narcotics trafficking (Executive Order 12978)",
    "SDNTK": "Foreign Narcotics Kingpin Designation Act",
    "SYRIA": "Syrian Sanctions Regulations",
    "SYRIA-CAESAR": "Caesar Syria Civilian Protection Act",
    "TCO": "Transnational Criminal Organizations (Executive Order 13581)",
    "UKRAINE-EO13660": "Ukraine (Executive Order 13660)",
    "UKRAINE-EO13661": "Ukraine (Executive Order 13661)",
    "UKRAINE-EO13662": "Ukraine, Russian economic sectors (Executive Order 13662)",
    "UKRAINE-EO13685": "Crimea (Executive Order 13685)",
    "VENEZUELA": "Venezuela Sanctions Regulations",
    "VENEZUELA-EO13850": "Venezuela (Executive Order 13850)",
    "VENEZUELA-EO13884": "Government of Venezuela (Executive Order 13884)",
    "YEMEN": "Yemen (Executive Order 13611)",
    "ZIMBABWE": "Zimbabwe Sanctions Regulations",
}

# Where a fact's property does not exist on the party's schema, the next best one.
_FALLBACK: dict[str, tuple[str, ...]] = {
    "flag": ("country",),
    "pastFlags": ("country",),
    "nationality": ("country",),
    "citizenship": ("country",),
    "idNumber": ("registrationNumber",),
    "passportNumber": ("idNumber", "registrationNumber"),
    "socialSecurityNumber": ("idNumber",),
    "taxNumber": ("registrationNumber",),
    "vatCode": ("taxNumber", "registrationNumber"),
    "bikCode": ("registrationNumber",),
    "uscCode": ("registrationNumber",),
    "licenseNumber": ("registrationNumber",),
    "isinCode": ("registrationNumber",),
    "dunsCode": ("registrationNumber",),
    "serialNumber": ("registrationNumber",),
    "callSign": ("registrationNumber",),
    "mmsi": ("registrationNumber",),
    "imoNumber": ("registrationNumber",),
    "sector": ("classification",),
    "model": ("type",),
}

# Country cells that say "no country".
_NO_COUNTRY = frozenset({"undetermined", "unknown", "none identified"})

_RELATION_LABELS = {
    "link": "Linked To",
    "owner": "Owned or Controlled By",
    "operator": "Aircraft Operator",
    "vessel_owner": "Vessel Owner",
}


def _cell(value: str) -> str | None:
    value = value.strip()
    if not value or value == "-0-":
        return None
    return value


def _read_rows(path: Path, ctx: ParseContext) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of an OFAC CSV file, tolerant of CRLF and the final 0x1A."""
    with open_maybe_gzip(path) as handle:
        try:
            data = handle.read()
        except (OSError, EOFError) as exc:
            raise FormatError(path, f"cannot read file: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # OFAC files are ASCII; older ones were Windows-1252. Say so rather than guess quietly.
        ctx.issue(path, f"byte {exc.start}", "encoding", "not UTF-8, read as Windows-1252")
        text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff").rstrip("\x1a\r\n\t ")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip(" \x1a")):
                continue
            yield reader.line_num, cells
    except csv.Error as exc:
        # The rest of the file cannot be read: importing what came before would serve a
        # silently truncated list.
        raise FormatError(path, f"line {reader.line_num}: unreadable CSV: {exc}") from exc


def phone_variants(value: str) -> list[str]:
    """The phone as written, then in international form: OFAC drops the ``+`` (``982188526300``)."""
    text = re.sub(r"\(0\)", "", value.split("/")[0].split(" ext")[0])
    digits = re.sub(r"\D", "", text)
    variants = [value]
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) >= 8 and not digits.startswith("0"):
        variants.append("+" + digits)
    return variants


def _split_programs(value: str | None) -> list[str]:
    if value is None:
        return []
    codes = []
    for part in re.split(r"\]\s*\[|\]|\[", value):
        code = part.strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def _published_from_name(path: Path) -> dt.date | None:
    match = _FILE_DATE.search(path.name)
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


@dataclass(slots=True)
class _Record:
    """One primary row with what the companions and the remarks add to it."""

    ent_num: str
    line: int
    cells: dict[str, str | None]
    remarks: str | None = None
    facts: list[Fact] = field(default_factory=list)
    aliases: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    addresses: list[tuple[str, list[str | None]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.cells["SDN_Name"] or ""


def _bare_name(key: str) -> str:
    """A normalised name without its legal-form words (``OOO TRANSOIL`` -> ``TRANSOIL``)."""
    return " ".join(t for t in key.split() if t not in _LEGAL_FORM_WORDS)


_LEGAL_FORM_WORDS = frozenset(
    "OOO OAO ZAO PAO AO JSC OJSC CJSC PJSC LLC LTD LIMITED CO COMPANY INC CORP CORPORATION "
    "GMBH AG SA SAS SRL SARL PLC LLP BV NV DOO EOOD FZE FZCO TOO".split()
)


@dataclass(slots=True)
class _NameIndex:
    """Normalised names -> ent_nums, in tiers tried in turn.

    Primary names, then ALT.CSV names, then weak remarks aliases, and last any
    of them without legal-form words (OFAC renames ``TRANSOIL`` to ``OOO
    TRANSOIL`` without updating the ``Linked To: TRANSOIL`` that points at
    it); the last tier is used only when it names a single entity.
    """

    tiers: tuple[dict[str, list[str]], ...] = field(default_factory=lambda: ({}, {}, {}, {}))

    def add(self, tier: int, name: str, ent_num: str) -> None:
        key = normalize_name(name)
        if not key:
            return
        self._put(tier, key, ent_num)
        bare = _bare_name(key)
        if bare:
            self._put(3, bare, ent_num)

    def _put(self, tier: int, key: str, ent_num: str) -> None:
        found = self.tiers[tier].setdefault(key, [])
        if ent_num not in found:
            found.append(ent_num)

    def resolve(self, name: str, own: str) -> list[str]:
        key = normalize_name(name)
        for number, tier in enumerate(self.tiers):
            if number == 3:
                key = _bare_name(key)
            candidates = tier.get(key, ())
            found = [e for e in candidates if e != own]
            if number == 3 and len(found) > 1:
                return []
            if found:
                return found
            if own in candidates:
                return [own]
        return []


class OFACCSVParser(ListParser):
    NAME: ClassVar[str] = "ofac_csv"
    SOURCE: ClassVar[str] = "us_ofac_sdn"
    TITLE: ClassVar[str] = "OFAC SDN / consolidated legacy CSV"

    def __init__(self) -> None:
        # Coverage and join figures of the last parse (remark facts, aliases attached, ...).
        self.stats: Counter[str] = Counter()

    # --- format detection ------------------------------------------------------------
    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text or text[:1] in (b"{", b"[", b"<"):
            return False
        first = text.split(b"\n", 1)[0].rstrip(b"\r\x1a")
        if _SNIFF_LINE.match(first) is None:
            return False
        try:
            cells = next(csv.reader([first.decode("utf-8", errors="replace")]))
        except (csv.Error, StopIteration):
            return False
        if len(cells) != len(COLUMNS) or not cells[0].strip().isdigit():
            return False
        kind = cells[2].strip().lower()
        return kind in _TYPES or kind in ("-0-", "")

    @classmethod
    def companions(cls, path: Path) -> list[Path]:
        return list(cls._companion_files(path).values())

    @staticmethod
    def _companion_files(path: Path) -> dict[str, Path]:
        """Role ("alt", "add", "comments") -> companion file beside ``path``, any letter case."""
        match = _MAIN_NAME.match(path.name)
        if match is None or not path.parent.is_dir():
            return {}
        present = {p.name.lower(): p for p in sorted(path.parent.iterdir()) if p.is_file()}
        found = {}
        prefixes = _MAIN_PREFIXES[match.group("prefix").lower()]
        for role, prefix in zip(("alt", "add", "comments"), prefixes, strict=True):
            name = (prefix + match.group("rest")).lower()
            if name in present:
                found[role] = present[name]
        return found

    # --- parsing ---------------------------------------------------------------------
    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        self.stats = Counter()
        prefix = self._prefix(ctx)
        if ctx.published is None:
            ctx.published = _published_from_name(path)
        if not self.sniff(read_head(path), path):
            raise FormatError(path, "not an OFAC legacy CSV main file (SDN.CSV / CONS_PRIM.CSV)")
        records = self._read_main(path, ctx)
        files = self._companion_files(path)
        alt_path, add_path, comments_path = (
            files.get("alt"),
            files.get("add"),
            files.get("comments"),
        )
        for role, what in (
            ("alt", "aliases"),
            ("add", "addresses"),
            ("comments", "the overflow of remarks longer than 1,000 characters"),
        ):
            if role not in files:
                ctx.issue(
                    path,
                    "file",
                    role,
                    f"no {role} companion file beside {path.name}: {what} not imported",
                )
        if comments_path is not None:
            self._read_comments(comments_path, records, ctx)
        for record in records.values():
            record.facts = parse_remarks(record.remarks)
        if alt_path is not None:
            self._read_aliases(alt_path, records, ctx)
        if add_path is not None:
            self._read_addresses(add_path, records, ctx)
        index = self._index(records)
        builder = _Builder(path, prefix, ctx, index, self.stats, alt_path, add_path)
        for record in records.values():
            yield from ctx.counted(builder.build(record))

    @classmethod
    def _prefix(cls, ctx: ParseContext) -> str:
        return source_for(ctx.source, cls.SOURCE).id_prefix

    def _read_main(self, path: Path, ctx: ParseContext) -> dict[str, _Record]:
        records: dict[str, _Record] = {}
        for line, cells in _read_rows(path, ctx):
            ent_num = cells[0].strip()
            record_id = ent_num or f"line {line}"
            ctx.records_read += 1
            if len(cells) != len(COLUMNS):
                ctx.reject(
                    path, record_id, "row", f"expected {len(COLUMNS)} columns, found {len(cells)}"
                )
                continue
            if not ent_num.isdigit():
                ctx.reject(path, record_id, "ent_num", f"ent_num {ent_num!r} is not a number")
                continue
            if ent_num in records:
                ctx.reject(
                    path,
                    record_id,
                    "ent_num",
                    f"duplicate ent_num (first on line {records[ent_num].line})",
                )
                continue
            values = {name: _cell(value) for name, value in zip(COLUMNS, cells, strict=True)}
            if values["SDN_Name"] is None:
                ctx.reject(path, record_id, "SDN_Name", "no name")
                continue
            # The Remarks cell unstripped: a cut at 1,000 characters may end in a space.
            remarks = cells[11] if values["Remarks"] is not None else None
            records[ent_num] = _Record(ent_num, line, values, remarks=remarks)
        self.stats["records"] = len(records)
        return records

    def _read_comments(self, path: Path, records: dict[str, _Record], ctx: ParseContext) -> None:
        for line, cells in _read_rows(path, ctx):
            ent_num = cells[0].strip()
            record_id = ent_num or f"line {line}"
            if len(cells) < 2:
                ctx.issue(path, record_id, "row", f"expected 2 columns, found {len(cells)}")
                continue
            text = ",".join(cells[1:]) if len(cells) > 2 else cells[1]
            record = records.get(ent_num)
            self.stats["comments_rows"] += 1
            if record is None:
                self.stats["comments_unknown_ent_num"] += 1
                ctx.issue(
                    path,
                    record_id,
                    "ent_num",
                    "remarks continuation for an ent_num the main file lacks",
                )
                continue
            if record.remarks is None or len(record.remarks) < REMARKS_LIMIT:
                self.stats["comments_not_truncated"] += 1
                ctx.issue(
                    path,
                    record_id,
                    "Remarks",
                    "remarks continuation ignored: the main file's remarks are not cut at "
                    f"{REMARKS_LIMIT} characters (files from different dates?)",
                )
                continue
            seam = record.remarks[record.remarks.rfind(";") + 1 :] + text.split(";", 1)[0]
            if parse_fact(seam).partial:
                # The cut fact does not read back whole: the two files are likely from
                # different dates. Kept (the rest is still this entry's), but said.
                self.stats["comments_bad_seam"] += 1
                ctx.issue(
                    path,
                    record_id,
                    "Remarks",
                    f"remarks continuation does not join cleanly ({seam.strip()!r}); "
                    "main and comments files from different dates?",
                )
            record.remarks += text
            self.stats["comments_appended"] += 1

    def _joined_rows(
        self,
        path: Path,
        records: dict[str, _Record],
        ctx: ParseContext,
        role: str,
        columns: tuple[str, ...],
        what: str,
    ) -> Iterator[tuple[str, _Record, list[str | None]]]:
        """(``ent_num/row_num``, main record, cells) of an ALT or ADD companion row.

        Rows of the wrong width, and rows whose ent_num the main file lacks, are
        reported and counted in :attr:`stats` under ``role``, not returned.
        """
        for line, cells in _read_rows(path, ctx):
            ent_num = cells[0].strip()
            self.stats[f"{role}_rows"] += 1
            if len(cells) != len(columns):
                ctx.issue(
                    path,
                    ent_num or f"line {line}",
                    "row",
                    f"expected {len(columns)} columns, found {len(cells)}",
                )
                continue
            values = [_cell(c) for c in cells]
            record_id = f"{ent_num}/{values[1]}"
            record = records.get(ent_num)
            if record is None:
                self.stats[f"{role}_rows_unknown_ent_num"] += 1
                ctx.issue(path, record_id, "ent_num", f"{what} for an ent_num the main file lacks")
                continue
            yield record_id, record, values

    def _read_aliases(self, path: Path, records: dict[str, _Record], ctx: ParseContext) -> None:
        rows = self._joined_rows(path, records, ctx, "alt", ALT_COLUMNS, "alias")
        for record_id, record, values in rows:
            if values[3] is None:
                ctx.issue(path, record_id, "alt_name", "empty alias")
                continue
            alt_type = (values[2] or "").lower().replace(".", "")
            record.aliases.append((record_id, alt_type, values[3], values[4]))
            self.stats["alt_rows_attached"] += 1

    def _read_addresses(self, path: Path, records: dict[str, _Record], ctx: ParseContext) -> None:
        rows = self._joined_rows(path, records, ctx, "add", ADD_COLUMNS, "address")
        for record_id, record, values in rows:
            record.addresses.append((record_id, values[2:]))
            self.stats["add_rows_attached"] += 1

    @staticmethod
    def _index(records: dict[str, _Record]) -> _NameIndex:
        index = _NameIndex()
        for record in records.values():
            index.add(0, record.name, record.ent_num)
            for _rid, _kind, name, _remarks in record.aliases:
                index.add(1, name, record.ent_num)
            for fact in record.facts:
                if fact.kind == "alias":
                    index.add(2, fact.value, record.ent_num)
        return index


class _Builder:
    """Turns one :class:`_Record` into its party and auxiliary entities."""

    def __init__(
        self,
        path: Path,
        prefix: str,
        ctx: ParseContext,
        index: _NameIndex,
        stats: Counter[str],
        alt_path: Path | None,
        add_path: Path | None,
    ) -> None:
        self.path = path
        self.prefix = prefix
        self.ctx = ctx
        self.index = index
        self.stats = stats
        self.alt_path = alt_path
        self.add_path = add_path
        source = SOURCES.get(ctx.source)
        self.authority = source.authority if source else AUTHORITY
        self._countries: dict[str, str | None] = {}

    def party_id(self, ent_num: str) -> str:
        return slug_id(self.prefix, ent_num)

    def build(self, record: _Record) -> Iterator[ListEntity]:
        schema = self._schema(record)
        party = make_entity(schema, self.party_id(record.ent_num))
        annotations: dict[str, Any] = {}
        notes: list[str] = []
        aux: dict[str, EntityProxy] = {}
        self._names(record, party)
        self._columns(record, party, notes)
        sanctions = self._sanctions(record, party)
        for fact in record.facts:
            self._fact(record, party, fact, notes, annotations, sanctions, aux)
        owner = record.cells["Vess_owner"]
        if owner:  # a relation stated by name, like "Linked To"
            self._relation(
                record, party, "vessel_owner", owner, annotations, aux, "Vess_owner", notes
            )
        self._aliases(record, party, annotations)
        self._addresses(record, party, notes)
        for note in notes:
            self._add(party, "notes", note, record.ent_num, "Remarks")
        yield ListEntity(party, source_ref=record.ent_num, annotations=annotations)
        for sanction in sanctions.values():
            yield ListEntity(sanction)
        for entity in aux.values():
            yield ListEntity(entity)

    # --- small helpers -----------------------------------------------------------------
    def _add(
        self,
        entity: EntityProxy,
        prop: str,
        value: str | None,
        record: str,
        field_name: str,
        *,
        file: Path | None = None,
        fuzzy: bool = False,
    ) -> bool:
        schema_prop = entity.schema.get(prop)
        if fuzzy and value and schema_prop is not None and schema_prop.type == registry.country:
            # Country names repeat thousands of times: clean each spelling once.
            if value not in self._countries:
                self._countries[value] = clean_country(value)
            code = self._countries[value]
            if code is not None:
                entity.add(prop, code, cleaned=True)
                return True
        return self.ctx.add(
            entity,
            prop,
            value,
            file=file or self.path,
            record=record,
            field_name=field_name,
            fuzzy=fuzzy,
        )

    @staticmethod
    def _target_prop(schema: Schema, prop: str) -> str | None:
        if schema.get(prop) is not None:
            return prop
        for fallback in _FALLBACK.get(prop, ()):
            if schema.get(fallback) is not None:
                return fallback
        return None

    def _put(
        self,
        entity: EntityProxy,
        props: Iterable[str],
        value: str,
        record: _Record,
        field_name: str,
        notes: list[str],
        raw: str,
        fuzzy: bool = False,
    ) -> None:
        """Add ``value`` to each of ``props`` the schema has; keep ``raw`` in notes otherwise."""
        kept = False
        for prop in props:
            target = self._target_prop(entity.schema, prop)
            if target is None:
                self.stats["facts_not_in_schema"] += 1
                continue
            is_country = entity.schema.properties[target].type == registry.country
            if target == "phone":
                value = self._phone(value)
            if is_country and value.lower() in _NO_COUNTRY:
                kept = True
                continue
            if self._add(
                entity, target, value, record.ent_num, field_name, fuzzy=fuzzy or is_country
            ):
                kept = True
        if not kept:
            self._note(notes, raw)

    @staticmethod
    def _phone(value: str) -> str:
        for variant in phone_variants(value):
            if registry.phone.clean(variant) is not None:
                return variant
        return value

    @staticmethod
    def _note(notes: list[str], text: str) -> None:
        text = strip_period(text.strip())
        if text and text not in notes:
            notes.append(text)

    # --- schema and names ------------------------------------------------------------
    def _schema(self, record: _Record) -> str:
        kind = (record.cells["SDN_Type"] or "").lower()
        if kind in _TYPES:
            return _TYPES[kind]
        if kind:
            self.ctx.issue(
                self.path, record.ent_num, "SDN_Type", f"unknown type {kind!r}, read as an entity"
            )
        if COMPANY_FORMS.search(record.name.upper()):
            return "Company"
        return "Organization"

    def _names(self, record: _Record, party: EntityProxy) -> None:
        name = record.name
        self._add(party, "name", name, record.ent_num, "SDN_Name")
        if party.schema.name != "Person" or "," not in name:
            return
        last, _, rest = name.partition(",")
        given, _, suffix = rest.partition(",")
        self._add(party, "lastName", last, record.ent_num, "SDN_Name")
        self._add(party, "firstName", given, record.ent_num, "SDN_Name")
        if suffix.strip():
            self._add(party, "nameSuffix", suffix, record.ent_num, "SDN_Name")

    def _columns(self, record: _Record, party: EntityProxy, notes: list[str]) -> None:
        cells = record.cells
        title = cells["Title"]
        if title:
            for part in title.split(";"):
                part = re.sub(
                    r"^(?:alt\.\s*)?(?:position|alternate title|title)\s*[:,]?\s*",
                    "",
                    part.strip(),
                    flags=re.I,
                )
                if part:
                    self._put(
                        party,
                        ("position",),
                        strip_period(part),
                        record,
                        "Title",
                        notes,
                        f"Title: {part}",
                    )
        columns = (
            ("Call_Sign", ("callSign",), False),
            ("Vess_type", ("type",), False),
            ("Tonnage", ("tonnage",), False),
            ("GRT", ("grossRegisteredTonnage",), False),
            ("Vess_flag", ("flag",), True),
        )
        for column, props, fuzzy in columns:
            value = cells[column]
            if value is None:
                continue
            if column in ("Tonnage", "GRT"):
                value = value.replace(",", "")
            self._put(party, props, value, record, column, notes, f"{column}: {value}", fuzzy=fuzzy)

    # --- sanctions -------------------------------------------------------------------
    def _sanctions(self, record: _Record, party: EntityProxy) -> dict[str, EntityProxy]:
        codes = _split_programs(record.cells["Program"])
        if not codes:
            self.ctx.issue(self.path, record.ent_num, "Program", "no sanctions programme")
            codes = [""]
        sanctions: dict[str, EntityProxy] = {}
        for code in codes:
            sanction = new_sanction(party.id or "", self.authority, "us", code)
            # Trusted values built here, already in FtM's clean form.
            if code:
                sanction.add("programId", code, cleaned=True)
                sanction.add("program", PROGRAMS.get(code, code), cleaned=True)
            sanction.add("authorityId", record.ent_num, cleaned=True)
            sanction.add("sourceUrl", SDN_DETAILS_URL.format(record.ent_num), cleaned=True)
            sanctions[code] = sanction
        return sanctions

    def _for_programs(
        self, sanctions: dict[str, EntityProxy], hint: str | None
    ) -> list[EntityProxy]:
        if hint is not None:
            pattern = re.compile(hint)
            matching = [s for code, s in sanctions.items() if pattern.search(code)]
            if matching:
                return matching
        return list(sanctions.values())

    # --- remark facts ----------------------------------------------------------------
    def _fact(
        self,
        record: _Record,
        party: EntityProxy,
        fact: Fact,
        notes: list[str],
        annotations: dict[str, Any],
        sanctions: dict[str, EntityProxy],
        aux: dict[str, EntityProxy],
    ) -> None:
        self.stats["remark_facts"] += 1
        self.stats[f"remark_facts_{fact.kind}"] += 1
        field_name = f"Remarks: {fact.label or fact.kind}"
        if fact.partial:
            self.stats["remark_facts_partial"] += 1
            self._note(notes, fact.raw)
        kind = fact.kind
        if kind == "birth_date":
            self._birth_date(record, party, fact, notes, annotations)
        elif kind == "birth_place":
            self._put(party, ("birthPlace",), fact.value, record, field_name, notes, fact.raw)
        elif kind in ("nationality", "citizenship"):
            self._put(party, (kind,), fact.value, record, field_name, notes, fact.raw, fuzzy=True)
        elif kind == "gender":
            self._put(party, ("gender",), fact.value, record, field_name, notes, fact.raw)
        elif kind == "identifier":
            self._identifier(record, party, fact, notes, aux)
        elif kind in ("property", "position"):
            if not fact.partial:
                self._put(party, fact.props, fact.value, record, field_name, notes, fact.raw)
        elif kind == "alias":
            self._weak_alias(record, party, fact, annotations)
        elif kind in ("link", "owner", "operator"):
            self._relation(record, party, kind, fact.value, annotations, aux, field_name, notes)
        elif kind == "crypto":
            self._wallet(record, party, fact, aux)
        elif kind == "provision":
            for sanction in self._for_programs(sanctions, fact.program_hint):
                sanction.add("provisions", fact.value)
                if fact.listing_date:
                    sanction.add("listingDate", fact.listing_date)
                if fact.start_date:
                    sanction.add("startDate", fact.start_date)
        elif kind == "program_url":
            for sanction in self._for_programs(sanctions, fact.program_hint):
                self._add(sanction, "programUrl", fact.value, record.ent_num, field_name)
        else:  # note, unknown
            if kind == "unknown":
                self.stats["remark_facts_unknown_kept_in_notes"] += 1
            self._note(notes, fact.raw)

    def _birth_date(
        self,
        record: _Record,
        party: EntityProxy,
        fact: Fact,
        notes: list[str],
        annotations: dict[str, Any],
    ) -> None:
        if fact.partial:
            return
        if party.schema.get("birthDate") is None:
            self.stats["facts_not_in_schema"] += 1
            self._note(notes, fact.raw)
            return
        field_name = "Remarks: DOB"
        if fact.date_to:
            entry: dict[str, Any] = {"from": fact.value, "to": fact.date_to}
            self._add(party, "birthDate", fact.value[:4], record.ent_num, field_name)
            self._add(party, "birthDate", fact.date_to[:4], record.ent_num, field_name)
        else:
            self._add(party, "birthDate", fact.value, record.ent_num, field_name)
            if not fact.circa:
                return
            entry = {"date": fact.value}
        if fact.circa:
            entry["circa"] = True
        annotate(annotations, "birth_dates", entry)

    def _identifier(
        self,
        record: _Record,
        party: EntityProxy,
        fact: Fact,
        notes: list[str],
        aux: dict[str, EntityProxy],
    ) -> None:
        field_name = f"Remarks: {fact.label}"
        self._put(party, fact.props, fact.value, record, field_name, notes, fact.raw)
        if fact.document is None or not party.schema.is_a("LegalEntity"):
            return
        parts = (fact.label, fact.value, fact.country)
        doc_id = document_id(fact.document, party.id or "", *parts)
        doc = aux.get(doc_id)
        if doc is None:
            doc = new_document(fact.document, party.id or "", *parts)
            self._add(doc, "number", fact.value, record.ent_num, field_name)
            self._add(doc, "type", fact.label, record.ent_num, field_name)
            if fact.country:
                self._add(doc, "country", fact.country, record.ent_num, field_name, fuzzy=True)
            aux[doc_id] = doc
        self._add(doc, "startDate", fact.issued, record.ent_num, field_name)
        self._add(doc, "endDate", fact.expires, record.ent_num, field_name)

    def _weak_alias(
        self, record: _Record, party: EntityProxy, fact: Fact, annotations: dict[str, Any]
    ) -> None:
        if self._add(party, "weakAlias", fact.value, record.ent_num, f"Remarks: {fact.label}"):
            annotations.setdefault("alias_quality", {})[fact.value] = "weak"
            self.stats["aliases_weak_from_remarks"] += 1

    def _wallet(
        self, record: _Record, party: EntityProxy, fact: Fact, aux: dict[str, EntityProxy]
    ) -> None:
        wallet_id = derived_id(party.id or "", "wallet", fact.label, fact.value)
        if wallet_id in aux:
            return
        wallet = make_entity("CryptoWallet", wallet_id)
        field_name = "Remarks: Digital Currency Address"
        self._add(wallet, "publicKey", fact.value, record.ent_num, field_name)
        self._add(wallet, "currency", fact.label, record.ent_num, field_name)
        if party.schema.is_a("LegalEntity"):
            wallet.add("holder", party.id, cleaned=True)
        aux[wallet_id] = wallet

    def _relation(
        self,
        record: _Record,
        party: EntityProxy,
        kind: str,
        name: str,
        annotations: dict[str, Any],
        aux: dict[str, EntityProxy],
        field_name: str,
        notes: list[str],
    ) -> None:
        label = _RELATION_LABELS[kind]
        targets = self.index.resolve(name, record.ent_num)
        if targets == [record.ent_num]:
            self.stats["relations_to_self"] += 1
            return
        if not targets and kind == "operator":
            # An operator is a description of the aircraft, not a stated link: no warning.
            self.stats["operators_unresolved"] += 1
            self._note(notes, f"{label} {name}")
            return
        if not targets:
            self.stats["relations_unresolved"] += 1
            annotate(annotations, "unresolved_links", {"relation": label, "name": name})
            self.ctx.issue(
                self.path,
                record.ent_num,
                field_name,
                f"{label} {name!r}: no entity of the file has this name",
            )
            return
        if len(targets) > 1:
            self.stats["relations_ambiguous"] += 1
            self.ctx.issue(
                self.path,
                record.ent_num,
                field_name,
                f"{label} {name!r} names {len(targets)} entities "
                f"({', '.join(targets)}); linked to each",
            )
        self.stats["relations_resolved"] += 1
        for target in targets:
            target_id = self.party_id(target)
            if kind == "operator" and party.schema.get("operator") is not None:
                party.add("operator", target_id, cleaned=True)
                continue
            if kind in ("owner", "vessel_owner"):
                rel = make_entity(
                    "Ownership", derived_id(party.id or "", "ownership", target_id, label)
                )
                rel.add("owner", target_id, cleaned=True)
                rel.add("asset", party.id, cleaned=True)
            else:
                rel = make_entity(
                    "UnknownLink", derived_id(party.id or "", "link", target_id, label)
                )
                rel.add("subject", party.id, cleaned=True)
                rel.add("object", target_id, cleaned=True)
            rel.add("role", label, cleaned=True)
            aux.setdefault(rel.id or "", rel)

    # --- companions ------------------------------------------------------------------
    def _aliases(self, record: _Record, party: EntityProxy, annotations: dict[str, Any]) -> None:
        file = self.alt_path
        for record_id, alt_type, name, remarks in record.aliases:
            prop = {"aka": "alias", "nka": "alias", "fka": "previousName"}.get(alt_type)
            if prop is None:
                self.ctx.issue(
                    file or self.path,
                    record_id,
                    "alt_type",
                    f"unknown alias type {alt_type!r}, kept as alias",
                )
                prop = "alias"
            weak = remarks is not None and "weak" in remarks.lower()
            if weak:
                prop = "weakAlias"
            if self._add(party, prop, name, record_id, "alt_name", file=file):
                if weak:
                    annotations.setdefault("alias_quality", {})[name] = "weak"
            if remarks is not None and not weak:
                self._add(party, "notes", f"{name}: {remarks}", record_id, "alt_remarks", file=file)

    def _addresses(self, record: _Record, party: EntityProxy, notes: list[str]) -> None:
        file = self.add_path
        for record_id, (street, city, country, remarks) in record.addresses:
            if country is not None and country.lower() in _NO_COUNTRY:
                country = None
            if street or city:
                full = ", ".join(p for p in (street, city, country) if p)
                self._add(party, "address", full, record_id, "address", file=file)
            if country:
                # "Region: Crimea" names a region, the country part is what FtM can read.
                region = re.sub(r"^Region:\s*", "", country)
                if not self._add(
                    party, "country", region, record_id, "country", file=file, fuzzy=True
                ):
                    if not (street or city):
                        self._add(party, "address", country, record_id, "country", file=file)
            if remarks:
                self._add(party, "notes", remarks, record_id, "add_remarks", file=file)
