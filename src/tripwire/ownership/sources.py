"""Edges from FtM relation entities (list relations, FtM files) and from user CSV files.

Every reader returns the edges it could build and an :class:`Issue` naming
the row of each one it could not (negative or over-100 shares, dates out of
order, unknown entity references, malformed rows): one bad row never stops
the rest of a file from importing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tripwire.ownership.model import Edge, EdgeKind
from tripwire.ownership.resolve import PARTY_SCHEMAS, Resolver
from tripwire.ownership.store import Issue, Party

RELATION_SCHEMAS = ("Ownership", "Directorship", "UnknownLink")
_IDENTIFIER_PROPS = (
    "innCode",
    "taxNumber",
    "registrationNumber",
    "ogrnCode",
    "leiCode",
    "idNumber",
)
_COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "citizenship")


def parse_share(value: str | None) -> float | None:
    """A percentage: ``50``, ``50.5``, ``50 %``, ``0,5`` is not accepted (ambiguous)."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().rstrip("%").strip()
    try:
        share = float(text)
    except ValueError:
        raise ValueError(f"share {value!r} is not a number") from None
    if share != share:
        raise ValueError(f"share {value!r} is not a number")
    if share < 0:
        raise ValueError(f"share {value!r} is negative")
    if share > 100:
        raise ValueError(f"share {value!r} is more than 100%")
    return share


_DATE = re.compile(
    r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?"
    # a time of day after a full date is accepted and ignored (FtM timestamps)
    r"(?:(?<=\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def parse_date(value: str | None, *, end: bool = False) -> dt.date | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a partial date covers its whole period).

    Nothing may follow the date but a time of day: ``2024-01-015`` and
    ``2024-01-01junk`` are errors, not 2024-01-01.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"date {value!r} is not YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        if day:
            return dt.date(int(year), int(month), int(day))
        if month:
            start = dt.date(int(year), int(month), 1)
            if not end:
                return start
            following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(int(year), 12, 31) if end else dt.date(int(year), 1, 1)
    except ValueError:
        raise ValueError(f"date {value!r} does not exist") from None


def _first(props: dict[str, list[str]], name: str) -> str | None:
    values = props.get(name) or []
    return values[0] if values else None


def relation_edges(
    entity_id: str,
    schema: str,
    props: dict[str, list[str]],
    *,
    source: str,
    observed: dt.date | None = None,
    confidence: float = 1.0,
) -> tuple[list[Edge], list[Issue]]:
    """Edges stated by one FtM relation entity (Ownership, Directorship, UnknownLink).

    ``Owned or Controlled By`` and ``Subsidiary Of`` without a percentage are
    control edges; ``Linked To`` and directorships are links (hints only);
    an Ownership with neither percentage nor such a role is equity of unknown size.
    """
    issues: list[Issue] = []
    role = (_first(props, "role") or _first(props, "relationship") or "").lower()
    try:
        start = parse_date(_first(props, "startDate"))
        end = parse_date(_first(props, "endDate"), end=True)
        share = parse_share(_first(props, "percentage")) if schema == "Ownership" else None
    except ValueError as exc:
        return [], [Issue(entity_id, str(exc))]
    if start and end and end < start:
        return [], [Issue(entity_id, f"dates out of order: {start} after {end}")]
    pairs: list[tuple[str | None, str | None]]
    if schema == "Ownership":
        pairs = [(o, a) for o in props.get("owner", []) for a in props.get("asset", [])]
        controlish = "control" in role or "subsidiary" in role or "operates" in role
        kind = EdgeKind.EQUITY if share is not None or not controlish else EdgeKind.CONTROL
    elif schema == "Directorship":
        pairs = [(d, o) for d in props.get("director", []) for o in props.get("organization", [])]
        kind = EdgeKind.LINK
    elif schema == "UnknownLink":
        # "A: Owned or Controlled By B" and "A: Subsidiary Of B" -> B over A; "Linked To" ->
        # a link from B to A, so that A inherits B's hint.
        pairs = [(o, s) for s in props.get("subject", []) for o in props.get("object", [])]
        kind = (
            EdgeKind.CONTROL
            if "controlled" in role or "subsidiary" in role or "owned" in role
            else EdgeKind.LINK
        )
    else:
        return [], []
    edges = [
        Edge(owner, owned, kind, share, start, end, source, confidence, entity_id, observed)
        for owner, owned in pairs
        if owner and owned and owner != owned
    ]
    if not edges:
        issues.append(Issue(entity_id, f"{schema} without both ends"))
    return edges, issues


@dataclass
class ReadResult:
    """What a file gave: edges over party ids, the parties, and the rejected rows."""

    rows_read: int = 0
    edges: list[Edge] = field(default_factory=list)
    parties: list[Party] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def _resolve(
    resolver: Resolver | None,
    names: list[str],
    schema: str | None,
    countries: list[str],
    identifiers: list[str],
) -> tuple[str | None, float | None]:
    if resolver is None:
        return None, None
    found = resolver(names, schema, countries, identifiers)
    return (found.entity_id, found.score) if found else (None, None)


def read_ftm(
    path: Path,
    source: str,
    *,
    resolver: Resolver | None = None,
    known: Callable[[str], bool] = lambda _id: False,
    observed: dt.date | None = None,
) -> ReadResult:
    """Parties and relation edges of an FtM JSON lines file (``zala.ftm.json``)."""
    result = ReadResult()
    entities: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            result.rows_read += 1
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or "id" not in data or "schema" not in data:
                    raise ValueError("not an FtM entity (id and schema needed)")
                if not isinstance(data["id"], str) or not data["id"]:
                    raise ValueError("the id is not a string")
                _check_length("id", data["id"])
            except ValueError as exc:
                result.issues.append(Issue(f"line {lineno}", f"unreadable: {exc}"))
                continue
            entities.append((lineno, data))
    ids = set()
    for _lineno, data in entities:
        schema = data["schema"]
        if schema not in PARTY_SCHEMAS:
            continue
        props = data.get("properties") or {}
        names = list(props.get("name") or []) + list(props.get("alias") or [])
        countries = [c for p in _COUNTRY_PROPS for c in props.get(p) or []]
        identifiers = [i for p in _IDENTIFIER_PROPS for i in props.get(p) or []]
        entity_id, score = _resolve(resolver, names[:5], schema, countries, identifiers)
        caption = data.get("caption") or (names[0] if names else data["id"])
        result.parties.append(
            Party(data["id"], caption, schema, tuple(countries), entity_id, score, source)
        )
        ids.add(data["id"])
    for lineno, data in entities:
        if data["schema"] not in RELATION_SCHEMAS:
            continue
        edges, issues = relation_edges(
            data["id"],
            data["schema"],
            data.get("properties") or {},
            source=source,
            observed=observed,
        )
        result.issues.extend(Issue(f"line {lineno}", f"{i.row}: {i.message}") for i in issues)
        for edge in edges:
            unknown = [e for e in (edge.owner, edge.owned) if e not in ids and not known(e)]
            if unknown:
                result.issues.append(
                    Issue(f"line {lineno}", f"{data['id']}: unknown entity {', '.join(unknown)}")
                )
                continue
            result.edges.append(edge)
    return result


CSV_COLUMNS = ("owner", "owned", "share", "kind", "valid_from", "valid_to")
_OPTIONAL = (
    "arrangement",
    "confidence",
    "owner_schema",
    "owned_schema",
    "owner_country",
    "owned_country",
    "ref",
)


# Longest party name or id kept (an over-long cell is a row error, not a database error).
MAX_ID_CHARS = 1000
# What a list entity id looks like (``ofac-36``, ``eu-fsf-123``, ``NK-aU5y...``): a bare value
# of this shape that no list has is kept as a name, with a warning.
_ID_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*-[A-Za-z0-9_]*\d[A-Za-z0-9_]*")


def _check_length(what: str, value: str) -> None:
    if len(value) > MAX_ID_CHARS:
        raise ValueError(f"{what} is {len(value)} characters long (at most {MAX_ID_CHARS})")


def name_party_id(name: str) -> str:
    """A stable node id for a party known only by name."""
    return "name:" + " ".join(name.casefold().split())


def read_csv(
    path: Path,
    source: str,
    *,
    resolver: Resolver | None = None,
    known: Callable[[str], bool] = lambda _id: False,
) -> ReadResult:
    """Edges of a user CSV file (``owner, owned, share, kind, valid_from, valid_to``).

    An end is a list entity id when it is one (or written ``id:ID``, which must
    exist), otherwise a name resolved to a list entity through the screening
    engine; an unresolved name stays a party of its own.
    """
    result = ReadResult()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        result.issues.append(Issue(str(path), f"cannot read: {exc}"))
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("owner", "owned") if c not in header]
    if missing:
        result.issues.append(Issue("line 1", f"missing column(s) {', '.join(missing)}"))
        return result
    reader.fieldnames = header
    parties: dict[str, Party] = {}
    warned: list[Issue] = []
    for row in _rows(reader, result, ""):
        where = f"line {reader.line_num}"
        try:
            edge = _csv_edge(row, where, source, resolver, known, parties, warned)
        except ValueError as exc:
            result.issues.append(Issue(where, str(exc)))
            continue
        result.edges.append(edge)
    result.issues.extend(warned)
    stated = [e.share for e in result.edges if e.share is not None]
    if stated and max(stated) <= 1.0 and any(stated):
        result.issues.append(
            Issue(
                str(path.name),
                f"warning: every share is 1 or less (largest {max(stated):g}): shares are "
                f"percentages (0 to 100), so 0.5 reads as half a percent; write 50 for a half",
            )
        )
    result.parties = list(parties.values())
    return result


def _csv_edge(
    row: dict[str, Any],
    where: str,
    source: str,
    resolver: Resolver | None,
    known: Callable[[str], bool],
    parties: dict[str, Party],
    warned: list[Issue] | None = None,
) -> Edge:
    if None in row:
        raise ValueError("more cells than columns")
    cells = {k: (v or "").strip() for k, v in row.items() if k}
    if not cells.get("owner") or not cells.get("owned"):
        raise ValueError("owner and owned are required")
    kind = EdgeKind.parse(cells.get("kind") or "equity")
    arrangement = cells.get("arrangement") or ""
    if arrangement and kind != EdgeKind.JOINT:
        raise ValueError(f"arrangement {arrangement!r} goes with kind joint, not {kind.value}")
    share = parse_share(cells.get("share"))
    start = parse_date(cells.get("valid_from"))
    end = parse_date(cells.get("valid_to"), end=True)
    if start and end and end < start:
        raise ValueError(f"dates out of order: valid_from {start} after valid_to {end}")
    confidence = 1.0
    if cells.get("confidence"):
        try:
            confidence = float(cells["confidence"])
        except ValueError:
            raise ValueError(f"confidence {cells['confidence']!r} is not a number") from None
        if not 0 <= confidence <= 1:
            raise ValueError(f"confidence {confidence} is not between 0 and 1")
    ends = []
    for end_name, default_schema in (("owner", None), ("owned", "Company")):
        value = cells[end_name]
        schema = cells.get(f"{end_name}_schema") or default_schema
        country = cells.get(f"{end_name}_country") or ""
        _check_length(end_name, value)
        ends.append(_party(value, schema, country, source, resolver, known, parties))
        if (
            warned is not None
            and not value.startswith("id:")
            and ends[-1] != value
            and _ID_LIKE.fullmatch(value)
        ):
            warned.append(
                Issue(
                    where,
                    f"warning: {end_name} {value!r} looks like a list entity id but no list "
                    f"has it: kept as a name (write id:{value} to insist on an id)",
                )
            )
    if ends[0] == ends[1]:
        raise ValueError("owner and owned are the same party")
    return Edge(
        ends[0],
        ends[1],
        kind,
        share,
        start,
        end,
        source,
        confidence,
        cells.get("ref") or where,
        arrangement=arrangement,
    )


def _party(
    value: str,
    schema: str | None,
    country: str,
    source: str,
    resolver: Resolver | None,
    known: Callable[[str], bool],
    parties: dict[str, Party],
) -> str:
    if value.startswith("id:"):
        entity_id = value[3:].strip()
        if not known(entity_id):
            raise ValueError(f"unknown entity {entity_id!r}")
        return entity_id
    if known(value):
        return value
    party_id = name_party_id(value)
    if party_id not in parties:
        countries = [c.strip() for c in country.split(";") if c.strip()]
        resolved, score = _resolve(resolver, [value], schema, countries, [])
        parties[party_id] = Party(
            party_id, value, schema or "LegalEntity", tuple(countries), resolved, score, source
        )
    return party_id


def list_relation_edges(
    relations: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    source: str,
    observed: dt.date | None,
) -> Iterator[Edge]:
    """Edges of a list version's relation entities ((id, schema, FtM data) triples)."""
    for entity_id, schema, data in relations:
        if schema not in RELATION_SCHEMAS:
            continue
        edges, _issues = relation_edges(
            entity_id, schema, data.get("properties") or {}, source=source, observed=observed
        )
        yield from edges


ANNEX_XIV_SOURCE = "eu_annex_xiv"
_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
}


def parse_annex_date(value: str) -> dt.date | None:
    """``12 March 2022`` or ``16.12.2022`` (the two ways the annex transcription writes dates)."""
    text = value.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", text)
    try:
        if match and match.group(2).lower() in _MONTHS:
            return dt.date(
                int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1))
            )
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        pass
    raise ValueError(f"date {value!r} is neither '12 March 2022' nor '16.12.2022'")


def annex_seed_node(party: Party) -> str:
    """The graph node of an Annex XIV bank: its list entity, else its name as CSV files give it."""
    return party.entity_id or name_party_id(party.name)


def read_annex(path: Path, *, resolver: Resolver | None = None, annex: str = "XIV") -> ReadResult:
    """The banks of Annex XIV of Reg. 833/2014 (``eu/32014R0833.csv``) with their dates.

    They are the seeds of the Art. 5h test; each is resolved to a list entity
    when the screening engine is sure enough, and otherwise matched by name.
    """
    result = ReadResult()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        result.issues.append(Issue(str(path), f"cannot read: {exc}"))
        return result
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("annex", "name", "startDate") if c not in (reader.fieldnames or [])]
    if missing:
        result.issues.append(
            Issue(f"{path.name} line 1", f"missing column(s) {', '.join(missing)}")
        )
        return result
    for row in _rows(reader, result, f"{path.name} "):
        if (row.get("annex") or "").strip() != annex:
            continue
        where = f"{path.name} line {reader.line_num}"
        if None in row:
            result.issues.append(Issue(where, "more cells than columns"))
            continue
        name = (row.get("name") or "").strip()
        if not name:
            result.issues.append(Issue(where, "Annex XIV row without a name"))
            continue
        if len(name) > MAX_ID_CHARS:
            result.issues.append(Issue(where, f"name longer than {MAX_ID_CHARS} characters"))
            continue
        try:
            since = parse_annex_date(row.get("startDate") or "")
        except ValueError as exc:
            result.issues.append(Issue(where, str(exc)))
            continue
        aliases = [a.strip() for a in (row.get("alias") or "").split(";") if a.strip()]
        identifiers = [
            (row.get(c) or "").strip() for c in ("innCode", "ogrnCode", "swiftBic", "leiCode")
        ]
        resolved, score = _resolve(
            resolver, [name, *aliases][:5], "Company", ["ru"], [i for i in identifiers if i]
        )
        result.parties.append(
            Party(
                f"{ANNEX_XIV_SOURCE}:{' '.join(name.casefold().split())}",
                name,
                "Company",
                ("ru",),
                resolved,
                score,
                ANNEX_XIV_SOURCE,
                since,
            )
        )
    return result


def _rows(reader: csv.DictReader[str], result: ReadResult, prefix: str) -> Iterator[dict[str, str]]:
    """The rows of a CSV file, counted; a malformed row is an issue naming its line.

    Reading goes on after a bad row (an over-long field, say) unless nothing
    could be consumed, in which case the rest of the file cannot be read.
    """
    while True:
        line = reader.reader.line_num  # DictReader's own count lags on errors
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.rows_read += 1
            result.issues.append(Issue(f"{prefix}line {line + 1}", f"malformed CSV: {exc}"))
            if reader.reader.line_num == line:
                return
            continue
        result.rows_read += 1
        yield row
